"""Background loops: run a job every few seconds, log and survive its failures, stop cleanly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from frontdesk.kit.failures import FailureLog

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


async def every(interval: float, job: Job, *, name: str) -> None:
    failures = FailureLog(logger, f"background job {name}")
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # One bad run must not stop the loop: the next tick retries from the database state.
            failures.failed(exc)
        else:
            failures.succeeded()
        await asyncio.sleep(interval)


class Loops:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, interval: float, job: Job, *, name: str) -> None:
        self._tasks.append(asyncio.create_task(every(interval, job, name=name), name=name))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
