"""A per-process fixed-window limiter: cheap, and enough to blunt abuse of public endpoints.
With several processes each enforces its own share; see docs/deploy.md."""

from __future__ import annotations

import time
from collections import OrderedDict

from frontdesk.errors import TooManyRequests

MAX_KEYS = 100_000


class RateLimiter:
    def __init__(self, *, limit: int, what: str, window: int = 60) -> None:
        """`limit` requests per key in each `window` of seconds."""
        self.limit = limit
        self.what = what
        self.window = window
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()

    def wait(self, key: str) -> int:
        """Counts one request; the seconds until the next would be allowed when this one is
        over the limit, else 0."""
        window = int(time.monotonic() // self.window)
        start, count = self._windows.pop(key, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._windows[key] = (start, count)
        while len(self._windows) > MAX_KEYS:
            self._windows.popitem(last=False)
        if count > self.limit:
            return int(self.window - time.monotonic() % self.window) + 1
        return 0

    def hit(self, key: str) -> None:
        retry = self.wait(key)
        if retry:
            raise TooManyRequests(
                f"Too many requests from {self.what}. Wait {retry} seconds and try again.",
                retry_after=retry,
            )
