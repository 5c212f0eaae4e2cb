"""What desks hear of links: `ticket.links_changed` to the inbox of each ticket whose links
changed, naming the other ticket by id alone (the agents of one inbox may not see the other's),
on which an open ticket page reads its links again. Webhooks make `ticket.linked` and
`ticket.unlinked` of the "linked" and "unlinked" ones (webhooks/capture.py), except those of a
merge, a split or their undo (`by_move`): those are told by the move's own events."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.catalogue import LinkEvent, TicketLinksChanged
from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


def links_changed(
    session: AsyncSession,
    *,
    ticket: Ticket,
    change: Literal["linked", "unlinked", "moved"],
    other_ticket_id: int | None,
    by: User,
    by_move: bool = False,
) -> None:
    data = TicketLinksChanged(
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        change=change,
        other_ticket_id=other_ticket_id,
        by={"id": by.id, "name": by.name},
    )
    record(
        session,
        type=LinkEvent.changed,
        topics=[inbox_topic(ticket.inbox_id)],
        data=data,
        # For webhooks alone (never published): a move's link is no link event of its own.
        private={"by_move": True} if by_move else None,
    )
