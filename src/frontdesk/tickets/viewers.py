"""Collision detection on tickets: who has a ticket open and who is writing a reply or note on it.

The rows and their version numbers are realtime/viewers.py's (one row per desk socket and ticket,
gone with the socket; each change of a ticket's list numbered, the highest number the newest).
This module says who hears a ticket's list: every change publishes the whole list to its inbox's
agents, the only ones who may see the ticket, so a desk never has to merge partial updates.
"""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.inboxes import service as inboxes_service
from frontdesk.realtime.catalogue import TicketEvent, TicketViewer, TicketViewers
from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.realtime.viewers import ViewedKind
from frontdesk.tickets.models import Ticket, TicketViewersVersion
from frontdesk.tickets.models import TicketViewer as ViewerRow
from frontdesk.users.models import User

Composing = Literal["reply", "note"]

# A reply shows before a note when an agent writes both, on two tabs.
TICKETS = ViewedKind(
    rows=ViewerRow, versions=TicketViewersVersion, key="ticket_id", composing=("reply", "note")
)


async def viewers_of(session: AsyncSession, *, ticket_id: int) -> list[TicketViewer]:
    """One item per agent, by name; writing on any of their tabs counts (a reply before a note)."""
    return cast(list[TicketViewer], await TICKETS.viewers_of(session, ticket_id))


async def _as_is(session: AsyncSession, *, ticket_id: int) -> TicketViewers:
    """The list as it stands, numbered as last changed (read first: the list is no older)."""
    version = await TICKETS.version_of(session, ticket_id)
    viewers = await viewers_of(session, ticket_id=ticket_id)
    return TicketViewers(ticket_id=ticket_id, viewers=viewers, version=version)


async def _publish(
    session: AsyncSession, *, ticket_id: int, inbox_id: int, version: int
) -> TicketViewers:
    data = TicketViewers(
        ticket_id=ticket_id,
        viewers=await viewers_of(session, ticket_id=ticket_id),
        version=version,
    )
    record(session, type=TicketEvent.viewers, topics=[inbox_topic(inbox_id)], data=data)
    return data


async def set_presence(
    session: AsyncSession,
    *,
    ticket: Ticket,
    user: User,
    connection_id: str,
    viewing: bool,
    composing: Composing | None = None,
) -> TicketViewers:
    """What one desk socket shows of `ticket` (which `user` may see: the caller loaded it through
    `get_ticket`). Publishes only when something changed; answers the list either way."""
    version = await TICKETS.set(
        session,
        subject_id=ticket.id,
        user_id=user.id,
        connection_id=connection_id,
        viewing=viewing,
        composing=composing,
    )
    if version is None:
        return await _as_is(session, ticket_id=ticket.id)
    return await _publish(session, ticket_id=ticket.id, inbox_id=ticket.inbox_id, version=version)


async def drop_unseeing(session: AsyncSession, *, ticket: Ticket) -> None:
    """The ticket moved to another inbox: desks whose agent does not see it there stop being
    listed (their tab can no longer say it left: the ticket is "no such ticket" to them now).
    The new list goes to the new inbox's agents."""
    rows = (
        await session.execute(
            select(ViewerRow, User)
            .join(User, User.id == ViewerRow.user_id)
            .where(ViewerRow.ticket_id == ticket.id)
        )
    ).all()
    gone = [
        row
        for row, user in rows
        if not await inboxes_service.is_member(session, user=user, inbox_id=ticket.inbox_id)
    ]
    if not gone:
        return
    version = await TICKETS.drop(session, ticket.id, gone)
    await _publish(session, ticket_id=ticket.id, inbox_id=ticket.inbox_id, version=version)


async def drop_user_unseeing(session: AsyncSession, *, user: User) -> None:
    """`user` lost sight of some inboxes (taken out of one, or no longer an admin): their desks
    stop being listed on the tickets of those inboxes. Their tab cannot say it left (the ticket
    is "no such ticket" to them now, so its `ticket_presence` is refused), and the inbox's agents
    would otherwise see them reading or writing there until the tab closed. Each list changed
    goes to its inbox's agents."""
    rows = (
        await session.execute(
            select(ViewerRow, Ticket.inbox_id)
            .join(Ticket, Ticket.id == ViewerRow.ticket_id)
            .where(ViewerRow.user_id == user.id)
            .order_by(ViewerRow.ticket_id)  # version rows locked in one order: no deadlock
        )
    ).all()
    gone: dict[tuple[int, int], list[ViewerRow]] = {}
    for row, inbox_id in rows:
        if not await inboxes_service.is_member(session, user=user, inbox_id=inbox_id):
            gone.setdefault((row.ticket_id, inbox_id), []).append(row)
    for (ticket_id, inbox_id), dropped in gone.items():
        version = await TICKETS.drop(session, ticket_id, dropped)
        await _publish(session, ticket_id=ticket_id, inbox_id=inbox_id, version=version)


async def connection_left(session: AsyncSession, *, connection_id: str) -> None:
    """A desk socket closed (or its process died): its tickets lose it as a viewer."""
    left = await TICKETS.connection_left(session, connection_id=connection_id)
    if not left:
        return
    found = await session.execute(
        select(Ticket.id, Ticket.inbox_id).where(Ticket.id.in_([t for t, _ in left]))
    )
    inboxes: dict[int, int] = dict(found.all())
    for ticket_id, version in left:
        await _publish(session, ticket_id=ticket_id, inbox_id=inboxes[ticket_id], version=version)
