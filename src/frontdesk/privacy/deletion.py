"""Deleting rows that hold personal data, for an erasure and for retention alike. Everything is
deleted with explicit statements in the caller's transaction (a retention batch's whole, or one
piece of an erasure: privacy/erasing.py); the file store keys of the files that go are queued
in `file_deletions` in the same transaction (privacy/files.py deletes the bytes after the
commit)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formataddr, getaddresses
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat, ChatFile, Visitor
from frontdesk.files.models import StoredFile
from frontdesk.mail import retired
from frontdesk.mail.models import InboundMessage, OutboxMessage
from frontdesk.metrics.models import MetricMoment
from frontdesk.notifications.models import Notification, NotificationKind
from frontdesk.notifications.service import excerpt
from frontdesk.pending_replies.models import PendingReply
from frontdesk.privacy.models import FileDeletion
from frontdesk.privacy.scope import addresses_in, chunks
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets.models import MoveKind, Ticket, TicketEntry, TicketMove
from frontdesk.timetracking import gone as timers_gone
from frontdesk.webhooks.models import WebhookDelivery


async def delete_ids(session: AsyncSession, model: Any, column: Any, ids: Sequence[int]) -> int:
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
    reason: str = "erasure",
) -> Counter[str]:
    """Deletes tickets and chats with everything that hangs on them (entries, files, mail in and
    out, ratings, notifications, SLA and rule records: by the foreign keys' cascades), plus the
    given entries and mail. Metric moments stay, without their ticket: reports of past periods
    keep their numbers, and a moment holds no personal data. Webhooks tell each ticket's
    deletion and `reason` ("erasure" or "retention"), by id and number."""
    counts: Counter[str] = Counter()
    ticket_ids, chat_ids = sorted(set(ticket_ids)), sorted(set(chat_ids))
    files, notices = await let_go(session, ticket_ids=ticket_ids, chat_ids=chat_ids, reason=reason)
    counts["files"] += files
    for part in chunks(ticket_ids):
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
    entry_ids = sorted(set(entry_ids))
    if entry_ids:
        traces = await entry_traces(session, entry_ids, ticket_ids)
        notices |= traces.notices
        counts["files"] += await queue_stored(session, traces.file_ids)
        await delete_ids(session, StoredFile, StoredFile.id, traces.file_ids)
        await delete_ids(session, WebhookDelivery, WebhookDelivery.id, traces.delivery_ids)
    outbox_ids = [*outbox_ids, *await notification_mail(session, notices)]
    inbound_ids, outbox_ids = sorted(set(inbound_ids)), sorted(set(outbox_ids))
    counts["mails_received"] += await delete_ids(
        session, InboundMessage, InboundMessage.id, inbound_ids
    )
    counts["mails_sent"] += await delete_ids(session, OutboxMessage, OutboxMessage.id, outbox_ids)
    # Notifications about tickets and chats go by their cascades; those quoting one of the
    # entries, here.
    await delete_ids(session, Notification, Notification.id, sorted(notices))
    counts["entries"] += await delete_ids(session, TicketEntry, TicketEntry.id, entry_ids)
    counts["chats"] += await delete_ids(session, Chat, Chat.id, chat_ids)
    counts["tickets"] += await delete_ids(session, Ticket, Ticket.id, ticket_ids)
    return counts


async def let_go(
    session: AsyncSession, *, ticket_ids: Sequence[int], chat_ids: Sequence[int], reason: str
) -> tuple[int, dict[int, datetime]]:
    """What is done before tickets and chats are deleted, by retention and by each piece of an
    erasure alike: their files' keys queued, webhooks told of each ticket's deletion, each
    ticket's inbox remembered, metric moments unlinked. Returns how many files, and the
    notifications about them (their mail is the caller's to delete)."""
    files = await queue_files(session, ticket_ids=ticket_ids, chat_ids=chat_ids)
    for part in chunks(sorted(ticket_ids)):
        numbers = await session.execute(
            select(Ticket.id, Ticket.number, Ticket.inbox_id).where(Ticket.id.in_(part))
        )
        ticket_changes.deleted(session, tickets=[(i, n, b) for i, n, b in numbers], reason=reason)
        await timers_gone.tickets_deleted(session, ticket_ids=part)
        # A reply to a deleted ticket's address opens a new ticket in its inbox (mail/retired.py).
        await retired.remember_inboxes(session, ticket_ids=part)
        await session.execute(
            update(MetricMoment)
            .where(MetricMoment.ticket_id.in_(part))
            .values(ticket_id=None)
            .execution_options(synchronize_session=False)
        )
    return files, await notices_about(session, ticket_ids, chat_ids)


async def notices_about(
    session: AsyncSession, ticket_ids: Sequence[int], chat_ids: Sequence[int]
) -> dict[int, datetime]:
    """The notifications about these tickets and chats, with when they were made."""
    notices: dict[int, datetime] = {}
    for column, ids in ((Notification.ticket_id, ticket_ids), (Notification.chat_id, chat_ids)):
        for part in chunks(ids):
            rows = await session.execute(
                select(Notification.id, Notification.created_at).where(column.in_(part))
            )
            for row_id, at in rows.all():
                notices[row_id] = at
    return notices


@dataclass
class EntryTraces:
    """What else holds one message of a ticket kept: the notifications that quote it, the
    webhook deliveries that carry it, the files sent with it."""

    notices: dict[int, datetime] = field(default_factory=dict)
    delivery_ids: list[int] = field(default_factory=list)
    file_ids: list[int] = field(default_factory=list)


async def entry_traces(
    session: AsyncSession, entry_ids: Sequence[int], ticket_ids: Sequence[int]
) -> EntryTraces:
    """`ticket_ids` go whole: their files are counted with them."""
    traces = EntryTraces()
    entries: list[Any] = []
    for part in chunks(entry_ids):
        entries += (
            await session.execute(
                select(TicketEntry.id, TicketEntry.ticket_id, TicketEntry.text).where(
                    TicketEntry.id.in_(part)
                )
            )
        ).all()
    # A notification names the ticket the message came to, which a merge may have left since
    # (and an erasure may have set free again: the move's record says it).
    merged_in = (
        await session.execute(
            select(TicketMove.source_ticket_id, TicketMove.target_ticket_id).where(
                TicketMove.kind == MoveKind.merge,
                TicketMove.target_ticket_id.in_({entry.ticket_id for entry in entries}),
            )
        )
    ).all()
    tickets: dict[int, set[int]] = {}
    for entry in entries:
        tickets.setdefault(entry.ticket_id, {entry.ticket_id})
    for ticket_id, target in merged_in:
        tickets[target].add(ticket_id)
    quoted: dict[int, set[str]] = {}
    for entry in entries:
        for ticket_id in tickets[entry.ticket_id]:
            quoted.setdefault(ticket_id, set()).add(excerpt(entry.text))
    ids = set(entry_ids)
    for part in chunks(sorted(quoted)):
        for row_id, ticket_id, params, at in (
            await session.execute(
                select(
                    Notification.id,
                    Notification.ticket_id,
                    Notification.params,
                    Notification.created_at,
                ).where(
                    Notification.ticket_id.in_(part),
                    Notification.kind == NotificationKind.customer_replied,
                )
            )
        ).all():
            if (params or {}).get("excerpt") in quoted[ticket_id]:
                traces.notices[row_id] = at
        for row_id, payload in (
            await session.execute(
                select(WebhookDelivery.id, WebhookDelivery.payload).where(
                    WebhookDelivery.ticket_id.in_(part),
                    WebhookDelivery.event_type == "message.created",
                )
            )
        ).all():
            message = ((payload or {}).get("data") or {}).get("message") or {}
            if message.get("id") in ids:
                traces.delivery_ids.append(row_id)
    for part in chunks(entry_ids):
        traces.file_ids += list(
            await session.scalars(
                select(StoredFile.id).where(
                    StoredFile.entry_id.in_(part), StoredFile.ticket_id.not_in(ticket_ids)
                )
            )
        )
    return traces


async def queue_stored(session: AsyncSession, file_ids: Sequence[int]) -> int:
    """Queues the store keys of these stored files; returns how many files."""
    keys: set[str] = set()
    for part in chunks(file_ids):
        for key, thumbnail in (
            await session.execute(
                select(StoredFile.key, StoredFile.thumbnail_key).where(StoredFile.id.in_(part))
            )
        ).all():
            keys |= {key} | ({thumbnail} if thumbnail else set())
    session.add_all(FileDeletion(key=key) for key in sorted(keys))
    return len(file_ids)


async def notification_mail(session: AsyncSession, notices: dict[int, datetime]) -> list[int]:
    """Agents' notification emails of these notifications: they quote the customer (name,
    subject, an excerpt) and name no ticket, only their notification (notifications/service.py)."""
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
    return await delete_ids(session, Visitor, Visitor.id, sorted(visitor_ids))


def _without(text: str, emails: set[str]) -> str:
    """A header's list of addresses without `emails` (`a@x, b@y` → `b@y`); any other text
    that names one of them, emptied."""
    named = getaddresses([text])
    if len(named) > 1 and all("@" in address for _name, address in named):
        return ", ".join(
            formataddr((name, address))
            for name, address in named
            if address.strip().lower() not in emails
        )
    return ""


def scrubbed(value: Any, emails: set[str]) -> Any:
    """`value` (JSON) without the strings that name one of `emails`: dropped from lists, taken
    out of a list of addresses, emptied otherwise."""
    if isinstance(value, list):
        return [
            scrubbed(item, emails)
            for item in value
            if not (isinstance(item, str) and not addresses_in(item).isdisjoint(emails))
        ]
    if isinstance(value, dict):
        return {key: scrubbed(item, emails) for key, item in value.items()}
    if isinstance(value, str) and not addresses_in(value).isdisjoint(emails):
        return _without(value, emails)
    return value


# Where other people's rows keep an address: (table, its id, the column).
SCRUBBED: list[tuple[Any, Any, Any]] = [
    (Ticket, Ticket.id, Ticket.cc),
    (TicketEntry, TicketEntry.id, TicketEntry.data),
    (TicketMove, TicketMove.id, TicketMove.data),
    (InboundMessage, InboundMessage.id, InboundMessage.headers),
    (InboundMessage, InboundMessage.id, InboundMessage.envelope_to),
    (OutboxMessage, OutboxMessage.id, OutboxMessage.recipients),
    (OutboxMessage, OutboxMessage.id, OutboxMessage.headers),
    (OutboxMessage, OutboxMessage.id, OutboxMessage.data),
    (WebhookDelivery, WebhookDelivery.id, WebhookDelivery.payload),
    (WebhookDelivery, WebhookDelivery.id, WebhookDelivery.response_excerpt),
    (Notification, Notification.id, Notification.params),
    # Replies held by "Undo send": sent later, they would mail them and copy them back into the
    # ticket's Cc. Last, so that the indexes of a running erasure's progress keep their tables.
    (PendingReply, PendingReply.id, PendingReply.cc),
    (PendingReply, PendingReply.id, PendingReply.bcc),
    # The address another customer's ticket would answer at (a visitor typed theirs into the
    # contact form; an address that left a customer for another): emptied, the ticket answers
    # at its customer's primary. Appended, for the same reason.
    (Ticket, Ticket.id, Ticket.reply_address),
]


async def scrub_range(
    session: AsyncSession,
    *,
    emails: Sequence[str],
    target: tuple[Any, Any, Any],
    after: int,
    upto: int,
) -> int:
    """Removes the addresses from what other customers' conversations keep of them (one table of
    `SCRUBBED`, the rows with `after` < id <= `upto`): Cc lists of tickets and of replies,
    moves' records, the parsed headers of mail that copied them, the recipients and headers of
    mail sent to someone else that copied them, the payloads of webhook deliveries (a replay
    sends them again) and what their receivers answered, and the words of notifications.
    Returns how many rows changed."""
    _model, id_column, _column = target
    return await scrub_where(
        session, emails=emails, target=target, where=(id_column > after) & (id_column <= upto)
    )


async def scrub_where(
    session: AsyncSession, *, emails: Sequence[str], target: tuple[Any, Any, Any], where: Any
) -> int:
    """`scrub_range` for the rows of one table of `SCRUBBED` that `where` picks."""
    if not emails:
        return 0
    wanted = set(emails)
    model, id_column, column = target
    text = cast(column, String)
    rows = (
        await session.execute(
            select(id_column, column).where(where, or_(*(text.ilike(f"%{e}%") for e in emails)))
        )
    ).all()
    changed = 0
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


async def scrub_senders(session: AsyncSession, *, emails: Sequence[str]) -> None:
    """The sender kept beside an entry's data: its `from_address`, emptied by `scrub_range`
    (and counted) when it names them. Their own mail is deleted with them; this is for any that
    stays."""
    await session.execute(
        update(TicketEntry)
        .where(TicketEntry.sender.in_(sorted(set(emails))))
        .values(sender=None)
        .execution_options(synchronize_session=False)
    )
