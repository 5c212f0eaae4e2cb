"""When this app next has a held reply to send, and when it last swept old ones: the sending loop
(pending_replies/timers.py) opens no transaction before then, so that an idle SQLite process
never takes the write lock for nothing. A reply held by another process (several processes
behind a load balancer) is sent by that process; the others still look every `POLL` in case it
stopped, so a reply is never left behind.

What it knows is one app's, about that app's one database: kept in its sessionmaker's `info`
(the way sessions reach the app's settings and broker, db/context.py), where the requests that
hold replies and the loop that sends them both find it. Kept in the module, it was shared by
every app of the process: two apps on two databases (tests, or a CLI command next to a server)
took one's sweep or look for the other's."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# How often a process looks for due replies it was not told of (held by another process).
POLL = timedelta(seconds=15)
# Where the sessionmaker's sessions keep the app's `DueReplies` (`info`).
DUE_KEY = "pending_replies_due"


def _earliest(*times: datetime | None) -> datetime | None:
    known = [time for time in times if time is not None]
    return min(known) if known else None


class _Reading:
    """A read of the database's next due time in progress, and the earliest `expect()` made
    meanwhile."""

    def __init__(self) -> None:
        self.expected: datetime | None = None


class DueReplies:
    """One app's knowledge of its database's held replies; every method but `look` is
    synchronous, so the event loop never interleaves two of them."""

    def __init__(self) -> None:
        self.next_due: datetime | None = None
        self.looked_at: datetime | None = None
        # The last sweep of old rows (timers.py SWEEP_EVERY); None: not yet.
        self.swept_at: datetime | None = None
        self._readings: list[_Reading] = []

    def expect(self, due_at: datetime) -> None:
        """A reply held here, due at `due_at`."""
        self.next_due = _earliest(self.next_due, due_at)
        for reading in self._readings:
            reading.expected = _earliest(reading.expected, due_at)

    async def look(self, read: Awaitable[datetime | None], *, at: datetime) -> None:
        """The database read at `at`: `read` answers when the earliest reply still pending is
        due. A reply held while it is read counts too: on PostgreSQL its commit (and so its
        `expect()`) may come after the read's snapshot, and the answer, which does not have it,
        must not make this app forget it until the next `POLL`."""
        reading = _Reading()
        self._readings.append(reading)
        try:
            found = await read
        finally:
            self._readings.remove(reading)
        self.looked_at = at
        self.next_due = _earliest(found, reading.expected)

    def idle(self, *, now: datetime) -> bool:
        """Nothing to send now that this app knows of, and it looked not long ago."""
        at = self.looked_at
        if at is None or now < at or now - at >= POLL:
            return False
        return self.next_due is None or self.next_due > now

    def sweep_now(self, *, now: datetime, every: timedelta) -> bool:
        """Whether to sweep at `now` (the last sweep `every` ago or more), noting it if so."""
        if self.swept_at is not None and now - self.swept_at < every:
            return False
        self.swept_at = now
        return True


def of(sessionmaker: async_sessionmaker[AsyncSession]) -> DueReplies:
    """The sessionmaker's own (create_app gives its sessionmaker one); one made without it (a
    script's) gets one the first time, kept with it."""
    info: dict[str, Any] = sessionmaker.kw.setdefault("info", {})
    found = info.get(DUE_KEY)
    if not isinstance(found, DueReplies):
        found = info[DUE_KEY] = DueReplies()
    return found


def of_session(session: AsyncSession) -> DueReplies | None:
    """The app's, for a request that holds a reply; None for a session made without it, whose
    replies the loops find by looking (`POLL`)."""
    found = session.info.get(DUE_KEY)
    return found if isinstance(found, DueReplies) else None
