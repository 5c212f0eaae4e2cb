"""Retention: an inbox with `retention_days` set keeps a closed ticket that many days after it was
closed, then deletes it with its thread, chat, mail and files. A reopened ticket is not closed
(and its `closed_at` is cleared), so it counts again from its next closing. A customer record
left with nothing (made for an unproven visitor's chat: no address, no other ticket) goes with
its last ticket. Mail that reached no ticket (refused, unreadable, an ignored auto-reply) is
kept FRONTDESK_REFUSED_MAIL_DAYS after it arrived."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat
from frontdesk.customers import changes as customer_changes
from frontdesk.customers.models import Customer, CustomerContact
from frontdesk.db.planning import Unindexed
from frontdesk.inboxes.models import Inbox
from frontdesk.mail.models import InboundMessage, InboundStatus
from frontdesk.privacy import deletion
from frontdesk.privacy.models import Erasure, ErasureKind
from frontdesk.privacy.scope import chunks
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
    due = (
        select(Ticket.id)
        .where(
            Ticket.inbox_id == inbox_id,
            # By (inbox, closed at): SQLite without statistics would read every closed
            # ticket of the inbox by the state's index, and sort them.
            Unindexed(Ticket.state) == TicketState.closed,
            Ticket.closed_at < closed_before,
        )
        .order_by(Ticket.closed_at, Ticket.id)
    )
    return await _delete_due(session, due, limit=limit, inbox_id=inbox_id, what=f"inbox {inbox_id}")


async def delete_spam(session: AsyncSession, *, marked_before: datetime, limit: int) -> int:
    """Deletes up to `limit` tickets marked spam before `marked_before` (spam/timers.py), as
    `delete_expired` deletes old closed ones, files and emptied customers included; returns how
    many."""
    due = (
        select(Ticket.id)
        .where(
            # By the partial index of spam tickets (only they have `spam_at`).
            Ticket.spam_at < marked_before,
            Unindexed(Ticket.state) == TicketState.spam,
        )
        .order_by(Ticket.spam_at, Ticket.id)
    )
    return await _delete_due(session, due, limit=limit, inbox_id=None, what="spam")


async def _delete_due(
    session: AsyncSession, due: Select[Any], *, limit: int, inbox_id: int | None, what: str
) -> int:
    """The first `limit` tickets of `due` (ticket ids, oldest first), claimed with SKIP LOCKED,
    deleted with their chats, mail and files and the customers left with nothing, under one
    retention record; returns how many."""
    claimed = list(await session.scalars(due.limit(limit).with_for_update(skip_locked=True)))
    if not claimed:
        return 0
    rows = await session.execute(
        select(Ticket.id, Ticket.customer_id).where(Ticket.id.in_(claimed))
    )
    owners: dict[int, int] = dict(rows.all())
    emptied, busy = await _lock_emptied(session, owners)
    # A ticket whose emptied customer another transaction holds (a merge of it, most likely)
    # stays for a later pass, which claims it again and finds its customer anew: deleted now,
    # nothing would lead back to that record.
    ticket_ids = [ticket_id for ticket_id in claimed if owners[ticket_id] not in busy]
    if not ticket_ids:
        return 0
    chat_ids = list(await session.scalars(select(Chat.id).where(Chat.ticket_id.in_(ticket_ids))))
    counts = await deletion.delete_conversations(
        session, ticket_ids=ticket_ids, chat_ids=chat_ids, reason="retention"
    )
    counts["customers"] += await _delete_emptied(session, emptied)
    if counts["tickets"]:
        session.add(
            Erasure(
                kind=ErasureKind.retention,
                inbox_id=inbox_id,
                counts={key: value for key, value in sorted(counts.items()) if value},
            )
        )
    logger.info("retention: %s, %s", what, dict(counts))
    return counts["tickets"]


def _left_with_nothing(*, keeping_tickets: Sequence[int] = ()) -> list[ColumnElement[bool]]:
    """A customer with no ticket (but `keeping_tickets`, about to go), no address or phone,
    nothing merged into them or them into another, no notes, not made by an agent. A record
    like that was made for one conversation (an unproven visitor's chat) and would stay a name
    that leads nowhere. Customers with an address are the desk's customer list: they stay."""
    other_ticket = exists().where(Ticket.customer_id == Customer.id)
    if keeping_tickets:
        other_ticket = other_ticket.where(Ticket.id.not_in(keeping_tickets))
    merged = Customer.__table__.alias("merged")
    return [
        Customer.merged_into_id.is_(None),
        Customer.created_by_id.is_(None),
        Customer.notes == "",
        ~other_ticket,
        ~exists().where(CustomerContact.customer_id == Customer.id),
        ~exists().where(merged.c.merged_into_id == Customer.id),
    ]


async def _lock_emptied(
    session: AsyncSession, owners: dict[int, int]
) -> tuple[list[int], set[int]]:
    """The customers that the tickets `owners` maps to theirs leave with nothing, locked before
    anything is deleted, and those of them another transaction holds (`busy`). The tickets are
    locked already; a merge locks the two customers first, then waits for their tickets, so
    waiting here for its customer would be a deadlock: `SKIP LOCKED` passes it by instead
    (docs/privacy.md, "Retention"). SQLite's one writer has nobody else holding a row."""
    candidates: list[int] = []
    for part in chunks(sorted(set(owners.values()))):
        candidates += await session.scalars(
            select(Customer.id).where(
                Customer.id.in_(part), *_left_with_nothing(keeping_tickets=list(owners))
            )
        )
    locked: list[int] = []
    for part in chunks(sorted(candidates)):
        locked += await session.scalars(
            select(Customer.id)
            .where(Customer.id.in_(part))
            .order_by(Customer.id)
            .with_for_update(skip_locked=True)
        )
    return locked, set(candidates) - set(locked)


async def _delete_emptied(session: AsyncSession, customer_ids: list[int]) -> int:
    """Deletes the customers `_lock_emptied` locked that are still left with nothing now that
    their tickets are gone (asked again under the lock: until it was granted, one could have
    gained an address or a ticket)."""
    deleted: list[int] = []
    for part in chunks(customer_ids):
        deleted += await session.scalars(
            delete(Customer)
            .where(Customer.id.in_(part), *_left_with_nothing())
            .returning(Customer.id)
            .execution_options(synchronize_session=False)
        )
    customer_changes.deleted(session, customer_ids=deleted, reason="retention")
    return len(deleted)


REFUSED = (InboundStatus.rejected, InboundStatus.failed, InboundStatus.ignored)


async def delete_refused_mail(
    session: AsyncSession, *, received_before: datetime, limit: int
) -> int:
    """Deletes up to `limit` received mails that reached no ticket (refused, unreadable,
    ignored) and arrived before `received_before`; returns how many. Mail on a ticket goes with
    its ticket. Claimed as `delete_expired` claims tickets."""
    mail_ids = list(
        await session.scalars(
            select(InboundMessage.id)
            .where(
                InboundMessage.status.in_(REFUSED),
                InboundMessage.received_at < received_before,
                InboundMessage.ticket_id.is_(None),
            )
            .order_by(InboundMessage.received_at, InboundMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not mail_ids:
        return 0
    # Their attachments go by the cascade (a refused mail has none stored, but an ignored one
    # may once have been on a ticket).
    result = await session.execute(
        delete(InboundMessage)
        .where(InboundMessage.id.in_(mail_ids))
        .execution_options(synchronize_session=False)
    )
    deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if deleted:
        session.add(Erasure(kind=ErasureKind.retention, counts={"mails_received": deleted}))
    logger.info("retention: %s refused or ignored mails", deleted)
    return deleted
