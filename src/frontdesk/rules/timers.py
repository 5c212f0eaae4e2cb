"""The loop that fires time-based rules (rules/timed.py), a few short transactions a rule."""

from __future__ import annotations

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import in_batches, unit_of_work
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
        fired += await in_batches(sessionmaker, partial(_batch, rule_id), batches=BATCHES)
    return fired


async def _batch(rule_id: int, session: AsyncSession) -> tuple[int, bool]:
    # Edited, switched off or deleted since the list was read, perhaps.
    found = await timed.timed_rule(session, rule_id)
    if found is None:
        return 0, False
    rule, when = found
    return await timed.run_due(session, rule=rule, when=when)
