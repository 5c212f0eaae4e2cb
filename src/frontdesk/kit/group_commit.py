"""Group commit: items that arrive at about the same moment, stored in one transaction.

A transaction per item spends much of its time on what every transaction costs (a session,
BEGIN, COMMIT and its write to the log). A `GroupCommit` takes every item waiting when it runs and
hands them to `store` together; each submitter waits for its own outcome, settled only after that
call returned, that is after the commit: nothing is acknowledged before it is durable.

`store` returns one outcome per item, a result or the exception that refuses that item alone. If
`store` raises instead, the shared transaction failed as a whole (a lost connection, a deadlock, a
failed commit), and each item of the batch is stored again on its own, so no item sinks the
others. An item whose submitter went away before its batch started is not stored: it was never
acknowledged, and its sender tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

SHUTTING_DOWN = "The server is shutting down."
STOP_TIMEOUT_SECONDS = 10.0


class GroupCommit(ABC, Generic[Item, Result]):
    """Subclasses say how a batch is stored (`store`) and, optionally, what an item weighs."""

    name = "group-commit"
    # Failures expected of single items (refusals) are not logged as errors when alone.
    quiet: tuple[type[Exception], ...] = ()

    def __init__(
        self,
        *,
        max_batch: int,
        max_weight: int | None = None,
        linger: float = 0.0,
        busy_window: float = 0.0,
    ) -> None:
        self._max_batch = max_batch
        self._max_weight = max_weight
        # While batches follow each other closer than `busy_window`, wait `linger` seconds before
        # the next one so that more items join it; otherwise one turn of the event loop.
        self._linger = linger
        self._busy_window = busy_window
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._last_batch_at = float("-inf")

    @abstractmethod
    async def store(self, items: list[Item]) -> Sequence[Result | Exception]:
        """Stores the items in one transaction: one outcome per item, in order."""

    def weight(self, item: Item) -> int:
        return 1

    async def submit(self, item: Item) -> Result:
        """Stores one item; raises its refusal, or the error that kept it from being stored."""
        if self._stopped:
            raise RuntimeError(SHUTTING_DOWN)
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=self.name)
        return await future

    async def stop(self) -> None:
        """Refuses new items, lets the batch being stored finish (for a while), and answers what
        still waits with an error."""
        self._stopped = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._settle_all(self._waiting, RuntimeError(SHUTTING_DOWN))
        self._waiting = []

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            busy = loop.time() - self._last_batch_at < self._busy_window
            await asyncio.sleep(self._linger if busy else 0)
            batch = self._take()
            if not batch:
                return
            self._last_batch_at = loop.time()
            try:
                await self._store(batch)
            except BaseException:
                self._settle_all(batch, RuntimeError(SHUTTING_DOWN))
                raise

    def _take(self) -> list[tuple[Item, asyncio.Future[Result]]]:
        """The next batch: what waits, up to the limits, at least one item."""
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        weight = 0
        while self._waiting and len(batch) < self._max_batch:
            item, future = self._waiting[0]
            item_weight = self.weight(item)
            limit = self._max_weight
            if batch and limit is not None and weight + item_weight > limit:
                break
            del self._waiting[0]
            if future.done():  # its submitter went away before we started: never acknowledged
                continue
            batch.append((item, future))
            weight += item_weight
        return batch

    async def _store(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            outcomes = await self.store([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                if not isinstance(exc, self.quiet):
                    logger.exception("%s: storing an item failed", self.name)
                self._settle_all(batch, exc)
                return
            logger.warning("%s: a batch of %d failed; storing each alone", self.name, len(batch))
            for waiting in batch:
                await self._store([waiting])
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # its submitter went away; the item is stored all the same
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    @staticmethod
    def _settle_all(batch: Sequence[tuple[object, asyncio.Future[Result]]], exc: Exception) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)
