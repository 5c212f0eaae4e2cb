"""Joins the customers of newly added domains to their organisation, a range of contacts a
transaction (organisations/service.py, "Joining")."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import in_batches
from frontdesk.organisations import service

# Ranges a round (service.WINDOW contacts each): 100,000 contacts a round, no request waiting
# behind more than one range.
BATCHES = 20


async def join_customers(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """One round; how many customers joined."""
    return await in_batches(sessionmaker, service.join_pending, batches=BATCHES)
