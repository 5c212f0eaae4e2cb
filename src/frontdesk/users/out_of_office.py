"""Out of office: setting and ending an agent's planned absence, and the loop's round that makes
it start and end on time (docs/desk.md, "Out of office").

An absence is five columns of the agent's row, changed under that row's lock: two requests (the
agent ending it while an admin changes it, or the loop ending it at its time) take turns, and the
second sees what the first left. Starting makes the agent unavailable for chat; ending never makes
them available again (they choose, as after any absence from the desk).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.chats import service as chats_service
from frontdesk.errors import Conflict, Forbidden, Invalid
from frontdesk.users.absence import away_now
from frontdesk.users.events import record_out_of_office_changed
from frontdesk.users.models import Role, User
from frontdesk.users.schemas import OUT_OF_OFFICE_NOTE_LENGTH

# Users whose absence one round starts or ends at most; the rest wait for the next round.
ROUND = 50


async def _lock(session: AsyncSession, user: User) -> User:
    locked = await session.get(User, user.id, with_for_update=True, populate_existing=True)
    return locked if locked is not None else user


def _checked(
    *, start: datetime | None, until: datetime | None, note: str | None, now: datetime
) -> tuple[datetime, str | None]:
    begins = now if start is None or start < now else start
    if until is not None and until <= now:
        raise Invalid("until", "This end is in the past; choose a later one or none.")
    if until is not None and until <= begins:
        raise Invalid("until", "The end must come after the start.")
    text = (note or "").strip() or None
    if text is not None and len(text) > OUT_OF_OFFICE_NOTE_LENGTH:
        raise Invalid(
            "note",
            f"Keep the note to {OUT_OF_OFFICE_NOTE_LENGTH} characters (it has {len(text)}).",
        )
    return begins, text


def _may_change(actor: User, user: User) -> None:
    """The rules of `PATCH /users/{id}` (users/service.py `update_user`): an admin does not
    touch an owner's account, and a deactivated one has no desk to be away from."""
    if user.role == Role.owner and actor.role != Role.owner and actor.id != user.id:
        raise Forbidden("Only an owner can change an owner.")
    if not user.is_active:
        raise Conflict(
            f"{user.name} is deactivated: reactivate them first to set their out of office.",
            code="user_deactivated",
        )


def _state(user: User) -> dict[str, object] | None:
    """What the audit log keeps, read from the columns: an absence past its end, which the read
    models no longer show, is still what the loop's ending ends."""
    start, until = user.out_of_office_from, user.out_of_office_until
    if start is None:
        return None
    return {
        "from": start.isoformat(),
        "until": None if until is None else until.isoformat(),
        "note": user.out_of_office_note,
        "keep_assigned": user.out_of_office_keep_assigned,
    }


async def set_out_of_office(
    session: AsyncSession,
    *,
    actor: User,
    user: User,
    start: datetime | None,
    until: datetime | None,
    note: str | None,
    keep_assigned: bool,
    now: datetime,
) -> User:
    """Sets (or replaces) the absence, by `actor` (the agent, or an admin or owner). A start in
    the past or left out is now, except the start of the absence under way, sent back as it
    was (the dialog changing its note or end)."""
    _may_change(actor, user)
    begins, text = _checked(start=start, until=until, note=note, now=now)
    user = await _lock(session, user)
    _may_change(actor, user)  # judged again on the locked row: deactivated meanwhile
    if start is not None and start == user.out_of_office_from and away_now(user, now):
        # The one under way, changed (its note, its end): it keeps the start it had.
        begins = start
    before = _state(user)
    user.out_of_office_from = begins
    user.out_of_office_until = until
    user.out_of_office_note = text
    user.out_of_office_keep_assigned = keep_assigned
    away = away_now(user, now)
    # Its start is announced once: here when it holds now, else by the loop at its time.
    user.out_of_office_started = away
    audit.record(
        session,
        action="user.out_of_office_set",
        target=user,
        changes={"out_of_office": [before, _state(user)]},
    )
    record_out_of_office_changed(session, user=user, away=away)
    if away:
        await chats_service.set_availability(
            session, user=user, available=False, reason="out_of_office"
        )
    await session.flush()
    return user


async def end_out_of_office(
    session: AsyncSession, *, actor: User, user: User, now: datetime
) -> User:
    """Ends it now (or takes back one to come), by the agent or an admin or owner. Ending one
    that is not set, or whose end has already passed, changes nothing: the loop ends that one,
    as the system, at its time (`start_and_end_due`)."""
    if user.role == Role.owner and actor.role != Role.owner and actor.id != user.id:
        raise Forbidden("Only an owner can change an owner.")
    user = await _lock(session, user)
    until = user.out_of_office_until
    if user.out_of_office_from is None or (until is not None and until <= now):
        return user
    _clear(session, user)
    await session.flush()
    return user


def _clear(session: AsyncSession, user: User) -> User:
    before = _state(user)
    user.out_of_office_from = None
    user.out_of_office_until = None
    user.out_of_office_note = None
    user.out_of_office_keep_assigned = False
    user.out_of_office_started = False
    audit.record(
        session,
        action="user.out_of_office_ended",
        target=user,
        changes={"out_of_office": [before, None]},
    )
    record_out_of_office_changed(session, user=user, away=False)
    return user


async def start_and_end_due(session: AsyncSession, *, now: datetime) -> int:
    """The loop's round: absences whose end has come are cleared (by the system), and those that
    have begun and were not announced yet start: the agent goes unavailable for chat if they
    were available, and every desk hears it (`agent.out_of_office_changed`, once, whether they
    were online or not). Read without locks, then each user locked skipping those another
    process holds, and judged again."""
    ended = (
        await session.scalars(
            select(User.id)
            .where(User.out_of_office_until.is_not(None), User.out_of_office_until <= now)
            .order_by(User.id)
            .limit(ROUND)
        )
    ).all()
    starting = (
        await session.scalars(
            select(User.id)
            .where(
                User.out_of_office_started.is_(False),
                User.out_of_office_from.is_not(None),
                User.out_of_office_from <= now,
            )
            .order_by(User.id)
            .limit(ROUND)
        )
    ).all()
    ids = sorted({*ended, *starting})
    if not ids:
        return 0
    done = 0
    locked = (
        await session.scalars(
            select(User)
            .where(User.id.in_(ids))
            .order_by(User.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    for user in locked:
        until = user.out_of_office_until
        if user.out_of_office_from is not None and until is not None and until <= now:
            _clear(session, user)
            done += 1
        elif away_now(user, now) and not user.out_of_office_started:
            user.out_of_office_started = True
            await chats_service.set_availability(
                session, user=user, available=False, reason="out_of_office"
            )
            record_out_of_office_changed(session, user=user, away=True)
            done += 1
    await session.flush()
    return done
