"""The SMTP listener's inbound writer: deliveries stored in shared transactions (group commit).

A transaction per message spends a good part of its time on what every transaction costs: a
session, BEGIN, and the COMMIT with its write of every touched page to the WAL (on PostgreSQL, a
WAL flush). So a delivery does not open a transaction of its own: it joins the queue here, and the
writer stores every delivery waiting at that moment with one `service.receive_inbound_batch`
call: one transaction, one read of what matching needs for all of them, and each message with the
outcome it would have alone. Under load the batch grows by itself (the deliveries that arrived
while the last batch was stored); when quiet, a batch is one message and costs what it always
did.

Each delivery waits for its own outcome, settled only after the commit: nothing is accepted with
a 250 before it is durable. A refusal (too large, malformed, unroutable) is that message's outcome
alone, and its record (the raw message of a malformed one included) is committed with the
others. Any other error, or a failed commit, rolls the shared transaction back, and each message
of the batch is stored again in a transaction of its own, so no message sinks the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.session import unit_of_work
from frontdesk.mail import service
from frontdesk.mail.errors import InboundRefused
from frontdesk.mail.service import Delivery, InboundOutcome, InboundResult

logger = logging.getLogger(__name__)

# A message costs a few milliseconds to parse and store, and SQLite runs on the event loop with
# one connection: a batch holds both (and the write lock) for at most a few tens of milliseconds.
MAX_BATCH = 16
MAX_BATCH_BYTES = 32 * 1024 * 1024
STOP_TIMEOUT_SECONDS = 10

Waiting = tuple[Delivery, "asyncio.Future[InboundResult]"]


class InboundWriter:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        max_batch: int = MAX_BATCH,
        max_batch_bytes: int = MAX_BATCH_BYTES,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._max_batch = max_batch
        self._max_batch_bytes = max_batch_bytes
        self._waiting: list[Waiting] = []
        self._task: asyncio.Task[None] | None = None

    async def receive(self, delivery: Delivery) -> InboundResult:
        """Stores one message; raises its refusal as the InboundRefused it is, and any other
        error when it could not be stored."""
        future: asyncio.Future[InboundResult] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, future))
        if self._task is None or self._task.done():
            # Started, not run: every delivery the event loop hands over in this turn joins.
            self._task = asyncio.create_task(self._run(), name="inbound-writer")
        return await future

    async def stop(self) -> None:
        """Lets the batch being stored finish; what still waits is answered with an error (the
        listener then answers 451, and the sending server tries again later)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._settle_all(self._waiting, RuntimeError("The server is shutting down."))
        self._waiting = []

    async def _run(self) -> None:
        while True:
            # A turn of the event loop before each batch: every delivery handed over meanwhile
            # (the next ones of the senders the last batch answered, too) joins it.
            await asyncio.sleep(0)
            batch = self._take()
            if not batch:
                return
            try:
                await self._store(batch)
            except BaseException:
                self._settle_all(batch, RuntimeError("The inbound writer stopped."))
                raise

    def _take(self) -> list[Waiting]:
        """The next batch: what waits, up to the limits, at least one message."""
        batch: list[Waiting] = []
        size = 0
        while self._waiting and len(batch) < self._max_batch:
            delivery, future = self._waiting[0]
            if batch and size + len(delivery.raw) > self._max_batch_bytes:
                break
            del self._waiting[0]
            if future.done():  # its sender went away before we started: never acknowledged
                continue
            batch.append((delivery, future))
            size += len(delivery.raw)
        return batch

    async def _store(self, batch: list[Waiting]) -> None:
        try:
            outcomes = await self._receive_all([delivery for delivery, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                self._settle_all(batch, exc)
                return
            logger.warning(
                "a batch of %d inbound messages failed; storing them one by one", len(batch)
            )
            for waiting in batch:
                await self._store([waiting])
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # its sender went away; the message is stored all the same
                continue
            if isinstance(outcome, InboundRefused):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _receive_all(self, deliveries: list[Delivery]) -> list[InboundOutcome]:
        async with unit_of_work(self._sessionmaker) as session:
            # A refusal is an outcome, not an error: its record is written and stays.
            return await service.receive_inbound_batch(session, deliveries)

    @staticmethod
    def _settle_all(batch: list[Waiting], exc: BaseException) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)
