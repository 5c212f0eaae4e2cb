"""Retention: an inbox with `retention_days` set keeps a closed ticket that many days after it was
closed, then deletes it with its thread, chat, mail and files. A reopened ticket is not closed
(and its `closed_at` is cleared), so it counts again from its next closing. A customer record
left with nothing (made for an unproven visitor's chat: no address, no other ticket) goes with
its last ticket. Mail that reached no ticket (refused, unreadable, an ignored auto-reply) is
kept FRONTDESK_REFUSED_MAIL_DAYS after it arrived."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat
from frontdesk.customers import changes as customer_changes
from frontdesk.customers.models import Customer, CustomerContact
from frontdesk.db.planning import Unindexed
from frontdesk.inboxes.models import Inbox
from frontdesk.mail.models import InboundMessage, InboundStatus
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
    customer_ids = set(
        await session.scalars(select(Ticket.customer_id).where(Ticket.id.in_(ticket_ids)))
    )
    counts = await deletion.delete_conversations(
        session, ticket_ids=ticket_ids, chat_ids=chat_ids, reason="retention"
    )
    counts["customers"] += await _delete_emptied(session, sorted(customer_ids))
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


async def _delete_emptied(session: AsyncSession, customer_ids: list[int]) -> int:
    """The customers of deleted tickets now left with nothing: no ticket, no address or phone,
    nothing merged into them or them into another, no notes, not made by an agent. A record
    like that was made for one conversation (an unproven visitor's chat) and would stay a name
    that leads nowhere. Customers with an address are the desk's customer list: they stay."""
    if not customer_ids:
        return 0
    has_ticket = exists().where(Ticket.customer_id == Customer.id)
    has_contact = exists().where(CustomerContact.customer_id == Customer.id)
    merged = Customer.__table__.alias("merged")
    has_merged = exists().where(merged.c.merged_into_id == Customer.id)
    deleted = list(
        await session.scalars(
            delete(Customer)
            .where(
                Customer.id.in_(customer_ids),
                Customer.merged_into_id.is_(None),
                Customer.created_by_id.is_(None),
                Customer.notes == "",
                ~has_ticket,
                ~has_contact,
                ~has_merged,
            )
            .returning(Customer.id)
            .execution_options(synchronize_session=False)
        )
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
