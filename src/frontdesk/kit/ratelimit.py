"""Fixed-window rate limits, enough to blunt abuse of public endpoints.

Windows are aligned to the wall clock, so that every process of a desk cuts time the same way.
With Redis configured the processes count together (`SharedCounts`), and one limit holds for the
whole desk; without it, or while Redis cannot be reached, each process counts on its own."""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from frontdesk.errors import TooManyRequests

logger = logging.getLogger(__name__)

MAX_KEYS = 100_000


class SharedCounts(Protocol):
    """A counter every process of the desk sees: adds one to `key`, which disappears after
    `ttl` seconds, and answers the new count."""

    async def increment(self, key: str, *, ttl: int) -> int: ...


class CountsUnavailable(Exception):
    """The shared counter could not answer; the caller counts locally meanwhile."""


class LocalCounts:
    """This process's counts, the oldest keys forgotten past MAX_KEYS."""

    def __init__(self) -> None:
        self._counts: OrderedDict[str, int] = OrderedDict()

    def increment(self, key: str) -> int:
        count = self._counts.pop(key, 0) + 1
        self._counts[key] = count
        while len(self._counts) > MAX_KEYS:
            self._counts.popitem(last=False)
        return count


@dataclass(frozen=True)
class Taken:
    count: int
    limit: int
    # Seconds until the window ends and the count starts again.
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def retry(self) -> int:
        """Seconds to wait when this request was over the limit, else 0."""
        return self.reset if self.count > self.limit else 0


class RateLimiter:
    def __init__(
        self,
        *,
        limit: int,
        what: str,
        window: int = 60,
        name: str = "",
        shared: SharedCounts | None = None,
    ) -> None:
        """`limit` requests per key in each `window` of seconds. `name` tells this limit's keys
        apart from another's in the shared counter."""
        self.limit = limit
        self.what = what
        self.window = window
        self.name = name or what
        self._shared = shared
        self._local = LocalCounts()
        self._warned = False

    async def take(self, key: str) -> Taken:
        """Counts one request: how many this window holds now, and when it ends."""
        now = time.time()
        index = int(now // self.window)
        # The window's index is part of the key: a new window starts from zero by itself, and
        # the counts of past windows expire (shared) or age out of the local map.
        count = await self._count(f"{self.name}:{index}:{key}")
        # Whole seconds, rounded up (waiting that long reaches the next window) and never more
        # than the window itself.
        reset = max(1, math.ceil(self.window - now % self.window))
        return Taken(count=count, limit=self.limit, reset=reset)

    async def wait(self, key: str) -> int:
        """Counts one request; the seconds until the next would be allowed when this one is
        over the limit, else 0."""
        return (await self.take(key)).retry

    async def hit(self, key: str) -> None:
        retry = await self.wait(key)
        if retry:
            raise TooManyRequests(
                f"Too many requests from {self.what}. Wait {retry} seconds and try again.",
                retry_after=retry,
            )

    async def _count(self, key: str) -> int:
        if self._shared is not None:
            try:
                count = await self._shared.increment(key, ttl=self.window + 1)
            except CountsUnavailable as exc:
                # Open, not shut: refusing every visitor while Redis restarts would be an outage
                # of its own; counting per process keeps a limit, only a looser one.
                if not self._warned:
                    logger.warning("rate limits count per process until Redis answers: %s", exc)
                    self._warned = True
            else:
                self._warned = False
                return count
        return self._local.increment(key)
