"""Writes metric moments where things happen, in the caller's transaction: the one module the
chat, ticket and mail domains call (docs/reports.md defines each moment and clock). A moment is
inserted as the transaction commits (`add_at_commit`): its triggers upsert roll-up rows that
every conversation of its inbox shares, and on PostgreSQL they stay locked until the end of the
transaction that took them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.postgres import inline_asyncpg
from frontdesk.db.session import add_at_commit, add_waiting_rows
from frontdesk.db.sqlite import inline_sqlite
from frontdesk.hours import service as hours_service
from frontdesk.hours.calendar import Calendar
from frontdesk.metrics import clock_rows
from frontdesk.metrics.clock_rows import ClockRow, MomentRow
from frontdesk.metrics.models import (
    Channel,
    ConversationClock,
    MetricMoment,
    MomentKind,
    quarter_of,
)
from frontdesk.sla import service as sla_service

# The spam state's value (tickets/models.py TicketState, not imported here: tickets import us).
SPAM = "spam"

if TYPE_CHECKING:
    from frontdesk.chats.models import Chat
    from frontdesk.tickets.models import Ticket


class ChatMessage(Protocol):
    """What a chat event row says about a message (chats/log.py `_EventRow`)."""

    @property
    def chat_id(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def author_kind(self) -> str: ...
    @property
    def author_user_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...


Clock = ConversationClock | ClockRow


def _row(
    clock: Clock,
    kind: MomentKind,
    at: datetime,
    *,
    user_id: int | None = None,
    seconds: float | None = None,
    business_seconds: float | None = None,
) -> MomentRow:
    return MomentRow(
        kind=kind,
        at=at,
        quarter=quarter_of(at),
        inbox_id=clock.inbox_id,
        channel=clock.channel,
        ticket_id=clock.ticket_id,
        chat_id=clock.chat_id,
        user_id=user_id,
        seconds=seconds,
        business_seconds=business_seconds,
    )


def _orm(row: MomentRow) -> MetricMoment:
    return MetricMoment(
        kind=row.kind,
        at=row.at,
        quarter=row.quarter,
        inbox_id=row.inbox_id,
        channel=row.channel,
        ticket_id=row.ticket_id,
        chat_id=row.chat_id,
        user_id=row.user_id,
        seconds=row.seconds,
        business_seconds=row.business_seconds,
    )


def _moment(
    clock: ConversationClock,
    kind: MomentKind,
    at: datetime,
    *,
    user_id: int | None = None,
    seconds: float | None = None,
) -> MetricMoment:
    return _orm(_row(clock, kind, at, user_id=user_id, seconds=seconds))


def _since(start: datetime, at: datetime) -> float:
    return max((at - start).total_seconds(), 0.0)


def _timed(
    clock: Clock,
    kind: MomentKind,
    at: datetime,
    start: datetime,
    calendar: Calendar,
    *,
    user_id: int | None,
) -> MomentRow:
    """A moment that measures from `start` (first response, response, resolution): its seconds,
    and the same span in the business hours of the clock's inbox now (docs/reports.md)."""
    business = max(calendar.business_seconds_between(start, at), 0.0)
    return _row(
        clock,
        kind,
        at,
        user_id=user_id,
        seconds=_since(start, at),
        business_seconds=business,
    )


def _customer_wrote_row(clock: Clock, at: datetime) -> MomentRow | None:
    """The clock of a response starts at the first customer message nobody has answered yet."""
    if clock.awaiting_since is not None:
        return None
    clock.awaiting_since = at
    return _row(clock, MomentKind.customer_message, at)


def _agent_responded_rows(
    clock: Clock, at: datetime, user_id: int, calendar: Calendar
) -> list[MomentRow]:
    if clock.awaiting_since is None:
        return []  # a follow-up with nobody waiting answers nothing
    moments = [
        _timed(clock, MomentKind.response, at, clock.awaiting_since, calendar, user_id=user_id)
    ]
    if clock.first_response_at is None:
        clock.first_response_at = at
        moments.append(
            _timed(
                clock, MomentKind.first_response, at, clock.started_at, calendar, user_id=user_id
            )
        )
    clock.awaiting_since = None
    return moments


def _customer_wrote(clock: ConversationClock, at: datetime) -> MetricMoment | None:
    row = _customer_wrote_row(clock, at)
    return None if row is None else _orm(row)


def _agent_responded(
    clock: ConversationClock, at: datetime, user_id: int, calendar: Calendar
) -> list[MetricMoment]:
    return [_orm(row) for row in _agent_responded_rows(clock, at, user_id, calendar)]


def _message_moments(
    clock: Clock, message: ChatMessage, calendars: Mapping[int, Calendar]
) -> list[MomentRow]:
    """What one message of a chat does to its clock, and the moments it writes."""
    if message.author_kind == "visitor":
        return [m for m in [_customer_wrote_row(clock, message.created_at)] if m]
    if message.author_user_id is not None:
        calendar = calendars.get(clock.inbox_id, hours_service.ALWAYS_OPEN)
        return _agent_responded_rows(clock, message.created_at, message.author_user_id, calendar)
    return []


def _answering(messages: Iterable[ChatMessage]) -> bool:
    """Whether an agent wrote among the messages: only then can they answer someone, and the
    inboxes' calendars are needed (a response's business seconds): the versions of their hours
    are read with the clocks, and the hours themselves only when this process does not keep the
    calendar at that version (hours/calendar_cache.py)."""
    return any(m.author_kind != "visitor" and m.author_user_id is not None for m in messages)


async def _clock_calendar(session: AsyncSession, clock: Clock) -> Calendar:
    return await hours_service.calendar_of(session, inbox_id=clock.inbox_id)


# Chats


async def _chat_clock(session: AsyncSession, chat_id: int) -> ConversationClock | None:
    return await session.scalar(
        select(ConversationClock).where(ConversationClock.chat_id == chat_id)
    )


def chat_started(session: AsyncSession, *, chat: Chat) -> None:
    clock = ConversationClock(
        chat_id=chat.id, inbox_id=chat.inbox_id, channel=Channel.chat, started_at=chat.started_at
    )
    session.add(clock)
    add_at_commit(session, _moment(clock, MomentKind.created, chat.started_at))


async def chat_messages(session: AsyncSession, *, events: Sequence[ChatMessage]) -> None:
    """Messages just written to chats (one batch of the realtime writer: one select for all)."""
    messages = [e for e in events if e.type == "chat.message_added" and e.author_kind != "system"]
    if not messages:
        return
    chat_ids = {m.chat_id for m in messages}
    if not _clocks_in(session):
        connection = await inline_sqlite(session)
        if connection is not None:
            calendars: dict[int, Calendar] = {}
            if _answering(messages):
                rows, versions = clock_rows.read_chat_clocks_with_hours(connection, chat_ids)
                calendars, missing = hours_service.kept_calendars(session, versions)
                if missing:
                    read = clock_rows.read_hours(connection, missing)
                    calendars |= hours_service.keep_calendars(session, read)
            else:
                rows = clock_rows.read_chat_clocks(connection, chat_ids)
            moved, moments = _moved(rows, messages, calendars)
            clock_rows.write(connection, moved, moments)
            return
        driver = await inline_asyncpg(session)
        if driver is not None:
            calendars = {}
            if _answering(messages):
                rows, versions = await clock_rows.read_chat_clocks_with_hours_pg(driver, chat_ids)
                calendars, missing = hours_service.kept_calendars(session, versions)
                if missing:
                    read = await clock_rows.read_hours_pg(driver, missing)
                    calendars |= hours_service.keep_calendars(session, read)
            else:
                rows = await clock_rows.read_chat_clocks_pg(driver, chat_ids)
            moved, moments = _moved(rows, messages, calendars)
            await clock_rows.write_pg(driver, moved, moments)
            return
    clocks = {
        clock.chat_id: clock
        for clock in await session.scalars(
            select(ConversationClock).where(ConversationClock.chat_id.in_(chat_ids))
        )
    }
    calendars = (
        await hours_service.calendars_of(
            session, inbox_ids={clock.inbox_id for clock in clocks.values()}
        )
        if clocks and _answering(messages)
        else {}
    )
    for message in messages:
        clock = clocks.get(message.chat_id)
        if clock is not None:
            add_at_commit(
                session, *[_orm(row) for row in _message_moments(clock, message, calendars)]
            )


def _moved(
    clocks: Sequence[ClockRow],
    messages: Sequence[ChatMessage],
    calendars: Mapping[int, Calendar],
) -> tuple[list[ClockRow], list[MomentRow]]:
    """The clocks the messages moved, and the moments they wrote."""
    rows = {clock.chat_id: clock for clock in clocks}
    moments: list[MomentRow] = []
    moved: dict[int, ClockRow] = {}
    for message in messages:
        row = rows.get(message.chat_id)
        if row is None:
            continue
        before = (row.awaiting_since, row.first_response_at)
        moments.extend(_message_moments(row, message, calendars))
        if (row.awaiting_since, row.first_response_at) != before:
            moved[row.id] = row
    return list(moved.values()), moments


def _clocks_in(session: AsyncSession) -> bool:
    """Whether the session holds a clock object: then the ORM must move it, or its state and the
    row would part (rare: a chat started and written to in one transaction)."""
    sync = session.sync_session
    return any(isinstance(o, ConversationClock) for o in (*sync.identity_map.values(), *sync.new))


async def chat_joined(
    session: AsyncSession,
    *,
    chat: Chat,
    user_id: int,
    at: datetime,
    was_waiting: bool,
    transferred: bool,
) -> None:
    clock = await _chat_clock(session, chat.id)
    if clock is None:
        return
    if was_waiting:
        seconds = _since(clock.started_at, at)
        add_at_commit(
            session, _moment(clock, MomentKind.chat_joined, at, user_id=user_id, seconds=seconds)
        )
    if transferred:
        add_at_commit(session, _moment(clock, MomentKind.chat_transferred, at, user_id=user_id))


async def chat_ended(
    session: AsyncSession,
    *,
    chat: Chat,
    ticket: Ticket,
    user_id: int | None,
    answered: bool,
    closed: bool,
    at: datetime,
) -> None:
    """The chat's moments and clock pass to its ticket, where the conversation goes on."""
    clock = await _chat_clock(session, chat.id)
    if clock is None:
        return
    add_waiting_rows(session)  # the update below passes them to the ticket too
    await session.execute(
        update(MetricMoment).where(MetricMoment.chat_id == chat.id).values(ticket_id=ticket.id)
    )
    clock.ticket_id = ticket.id
    seconds = _since(clock.started_at, at)
    kind = MomentKind.chat_ended if answered else MomentKind.chat_unanswered
    add_at_commit(session, _moment(clock, kind, at, user_id=user_id, seconds=seconds))
    if closed:
        calendar = await _clock_calendar(session, clock)
        solved = _timed(clock, MomentKind.solved, at, clock.started_at, calendar, user_id=user_id)
        add_at_commit(session, _orm(solved))
    await _clock_moved(session, ticket)


# Tickets


async def ticket_clock(session: AsyncSession, ticket: Ticket) -> ConversationClock:
    clock = await session.scalar(
        select(ConversationClock).where(ConversationClock.ticket_id == ticket.id)
    )
    if clock is None:
        # A ticket written before the clock existed (the migration fills them) or whose chat's
        # clock was lost: its clock starts when the ticket did.
        clock = new_ticket_clock(session, ticket)
    return clock


def new_ticket_clock(session: AsyncSession, ticket: Ticket) -> ConversationClock:
    """A clock for a ticket that has none, beginning with the ticket."""
    clock = ConversationClock(
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        channel=Channel(ticket.type.value),
        started_at=ticket.created_at,
    )
    session.add(clock)
    return clock


def ticket_created(session: AsyncSession, *, ticket: Ticket, filed_by_id: int | None) -> None:
    """A chat's ticket continues the chat's conversation (chat_ended); any other begins one.
    A ticket that arrives as spam (a blocked sender's) begins none: reports count no spam
    (docs/reports.md)."""
    if ticket.type.value == Channel.chat or ticket.state.value == SPAM:
        return
    clock = new_ticket_clock(session, ticket)
    add_at_commit(
        session, _moment(clock, MomentKind.created, ticket.created_at, user_id=filed_by_id)
    )
    if filed_by_id is None:
        # The customer opened it (an email, the contact form): they wait for an answer from now.
        add_at_commit(session, *[m for m in [_customer_wrote(clock, ticket.created_at)] if m])
    if ticket.closed_at is not None:
        add_at_commit(
            session,
            _orm(
                _row(
                    clock,
                    MomentKind.solved,
                    ticket.closed_at,
                    user_id=filed_by_id,
                    seconds=0.0,
                    business_seconds=0.0,
                )
            ),
        )


async def customer_replied(session: AsyncSession, *, ticket: Ticket, at: datetime) -> None:
    """A customer's email on the ticket (automatic mail never comes here); none while it is
    spam."""
    if ticket.state.value == SPAM:
        return
    clock = await ticket_clock(session, ticket)
    moment = _customer_wrote(clock, at)
    if moment is not None:
        add_at_commit(session, moment)
    await _clock_moved(session, ticket)


async def agent_replied(
    session: AsyncSession, *, ticket: Ticket, user_id: int, at: datetime
) -> None:
    """An agent's public reply to the customer (not a note, not a forward)."""
    clock = await ticket_clock(session, ticket)
    if clock.awaiting_since is not None:  # else it answers nobody, and measures nothing
        calendar = await _clock_calendar(session, clock)
        add_at_commit(session, *_agent_responded(clock, at, user_id, calendar))
    await _clock_moved(session, ticket)


async def ticket_state_changed(
    session: AsyncSession,
    *,
    ticket: Ticket,
    closed_before: bool,
    user_id: int | None,
    at: datetime,
) -> None:
    closed_now = ticket.closed_at is not None
    if closed_now == closed_before:
        return
    clock = await ticket_clock(session, ticket)
    if closed_now:
        calendar = await _clock_calendar(session, clock)
        solved = _timed(clock, MomentKind.solved, at, clock.started_at, calendar, user_id=user_id)
        add_at_commit(session, _orm(solved))
    else:
        add_at_commit(session, _moment(clock, MomentKind.reopened, at, user_id=user_id))
    await _clock_moved(session, ticket)


async def ticket_moved(session: AsyncSession, *, ticket: Ticket) -> None:
    """The ticket is in another inbox now: its clock keeps running (a customer waiting still
    waits), and the moments it writes from now on are the new inbox's. Those written before
    stay with the inbox they happened in (docs/reports.md)."""
    clock = await ticket_clock(session, ticket)
    clock.inbox_id = ticket.inbox_id
    await session.flush()


async def _clock_moved(session: AsyncSession, ticket: Ticket) -> None:
    """The ticket's SLA targets start and stop with this clock (docs/routing.md, SLAs)."""
    await session.flush()
    await sla_service.refresh(session, ticket=ticket)
