"""Collision detection: who has a ticket open and who is writing a reply or note on it.

One row per desk socket and ticket (`TicketViewer`), written by the desk socket's
`ticket_presence` frame and removed with the socket's own row (chats/presence.py calls
`connection_left`), which a dead process's reaper removes too: a closed tab or a dropped socket
leaves no ghost. Every change publishes the ticket's whole list to its inbox's agents, the only
ones who may see the ticket, so a desk never has to merge partial updates.

Lists can reach a desk out of order: the answer to a socket's own frame is sent after its commit,
while another agent's change, committed meanwhile, is already on its way, and with several
processes two publishes can cross. So every change numbers the ticket's list
(`TicketViewersVersion`), taking the number before it touches any row: on PostgreSQL the version
row's lock makes two changes of one ticket take turns, and the later one reads the list with the
earlier one in it. A desk keeps the list with the highest number it has heard.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.upsert import upsert_into
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.realtime.catalogue import TicketEvent, TicketViewer, TicketViewers
from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.tickets.models import Ticket, TicketViewersVersion
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


async def _next_version(session: AsyncSession, *, ticket_id: int) -> int:
    """Numbers a change of the ticket's list, and holds the number's row until the commit."""
    insert = upsert_into(session.get_bind().dialect.name, TicketViewersVersion)
    upsert = insert.values(ticket_id=ticket_id, version=1).on_conflict_do_update(
        index_elements=[TicketViewersVersion.ticket_id],
        set_={"version": TicketViewersVersion.version + 1},
    )
    return (await session.execute(upsert.returning(TicketViewersVersion.version))).scalar_one()


async def _as_is(session: AsyncSession, *, ticket_id: int) -> TicketViewers:
    """The list as it stands, numbered as last changed (read first: the list is no older)."""
    version = await session.scalar(
        select(TicketViewersVersion.version).where(TicketViewersVersion.ticket_id == ticket_id)
    )
    viewers = await viewers_of(session, ticket_id=ticket_id)
    return TicketViewers(ticket_id=ticket_id, viewers=viewers, version=version or 0)


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
    row = await session.get(ViewerRow, (connection_id, ticket.id))
    unchanged = (row is None and not viewing) or (
        row is not None and viewing and row.composing == composing
    )
    if unchanged:
        return await _as_is(session, ticket_id=ticket.id)
    version = await _next_version(session, ticket_id=ticket.id)
    if row is None:
        session.add(
            ViewerRow(
                connection_id=connection_id,
                ticket_id=ticket.id,
                user_id=user.id,
                composing=composing,
                since=utcnow(),
            )
        )
    elif not viewing:
        await session.delete(row)
    else:
        row.composing = composing
    await session.flush()
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
    version = await _next_version(session, ticket_id=ticket.id)
    for row in gone:
        await session.delete(row)
    await session.flush()
    await _publish(session, ticket_id=ticket.id, inbox_id=ticket.inbox_id, version=version)


async def connection_left(session: AsyncSession, *, connection_id: str) -> None:
    """A desk socket closed (or its process died): its tickets lose it as a viewer."""
    rows = (
        await session.execute(
            select(ViewerRow.ticket_id, Ticket.inbox_id)
            .join(Ticket, Ticket.id == ViewerRow.ticket_id)
            .where(ViewerRow.connection_id == connection_id)
            .order_by(ViewerRow.ticket_id)  # the version rows locked in one order: no deadlock
        )
    ).all()
    if not rows:
        return
    versions = [await _next_version(session, ticket_id=ticket_id) for ticket_id, _ in rows]
    await session.execute(delete(ViewerRow).where(ViewerRow.connection_id == connection_id))
    for (ticket_id, inbox_id), version in zip(rows, versions, strict=True):
        await _publish(session, ticket_id=ticket_id, inbox_id=inbox_id, version=version)
