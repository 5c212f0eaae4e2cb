"""Who is connected: a row per open socket, kept fresh by each process's heartbeat and reaped
when its process died; a visitor's first socket and last one tell their chats' inboxes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.events import (
    LiveEvent,
    publish_to_inbox,
)
from frontdesk.chats.models import (
    Connection,
    ConnectionKind,
    Visitor,
)
from frontdesk.chats.visitors import open_chats_of_visitor
from frontdesk.kit.clock import utcnow
from frontdesk.knowledge import viewers as knowledge_viewers
from frontdesk.realtime.catalogue import Presence
from frontdesk.tickets import service as tickets_service
from frontdesk.users.models import User


async def visitor_connected(session: AsyncSession, *, visitor_id: int) -> bool:
    return (
        await session.scalar(
            select(Connection.id).where(Connection.visitor_id == visitor_id).limit(1)
        )
    ) is not None


async def connection_opened(
    session: AsyncSession,
    *,
    connection_id: str,
    process_id: str,
    user: User | None = None,
    visitor: Visitor | None = None,
) -> None:
    now = utcnow()
    first = False
    if visitor is not None:
        first = not await visitor_connected(session, visitor_id=visitor.id)
        visitor.last_seen_at = now
    elif user is not None:
        user.last_seen_at = now
    session.add(
        Connection(
            id=connection_id,
            process_id=process_id,
            connected_at=now,
            heartbeat_at=now,
            kind=ConnectionKind.visitor if visitor else ConnectionKind.agent,
            user_id=user.id if user else None,
            visitor_id=visitor.id if visitor else None,
        )
    )
    await session.flush()
    if visitor is not None and first:
        await _publish_presence(session, visitor=visitor, connected=True)


async def connection_closed(
    session: AsyncSession, *, connection_id: str, reaped: bool = False
) -> None:
    connection = await session.get(Connection, connection_id)
    if connection is None:
        return
    # Before the row goes (its viewers would go with it, unannounced): no ghost on a ticket or
    # an article.
    await tickets_service.connection_left(session, connection_id=connection_id)
    await knowledge_viewers.connection_left(session, connection_id=connection_id)
    await session.delete(connection)
    await session.flush()
    # A socket of a dead process was last heard at its last heartbeat, not when it is reaped: an
    # agent's grace (chats/availability.py) counts from then, so a crash costs no extra minute.
    now = connection.heartbeat_at if reaped else utcnow()
    if connection.visitor_id is not None:
        visitor = await session.get(Visitor, connection.visitor_id)
        if visitor is not None:
            visitor.last_seen_at = max(visitor.last_seen_at, now)
            if not await visitor_connected(session, visitor_id=visitor.id):
                await _publish_presence(session, visitor=visitor, connected=False)
    elif connection.user_id is not None:
        # Never backwards: another desk of theirs may have closed later.
        await session.execute(
            update(User)
            .where(
                User.id == connection.user_id,
                or_(User.last_seen_at.is_(None), User.last_seen_at < now),
            )
            .values(last_seen_at=now)
        )


async def _publish_presence(session: AsyncSession, *, visitor: Visitor, connected: bool) -> None:
    for chat in await open_chats_of_visitor(session, visitor=visitor):
        publish_to_inbox(
            session,
            LiveEvent.presence,
            inbox_id=chat.inbox_id,
            data=Presence(chat_id=chat.id, connected=connected),
        )


async def heartbeat(session: AsyncSession, *, process_id: str) -> None:
    await session.execute(
        update(Connection).where(Connection.process_id == process_id).values(heartbeat_at=utcnow())
    )


async def reap_stale_connections(session: AsyncSession, *, now: datetime, max_age: float) -> int:
    """Rows of a process that died without closing its sockets."""
    stale = (
        await session.scalars(
            select(Connection.id).where(Connection.heartbeat_at < now - timedelta(seconds=max_age))
        )
    ).all()
    for connection_id in stale:
        await connection_closed(session, connection_id=connection_id, reaped=True)
    return len(stale)
