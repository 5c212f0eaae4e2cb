"""The inbound writer: the messages the SMTP listener and the MIME endpoint receive, stored in
shared transactions (group commit, kit/group_commit.py).

A delivery does not open a transaction of its own: it joins the writer, which stores every
delivery waiting at that moment with one `receiving.receive_inbound_batch` call: one transaction,
one read of what matching needs for all of them, and each message with the outcome it would have
alone. When quiet, a batch is one message and costs what it always did. Nothing is accepted with
a 250 before it is committed. A refusal (too large, malformed, unroutable) is that message's
outcome alone, and its record (the raw message of a malformed one included) is committed with
the others.

Every message ends stored or refused for good, unless the database itself is unavailable: a
message that fails on its own for any other reason (a bug it meets, a race with another process)
is tried once more, and if it fails again it is kept, raw, for an administrator and refused as
`Unprocessable`. A sender is only told to try again later (`InboundDeferred`) when trying again
can help; otherwise it would retry for days a message that can never get in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.session import temporary_failure, unit_of_work
from frontdesk.kit.group_commit import GroupCommit
from frontdesk.mail import receiving
from frontdesk.mail.errors import InboundDeferred, InboundRefused, Unprocessable
from frontdesk.mail.receiving import Delivery, InboundOutcome, InboundResult

logger = logging.getLogger(__name__)

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
        """Stores one message; raises its refusal as the InboundRefused it is, or InboundDeferred
        when it could not be stored now (the listener then answers 451, the endpoint 503)."""
        try:
            return await self.submit(delivery)
        except InboundRefused:
            raise
        except Exception as exc:
            raise InboundDeferred from exc

    def weight(self, item: Delivery) -> int:
        return len(item.raw)

    async def store(self, items: list[Delivery]) -> Sequence[InboundResult | Exception]:
        try:
            return await self._store_batch(items)
        except Exception as exc:
            # A batch that failed is stored again message by message (GroupCommit does that),
            # and while the database is unavailable the sender tries again later.
            if len(items) > 1 or temporary_failure(exc):
                raise
            logger.warning("inbound mail could not be stored; trying once more", exc_info=True)
        try:
            # Once more: a race with another process (both creating the same new customer)
            # passes the second time.
            return await self._store_batch(items)
        except Exception as exc:
            if temporary_failure(exc):
                raise
            logger.exception("inbound mail could not be processed; keeping it for an admin")
            return [await self._keep(items[0], exc)]

    async def _store_batch(self, items: list[Delivery]) -> list[InboundOutcome]:
        # Their images' thumbnails drawn before the transaction, not while it holds the database.
        prepared = await receiving.prepare(items, sessionmaker=self._sessionmaker)
        async with unit_of_work(self._sessionmaker) as session:
            # A refusal is an outcome, not an error: its record is written and stays.
            return await receiving.receive_inbound_batch(session, prepared)

    async def _keep(self, delivery: Delivery, error: Exception) -> Unprocessable:
        async with unit_of_work(self._sessionmaker) as session:
            record = await receiving.record_refused_inbound(
                session,
                head=delivery.raw,
                size=len(delivery.raw),
                envelope_to=delivery.envelope_to,
                envelope_from=delivery.envelope_from,
                via=delivery.via,
                error=f"could not be processed: {error!r}",
                failed=True,
            )
        return Unprocessable(inbound_id=record.id)
