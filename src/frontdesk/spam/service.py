"""Spam: marking tickets spam and not spam, and the blocked senders list (docs/desk.md "Spam",
docs/email.md "Blocked senders").

Spam is a ticket state, so that the folders, their counts and the lists treat it as they treat
every state (tickets/counts.py counts it like the others). What sets it apart is here: entering
and leaving it writes no rule trigger, stops the SLA without a breach (sla/service.py), takes
the ticket out of auto-assignment and snoozes, and is audited. Who may do what: any agent who
sees a ticket marks it spam or not spam and may block its customer's address with it; blocking
a whole domain, and the list itself, are for admins."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from frontdesk.assignment import tracking as assignment_tracking
from frontdesk.audit import service as audit
from frontdesk.customers import service as customers_service
from frontdesk.db.unique import insert_once
from frontdesk.errors import Conflict, Forbidden, FrontdeskError, Invalid, NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit import cursors
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import MAX_ID
from frontdesk.kit.text import like_pattern, normalize_email
from frontdesk.metrics import record as metrics
from frontdesk.sla import service as sla_service
from frontdesk.spam.models import BlockedSender
from frontdesk.spam.senders import pattern_of, patterns_of
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.events import TicketEvent, record_ticket_event
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.users.models import User

# Tickets one bulk request marks: as many as a list page shows, and more.
MAX_TICKETS = 100
# Blocked senders a page of the list shows, and the most a request may ask for.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class Block(enum.StrEnum):
    """What marking spam also blocks: nothing, the customer's address, or its whole domain."""

    none = "none"
    address = "address"
    domain = "domain"


@dataclass(frozen=True)
class Marked:
    ticket: Ticket
    # False when it was spam already (another agent was first): nothing was written for it.
    changed: bool
    blocked: BlockedSender | None = None
    # "Not spam": the customer's addresses it took off the list, and the blocked domains that
    # still send their mail to Spam (an admin's to lift).
    unblocked: tuple[str, ...] = ()
    domains_blocked: tuple[str, ...] = ()


def _ticket_target(ticket: Ticket) -> audit.Target:
    return audit.Target("ticket", ticket.id, f"ticket #{ticket.number}")


def _sender_target(row: BlockedSender) -> audit.Target:
    # An address is a customer's personal data, which the audit log never holds: named by id.
    # A domain is nobody's.
    label = row.pattern if row.pattern.startswith("@") else f"blocked sender #{row.id}"
    return audit.Target("blocked_sender", row.id, label)


def _ensure_admin(user: User, what: str) -> None:
    if not user.is_admin:
        raise Forbidden(f"Only admins can {what}.", code="admins_only")


async def mark_spam(
    session: AsyncSession, *, actor: User, ticket_id: int, block: Block = Block.none
) -> Marked:
    """Puts the ticket in Spam. Under its row lock: of two agents marking it at once, the first
    marks it and the second finds it spam already (`changed` False, nothing written, no second
    audit entry). `block` blocks its customer's address (or domain, admins only) as well."""
    if block is Block.domain:
        _ensure_admin(actor, "block a whole domain")
    ticket = await tickets_service.lock_visible_ticket(session, user=actor, ticket_id=ticket_id)
    blocked = None
    if block is not Block.none:
        blocked = await _block_customer(session, actor=actor, ticket=ticket, block=block)
    if ticket.state is TicketState.spam:
        return Marked(ticket, changed=False, blocked=blocked)
    if ticket.merged_into_id is not None:
        raise Conflict(
            "This ticket was merged into another one; mark that one instead.", code="ticket_merged"
        )
    before = ticket.state
    now = utcnow()
    closed_before = ticket.closed_at is not None
    ticket.state = TicketState.spam
    ticket.snoozed_until = None
    ticket.closed_at = None
    ticket.spam_at = now
    ticket.updated_at = now
    await tickets_service.log_event(
        session, ticket=ticket, actor=actor, text=f"{actor.name} marked the ticket as spam",
        state=TicketState.spam.value,
    )  # fmt: skip
    # A closed ticket marked spam no longer counts as resolved (the reports' reopened moment).
    await metrics.ticket_state_changed(
        session, ticket=ticket, closed_before=closed_before, user_id=actor.id, at=now
    )
    await sla_service.refresh(session, ticket=ticket)
    await assignment_tracking.forget_ticket(session, ticket_id=ticket.id)
    await session.flush()
    record_ticket_event(session, TicketEvent.updated, ticket, changes=["state"], by=actor)
    audit.record(
        session,
        action="ticket.marked_spam",
        target=_ticket_target(ticket),
        changes={"state": [before.value, TicketState.spam.value]},
    )
    return Marked(ticket, changed=True, blocked=blocked)


async def not_spam(session: AsyncSession, *, actor: User, ticket_id: int) -> Marked:
    """Takes the ticket out of Spam, open again for its inbox; a ticket that is not spam (someone
    else was first) is left as it is. The customer's addresses are taken off the blocked list
    too: else their next mail would go to Spam again and be deleted, and the agent who blocked
    them cannot see the list (admins only). A blocked domain stays: blocking a whole domain was
    an admin's decision, and the answer names it so the agent can ask one."""
    ticket = await tickets_service.lock_visible_ticket(session, user=actor, ticket_id=ticket_id)
    if ticket.state is not TicketState.spam:
        return Marked(ticket, changed=False)
    unblocked, domains = await _unblock_customer(session, customer_id=ticket.customer_id)
    now = utcnow()
    ticket.state = TicketState.open
    ticket.spam_at = None
    ticket.updated_at = now
    await tickets_service.log_event(
        session, ticket=ticket, actor=actor, text=f"{actor.name} marked the ticket as not spam",
        state=TicketState.open.value,
    )  # fmt: skip
    changes = ["state"]
    if ticket.assignee_id is not None and not await inboxes_service.who_sees(
        session, user_ids=[ticket.assignee_id], inbox_id=ticket.inbox_id
    ):
        # Its assignee left the inbox (or was deactivated) while it was spam: open again, it is
        # the inbox's to take, as a reopened ticket is (tickets/service.py).
        ticket.assignee_id = None
        await tickets_service.log_event(
            session, ticket=ticket, actor=actor, text="Unassigned: the assignee no longer sees it",
            assignee_id=None,
        )  # fmt: skip
        changes.append("assignee")
    # Its targets run again from the conversation's own clock.
    await sla_service.refresh(session, ticket=ticket)
    await session.flush()
    record_ticket_event(session, TicketEvent.updated, ticket, changes=changes, by=actor)
    audit.record(
        session,
        action="ticket.not_spam",
        target=_ticket_target(ticket),
        changes={"state": [TicketState.spam.value, TicketState.open.value]},
    )
    if await tickets_service.hidden_customers(session, user=actor, tickets=[ticket]):
        # Unblocked all the same, but not named to an agent who may not see the customer.
        unblocked = ()
    return Marked(ticket, changed=True, unblocked=unblocked, domains_blocked=domains)


@dataclass(frozen=True)
class BulkOutcome:
    ticket_id: int
    changed: bool = False
    error: FrontdeskError | None = None


async def mark_many(
    session: AsyncSession,
    *,
    actor: User,
    ticket_ids: Sequence[int],
    spam: bool,
    block: Block = Block.none,
) -> list[BulkOutcome]:
    """Each ticket marked (or unmarked) alone, in id order (locks taken in one order cannot
    deadlock); a ticket the agent cannot see, or one refused, is reported with its error and the
    others are done."""
    if block is Block.domain:
        _ensure_admin(actor, "block a whole domain")
    outcomes: list[BulkOutcome] = []
    for ticket_id in sorted(set(ticket_ids)):
        try:
            async with session.begin_nested():
                if spam:
                    marked = await mark_spam(session, actor=actor, ticket_id=ticket_id, block=block)
                else:
                    marked = await not_spam(session, actor=actor, ticket_id=ticket_id)
        except (NotFound, Conflict, Invalid) as error:
            outcomes.append(BulkOutcome(ticket_id, error=error))
        else:
            outcomes.append(BulkOutcome(ticket_id, changed=marked.changed))
    return outcomes


# --- blocked senders ----------------------------------------------------------------------------


async def _block_customer(
    session: AsyncSession, *, actor: User, ticket: Ticket, block: Block
) -> BlockedSender:
    emails = await customers_service.primary_emails_by_id(
        session, customer_ids=[ticket.customer_id]
    )
    address = emails.get(ticket.customer_id)
    if address is None:
        raise Invalid("block", "This ticket's customer has no email address to block.")
    pattern = pattern_of(
        address if block is Block.address else "@" + address.rpartition("@")[2], field="block"
    )
    return await _add(session, actor=actor, pattern=pattern, exists_ok=True, field="block")


async def _ensure_not_ours(session: AsyncSession, *, pattern: str, field: str) -> None:
    """422 for a pattern that would block our own mail: an inbox's address or its domain, or an
    active agent's address or domain. Mail from them would vanish into Spam (a forwarded
    message, an agent writing in from their own address), and the domain an admin blocked by a
    slip would be the company's own."""
    if pattern.startswith("@"):
        domain = pattern[1:]

        def matches(column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
            # The domain or one under it; a validated domain has no `%` or `_` to escape.
            return or_(column.like(f"%@{domain}"), column.like(f"%@%.{domain}"))
    else:

        def matches(column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
            return column == pattern

    inbox = await session.scalar(
        select(Inbox.name).where(matches(Inbox.email_address)).order_by(Inbox.id).limit(1)
    )
    if inbox is not None:
        raise Invalid(field, f"{pattern} would block our own mail: the inbox {inbox}'s address.")
    agent = await session.scalar(
        select(User.name).where(User.is_active, matches(User.email)).order_by(User.id).limit(1)
    )
    if agent is not None:
        raise Invalid(field, f"{pattern} would block our own mail: {agent}'s address.")


async def _add(
    session: AsyncSession, *, actor: User, pattern: str, exists_ok: bool, field: str = "pattern"
) -> BlockedSender:
    await _ensure_not_ours(session, pattern=pattern, field=field)
    row = BlockedSender(pattern=pattern, created_by_id=actor.id, created_at=utcnow())
    if await insert_once(session, row):
        audit.record(session, action="sender.blocked", target=_sender_target(row))
        return row
    if not exists_ok:
        raise Conflict(f"{pattern} is blocked already.", code="sender_blocked_already")
    existing = await session.scalar(select(BlockedSender).where(BlockedSender.pattern == pattern))
    if existing is None:  # unblocked in between: block it again
        return await _add(session, actor=actor, pattern=pattern, exists_ok=exists_ok, field=field)
    return existing


async def _unblock_customer(
    session: AsyncSession, *, customer_id: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Removes the address blocks of the customer's addresses (each audited); returns the
    addresses unblocked and the blocked domains that still cover one of them."""
    try:
        emails = (await customers_service.emails_of(session, customer_id=customer_id)).emails
    except NotFound:
        return (), ()
    addresses = sorted({normalize_email(email) for email in emails})
    if not addresses:
        return (), ()
    rows = (
        await session.execute(
            delete(BlockedSender)
            .where(BlockedSender.pattern.in_(addresses))
            .returning(BlockedSender.id, BlockedSender.pattern)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for row in sorted(rows):
        gone = BlockedSender(id=row.id, pattern=row.pattern)
        audit.record(session, action="sender.unblocked", target=_sender_target(gone))
    wanted = sorted({p for a in addresses for p in patterns_of(a) if p.startswith("@")})
    domains = await session.scalars(
        select(BlockedSender.pattern).where(BlockedSender.pattern.in_(wanted))
    )
    return tuple(sorted(row.pattern for row in rows)), tuple(sorted(domains))


@dataclass(frozen=True)
class BlockedPage:
    senders: list[BlockedSender]
    next_cursor: str | None


_NEWEST = "newest"


def _position(cursor: cursors.Cursor) -> tuple[datetime, int]:
    """The (created_at, id) a cursor of this list holds; 422 on `cursor` for anything else."""
    try:
        when, ident = cursor.position
        at = datetime.fromisoformat(when)
        # An id past the column's range would be refused by PostgreSQL as an error, not a 422.
        if at.tzinfo is None or not isinstance(ident, int) or not 0 < ident <= MAX_ID:
            raise TypeError
        return at.astimezone(UTC), ident
    except (ValueError, TypeError, OverflowError):
        raise Invalid("cursor", cursors.NOT_A_CURSOR) from None


async def list_blocked(
    session: AsyncSession,
    *,
    actor: User,
    q: str = "",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> BlockedPage:
    """Newest first, keyset-paged on (created_at, id): a sender blocked while an admin pages
    lands before the first page, never shifting the rows of the next one. `q` matches a part of
    the pattern literally (patterns are stored lower-cased, so lower-casing `q` is enough)."""
    _ensure_admin(actor, "see the blocked senders")
    text = q.strip().lower()
    digest = cursors.digest({"q": text or None})
    query = select(BlockedSender)
    if text:
        query = query.where(BlockedSender.pattern.like(like_pattern(text), escape="\\"))
    if cursor:
        given = cursors.decode(cursor)
        cursors.ensure_continues(given, kind=_NEWEST, filters_digest=digest)
        # A row value, as the tickets' keyset (tickets/queries.py). No index on (created_at, id):
        # thousands of rows sort in no time, and a substring search reads every row anyway.
        query = query.where(tuple_(BlockedSender.created_at, BlockedSender.id) < _position(given))
    rows = list(
        await session.scalars(
            query.order_by(BlockedSender.created_at.desc(), BlockedSender.id.desc()).limit(
                limit + 1
            )
        )
    )
    senders, more = rows[:limit], len(rows) > limit
    last = senders[-1] if more else None
    return BlockedPage(
        senders=senders,
        next_cursor=None
        if last is None
        else cursors.encode(_NEWEST, digest, last.created_at.isoformat(), last.id),
    )


async def block_sender(session: AsyncSession, *, actor: User, pattern: str) -> BlockedSender:
    _ensure_admin(actor, "block senders")
    return await _add(session, actor=actor, pattern=pattern_of(pattern), exists_ok=False)


async def unblock_sender(session: AsyncSession, *, actor: User, blocked_id: int) -> None:
    _ensure_admin(actor, "unblock senders")
    # One statement: of two admins removing it at once, one removes it and the other is told
    # there is no such blocked sender (one audit entry).
    row = (
        await session.execute(
            delete(BlockedSender)
            .where(BlockedSender.id == blocked_id)
            .returning(BlockedSender.id, BlockedSender.pattern)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        raise NotFound("No such blocked sender.")
    gone = BlockedSender(id=row.id, pattern=row.pattern)
    audit.record(session, action="sender.unblocked", target=_sender_target(gone))
