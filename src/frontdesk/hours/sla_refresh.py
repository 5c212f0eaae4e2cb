"""The SLA due times of an inbox's tickets worked out again after its business hours change
(docs/routing.md, "When the hours change").

A change that moves the calendar (hours on or off, the time zone, the weekly hours, a holiday)
moves the due time of every target still running on the inbox's tickets that are not closed:
each is refreshed by the SLA service as any change of the ticket would (`sla_service.refresh`),
so its rules hold here too: a target already past its old due time is recorded as breached
then, a breach recorded stays as it was, and a moved due time has its own warning.

Refreshing costs a few statements a ticket (~1.4 ms on SQLite, whose one connection every
request of the process waits for meanwhile: 10,000 open tickets held it ~14 s in one
transaction, bench/hours_sla.py). So the request that saves the hours refreshes an inbox of up
to `REQUEST_BATCH` such tickets itself; a larger one it leaves marked as pending, after
refreshing the `REQUEST_BATCH` whose due time comes first (those a late refresh could let
breach), and the loop (hours/timers.py) refreshes the others `BATCH` at a time, a transaction
each, in ticket id order. The mark is a row of the named counters, `hours_sla:<inbox id>` (no
table of its own for so little), whose value is the last ticket id done: it outlives a restart,
and a second change before the loop is done starts it again from the first ticket. Marked first
and ticket rows locked after, by the request and the loop alike, so that neither waits for the
other in the opposite order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.upsert import upsert_into
from frontdesk.hours import service as hours_service
from frontdesk.hours.models import BusinessHours
from frontdesk.hours.service import HoursSettings
from frontdesk.kit.clock import utcnow
from frontdesk.sla import service as sla_service
from frontdesk.sla.models import TicketSla
from frontdesk.tickets.models import Counter, Ticket, TicketState

PREFIX = "hours_sla:"
# Every state but closed, named: SQLite then reads only those of the inbox's index entries (an
# inbox's closed tickets are most of them), where "not closed" read all.
WAITING = [state for state in TicketState if state is not TicketState.closed]
# Tickets the saving request refreshes itself: ~0.1 s on SQLite.
REQUEST_BATCH = 50
# Tickets a transaction of the loop refreshes: ~40 ms on SQLite.
BATCH = 25


def _mark(inbox_id: int) -> str:
    return f"{PREFIX}{inbox_id}"


async def save_hours(session: AsyncSession, *, inbox_id: int, **fields: Any) -> HoursSettings:
    """The inbox's hours replaced (`hours_service.set_hours`) and, when the calendar's answers
    changed, its tickets' due times with them. Here, not in the hours service, which the SLA
    service asks for calendars."""
    before = await hours_service.get_hours(session, inbox_id=inbox_id)
    settings = await hours_service.set_hours(session, inbox_id=inbox_id, **fields)
    if hours_service.meaning(settings.calendar) != hours_service.meaning(before.calendar):
        await hours_changed(session, inbox_id=inbox_id)
    return settings


async def hours_changed(session: AsyncSession, *, inbox_id: int) -> None:
    """In the transaction that changed the inbox's hours (`save_hours`)."""
    if not await _hours_count(session, inbox_id=inbox_id):
        return  # no policy of this inbox counts in business hours: no due time moves
    name = _mark(inbox_id)
    statement = upsert_into(session.get_bind().dialect.name, Counter).values(name=name, value=0)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[Counter.name], set_={"value": 0})
    )
    waiting = Ticket.inbox_id == inbox_id, Ticket.state.in_(WAITING)
    first = (
        await session.scalars(
            select(Ticket.id).where(*waiting).order_by(Ticket.id).limit(REQUEST_BATCH + 1)
        )
    ).all()
    if len(first) <= REQUEST_BATCH:
        await _refresh(session, inbox_id=inbox_id, ticket_ids=first)
        await session.execute(delete(Counter).where(Counter.name == name))
        return
    soonest = (
        await session.scalars(
            select(Ticket.id)
            .where(*waiting, Ticket.sla_due_at.is_not(None))
            .order_by(Ticket.sla_due_at, Ticket.id)
            .limit(REQUEST_BATCH)
        )
    ).all()
    await _refresh(session, inbox_id=inbox_id, ticket_ids=sorted(soonest))


async def refresh_pending(session: AsyncSession) -> tuple[int, bool]:
    """One batch of the loop: up to `BATCH` tickets of an inbox whose hours changed; how many it
    refreshed, and whether more may wait."""
    mark = await session.scalar(
        select(Counter)
        .where(Counter.name.startswith(PREFIX, autoescape=True))
        .order_by(Counter.name)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if mark is None:
        return 0, False
    inbox_id = int(mark.name.removeprefix(PREFIX))
    ticket_ids: Sequence[int] = []
    if await _hours_count(session, inbox_id=inbox_id):
        ticket_ids = (
            await session.scalars(
                select(Ticket.id)
                .where(
                    Ticket.inbox_id == inbox_id,
                    Ticket.state.in_(WAITING),
                    Ticket.id > mark.value,
                )
                .order_by(Ticket.id)
                .limit(BATCH)
            )
        ).all()
    await _refresh(session, inbox_id=inbox_id, ticket_ids=ticket_ids)
    if len(ticket_ids) < BATCH:
        await session.execute(delete(Counter).where(Counter.name == mark.name))
    else:
        await session.execute(
            update(Counter).where(Counter.name == mark.name).values(value=ticket_ids[-1])
        )
    return len(ticket_ids), True  # another inbox may wait


async def _hours_count(session: AsyncSession, *, inbox_id: int) -> bool:
    """Whether a policy that may apply to the inbox's tickets counts in business hours."""
    return any(
        policy.business_hours and policy.inbox_id in (None, inbox_id)
        for policy in await sla_service.list_policies(session)
    )


async def _refresh(session: AsyncSession, *, inbox_id: int, ticket_ids: Sequence[int]) -> None:
    if not ticket_ids:
        return
    # Locked as a change of the ticket locks it (tickets/service.py `lock_tickets`), in id order,
    # so that a reply written meanwhile is refreshed after this or sees it. FOR NO KEY UPDATE on
    # PostgreSQL: the SLA timer, holding a ticket's SLA row, writes alerts whose foreign key
    # takes a KEY SHARE lock on the ticket, which FOR UPDATE would make it wait for.
    tickets = (
        await session.scalars(
            select(Ticket)
            .where(Ticket.id.in_(ticket_ids))
            .order_by(Ticket.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    # Held here, so that the refresh of each ticket finds them in the session instead of reading
    # them one by one: its SLA row and the inbox's hours (the session keeps no row nobody holds).
    held = [
        *(await session.scalars(select(TicketSla).where(TicketSla.ticket_id.in_(ticket_ids)))),
        await session.get(BusinessHours, inbox_id),
    ]
    now = utcnow()
    for ticket in tickets:
        # Moved or closed meanwhile: that change refreshed it, under the hours it has now.
        if ticket.inbox_id == inbox_id and ticket.state is not TicketState.closed:
            await sla_service.refresh(session, ticket=ticket, now=now)
    del held
