"""What frontdesk assigned and still tracks as untouched (`AutoAssignment`), and its end: a ticket
put aside (on hold, snoozed, closed, merged away), handed to someone else, or moved to another
inbox is no longer frontdesk's to move on (docs/routing.md, "Auto-assignment"). Apart from
`service.py` so that the ticket service, which the assignment service calls, can end it too."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.assignment.models import AutoAssignment


async def forget_ticket(session: AsyncSession, *, ticket_id: int) -> None:
    """The ticket is no longer frontdesk's to move on: a person (or a rule) put it aside or
    reassigned it, or moved it to another inbox (the new inbox hands it out if it arrives
    unassigned). It stays so when it is open again with the same assignee."""
    await session.execute(delete(AutoAssignment).where(AutoAssignment.ticket_id == ticket_id))


async def forget_tickets(session: AsyncSession, *, ticket_ids: Collection[int]) -> None:
    """`forget_ticket` for many, in one statement: a batch of tickets unassigned at once
    (tickets/departures.py)."""
    if ticket_ids:
        await session.execute(
            delete(AutoAssignment).where(AutoAssignment.ticket_id.in_(sorted(ticket_ids)))
        )
