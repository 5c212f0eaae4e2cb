"""The one source of "now", so timers and tests agree on time zones."""

from __future__ import annotations

from datetime import UTC, datetime

# Set only by tests that build a history at known instants (tests/clock.py `FrozenClock`).
_frozen: datetime | None = None


def utcnow() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)
