"""Ticket events: desks of the ticket's inbox hear them and refresh their lists and pages."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.catalogue import (
    EntryRef,
    TicketCreated,
    TicketEntryAdded,
    TicketEvent,
    TicketSummary,
    TicketUpdated,
)
from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets.models import Direction, EntryKind, Ticket
from frontdesk.users.models import User


class EntryLike(Protocol):
    """A TicketEntry, or what tickets.service.EntryRef keeps of one."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> EntryKind: ...
    @property
    def direction(self) -> Direction: ...


__all__ = ["EntryLike", "TicketEvent", "record_ticket_event", "ticket_summary"]


def ticket_summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary(
        id=ticket.id,
        number=ticket.number,
        inbox_id=ticket.inbox_id,
        customer_id=ticket.customer_id,
        subject=ticket.subject,
        type=ticket.type.value,
        state=ticket.state.value,
        assignee_id=ticket.assignee_id,
        snoozed_until=ticket.snoozed_until.isoformat() if ticket.snoozed_until else None,
        updated_at=ticket.updated_at.isoformat(),
    )


def record_ticket_event(
    session: AsyncSession,
    event: TicketEvent,
    ticket: Ticket,
    *,
    entry: EntryLike | None = None,
    changes: list[str] | None = None,
    from_inbox_id: int | None = None,
    by: User | ticket_changes.Unsaid | None = ticket_changes.UNSAID,
) -> None:
    """`from_inbox_id`: the ticket just left that inbox, whose desks hear the change too. `by`:
    the agent who made the change, or None for nobody (the system, or the customer whose mail
    it answers); a change is told with who made it (tickets/changes.py `actor_of`)."""
    summary = ticket_summary(ticket)
    data: TicketCreated | TicketUpdated | TicketEntryAdded
    topics = [inbox_topic(ticket.inbox_id)]
    private = None
    if entry is not None:
        data = TicketEntryAdded(
            ticket=summary,
            entry=EntryRef(id=entry.id, kind=entry.kind.value, direction=entry.direction.value),
        )
    elif changes is not None:
        data = TicketUpdated(ticket=summary, changes=changes)
        if from_inbox_id is not None:
            data["from_inbox_id"] = from_inbox_id
            topics.append(inbox_topic(from_inbox_id))
        actor = ticket_changes.actor_of(session, ticket_id=ticket.id, user=by)
        private = ticket_changes.private_data(actor)
    else:
        data = TicketCreated(ticket=summary)
    record(session, type=event, topics=topics, data=data, private=private)
