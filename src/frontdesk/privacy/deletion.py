"""Deleting rows that hold personal data, for an erasure and for retention alike. Everything is
deleted with explicit statements in one transaction (the caller's); the file store keys of the
files that go are queued in `file_deletions` in the same transaction (privacy/files.py deletes
the bytes after the commit)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat, ChatFile, Visitor
from frontdesk.files.models import StoredFile
from frontdesk.mail.models import InboundMessage, OutboxMessage
from frontdesk.metrics.models import MetricMoment
from frontdesk.notifications.models import Notification
from frontdesk.privacy.models import FileDeletion
from frontdesk.privacy.scope import addresses_in
from frontdesk.tickets.models import Ticket, TicketEntry, TicketMove

# Bounds the size of each IN (…) list: SQLite allows 32,766 parameters, PostgreSQL 65,535.
CHUNK = 500


def chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


async def _delete(session: AsyncSession, model: Any, column: Any, ids: Sequence[int]) -> int:
    deleted = 0
    for part in chunks(ids):
        result = await session.execute(
            delete(model).where(column.in_(part)).execution_options(synchronize_session=False)
        )
        deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return deleted


async def queue_files(
    session: AsyncSession, *, ticket_ids: Sequence[int], chat_ids: Sequence[int]
) -> int:
    """Queues the store keys of the tickets' and chats' files; returns how many files."""
    keys: set[str] = set()
    files = 0
    for part in chunks(ticket_ids):
        for key, thumbnail in (
            await session.execute(
                select(StoredFile.key, StoredFile.thumbnail_key).where(
                    StoredFile.ticket_id.in_(part)
                )
            )
        ).all():
            files += 1
            keys |= {key} | ({thumbnail} if thumbnail else set())
    for part in chunks(chat_ids):
        for key, thumbnail in (
            await session.execute(
                select(ChatFile.key, ChatFile.thumbnail_key).where(ChatFile.chat_id.in_(part))
            )
        ).all():
            files += 1
            keys |= {key} | ({thumbnail} if thumbnail else set())
    session.add_all(FileDeletion(key=key) for key in sorted(keys))
    return files


async def delete_conversations(
    session: AsyncSession,
    *,
    ticket_ids: Sequence[int],
    chat_ids: Sequence[int],
    entry_ids: Sequence[int] = (),
    inbound_ids: Sequence[int] = (),
    outbox_ids: Sequence[int] = (),
) -> Counter[str]:
    """Deletes tickets and chats with everything that hangs on them (entries, files, mail in and
    out, ratings, notifications, SLA and rule records: by the foreign keys' cascades), plus the
    given entries and mail. Metric moments stay, without their ticket: reports of past periods
    keep their numbers, and a moment holds no personal data."""
    counts: Counter[str] = Counter()
    ticket_ids, chat_ids = sorted(set(ticket_ids)), sorted(set(chat_ids))
    counts["files"] += await queue_files(session, ticket_ids=ticket_ids, chat_ids=chat_ids)
    for part in chunks(ticket_ids):
        await session.execute(
            update(MetricMoment)
            .where(MetricMoment.ticket_id.in_(part))
            .values(ticket_id=None)
            .execution_options(synchronize_session=False)
        )
        # Mail rows only lose their ticket by the cascades (SET NULL): they hold the messages.
        inbound_ids = [
            *inbound_ids,
            *await session.scalars(
                select(InboundMessage.id).where(InboundMessage.ticket_id.in_(part))
            ),
        ]
        outbox_ids = [
            *outbox_ids,
            *await session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.ticket_id.in_(part))
            ),
        ]
    outbox_ids = [*outbox_ids, *await _notification_mail(session, ticket_ids, chat_ids)]
    inbound_ids, outbox_ids = sorted(set(inbound_ids)), sorted(set(outbox_ids))
    counts["mails_received"] += await _delete(
        session, InboundMessage, InboundMessage.id, inbound_ids
    )
    counts["mails_sent"] += await _delete(session, OutboxMessage, OutboxMessage.id, outbox_ids)
    counts["entries"] += await _delete(session, TicketEntry, TicketEntry.id, sorted(entry_ids))
    counts["chats"] += await _delete(session, Chat, Chat.id, chat_ids)
    counts["tickets"] += await _delete(session, Ticket, Ticket.id, ticket_ids)
    return counts


async def _notification_mail(
    session: AsyncSession, ticket_ids: Sequence[int], chat_ids: Sequence[int]
) -> list[int]:
    """Agents' notification emails about these tickets and chats: they quote the customer (name,
    subject, an excerpt) and name no ticket, only their notification (notifications/service.py)."""
    notices: dict[int, datetime] = {}
    for column, ids in ((Notification.ticket_id, ticket_ids), (Notification.chat_id, chat_ids)):
        for part in chunks(ids):
            rows = await session.execute(
                select(Notification.id, Notification.created_at).where(column.in_(part))
            )
            for row_id, at in rows.all():
                notices[row_id] = at
    if not notices:
        return []
    mails = await session.execute(
        select(OutboxMessage.id, OutboxMessage.data).where(
            OutboxMessage.ticket_id.is_(None),
            OutboxMessage.created_at >= min(notices.values()),
            cast(OutboxMessage.data, String).like("%notification_id%"),
        )
    )
    return [row_id for row_id, data in mails.all() if data.get("notification_id") in notices]


async def delete_visitors(session: AsyncSession, *, visitor_ids: Sequence[int]) -> int:
    """Deletes the visitors (their connections and remaining chats go by cascade)."""
    return await _delete(session, Visitor, Visitor.id, sorted(visitor_ids))


def scrubbed(value: Any, emails: set[str]) -> Any:
    """`value` (JSON) without the strings that name one of `emails`: dropped from lists, emptied
    in objects."""
    if isinstance(value, list):
        return [
            scrubbed(item, emails)
            for item in value
            if not (isinstance(item, str) and not addresses_in(item).isdisjoint(emails))
        ]
    if isinstance(value, dict):
        return {key: scrubbed(item, emails) for key, item in value.items()}
    if isinstance(value, str) and not addresses_in(value).isdisjoint(emails):
        return ""
    return value


async def scrub_addresses(session: AsyncSession, *, emails: Sequence[str]) -> int:
    """Removes the addresses from what other customers' conversations keep of them: Cc lists of
    tickets and of replies, moves' records, and the parsed headers of mail that copied them.
    Returns how many rows changed."""
    if not emails:
        return 0
    wanted = set(emails)
    changed = 0
    targets: list[tuple[Any, Any, Any]] = [
        (Ticket, Ticket.id, Ticket.cc),
        (TicketEntry, TicketEntry.id, TicketEntry.data),
        (TicketMove, TicketMove.id, TicketMove.data),
        (InboundMessage, InboundMessage.id, InboundMessage.headers),
        (InboundMessage, InboundMessage.id, InboundMessage.envelope_to),
    ]
    for model, id_column, column in targets:
        text = cast(column, String)
        rows = (
            await session.execute(
                select(id_column, column).where(or_(*(text.ilike(f"%{e}%") for e in emails)))
            )
        ).all()
        for row_id, value in rows:
            clean = scrubbed(value, wanted)
            if clean != value:
                await session.execute(
                    update(model)
                    .where(id_column == row_id)
                    .values({column.key: clean})
                    .execution_options(synchronize_session=False)
                )
                changed += 1
    return changed
