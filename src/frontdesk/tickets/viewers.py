"""Collision detection: who has a ticket open and who is writing a reply or note on it.

One row per desk socket and ticket (`TicketViewer`), written by the desk socket's
`ticket_presence` frame and removed with the socket's own row (chats/presence.py calls
`connection_left`), which a dead process's reaper removes too: a closed tab or a dropped socket
leaves no ghost. Every change publishes the ticket's whole list to its inbox's agents, the only
ones who may see the ticket, so a desk never has to merge partial updates.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.kit.clock import utcnow
from frontdesk.realtime.catalogue import TicketEvent, TicketViewer, TicketViewers
from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.models import TicketViewer as ViewerRow
from frontdesk.users.models import User

Composing = Literal["reply", "note"]


async def viewers_of(session: AsyncSession, *, ticket_id: int) -> list[TicketViewer]:
    """One item per agent, by name; writing on any of their tabs counts (a reply before a note)."""
    rows = await session.execute(
        select(User.id, User.name, ViewerRow.composing)
        .join(User, User.id == ViewerRow.user_id)
        .where(ViewerRow.ticket_id == ticket_id)
        .order_by(User.name, User.id)
    )
    found: dict[int, TicketViewer] = {}
    for user_id, name, composing in rows:
        viewer = found.setdefault(
            user_id, {"user": {"id": user_id, "name": name}, "composing": None}
        )
        if composing == "reply":
            viewer["composing"] = "reply"
        elif composing == "note" and viewer["composing"] is None:
            viewer["composing"] = "note"
    return list(found.values())


async def _publish(session: AsyncSession, *, ticket_id: int, inbox_id: int) -> list[TicketViewer]:
    viewers = await viewers_of(session, ticket_id=ticket_id)
    record(
        session,
        type=TicketEvent.viewers,
        topics=[inbox_topic(inbox_id)],
        data=TicketViewers(ticket_id=ticket_id, viewers=viewers),
    )
    return viewers


async def set_presence(
    session: AsyncSession,
    *,
    ticket: Ticket,
    user: User,
    connection_id: str,
    viewing: bool,
    composing: Composing | None = None,
) -> list[TicketViewer]:
    """What one desk socket shows of `ticket` (which `user` may see: the caller loaded it through
    `get_ticket`). Publishes only when something changed; answers the list either way."""
    row = await session.get(ViewerRow, (connection_id, ticket.id))
    if not viewing:
        if row is None:
            return await viewers_of(session, ticket_id=ticket.id)
        await session.delete(row)
    elif row is None:
        session.add(
            ViewerRow(
                connection_id=connection_id,
                ticket_id=ticket.id,
                user_id=user.id,
                composing=composing,
                since=utcnow(),
            )
        )
    elif row.composing != composing:
        row.composing = composing
    else:
        return await viewers_of(session, ticket_id=ticket.id)
    await session.flush()
    return await _publish(session, ticket_id=ticket.id, inbox_id=ticket.inbox_id)


async def connection_left(session: AsyncSession, *, connection_id: str) -> None:
    """A desk socket closed (or its process died): its tickets lose it as a viewer."""
    rows = (
        await session.execute(
            select(ViewerRow.ticket_id, Ticket.inbox_id)
            .join(Ticket, Ticket.id == ViewerRow.ticket_id)
            .where(ViewerRow.connection_id == connection_id)
        )
    ).all()
    if not rows:
        return
    await session.execute(delete(ViewerRow).where(ViewerRow.connection_id == connection_id))
    for ticket_id, inbox_id in rows:
        await _publish(session, ticket_id=ticket_id, inbox_id=inbox_id)
