"""Auto-assignment rules (docs/routing.md, "Auto-assignment").

Who may receive a ticket: a member of its inbox who is active and online, with fewer open tickets
of the inbox assigned than the inbox's limit, and only while the inbox is open by its business
hours. Balanced picks the least loaded of them; round robin the next one after the member assigned
last. Every assignment in an inbox holds the inbox's `InboxAssignment` row, so two arrivals at once
are chosen one after the other and nobody is pushed past the limit.

What frontdesk assigned it remembers (`AutoAssignment`) until the assignee touches the ticket (a
reply or a note by them after the assignment), a person reassigns it, or it stops being open.
Such an untouched ticket goes to someone else when its assignee goes offline, or after the
inbox's "reassign after" minutes of business time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CompoundSelect, Select, and_, delete, func, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.assignment.models import (
    DEFAULT_OFFER_TIMEOUT,
    DEFAULT_TICKET_LIMIT,
    AssignmentMode,
    AutoAssignment,
    InboxAssignment,
)
from frontdesk.assignment.tracking import forget_ticket
from frontdesk.chats import queries as chats_queries
from frontdesk.db.planning import Unindexed
from frontdesk.errors import Invalid
from frontdesk.hours import service as hours_service
from frontdesk.hours.calendar import Calendar
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import EntryKind, Ticket, TicketEntry, TicketState
from frontdesk.users.absence import away_now, not_away
from frontdesk.users.models import User

# Ending what frontdesk tracks is also the ticket service's (assignment/tracking.py).
__all__ = ["forget_ticket"]

MAX_TICKET_LIMIT = 1000
MAX_REASSIGN_MINUTES = 7 * 24 * 60
MIN_OFFER_TIMEOUT = 10
MAX_OFFER_TIMEOUT = 600


async def get_settings(session: AsyncSession, *, inbox: Inbox) -> InboxAssignment:
    """The inbox's settings; an unsaved default (off) when the admin never set them."""
    row = await session.get(InboxAssignment, inbox.id)
    if row is None:
        return InboxAssignment(
            inbox_id=inbox.id,
            mode=AssignmentMode.off,
            ticket_limit=DEFAULT_TICKET_LIMIT,
            reassign_after_minutes=None,
            offer_chats=False,
            offer_timeout_seconds=DEFAULT_OFFER_TIMEOUT,
        )
    return row


async def chat_offer_settings(session: AsyncSession, *, inbox_id: int) -> InboxAssignment | None:
    """The inbox's settings when it offers chats one agent at a time; None: to everybody."""
    row = await session.get(InboxAssignment, inbox_id, populate_existing=True)
    return row if row is not None and row.offer_chats else None


async def set_settings(
    session: AsyncSession,
    *,
    inbox: Inbox,
    mode: AssignmentMode,
    ticket_limit: int,
    reassign_after_minutes: int | None,
    offer_chats: bool = False,
    offer_timeout_seconds: int = DEFAULT_OFFER_TIMEOUT,
) -> InboxAssignment:
    if not 1 <= ticket_limit <= MAX_TICKET_LIMIT:
        raise Invalid("ticket_limit", f"Give a limit between 1 and {MAX_TICKET_LIMIT}.")
    if reassign_after_minutes is not None and not (
        1 <= reassign_after_minutes <= MAX_REASSIGN_MINUTES
    ):
        raise Invalid(
            "reassign_after_minutes",
            f"Give between 1 and {MAX_REASSIGN_MINUTES} minutes, or none to never reassign.",
        )
    if not MIN_OFFER_TIMEOUT <= offer_timeout_seconds <= MAX_OFFER_TIMEOUT:
        raise Invalid(
            "offer_timeout_seconds",
            f"Give between {MIN_OFFER_TIMEOUT} and {MAX_OFFER_TIMEOUT} seconds.",
        )
    row = await lock_settings(session, inbox_id=inbox.id)
    if row is None:
        row = InboxAssignment(inbox_id=inbox.id)
        session.add(row)
    row.mode = mode
    row.ticket_limit = ticket_limit
    row.reassign_after_minutes = reassign_after_minutes
    row.offer_chats = offer_chats
    row.offer_timeout_seconds = offer_timeout_seconds
    row.updated_at = utcnow()
    await session.flush()
    return row


async def lock_settings(
    session: AsyncSession, *, inbox_id: int, skip_locked: bool = False
) -> InboxAssignment | None:
    return await session.scalar(
        select(InboxAssignment)
        .where(InboxAssignment.inbox_id == inbox_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


async def move_chat_cursor(
    session: AsyncSession, *, settings: InboxAssignment, user_id: int
) -> None:
    """The chats' round-robin cursor. It only orders turns: two chats starting at once may read
    the same cursor, and then the later write wins; no lock on the inbox's settings (held by
    the ticket pass) is worth that."""
    await session.execute(
        update(InboxAssignment)
        .where(InboxAssignment.inbox_id == settings.inbox_id)
        .values(chat_last_user_id=user_id)
        .execution_options(synchronize_session=False)
    )
    settings.chat_last_user_id = user_id


# --- choosing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    user: User
    load: int  # open tickets of the inbox assigned to them


async def candidates(
    session: AsyncSession, *, settings: InboxAssignment, exclude: int | None = None
) -> list[Candidate]:
    """Who may receive a ticket of the inbox now, in id order."""
    members = (
        await session.scalars(chats_queries.online_members(settings.inbox_id).order_by(User.id))
    ).all()
    ids = [member.id for member in members if member.id != exclude]
    if not ids:
        return []
    loads = dict(
        (
            await session.execute(
                select(Ticket.assignee_id, func.count())
                .where(
                    Ticket.inbox_id == settings.inbox_id,
                    Ticket.state == TicketState.open,
                    Ticket.assignee_id.in_(ids),
                )
                .group_by(Ticket.assignee_id)
            )
        ).all()
    )
    return [
        Candidate(member, loads.get(member.id, 0))
        for member in members
        if member.id in ids and loads.get(member.id, 0) < settings.ticket_limit
    ]


def choose(settings: InboxAssignment, found: Sequence[Candidate]) -> User | None:
    """Round robin: the first after the cursor. Balanced: the least loaded, ties broken in the
    same rotation, so equal agents take turns instead of the oldest account taking all."""
    return pick(settings.mode, settings.last_user_id, found)


def pick(mode: AssignmentMode, last_user_id: int | None, found: Sequence[Candidate]) -> User | None:
    """`choose` for any load and cursor: tickets use theirs, chat offers their own."""
    if not found:
        return None
    last = last_user_id or 0
    rotation = sorted(found, key=lambda c: (c.user.id <= last, c.user.id))
    if mode is AssignmentMode.balanced:
        return min(rotation, key=lambda c: c.load).user
    return rotation[0].user


async def assign_ticket(
    session: AsyncSession,
    *,
    settings: InboxAssignment,
    ticket: Ticket,
    calendar: Calendar,
    now: datetime,
    exclude: int | None = None,
) -> User | None:
    """Gives the ticket to the next eligible member; None when nobody may take it now.

    The caller holds `settings` locked (`lock_settings`): that is what makes the limit hold."""
    if settings.mode is AssignmentMode.off or not calendar.is_open(now):
        return None
    user = choose(settings, await candidates(session, settings=settings, exclude=exclude))
    if user is None:
        return None
    await tickets_service.update_ticket(session, actor=None, ticket=ticket, assignee=user)
    settings.last_user_id = user.id
    await session.execute(delete(AutoAssignment).where(AutoAssignment.ticket_id == ticket.id))
    session.add(
        AutoAssignment(
            ticket_id=ticket.id, inbox_id=ticket.inbox_id, user_id=user.id, assigned_at=now
        )
    )
    await session.flush()
    return user


# --- the timer's work: an inbox's tickets a few at a time, a transaction each -------------------


async def auto_inbox_ids(session: AsyncSession) -> Sequence[int]:
    return (
        await session.scalars(
            select(InboxAssignment.inbox_id)
            .where(InboxAssignment.mode != AssignmentMode.off)
            .order_by(InboxAssignment.inbox_id)
        )
    ).all()


@dataclass
class Tally:
    assigned: int = 0
    reassigned: int = 0
    released: int = 0

    def add(self, other: Tally) -> None:
        self.assigned += other.assigned
        self.reassigned += other.reassigned
        self.released += other.released


async def hand_out(
    session: AsyncSession, *, inbox_id: int, now: datetime, limit: int
) -> tuple[Tally, bool]:
    """Up to `limit` unassigned open tickets of the inbox handed out, oldest first; and whether
    more may wait (every one of them found someone). Another process busy with the same inbox
    holds its row: this one skips it until the next tick."""
    tally = Tally()
    settings = await lock_settings(session, inbox_id=inbox_id, skip_locked=True)
    if settings is None or settings.mode is AssignmentMode.off:
        return tally, False
    calendar = await hours_service.calendar_of(session, inbox_id=inbox_id)
    waiting = (
        await session.scalars(
            select(Ticket.id)
            .where(
                Ticket.inbox_id == inbox_id,
                Ticket.state == TicketState.open,
                Ticket.assignee_id.is_(None),
                Ticket.merged_into_id.is_(None),
            )
            # Sorted, not read in that order: SQLite's planner, which has no statistics, would
            # take any index of (inbox, created_at) to skip the sort and walk every ticket of
            # the inbox for the few unassigned ones; by the assignee index it reads only those
            # (tests/unit/test_rounds_history.py; docs/performance.md, "An agent's list sorted
            # by creation or number").
            .order_by(Unindexed(Ticket.created_at), Ticket.id)
            .limit(limit)
        )
    ).all()
    for ticket_id in waiting:
        ticket = await tickets_service.lock_ticket(session, ticket_id=ticket_id)
        if ticket is None or ticket.assignee_id is not None or ticket.state is not TicketState.open:
            continue  # a person was quicker
        if (
            await assign_ticket(
                session, settings=settings, ticket=ticket, calendar=calendar, now=now
            )
            is None
        ):
            return tally, False  # nobody can take more now; the next tick tries again
        tally.assigned += 1
    return tally, len(waiting) == limit


async def move_untouched(
    session: AsyncSession, *, inbox_id: int, now: datetime, after: int, limit: int
) -> tuple[Tally, int | None]:
    """Up to `limit` of the inbox's untouched tickets that may have to move on, after ticket
    `after`: their assignee is away, or they were assigned longer ago than the inbox's delay
    (in wall time, which business time never exceeds: the exact test is below). The last
    ticket looked at, or None when there are no more. The others are not read: every tick read
    every one of them, each with its ticket and its assignee's notes, though none could move."""
    tally = Tally()
    settings = await lock_settings(session, inbox_id=inbox_id, skip_locked=True)
    if settings is None or settings.mode is AssignmentMode.off:
        return tally, None
    calendar = await hours_service.calendar_of(session, inbox_id=inbox_id)
    # By the assignee's index and by the time's, each reading only the rows it finds: one OR
    # would read the whole table.
    # Unavailable, except those out of office who chose to keep their tickets (`_keeps`).
    away_users = select(User.id).where(
        or_(
            User.is_active.is_(False),
            and_(
                User.available_for_chat.is_(False),
                or_(User.out_of_office_keep_assigned.is_(False), not_away(now)),
            ),
        )
    )
    may_move: Select[int] | CompoundSelect[int] = select(AutoAssignment.ticket_id).where(
        AutoAssignment.user_id.in_(away_users)
    )
    if settings.reassign_after_minutes is not None:
        since = now - timedelta(minutes=settings.reassign_after_minutes)
        may_move = union(
            may_move,
            select(AutoAssignment.ticket_id).where(AutoAssignment.assigned_at <= since),
        )
    rows = (
        await session.scalars(
            select(AutoAssignment)
            .where(
                AutoAssignment.inbox_id == inbox_id,
                AutoAssignment.ticket_id > after,
                AutoAssignment.ticket_id.in_(may_move),
            )
            .order_by(AutoAssignment.ticket_id)
            .limit(limit)
        )
    ).all()
    for row in rows:
        ticket = await tickets_service.lock_ticket(session, ticket_id=row.ticket_id)
        if ticket is None or not await _untouched(session, row=row, ticket=ticket):
            # Theirs now: frontdesk no longer moves it. By a statement: the request that made it
            # theirs (an unassignment, a customer's answer while they are away) may have deleted
            # the row already.
            await session.execute(
                delete(AutoAssignment).where(AutoAssignment.ticket_id == row.ticket_id)
            )
            continue
        assignee = await session.get(User, row.user_id)
        away = assignee is None or not (
            assignee.is_active and (assignee.available_for_chat or _keeps(assignee, now))
        )
        due = settings.reassign_after_minutes is not None and (
            calendar.business_seconds_between(row.assigned_at, now)
            >= settings.reassign_after_minutes * 60
        )
        if not (away or due):
            continue
        moved = await assign_ticket(
            session,
            settings=settings,
            ticket=ticket,
            calendar=calendar,
            now=now,
            exclude=row.user_id,
        )
        if moved is not None:
            tally.reassigned += 1
        elif away:
            # Back to the pool: the next member to come online with room receives it. Unassigning
            # ends its tracking (`tracking.forget_ticket`).
            await tickets_service.update_ticket(session, actor=None, ticket=ticket, unassign=True)
            tally.released += 1
        else:
            row.assigned_at = now  # nobody else has room: looked at again after N more minutes
    await session.flush()
    return tally, rows[-1].ticket_id if len(rows) == limit else None


def _keeps(user: User, now: datetime) -> bool:
    """Out of office with "Keep my tickets assigned to me": their absence alone moves none of
    their tickets (the inbox's delay still does, as for anyone)."""
    return user.out_of_office_keep_assigned and away_now(user, now)


async def _untouched(session: AsyncSession, *, row: AutoAssignment, ticket: Ticket) -> bool:
    """Still open, still with the member frontdesk chose, and nothing written by them since."""
    if ticket.state is not TicketState.open or ticket.assignee_id != row.user_id:
        return False
    written = await session.scalar(
        select(TicketEntry.id)
        .where(
            TicketEntry.ticket_id == ticket.id,
            TicketEntry.author_user_id == row.user_id,
            TicketEntry.kind.in_([EntryKind.reply, EntryKind.note]),
            TicketEntry.created_at >= row.assigned_at,
        )
        .limit(1)
    )
    return written is None
