"""How far a sync (`GET /tickets?updated_since=`) may read without ever missing a change.

A ticket's `updated_at` is set when its row is written, not when its transaction commits: a
ticket changed early in a long transaction (a bulk action over many tickets) becomes visible
with an `updated_at` older than changes already committed. A reader that moves its position
past such a time never sees it. So a sync reads only up to a horizon that every transaction
still open is later than: on PostgreSQL the start of the oldest transaction of the database
that wrote something or is running a statement (from `pg_stat_activity`; a row's `updated_at`
is taken inside its transaction, so it is no earlier), and in any case now; minus `LAG`, for
the clocks of several servers and the moment between taking a time and writing it. Changes
after the horizon are held back and come in a later page. On SQLite every write transaction
holds the database's one write lock, and this read waits for it: nothing is ever in flight.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.kit.clock import utcnow

# Well above the drift of clocks kept by NTP and the time between computing a row's
# `updated_at` and the statement that writes it taking its transaction id (docs/api.md, "Syncing
# changes").
LAG = timedelta(seconds=10)

# Other sessions' transactions only (ours reads). Idle transactions that never wrote are left
# out: they hold nothing back (a forgotten `BEGIN` in psql would otherwise stop every sync),
# and a statement that is about to write is `active`. Read in a statement of its own, before
# the tickets: a statement's snapshot is taken as it starts, so a transaction committing
# while one statement read both would be in neither.
_OLDEST_OPEN = text(
    "SELECT min(xact_start) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND backend_type = 'client backend' AND xact_start IS NOT NULL"
    " AND (backend_xid IS NOT NULL OR state = 'active')"
)


async def horizon(session: AsyncSession) -> datetime:
    """The latest `updated_at` a sync may read now: every change up to it is committed."""
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        oldest: datetime | None = await session.scalar(_OLDEST_OPEN)
        if oldest is not None:
            now = min(now, oldest)
    return now - LAG
