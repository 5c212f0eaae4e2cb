"""Logging a failure that repeats: an outage of PostgreSQL or Redis makes every background loop
fail each round. Its first failure is logged whole, with its traceback; while it goes on, one
line at most once a minute says it still does; its end is logged once. An hour's outage writes a
few hundred lines instead of a million."""

from __future__ import annotations

import logging
from time import monotonic

STILL_FAILING_EVERY = 60.0


class FailureLog:
    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._logger = logger
        self._what = what
        self._failures = 0
        self._said_at = 0.0

    def failed(self, exc: BaseException) -> None:
        self._failures += 1
        now = monotonic()
        if self._failures == 1:
            self._logger.error("%s failed", self._what, exc_info=exc)
            self._said_at = now
        elif now - self._said_at >= STILL_FAILING_EVERY:
            self._logger.warning(
                "%s still failing (%d times in a row): %s", self._what, self._failures, exc
            )
            self._said_at = now

    def succeeded(self) -> None:
        if self._failures > 1:
            self._logger.warning("%s works again after %d failures", self._what, self._failures)
        self._failures = 0
