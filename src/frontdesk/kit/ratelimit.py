"""A per-process fixed-window limiter: cheap, and enough to blunt abuse of public endpoints.
With several processes each enforces its own share; see docs/deploy.md."""

from __future__ import annotations

import time
from collections import OrderedDict

from frontdesk.errors import TooManyRequests

MAX_KEYS = 100_000


class RateLimiter:
    def __init__(self, *, per_minute: int, what: str) -> None:
        self.per_minute = per_minute
        self.what = what
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()

    def hit(self, key: str) -> None:
        window = int(time.monotonic() // 60)
        start, count = self._windows.pop(key, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._windows[key] = (start, count)
        while len(self._windows) > MAX_KEYS:
            self._windows.popitem(last=False)
        if count > self.per_minute:
            retry = int(60 - time.monotonic() % 60) + 1
            raise TooManyRequests(
                f"Too many requests from {self.what}. Wait {retry} seconds and try again.",
                retry_after=retry,
            )
