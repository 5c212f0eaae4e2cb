"""The loop that fires time-based rules (rules/timed.py), a few short transactions a rule."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.rules import timed

# Rules count in hours: a minute late is on time.
INTERVAL = 60.0
# Batches (rules/timed.BATCH tickets each, a transaction each) a rule runs a round at most: a
# backlog, or a new rule catching up, is worked off over rounds, and nobody waits long behind one.
BATCHES = 5


async def run_time_rules(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings | None = None
) -> int:
    """One round over every enabled time-based rule; how many tickets they ran on."""
    async with unit_of_work(sessionmaker) as session:
        rule_ids = [rule.id for rule, _ in await timed.timed_rules(session)]
    fired = 0
    for rule_id in rule_ids:
        for _ in range(BATCHES):
            async with unit_of_work(sessionmaker) as session:
                # Edited, switched off or deleted since the list was read, perhaps.
                found = await timed.timed_rule(session, rule_id)
                if found is None:
                    break
                rule, when = found
                batch, more = await timed.run_due(session, rule=rule, when=when)
            fired += batch
            if not more:
                break
    return fired
