"""Services record events on their session; they are published only after the commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import after_commit
from frontdesk.realtime.broker import Broker
from frontdesk.realtime.envelope import Addressed, Envelope

BROKER_KEY = "broker"


def record(
    session: AsyncSession,
    *,
    type: str,
    topics: Sequence[str],
    data: Mapping[str, Any],
    chat_id: int | None = None,
    seq: int | None = None,
) -> Envelope:
    envelope = Envelope(type=type, data=data, chat_id=chat_id, seq=seq)
    message = Addressed(topics=list(topics), envelope=envelope)
    broker: Broker | None = session.info.get(BROKER_KEY)
    if broker is not None:

        async def publish() -> None:
            await broker.publish(message)

        after_commit(session, publish)
    return envelope
