"""Tickets whose assignee can no longer see them, given back to their inbox (docs/routing.md,
"When an agent leaves an inbox").

An agent taken out of an inbox, deactivated, or no longer an admin and not a member of an inbox
would otherwise keep its tickets: in nobody's Unassigned folder, never handed out again by
auto-assignment, and their SLA alerts reaching nobody. Decided:

- Every ticket of theirs that is not closed (open, on hold, snoozed) and that they no longer see
  is unassigned, each with a timeline line saying why, the `ticket.updated` event every
  unassignment sends (desks, webhooks) and its auto-assignment tracking ended: it is back in
  Unassigned, and auto-assignment hands it out like any unassigned ticket.
- Closed tickets keep their assignee: who handled them stays on record. One that opens again
  while its assignee still does not see it opens unassigned (`tickets/service.update_ticket`).
- In batches of BATCH tickets, each its own transaction: the first commits with the change that
  made them leave (the caller's), each next one on its own, so that on SQLite, whose one writer
  every request waits for, nothing waits for more than one batch. A batch that failed leaves the
  rest assigned, and doing the same again (removing them from the inbox again, a no-op
  otherwise) finishes the work.
"""

from __future__ import annotations

import enum

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.assignment import tracking as assignment_tracking
from frontdesk.db.session import release_before_waiting
from frontdesk.inboxes.models import Inbox, InboxMember
from frontdesk.kit.clock import utcnow
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.events import TicketEvent, record_ticket_event
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.users.models import User

# Tickets a transaction unassigns: each is a timeline line, an event and its webhook deliveries,
# 0.6 to 1 ms on SQLite, so another request waits 12 to 25 ms at most (measured 2026-12-05 with
# 2,000 tickets: docs/routing.md).
BATCH = 20
NOT_CLOSED = (TicketState.open, TicketState.hold, TicketState.snoozed)


class Departure(enum.StrEnum):
    """Why they no longer see the tickets: the timeline line says it."""

    removed = "removed"  # taken out of the inbox
    deactivated = "deactivated"
    demoted = "demoted"  # no longer an admin, and not a member of the inbox


def _line(departure: Departure, *, user: User, actor: User | None, inbox: Inbox) -> str:
    who = actor.name if actor is not None else "frontdesk"
    if departure is Departure.removed:
        return f"Unassigned: {who} removed {user.name} from {inbox.name}"
    if departure is Departure.deactivated:
        return f"Unassigned: {who} deactivated {user.name}"
    return f"Unassigned: {user.name} is no longer an admin, nor a member of {inbox.name}"


async def release_tickets(
    session: AsyncSession,
    *,
    user: User,
    actor: User | None,
    departure: Departure,
    inbox_id: int | None = None,
) -> int:
    """Unassigns the tickets `user` has and no longer sees (see the module's docstring), of the
    inbox `inbox_id` or of every inbox, BATCH a transaction, and answers how many. Nothing for an
    active admin, who sees every inbox."""
    if user.is_active and user.is_admin:
        return 0
    released = 0
    after = 0
    while True:
        ids = list(await session.scalars(_unseen(user, inbox_id=inbox_id, after=after)))
        if not ids:
            return released
        after = ids[-1]
        # Locked, and looked at again: a colleague may have changed one meanwhile.
        locked = await tickets_service.lock_tickets(session, ticket_ids=ids)
        theirs = [
            ticket
            for ticket in locked.values()
            if ticket.assignee_id == user.id and ticket.state in NOT_CLOSED
        ]
        # One statement for the batch: one per ticket flushed each ticket's change on its own.
        await assignment_tracking.forget_tickets(
            session, ticket_ids=[ticket.id for ticket in theirs]
        )
        for ticket in theirs:
            inbox = await session.get(Inbox, ticket.inbox_id)
            if inbox is None:  # pragma: no cover - the ticket's row holds its inbox
                continue
            await _unassign(
                session,
                ticket=ticket,
                actor=actor,
                text=_line(departure, user=user, actor=actor, inbox=inbox),
                user=user,
            )
            released += 1
        await session.flush()
        if len(ids) < BATCH:
            return released
        await release_before_waiting(session)


def _unseen(user: User, *, inbox_id: int | None, after: int) -> Select[int]:
    """The next BATCH ids of the tickets, not closed, assigned to `user` in inboxes they do not
    see now: every inbox for a deactivated user, else those they are not a member of."""
    query = select(Ticket.id).where(
        Ticket.assignee_id == user.id, Ticket.state.in_(NOT_CLOSED), Ticket.id > after
    )
    if inbox_id is not None:
        query = query.where(Ticket.inbox_id == inbox_id)
    if user.is_active:
        query = query.where(
            ~exists().where(InboxMember.user_id == user.id, InboxMember.inbox_id == Ticket.inbox_id)
        )
    return query.order_by(Ticket.id).limit(BATCH)


async def _unassign(
    session: AsyncSession, *, ticket: Ticket, actor: User | None, text: str, user: User
) -> None:
    """What any unassignment does (`tickets/service.update_ticket`), with its own line; the
    caller ended its auto-assignment tracking (`assignment_tracking.forget_tickets`)."""
    ticket_changes.remember(session, ticket)
    ticket.assignee_id = None
    await tickets_service.log_event(
        session, ticket=ticket, actor=actor, text=text, assignee_id=None, unassigned_id=user.id
    )
    ticket.updated_at = utcnow()
    record_ticket_event(session, TicketEvent.updated, ticket, changes=["assignee"], by=actor)
