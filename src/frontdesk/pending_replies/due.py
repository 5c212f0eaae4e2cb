"""When this process next has a held reply to send, per database: the sending loop
(pending_replies/timers.py) opens no transaction before then, so that an idle SQLite process
never takes the write lock for nothing. A reply held by another process (several processes
behind a load balancer) is sent by that process; the others still look every `POLL` in case it
stopped, so a reply is never left behind."""

from __future__ import annotations

from datetime import datetime, timedelta

# How often a process looks for due replies it was not told of (held by another process).
POLL = timedelta(seconds=15)

_next: dict[str, datetime | None] = {}
_looked: dict[str, datetime] = {}


def expect(database: str, due_at: datetime) -> None:
    """A reply held here, due at `due_at`."""
    known = _next.get(database)
    _next[database] = due_at if known is None else min(known, due_at)


def looked(database: str, *, at: datetime, next_due: datetime | None) -> None:
    """The database was read at `at`: the earliest reply still pending is due at `next_due`."""
    _looked[database] = at
    _next[database] = next_due


def idle(database: str, *, now: datetime) -> bool:
    """Nothing to send now that this process knows of, and it looked not long ago."""
    at = _looked.get(database)
    if at is None or now < at or now - at >= POLL:
        return False
    due = _next.get(database)
    return due is None or due > now
