"""What desks hear of side conversations: `ticket.side_conversations_changed` to the ticket's
inbox, naming the side conversation by id alone (no words: a desk reads them over the API, where
who may is checked), on which an open ticket page reads its side conversations again. A merge
or its undo, which moves several at once, says "moved" and names none (moves.py)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.catalogue import SideConversationEvent, TicketSideConversationsChanged
from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User

Change = Literal["created", "replied", "received", "closed", "reopened", "moved"]


def changed(
    session: AsyncSession,
    *,
    ticket: Ticket,
    side_conversation_id: int | None,
    change: Change,
    by: User | None,
) -> None:
    data = TicketSideConversationsChanged(
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        side_conversation_id=side_conversation_id,
        change=change,
        by={"id": by.id, "name": by.name} if by is not None else None,
    )
    record(
        session,
        type=SideConversationEvent.changed,
        topics=[inbox_topic(ticket.inbox_id)],
        data=data,
    )
