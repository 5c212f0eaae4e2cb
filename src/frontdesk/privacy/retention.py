"""Retention: an inbox with `retention_days` set keeps a closed ticket that many days after it was
closed, then deletes it with its thread, chat, mail and files. A reopened ticket is not closed
(and its `closed_at` is cleared), so it counts again from its next closing."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat
from frontdesk.db.planning import Unindexed
from frontdesk.inboxes.models import Inbox
from frontdesk.privacy import deletion
from frontdesk.privacy.models import Erasure, ErasureKind
from frontdesk.tickets.models import Ticket, TicketState

logger = logging.getLogger(__name__)


async def inboxes_with_retention(session: AsyncSession) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(Inbox.id, Inbox.retention_days)
        .where(Inbox.retention_days.is_not(None))
        .order_by(Inbox.id)
    )
    return [(inbox_id, int(days)) for inbox_id, days in rows.all() if days is not None]


async def delete_expired(
    session: AsyncSession, *, inbox_id: int, closed_before: datetime, limit: int
) -> int:
    """Deletes up to `limit` of the inbox's tickets closed before `closed_before`; returns how
    many. Rows are claimed with SKIP LOCKED (PostgreSQL), so two passes at once share the work;
    on SQLite the write lock taken at BEGIN runs them one after the other."""
    ticket_ids = list(
        await session.scalars(
            select(Ticket.id)
            .where(
                Ticket.inbox_id == inbox_id,
                # By (inbox, closed at): SQLite without statistics would read every closed
                # ticket of the inbox by the state's index, and sort them.
                Unindexed(Ticket.state) == TicketState.closed,
                Ticket.closed_at < closed_before,
            )
            .order_by(Ticket.closed_at, Ticket.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ticket_ids:
        return 0
    chat_ids = list(await session.scalars(select(Chat.id).where(Chat.ticket_id.in_(ticket_ids))))
    counts = await deletion.delete_conversations(session, ticket_ids=ticket_ids, chat_ids=chat_ids)
    if counts["tickets"]:
        session.add(
            Erasure(
                kind=ErasureKind.retention,
                inbox_id=inbox_id,
                counts={key: value for key, value in sorted(counts.items()) if value},
            )
        )
    logger.info("retention: inbox %s, %s", inbox_id, dict(counts))
    return counts["tickets"]
