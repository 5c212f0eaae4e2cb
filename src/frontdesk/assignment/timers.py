"""The auto-assignment loop: every tick, each inbox with auto-assignment on has its untouched
tickets that may move on looked at, then its waiting tickets handed out, BATCH at a time, a
transaction each (a slow inbox holds nobody else's lock; another process skips an inbox in work;
on SQLite a request waits for one batch at most, not for a whole inbox's pass)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.assignment import service
from frontdesk.config import Settings
from frontdesk.db.session import in_batches
from frontdesk.kit.clock import utcnow

# Tickets a transaction assigns or moves at most: each is ~7 ms on SQLite (its timeline line,
# and the notification to its agent, half of it), so a request waits ~35 ms at most.
BATCH = 5
# Batches of each kind an inbox gets a round: the 100 tickets one transaction used to take.
BATCHES = 20


async def assign_tickets(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings | None = None
) -> service.Tally:
    total = service.Tally()
    async with sessionmaker() as session:
        inbox_ids = await service.auto_inbox_ids(session)
    for inbox_id in inbox_ids:
        after = 0

        async def move(session: AsyncSession, inbox_id: int = inbox_id) -> tuple[int, bool]:
            nonlocal after
            tally, last = await service.move_untouched(
                session, inbox_id=inbox_id, now=utcnow(), after=after, limit=BATCH
            )
            total.add(tally)
            after = last or after
            return tally.reassigned + tally.released, last is not None

        async def hand_out(session: AsyncSession, inbox_id: int = inbox_id) -> tuple[int, bool]:
            tally, more = await service.hand_out(
                session, inbox_id=inbox_id, now=utcnow(), limit=BATCH
            )
            total.add(tally)
            return tally.assigned, more

        await in_batches(sessionmaker, move, batches=BATCHES)
        await in_batches(sessionmaker, hand_out, batches=BATCHES)
    return total
