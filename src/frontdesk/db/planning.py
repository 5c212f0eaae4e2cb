"""Asking PostgreSQL to plan each statement for the values it is given.

asyncpg prepares every statement and PostgreSQL, after five runs of a prepared statement, may
switch to a generic plan made without the parameters' values. For a statement whose best plan
depends on its values (a report over a month or over a year, the same SQL), the generic plan can
be the wrong one: the reports' volume for a year took 60-80 ms for its first five runs and
0.9-1.3 s from the sixth on. Planning each time costs a fraction of a millisecond here.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def plan_for_values(session: AsyncSession) -> None:
    """For the rest of the session's transaction (SQLite plans every statement anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
