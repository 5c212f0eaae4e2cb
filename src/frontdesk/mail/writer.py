"""The inbound writer: the messages the SMTP listener and the MIME endpoint receive, stored in
shared transactions (group commit, kit/group_commit.py).

A delivery does not open a transaction of its own: it joins the writer, which stores every
delivery waiting at that moment with one `service.receive_inbound_batch` call: one transaction,
one read of what matching needs for all of them, and each message with the outcome it would have
alone. When quiet, a batch is one message and costs what it always did. Nothing is accepted with
a 250 before it is committed. A refusal (too large, malformed, unroutable) is that message's
outcome alone, and its record (the raw message of a malformed one included) is committed with
the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.session import unit_of_work
from frontdesk.kit.group_commit import GroupCommit
from frontdesk.mail import service
from frontdesk.mail.errors import InboundRefused
from frontdesk.mail.service import Delivery, InboundResult

# A message costs a few milliseconds to parse and store, and SQLite runs on the event loop with
# one connection: a batch holds both (and the write lock) for at most a few tens of milliseconds.
MAX_BATCH = 16
MAX_BATCH_BYTES = 32 * 1024 * 1024


class InboundWriter(GroupCommit[Delivery, InboundResult]):
    name = "inbound-writer"
    quiet = (InboundRefused,)

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        max_batch: int = MAX_BATCH,
        max_batch_bytes: int = MAX_BATCH_BYTES,
    ) -> None:
        super().__init__(max_batch=max_batch, max_weight=max_batch_bytes)
        self._sessionmaker = sessionmaker

    async def receive(self, delivery: Delivery) -> InboundResult:
        """Stores one message; raises its refusal as the InboundRefused it is, and any other
        error when it could not be stored (the listener then answers 451)."""
        return await self.submit(delivery)

    def weight(self, item: Delivery) -> int:
        return len(item.raw)

    async def store(self, items: list[Delivery]) -> Sequence[InboundResult | Exception]:
        async with unit_of_work(self._sessionmaker) as session:
            # A refusal is an outcome, not an error: its record is written and stays.
            return await service.receive_inbound_batch(session, items)
