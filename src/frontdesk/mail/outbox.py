"""The outbox's delivery state: due rows claimed under a lease, each attempt's outcome recorded
(sent, or retried with back-off, or failed for an admin to see), an admin's retry, and what an
outbox row looks like on the wire."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.errors import NotFound
from frontdesk.files.store import FileStore
from frontdesk.mail.errors import NotRetryable
from frontdesk.mail.models import MailAttachment, OutboxMessage, OutboxState
from frontdesk.mail.sender import FilePart, build_message

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: 30 s, 1 min, 2 min … capped."""
    return min(BACKOFF_BASE * (1 << min(max(attempts - 1, 0), 16)), BACKOFF_CAP)


async def claim_outbox(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    only: ColumnElement[bool] | None = None,
) -> Sequence[OutboxMessage]:
    """Due rows, each leased to the caller: queued ones whose time has come, and `sending` ones
    whose sender's lease ran out (it crashed); `only` narrows them further. Locked rows are
    skipped, so processes that claim at the same moment never get the same message."""
    rows = (
        await session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.state.in_([OutboxState.queued, OutboxState.sending]),
                OutboxMessage.next_attempt_at <= now,
                *(() if only is None else (only,)),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        row.state = OutboxState.sending
        row.next_attempt_at = now + lease
    await session.flush()
    return rows


async def delete_unsent(session: AsyncSession, *, ids: Collection[int]) -> None:
    """Rows no longer to be sent (a notification its reader may no longer see), gone unsent."""
    await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.id.in_(sorted(ids)), OutboxMessage.state != OutboxState.sent)
        .execution_options(synchronize_session=False)
    )


def _leased(message: OutboxMessage, claimed_until: datetime) -> Any:
    # Guards every write after sending: a sender whose lease expired and was taken over by
    # another process must not overwrite what that process recorded.
    return (
        (OutboxMessage.id == message.id)
        & (OutboxMessage.state == OutboxState.sending)
        & (OutboxMessage.next_attempt_at == claimed_until)
    )


async def mark_sent(
    session: AsyncSession, *, message: OutboxMessage, claimed_until: datetime, now: datetime
) -> bool:
    result = await session.execute(
        update(OutboxMessage)
        .where(_leased(message, claimed_until))
        .values(state=OutboxState.sent, sent_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def record_send_failure(
    session: AsyncSession,
    *,
    message: OutboxMessage,
    claimed_until: datetime,
    error: str,
    permanent: bool,
    now: datetime,
) -> OutboxState | None:
    """One failed attempt: back off and retry, or give up after MAX_ATTEMPTS (or at once when
    the server refused for good) so an admin sees it. None when the lease was lost."""
    attempts = message.attempts + 1
    state = OutboxState.failed if permanent or attempts >= MAX_ATTEMPTS else OutboxState.queued
    result = await session.execute(
        update(OutboxMessage)
        .where(_leased(message, claimed_until))
        .values(
            state=state,
            attempts=attempts,
            last_error=error[:4000],
            next_attempt_at=now + backoff(attempts),
        )
        .execution_options(synchronize_session=False)
    )
    return state if result.rowcount else None  # type: ignore[attr-defined]


async def get_outbox_message(session: AsyncSession, *, message_id: int) -> OutboxMessage:
    message = await session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such message in the outbox.")
    return message


async def retry_outbox(
    session: AsyncSession, *, message: OutboxMessage, now: datetime
) -> OutboxMessage:
    """An admin's "try again": the same message (same Message-ID), with a fresh set of attempts."""
    if message.state not in (OutboxState.failed, OutboxState.queued):
        raise NotRetryable(message.state.value)
    message.state = OutboxState.queued
    message.attempts = 0
    message.next_attempt_at = now
    await session.flush()
    return message


async def outbox_files(
    store: FileStore, message: OutboxMessage, session: AsyncSession
) -> list[FilePart]:
    """The files the row sends: an agent's uploads read from the store, a received mail's
    attachments (a forward) from the database. Raises FileNotFoundError when one is gone: the
    mail is not sent without it."""
    parts: list[FilePart] = []
    for item in message.data.get("attachments", ()):
        if "mail_attachment_id" in item:
            content = await session.scalar(
                select(MailAttachment.content).where(
                    MailAttachment.id == item["mail_attachment_id"]
                )
            )
            if content is None:
                raise FileNotFoundError(item["filename"])
        else:
            content = await store.read(item["key"])
        parts.append(FilePart(item["filename"], item["content_type"], content))
    return parts


async def render_outbox(
    message: OutboxMessage, *, store: FileStore, session: AsyncSession
) -> bytes:
    """The RFC 5322 text exactly as the sender transmits it."""
    try:
        files = await outbox_files(store, message, session)
    except FileNotFoundError:
        raise NotFound("A file this mail sends is no longer stored.") from None
    return build_message(message, files).as_bytes()


async def list_outbox(
    session: AsyncSession, *, state: OutboxState | None, limit: int, offset: int
) -> Sequence[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)
    if state is not None:
        query = query.where(OutboxMessage.state == state)
    return (await session.scalars(query)).all()
