"""Time entries and running timers: who may log, change and delete which, and the timer's one
row per agent (docs/desk.md, "Time tracking"). Every read and write goes through a ticket the
agent sees (tickets/service.py `get_ticket`)."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.errors import Conflict, Forbidden, Invalid, NotFound
from frontdesk.kit import cursors
from frontdesk.kit.clock import utcnow
from frontdesk.kit.zones import is_place
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.timetracking import events
from frontdesk.timetracking.models import MAX_MINUTES, RunningTimer, TimeEntry
from frontdesk.users.models import User

# Days an entry may name: none before this, none after tomorrow (tomorrow somewhere on Earth is
# today on the agent's clock; later is a typo).
FIRST_DAY = date(2000, 1, 1)
NO_TIMER = "No timer is running."
# A timer that ran longer than this was most likely forgotten (left running overnight): it is not
# logged by its clock, the agent says how long they really worked (docs/desk.md, "Time tracking").
LONG_TIMER = timedelta(hours=8)
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def zone_of(user: User) -> ZoneInfo:
    """The agent's clock: their time zone preference, else UTC (the desk sends the day itself,
    from the browser's clock, when the preference is empty)."""
    name = str(user.preferences.get("time_zone") or "")
    return ZoneInfo(name) if name and is_place(name) else ZoneInfo("UTC")


def day_on_clock(user: User, at: datetime) -> date:
    return at.astimezone(zone_of(user)).date()


def checked_day(day: date, *, field: str = "day") -> date:
    if day < FIRST_DAY:
        raise Invalid(field, f"The day worked cannot be before {FIRST_DAY.isoformat()}.")
    if day > utcnow().date() + timedelta(days=1):
        raise Invalid(field, "The day worked cannot be in the future.")
    return day


def checked_minutes(minutes: int, *, field: str = "minutes") -> int:
    # The schema says so too; this is the rule for every other caller.
    if not 1 <= minutes <= MAX_MINUTES:
        raise Invalid(field, f"Log between 1 minute and {MAX_MINUTES // 60} hours at a time.")
    return minutes


def timer_minutes(started_at: datetime, stopped_at: datetime) -> int:
    """A timer's minutes: rounded up, at least 1 (a timer started by mistake is discarded, not
    stopped); one that ran past LONG_TIMER is never logged by its clock (`_stop`)."""
    seconds = max(0.0, (stopped_at - started_at).total_seconds())
    return min(MAX_MINUTES, max(1, math.ceil(seconds / 60)))


def not_spam(ticket: Ticket) -> None:
    # Nobody works on junk, and its time would be deleted with it: as merging refuses it
    # (tickets/merging.py `_not_spam`), "Not spam" first.
    if ticket.state is TicketState.spam:
        raise Conflict(
            f"Ticket #{ticket.number} is spam: mark it not spam before tracking time on it.",
            code="ticket_is_spam",
        )


# --- reading ------------------------------------------------------------------------------------


async def totals(session: AsyncSession, *, ticket_ids: Collection[int]) -> dict[int, int]:
    """Each ticket's logged minutes (0 when none), one statement for a page of tickets."""
    if not ticket_ids:
        return {}
    rows = await session.execute(
        select(TimeEntry.ticket_id, func.sum(TimeEntry.minutes))
        .where(TimeEntry.ticket_id.in_(list(ticket_ids)))
        .group_by(TimeEntry.ticket_id)
    )
    found = {int(ticket_id): int(total or 0) for ticket_id, total in rows}
    return {ticket_id: found.get(ticket_id, 0) for ticket_id in ticket_ids}


@dataclass(frozen=True)
class Sums:
    total: int
    billable: int


async def sums(session: AsyncSession, *, ticket_id: int) -> Sums:
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(TimeEntry.minutes), 0),
                func.coalesce(func.sum(case((TimeEntry.billable, TimeEntry.minutes), else_=0)), 0),
            ).where(TimeEntry.ticket_id == ticket_id)
        )
    ).one()
    return Sums(total=int(row[0]), billable=int(row[1]))


async def authors(session: AsyncSession, entries: Collection[TimeEntry]) -> dict[int, str]:
    ids = {entry.user_id for entry in entries if entry.user_id is not None}
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {int(user_id): str(name) for user_id, name in rows}


@dataclass(frozen=True)
class EntryPage:
    entries: list[TimeEntry]
    sums: Sums
    next_cursor: str | None


_PAGE = "day"


async def list_entries(
    session: AsyncSession,
    *,
    user: User,
    ticket_id: int,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> EntryPage:
    """A page of the ticket's entries, newest day first; the sums are of every entry."""
    await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    digest = cursors.digest({"ticket_id": ticket_id})
    query = select(TimeEntry).where(TimeEntry.ticket_id == ticket_id)
    if cursor:
        given = cursors.decode(cursor)
        cursors.ensure_continues(given, kind=_PAGE, filters_digest=digest)
        try:
            day, entry_id = date.fromisoformat(given.position[0]), int(given.position[1])
        except (IndexError, TypeError, ValueError):
            raise Invalid("cursor", cursors.NOT_A_CURSOR) from None
        query = query.where(
            (TimeEntry.day < day) | ((TimeEntry.day == day) & (TimeEntry.id < entry_id))
        )
    rows = list(
        await session.scalars(
            query.order_by(TimeEntry.day.desc(), TimeEntry.id.desc()).limit(limit + 1)
        )
    )
    entries, more = rows[:limit], len(rows) > limit
    last = entries[-1] if more else None
    return EntryPage(
        entries=entries,
        sums=await sums(session, ticket_id=ticket_id),
        next_cursor=None
        if last is None
        else cursors.encode(_PAGE, digest, last.day.isoformat(), last.id),
    )


# --- logging, changing, deleting ----------------------------------------------------------------


async def _logging_ticket(session: AsyncSession, *, user: User, ticket_id: int) -> Ticket:
    """The ticket time goes on, locked: time logged on a merged ticket goes to the ticket that
    holds its thread now."""
    ticket = await tickets_service.lock_final_ticket(session, user=user, ticket_id=ticket_id)
    not_spam(ticket)
    return ticket


async def _write_entry(
    session: AsyncSession,
    *,
    user: User,
    ticket: Ticket,
    minutes: int,
    day: date,
    note: str,
    billable: bool,
) -> TimeEntry:
    now = utcnow()
    entry = TimeEntry(
        ticket_id=ticket.id,
        user_id=user.id,
        minutes=checked_minutes(minutes),
        day=checked_day(day),
        note=note,
        billable=billable,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    await session.flush()
    told = await events.told(session, entry)
    await events.time_changed(session, ticket=ticket, entry=told, change="created", by=user)
    return entry


async def log_time(
    session: AsyncSession,
    *,
    user: User,
    ticket_id: int,
    minutes: int,
    day: date | None = None,
    note: str = "",
    billable: bool = True,
) -> TimeEntry:
    ticket = await _logging_ticket(session, user=user, ticket_id=ticket_id)
    return await _write_entry(
        session,
        user=user,
        ticket=ticket,
        minutes=minutes,
        day=day or day_on_clock(user, utcnow()),
        note=note,
        billable=billable,
    )


async def _changeable_entry(
    session: AsyncSession, *, user: User, entry_id: int
) -> tuple[TimeEntry, Ticket]:
    """The entry, locked, on a ticket `user` sees; theirs, unless they are an admin or owner."""
    entry = await session.scalar(
        select(TimeEntry)
        .where(TimeEntry.id == entry_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if entry is None:
        raise NotFound("No such time entry.")
    try:
        ticket = await tickets_service.get_ticket(session, user=user, ticket_id=entry.ticket_id)
    except NotFound:
        raise NotFound("No such time entry.") from None
    if entry.user_id != user.id and not user.is_admin:
        raise Forbidden(
            "Only its author, an admin or an owner may change a time entry.",
            code="not_your_time_entry",
        )
    return entry, ticket


def _audited(
    session: AsyncSession,
    *,
    actor: User,
    entry: TimeEntry,
    label: str,
    action: str,
    changes: dict[str, Any],
) -> None:
    # Someone's own entries are theirs to fix; a colleague's changed by an admin is recorded.
    if entry.user_id != actor.id:
        audit.record(
            session,
            action=action,
            target=audit.Target(type="time_entry", id=entry.id, label=label),
            changes=changes,
        )


def _label(entry: TimeEntry) -> str:
    """The entry as it was before the change: what the log names."""
    return f"{entry.minutes} min on ticket {entry.ticket_id}"


async def update_entry(
    session: AsyncSession,
    *,
    user: User,
    entry_id: int,
    minutes: int | None = None,
    day: date | None = None,
    note: str | None = None,
    billable: bool | None = None,
) -> TimeEntry:
    entry, ticket = await _changeable_entry(session, user=user, entry_id=entry_id)
    not_spam(ticket)
    wanted: dict[str, Any] = {
        "minutes": None if minutes is None else checked_minutes(minutes),
        "day": None if day is None else checked_day(day),
        "note": note,
        "billable": billable,
    }
    changed = {
        name: value
        for name, value in wanted.items()
        if value is not None and getattr(entry, name) != value
    }
    if not changed:
        return entry
    label = _label(entry)
    # The note is the agent's words, which an erasure may have to take back: the log says that
    # it changed, never what it said.
    changes: dict[str, Any] = {
        name: "changed" if name == "note" else [getattr(entry, name), value]
        for name, value in changed.items()
    }
    for name, value in changed.items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    await session.flush()
    _audited(
        session,
        actor=user,
        entry=entry,
        label=label,
        action="time_entry.updated",
        changes=changes,
    )
    told = await events.told(session, entry)
    await events.time_changed(session, ticket=ticket, entry=told, change="updated", by=user)
    return entry


async def delete_entry(session: AsyncSession, *, user: User, entry_id: int) -> None:
    """Allowed on a spam ticket too: taking time off junk is tidying (no webhook tells it)."""
    entry, ticket = await _changeable_entry(session, user=user, entry_id=entry_id)
    told = await events.told(session, entry)
    _audited(
        session,
        actor=user,
        entry=entry,
        label=_label(entry),
        action="time_entry.deleted",
        changes={"minutes": [entry.minutes, None], "day": [entry.day, None]},
    )
    await session.delete(entry)
    await session.flush()
    await events.time_changed(session, ticket=ticket, entry=told, change="deleted", by=user)


# --- the running timer --------------------------------------------------------------------------


@dataclass(frozen=True)
class Timer:
    row: RunningTimer
    # None: its ticket is no longer one the agent sees (moved to another inbox, or the agent
    # left its inbox). What it was is not told: neither its number nor its subject.
    ticket: Ticket | None


@dataclass(frozen=True)
class Stopped:
    entry: TimeEntry
    total: int


@dataclass(frozen=True)
class Discarded:
    """A timer that could not be logged, dropped when another started: on a ticket the agent no
    longer sees, or on spam. Its minutes are not logged anywhere."""

    ticket_id: int
    minutes: int


async def _lock_agent(session: AsyncSession, user: User) -> None:
    """The agent's row, locked: their timer's changes one after the other (a double click, two
    tabs), on PostgreSQL; SQLite's one writer serialises them anyway. FOR NO KEY UPDATE, not FOR
    UPDATE: a reply or an assignment that locked the ticket then checks its foreign key to this
    row (KEY SHARE), which this lock lets through, so the two never wait for each other."""
    await session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))


async def _timer_row(session: AsyncSession, user: User) -> RunningTimer | None:
    return await session.scalar(
        select(RunningTimer)
        .where(RunningTimer.user_id == user.id)
        .execution_options(populate_existing=True)
    )


async def _seen(session: AsyncSession, user: User, row: RunningTimer) -> Timer:
    try:
        ticket = await tickets_service.get_ticket(session, user=user, ticket_id=row.ticket_id)
    except NotFound:
        return Timer(row, None)
    return Timer(row, ticket)


async def get_timer(session: AsyncSession, *, user: User) -> Timer | None:
    row = await _timer_row(session, user)
    return None if row is None else await _seen(session, user, row)


def elapsed_minutes(row: RunningTimer, now: datetime) -> int:
    return max(0, int((now - row.started_at).total_seconds() // 60))


def _too_long(row: RunningTimer, now: datetime) -> Conflict:
    hours, minutes = divmod(elapsed_minutes(row, now), 60)
    return Conflict(
        f"This timer has run {hours} h {minutes:02d} min, more than "
        f"{int(LONG_TIMER.total_seconds() // 3600)} hours: say how long you really worked "
        "(`minutes`), or discard it.",
        code="timer_too_long",
    )


async def _stop(
    session: AsyncSession,
    *,
    user: User,
    row: RunningTimer,
    minutes: int | None = None,
    note: str = "",
    billable: bool = True,
    day: date | None = None,
) -> Stopped:
    now = utcnow()
    if minutes is None and now - row.started_at > LONG_TIMER:
        raise _too_long(row, now)
    try:
        ticket = await _logging_ticket(session, user=user, ticket_id=row.ticket_id)
    except NotFound:
        raise Conflict(
            "Your timer's ticket is no longer one you see: its time cannot be logged there. "
            "Discard the timer.",
            code="timer_ticket_gone",
        ) from None
    await session.execute(delete(RunningTimer).where(RunningTimer.user_id == user.id))
    entry = await _write_entry(
        session,
        user=user,
        ticket=ticket,
        minutes=timer_minutes(row.started_at, now) if minutes is None else minutes,
        day=day or day_on_clock(user, row.started_at),
        note=note,
        billable=billable,
    )
    return Stopped(entry, (await sums(session, ticket_id=ticket.id)).total)


async def _loggable(session: AsyncSession, user: User, row: RunningTimer) -> bool:
    """Whether the timer's time can go on its ticket (or the one it was merged into)."""
    timer = await _seen(session, user, row)
    if timer.ticket is None:
        return False
    final = await tickets_service.final_ticket_id(session, ticket_id=timer.ticket.id)
    try:
        kept = await tickets_service.get_ticket(session, user=user, ticket_id=final)
    except NotFound:
        return False
    return kept.state is not TicketState.spam


async def start_timer(
    session: AsyncSession, *, user: User, ticket_id: int
) -> tuple[Timer, Stopped | None, Discarded | None]:
    """Starts the agent's timer on the ticket (on a merged one: on the ticket it was merged
    into, where its time would go). Already running there: that timer, unchanged (a second
    click starts nothing). Running elsewhere: that one is stopped and logged first; one whose
    time cannot be logged (its ticket no longer seen, or spam) is discarded; one that ran too
    long is refused (`timer_too_long`), for the agent to say what they worked."""
    await _lock_agent(session, user)
    await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    final = await tickets_service.final_ticket_id(session, ticket_id=ticket_id)
    ticket = await tickets_service.get_ticket(session, user=user, ticket_id=final)
    not_spam(ticket)
    row = await _timer_row(session, user)
    stopped = discarded = None
    if row is not None and row.ticket_id == ticket.id:
        return Timer(row, ticket), None, None
    if row is not None and not await _loggable(session, user, row):
        discarded = Discarded(row.ticket_id, elapsed_minutes(row, utcnow()))
        await session.execute(delete(RunningTimer).where(RunningTimer.user_id == user.id))
    elif row is not None:
        stopped = await _stop(session, user=user, row=row)
    row = RunningTimer(user_id=user.id, ticket_id=ticket.id, started_at=utcnow())
    session.add(row)
    await session.flush()
    events.timer_changed(session, user_id=user.id, running=(row, ticket))
    return Timer(row, ticket), stopped, discarded


async def stop_timer(
    session: AsyncSession,
    *,
    user: User,
    minutes: int | None = None,
    note: str = "",
    billable: bool = True,
    day: date | None = None,
) -> Stopped:
    """Logs the timer's time, or `minutes` when given (the time really worked, which a timer
    that ran past LONG_TIMER needs: 409 `timer_too_long` without)."""
    await _lock_agent(session, user)
    row = await _timer_row(session, user)
    if row is None:
        raise NotFound(NO_TIMER, code="no_timer")
    stopped = await _stop(
        session, user=user, row=row, minutes=minutes, note=note, billable=billable, day=day
    )
    events.timer_changed(session, user_id=user.id, running=None)
    return stopped


async def discard_timer(session: AsyncSession, *, user: User) -> None:
    """Cancels the running timer without logging; nothing running is not an error."""
    await _lock_agent(session, user)
    gone = await session.execute(delete(RunningTimer).where(RunningTimer.user_id == user.id))
    if gone.rowcount:  # type: ignore[attr-defined]
        events.timer_changed(session, user_id=user.id, running=None)
