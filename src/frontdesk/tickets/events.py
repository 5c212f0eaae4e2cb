"""Ticket events: desks of the ticket's inbox hear them and refresh their lists and pages."""

from __future__ import annotations

import enum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.tickets.models import Direction, EntryKind, Ticket


class EntryLike(Protocol):
    """A TicketEntry, or what tickets.service.EntryRef keeps of one."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> EntryKind: ...
    @property
    def direction(self) -> Direction: ...


class TicketEvent(enum.StrEnum):
    created = "ticket.created"
    updated = "ticket.updated"
    entry_added = "ticket.entry_added"


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "inbox_id": ticket.inbox_id,
        "customer_id": ticket.customer_id,
        "subject": ticket.subject,
        "type": ticket.type.value,
        "state": ticket.state.value,
        "assignee_id": ticket.assignee_id,
        "snoozed_until": ticket.snoozed_until.isoformat() if ticket.snoozed_until else None,
        "updated_at": ticket.updated_at.isoformat(),
    }


def record_ticket_event(
    session: AsyncSession,
    event: TicketEvent,
    ticket: Ticket,
    *,
    entry: EntryLike | None = None,
    changes: list[str] | None = None,
) -> None:
    data: dict[str, Any] = {"ticket": ticket_summary(ticket)}
    if entry is not None:
        data["entry"] = {
            "id": entry.id,
            "kind": entry.kind.value,
            "direction": entry.direction.value,
        }
    if changes is not None:
        data["changes"] = changes
    record(session, type=event.value, topics=[inbox_topic(ticket.inbox_id)], data=data)
