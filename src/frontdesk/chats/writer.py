"""The process's message writer: the `message` frames of every socket, appended in shared
transactions (group commit, kit/group_commit.py).

One transaction per message spent most of the server's time on what every transaction costs and
on statements that could serve many messages. So a socket's `message` frame does not open a
transaction: it joins the writer, which appends every message waiting at that moment with one
`service.post_messages` call. When quiet, a batch is one message and costs what it always did;
while messages stream in, the writer waits a millisecond before each batch so that more join it
(two saved more CPU but cost more latency than they saved). Each sender is answered after the
commit; a refusal (chat ended, not a participant …) is that message's answer alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats import service
from frontdesk.chats.service import NewMessage, PostedMessage
from frontdesk.db.session import ReusedSession
from frontdesk.errors import FrontdeskError
from frontdesk.kit.group_commit import GroupCommit

# Big enough to absorb any burst the event loop delivers in one turn, small enough that one
# transaction never holds SQLite's write lock for long.
MAX_BATCH = 256
# A batch started less than BUSY_WINDOW ago means messages are streaming in: wait LINGER for more.
BUSY_WINDOW = 0.01
LINGER = 0.001


class MessageWriter(GroupCommit[NewMessage, PostedMessage]):
    name = "message-writer"
    quiet = (FrontdeskError,)

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, max_batch: int = MAX_BATCH
    ) -> None:
        super().__init__(max_batch=max_batch, linger=LINGER, busy_window=BUSY_WINDOW)
        # Batches are stored one at a time (GroupCommit), each in a transaction of this session.
        self._session = ReusedSession(sessionmaker)
        # Told each stored message's latency: arrival to commit and publication (ops metrics).
        self.observe: Callable[[float], None] | None = None
        # Told each batch's size and time, its commit and publication included (ops metrics).
        self.observe_batch: Callable[[int, float], None] | None = None

    async def post(self, message: NewMessage) -> PostedMessage:
        """Appends one message; raises its refusal as the FrontdeskError it is."""
        started = time.perf_counter()
        posted = await self.submit(message)
        if self.observe is not None:
            self.observe(time.perf_counter() - started)
        return posted

    async def store(self, items: list[NewMessage]) -> Sequence[PostedMessage | Exception]:
        started = time.perf_counter()
        async with self._session.unit_of_work() as session:
            outcomes = await service.post_messages(session, items)
        if self.observe_batch is not None:
            self.observe_batch(len(items), time.perf_counter() - started)
        return outcomes
