"""The SLA due times of an inbox's tickets worked out again after its business hours change
(docs/routing.md, "When the hours change"), or after an SLA policy that may apply to them was
created, changed or deleted (docs/routing.md, "When a policy changes": `policies_changed`, the
same batches under a mark of its own, `sla_policies:<inbox id>`, called by sla/policies.py).

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
other in the opposite order. A policy of every inbox marks them all, and its request refreshes
`REQUEST_BATCH` tickets between them, not so many an inbox: 100 inboxes were 5,000 refreshes,
and locks, in one admin's request.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.upsert import upsert_into
from frontdesk.hours import service as hours_service
from frontdesk.hours.models import BusinessHours
from frontdesk.hours.service import HoursSettings
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.sla import service as sla_service
from frontdesk.sla.models import TicketSla
from frontdesk.tickets.models import Counter, Ticket, TicketState

PREFIX = "hours_sla:"
# The mark of a policy's change: every policy counts, in business hours or not.
POLICY_PREFIX = "sla_policies:"
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
    await _start(session, marks={inbox_id: _mark(inbox_id)})


async def policies_changed(session: AsyncSession, *, inbox_ids: Collection[int | None]) -> None:
    """In the transaction that created, changed or deleted an SLA policy (sla/policies.py): the
    tickets of the inboxes it applied or applies to (None: every inbox) worked out again, as
    after a change of hours, so that a target shortened from 8 hours to 1 shows its new due
    time at once. One `REQUEST_BATCH` for all the inboxes together: a policy of every inbox
    costs the request no more than one inbox's. What the refresh does to targets met or
    breached: docs/routing.md."""
    if None in inbox_ids:
        found: Collection[int] = list(await session.scalars(select(Inbox.id)))
    else:
        found = {inbox_id for inbox_id in inbox_ids if inbox_id is not None}
    await _start(session, marks={inbox_id: f"{POLICY_PREFIX}{inbox_id}" for inbox_id in found})


async def _start(session: AsyncSession, *, marks: dict[int, str]) -> None:
    """Each inbox marked from its first ticket (`marks`: inbox id → name of its mark), and the
    inboxes' first `REQUEST_BATCH` tickets between them refreshed now: all of them when there
    are no more (the marks then go), else those due first, and the loop does every inbox again
    from its first ticket."""
    if not marks:
        return
    # In the order of their names, the loop's order, so that two changes at once wait for each
    # other instead of each holding a mark the other needs.
    names = sorted(marks.values())
    statement = upsert_into(session.get_bind().dialect.name, Counter).values(
        [{"name": name, "value": 0} for name in names]
    )
    await session.execute(
        statement.on_conflict_do_update(index_elements=[Counter.name], set_={"value": 0})
    )
    waiting = Ticket.inbox_id.in_(sorted(marks)), Ticket.state.in_(WAITING)
    first = (
        await session.scalars(
            select(Ticket.id).where(*waiting).order_by(Ticket.id).limit(REQUEST_BATCH + 1)
        )
    ).all()
    if len(first) <= REQUEST_BATCH:
        await _refresh_in(session, inbox_ids=marks.keys(), ticket_ids=first)
        await session.execute(delete(Counter).where(Counter.name.in_(names)))
        return
    soonest = (
        await session.scalars(
            select(Ticket.id)
            .where(*waiting, Ticket.sla_due_at.is_not(None))
            .order_by(Ticket.sla_due_at, Ticket.id)
            .limit(REQUEST_BATCH)
        )
    ).all()
    await _refresh_in(session, inbox_ids=marks.keys(), ticket_ids=sorted(soonest))


async def refresh_pending(session: AsyncSession) -> tuple[int, bool]:
    """One batch of the loop: up to `BATCH` tickets of an inbox whose hours changed; how many it
    refreshed, and whether more may wait."""
    mark = await session.scalar(
        select(Counter)
        .where(
            or_(
                Counter.name.startswith(PREFIX, autoescape=True),
                Counter.name.startswith(POLICY_PREFIX, autoescape=True),
            )
        )
        .order_by(Counter.name)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if mark is None:
        return 0, False
    hours = mark.name.startswith(PREFIX)
    inbox_id = int(mark.name.removeprefix(PREFIX if hours else POLICY_PREFIX))
    ticket_ids: Sequence[int] = []
    if not hours or await _hours_count(session, inbox_id=inbox_id):
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
    """Whether a policy that may apply to the inbox's tickets counts in business hours. The
    policies are the transaction's (`cached_policies`), which each ticket's refresh reads too."""
    return any(
        policy.business_hours and policy.inbox_id in (None, inbox_id)
        for policy in await sla_service.cached_policies(session)
    )


async def _refresh(session: AsyncSession, *, inbox_id: int, ticket_ids: Sequence[int]) -> None:
    await _refresh_in(session, inbox_ids={inbox_id}, ticket_ids=ticket_ids)


async def _refresh_in(
    session: AsyncSession, *, inbox_ids: Collection[int], ticket_ids: Sequence[int]
) -> None:
    """The tickets refreshed, each while it is still open in one of `inbox_ids`."""
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
    # them one by one: its SLA row and its inbox's hours (the session keeps no row nobody holds).
    held = [
        *(await session.scalars(select(TicketSla).where(TicketSla.ticket_id.in_(ticket_ids)))),
        *(
            await session.scalars(
                select(BusinessHours).where(
                    BusinessHours.inbox_id.in_({ticket.inbox_id for ticket in tickets})
                )
            )
        ),
    ]
    now = utcnow()
    for ticket in tickets:
        # Moved or closed meanwhile: that change refreshed it, under the hours it has now.
        if ticket.inbox_id in inbox_ids and ticket.state is not TicketState.closed:
            await sla_service.refresh(session, ticket=ticket, now=now)
    del held
