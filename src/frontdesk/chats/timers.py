"""Loops that claim due rows and call the chat service: unanswered chats, idle agents, presence."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats import service
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.realtime.process import PROCESS_ID


async def end_unanswered_chats(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    async with unit_of_work(sessionmaker) as session:
        return await service.end_unanswered_chats(
            session, now=utcnow(), visitor_grace=settings.visitor_grace
        )


async def expire_offers(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Chats offered to one agent whose time ran out go to the next (docs/routing.md)."""
    async with unit_of_work(sessionmaker) as session:
        return await service.expire_offers(session, now=utcnow())


async def expire_idle_agents(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    async with unit_of_work(sessionmaker) as session:
        return await service.expire_idle_agents(session, now=utcnow(), grace=settings.agent_grace)


async def presence_heartbeat(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    """Marks this process's sockets alive, and removes those of processes that died."""
    async with unit_of_work(sessionmaker) as session:
        await service.heartbeat(session, process_id=PROCESS_ID)
        return await service.reap_stale_connections(
            session, now=utcnow(), max_age=3 * settings.heartbeat_interval
        )
