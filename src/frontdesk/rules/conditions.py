"""Whether a ticket meets a rule's conditions. What a condition reads is loaded once for many
tickets (`facts_of`), so a dry run over hundreds of tickets costs a handful of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.hours import service as hours_service
from frontdesk.rules.kinds import (
    ChannelIs,
    Condition,
    CustomerIs,
    HasLabel,
    InboxIs,
    InHours,
    TextHas,
)
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketEntry


@dataclass(frozen=True)
class Facts:
    ticket: Ticket
    label_ids: frozenset[int]
    customer_name: str
    customer_emails: frozenset[str]
    # The message the rule answers: the customer's reply, or a ticket's first message.
    message: str
    open_now: bool


async def first_messages(session: AsyncSession, *, ticket_ids: Sequence[int]) -> dict[int, str]:
    """Each ticket's first customer message or chat transcript, what "text contains" reads for
    a ticket that was just created and for a dry run."""
    if not ticket_ids:
        return {}
    first = (
        select(func.min(TicketEntry.id))
        .where(
            TicketEntry.ticket_id.in_(ticket_ids),
            TicketEntry.direction == Direction.inbound,
        )
        .group_by(TicketEntry.ticket_id)
    )
    transcripts = (
        select(func.min(TicketEntry.id))
        .where(TicketEntry.ticket_id.in_(ticket_ids), TicketEntry.kind == EntryKind.transcript)
        .group_by(TicketEntry.ticket_id)
    )
    rows = await session.execute(
        select(TicketEntry.ticket_id, TicketEntry.text)
        .where(TicketEntry.id.in_(first.union(transcripts).subquery().select()))
        .order_by(TicketEntry.id)
    )
    found: dict[int, str] = {}
    for ticket_id, text in rows:
        found.setdefault(ticket_id, text)
    return found


async def facts_of(
    session: AsyncSession, *, tickets: Sequence[Ticket], messages: dict[int, str], now: datetime
) -> dict[int, Facts]:
    ids = [ticket.id for ticket in tickets]
    labels = await tickets_service.labels_of(session, ticket_ids=ids)
    customer_ids = list({ticket.customer_id for ticket in tickets})
    names = await customers_service.names_by_id(session, customer_ids=customer_ids)
    emails = await customers_service.emails_of_many(session, customer_ids=customer_ids)
    calendars = await hours_service.calendars_of(
        session, inbox_ids={ticket.inbox_id for ticket in tickets}
    )
    return {
        ticket.id: Facts(
            ticket=ticket,
            label_ids=frozenset(label.id for label in labels[ticket.id]),
            customer_name=names.get(ticket.customer_id, ""),
            customer_emails=(
                emails[ticket.customer_id].emails if ticket.customer_id in emails else frozenset()
            ),
            message=messages.get(ticket.id, ""),
            open_now=calendars[ticket.inbox_id].is_open(now),
        )
        for ticket in tickets
    }


def _text_matches(op: str, wanted: str, values: Sequence[str]) -> bool:
    wanted = wanted.casefold().strip()
    folded = [value.casefold().strip() for value in values]
    if op == "equals":
        return wanted in folded
    found = any(wanted in value for value in folded)
    return found if op == "contains" else not found


def holds(condition: Condition, facts: Facts) -> bool:
    ticket = facts.ticket
    match condition:
        case InboxIs():
            return (ticket.inbox_id == condition.value) == (condition.op == "is")
        case ChannelIs():
            return (ticket.type.value == condition.value) == (condition.op == "is")
        case HasLabel():
            return (condition.value in facts.label_ids) == (condition.op == "has")
        case CustomerIs(field="customer_name"):
            return _text_matches(condition.op, condition.value, [facts.customer_name])
        case CustomerIs(field="customer_email"):
            return _text_matches(condition.op, condition.value, sorted(facts.customer_emails))
        case CustomerIs():
            domains = sorted(email.rpartition("@")[2] for email in facts.customer_emails)
            return _text_matches(condition.op, condition.value, domains)
        case TextHas():
            return _text_matches(condition.op, condition.value, [ticket.subject, facts.message])
        case InHours():
            return facts.open_now == (condition.op == "in")


def meets(conditions: Sequence[Condition], match: str, facts: Facts) -> bool:
    """No condition: every ticket. `all`: each of them; `any`: at least one."""
    if not conditions:
        return True
    results = (holds(condition, facts) for condition in conditions)
    return all(results) if match == "all" else any(results)
