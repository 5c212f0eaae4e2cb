"""Services record events on their session; they are published only after the commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import after_commit
from frontdesk.realtime.broker import Broker
from frontdesk.realtime.envelope import Addressed, Envelope

BROKER_KEY = "broker"


@dataclass(eq=False)
class Publication:
    """An event waiting for the commit. It rides the after-commit list itself (not a closure), so
    that what must happen inside the transaction can read what it recorded: webhooks turn these
    into deliveries just before the commit (webhooks/capture.py), and a savepoint or transaction
    rolled back drops both together."""

    message: Addressed
    broker: Broker | None
    # Set once webhooks have looked at it: a transaction may run its before-commit work twice.
    seen: bool = field(default=False)
    # What the transaction's before-commit work reads beside the event and nobody hears (who
    # changed a ticket, for webhooks: tickets/changes.py). Never published.
    private: Mapping[str, Any] = field(default_factory=dict)

    async def __call__(self) -> None:
        if self.broker is not None:
            await self.broker.publish(self.message)


def record(
    session: AsyncSession,
    *,
    type: str,
    topics: Sequence[str],
    data: Mapping[str, Any],
    chat_id: int | None = None,
    seq: int | None = None,
    private: Mapping[str, Any] | None = None,
) -> Envelope:
    envelope = Envelope(type=type, data=data, chat_id=chat_id, seq=seq)
    message = Addressed(topics=list(topics), envelope=envelope)
    broker: Broker | None = session.info.get(BROKER_KEY)
    after_commit(session, Publication(message, broker, private=private or {}))
    return envelope
