"""What desks hear of time tracking: a ticket's new total (its inbox), an agent's timer (their
own tabs). Webhooks read the first (webhooks/capture.py, `time_entry.*`)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.catalogue import (
    TicketTimeChanged,
    TimeEntryPayload,
    TimeEvent,
    TimerChanged,
    TimerPayload,
)
from frontdesk.realtime.envelope import agent_topic, inbox_topic, iso
from frontdesk.realtime.publisher import record
from frontdesk.tickets.models import Ticket
from frontdesk.timetracking.models import RunningTimer, TimeEntry
from frontdesk.users.models import User


def payload(entry: TimeEntry, names: dict[int, str]) -> TimeEntryPayload:
    user = entry.user_id
    return TimeEntryPayload(
        id=entry.id,
        ticket_id=entry.ticket_id,
        user=None if user is None else {"id": user, "name": names.get(user, "")},
        minutes=entry.minutes,
        day=entry.day.isoformat(),
        note=entry.note,
        billable=entry.billable,
        created_at=iso(entry.created_at),
        updated_at=iso(entry.updated_at),
    )


async def told(session: AsyncSession, entry: TimeEntry) -> TimeEntryPayload:
    names: dict[int, str] = {}
    if entry.user_id is not None:
        name = await session.scalar(select(User.name).where(User.id == entry.user_id))
        names[entry.user_id] = str(name or "")
    return payload(entry, names)


async def time_changed(
    session: AsyncSession,
    *,
    ticket: Ticket,
    change: Literal["created", "updated", "deleted"],
    by: User,
    entry: TimeEntryPayload,
) -> None:
    """`entry` as it is now, or as it was for a deletion."""
    total = await session.scalar(
        select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
            TimeEntry.ticket_id == ticket.id
        )
    )
    data = TicketTimeChanged(
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        time_spent_minutes=int(total or 0),
        change=change,
        entry=entry,
        by={"id": by.id, "name": by.name},
    )
    topics = [inbox_topic(ticket.inbox_id)]
    record(session, type=TimeEvent.ticket_time_changed, topics=topics, data=data)


def timer_changed(
    session: AsyncSession, *, user_id: int, running: tuple[RunningTimer, Ticket] | None
) -> None:
    """The agent's timer as it is now (None: none runs), to their own tabs."""
    data = TimerChanged(
        timer=None
        if running is None
        else TimerPayload(
            ticket_id=running[1].id,
            ticket_number=running[1].number,
            started_at=iso(running[0].started_at),
        )
    )
    record(session, type=TimeEvent.timer_changed, topics=[agent_topic(user_id)], data=data)
