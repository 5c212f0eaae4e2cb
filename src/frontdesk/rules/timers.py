"""The loop that fires time-based rules (rules/timed.py), one transaction per rule."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.rules import timed

# Rules count in hours: a minute late is on time.
INTERVAL = 60.0


async def run_time_rules(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings | None = None
) -> int:
    """One round over every enabled time-based rule; how many tickets they ran on."""
    async with unit_of_work(sessionmaker) as session:
        rule_ids = [rule.id for rule, _ in await timed.timed_rules(session)]
    fired = 0
    for rule_id in rule_ids:
        async with unit_of_work(sessionmaker) as session:
            for rule, when in await timed.timed_rules(session):
                if rule.id == rule_id:
                    fired += await timed.run_due(session, rule=rule, when=when)
    return fired
