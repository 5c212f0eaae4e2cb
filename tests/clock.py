"""A clock that stands still until a test moves it, for histories at known instants."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from frontdesk.kit import clock


class FrozenClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
        self._monkeypatch = monkeypatch
        self.set(at)

    @property
    def now(self) -> datetime:
        assert clock._frozen is not None
        return clock._frozen

    def set(self, at: datetime) -> None:
        assert at.tzinfo is not None
        self._monkeypatch.setattr(clock, "_frozen", at)

    def advance(self, **delta: float) -> datetime:
        self.set(self.now + timedelta(**delta))
        return self.now
