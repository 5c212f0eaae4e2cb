"""The process's message writer: the message frames of every socket, appended in shared
transactions.

One transaction per message spends most of its time on what every transaction costs (a session,
BEGIN, COMMIT, on PostgreSQL a WAL flush) and on statements that could have served many messages.
So a socket's `message` frame does not open a transaction: it joins the queue here, and the writer
appends every message waiting at that moment with one `service.post_messages` call. When quiet,
a batch is one message and costs what it always did; while messages stream in, the writer waits
two milliseconds before each batch so that more join it.

Each sender waits for its own outcome, which is settled only after the commit: no message is
acknowledged before it is durable. A refusal (chat ended, not a participant …) is that message's
outcome alone. If the shared transaction fails as a whole (a lost connection, a deadlock), each
message is tried again in a transaction of its own, so no message sinks the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats import service
from frontdesk.chats.service import MessageOutcome, NewMessage, PostedMessage
from frontdesk.db.session import unit_of_work
from frontdesk.errors import FrontdeskError

logger = logging.getLogger(__name__)

# Big enough to absorb any burst the event loop delivers in one turn, small enough that one
# transaction never holds SQLite's write lock for long.
MAX_BATCH = 256
SHUTTING_DOWN = "The server is shutting down."
# A batch started less than BUSY_WINDOW ago means messages are streaming in: wait LINGER for more.
BUSY_WINDOW = 0.01
LINGER = 0.002

Waiting = tuple[NewMessage, "asyncio.Future[PostedMessage]"]


class MessageWriter:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, max_batch: int = MAX_BATCH
    ) -> None:
        self._sessionmaker = sessionmaker
        self._max_batch = max_batch
        self._waiting: list[Waiting] = []
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._last_batch_at = float("-inf")

    async def post(self, message: NewMessage) -> PostedMessage:
        """Appends one message; raises its refusal as the FrontdeskError it is."""
        if self._stopped:
            raise RuntimeError(SHUTTING_DOWN)
        future: asyncio.Future[PostedMessage] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, future))
        if self._task is None or self._task.done():
            # Started, not run: every frame the event loop reads in this turn joins the batch.
            self._task = asyncio.create_task(self._run(), name="message-writer")
        return await future

    async def stop(self) -> None:
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._settle_all(self._waiting, RuntimeError(SHUTTING_DOWN))
        self._waiting = []

    async def _run(self) -> None:
        # Frames other sockets have already received join this batch instead of each paying for
        # a transaction of their own: one more turn of the loop when quiet; when messages are
        # streaming in, a couple of milliseconds, which halves the work per message at the cost
        # of that much latency.
        loop = asyncio.get_running_loop()
        busy = loop.time() - self._last_batch_at < BUSY_WINDOW
        await asyncio.sleep(LINGER if busy else 0)
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            self._last_batch_at = loop.time()
            try:
                await self._write(batch)
            except BaseException:
                self._settle_all(batch, RuntimeError(SHUTTING_DOWN))
                raise

    async def _write(self, batch: list[Waiting]) -> None:
        try:
            outcomes = await self._append([message for message, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                if not isinstance(exc, FrontdeskError):
                    logger.exception("storing a message failed")
                self._settle_all(batch, exc)
                return
            logger.warning("a batch of %d messages failed; writing them one by one", len(batch))
            for waiting in batch:
                await self._write([waiting])
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # its sender went away; the message is stored all the same
                continue
            if isinstance(outcome, FrontdeskError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _append(self, messages: list[NewMessage]) -> list[MessageOutcome]:
        async with unit_of_work(self._sessionmaker) as session:
            return await service.post_messages(session, messages)

    @staticmethod
    def _settle_all(batch: list[Waiting], exc: BaseException) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)
