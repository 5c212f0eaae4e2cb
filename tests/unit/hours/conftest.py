from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from frontdesk.kit import clock


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Sets the calendar's "now" (kit.clock.utcnow, as the hours code reads it)."""

    def freeze(instant: datetime) -> None:
        monkeypatch.setattr(clock, "utcnow", lambda: instant)

    return freeze
