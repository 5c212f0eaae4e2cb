"""Whether a ticket meets a rule's conditions. What a condition reads is loaded once for many
tickets (`facts_of`), so a dry run over hundreds of tickets costs a handful of queries.

The engine's rounds (rules/engine.py) read through `Gathered` instead: a round may check dozens
of rules on each of a hundred tickets (a bulk action), nearly all of which match nothing. There
a condition that reads only the ticket's row (inbox, channel, priority, assignee, status, a
trigger's own text) is checked first, each other fact (labels, the customer's name or
addresses, a first message, the calendar) is loaded the first time a rule needs it, for every
ticket of the round in one query, and kept for the next rules; a ticket a rule changed is read
again. So the round's cost grows with the kinds of facts its rules read, not with the number of
rules or of tickets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.fields import automation as field_automation
from frontdesk.fields import service as fields_service
from frontdesk.fields import values as field_values
from frontdesk.fields.models import CustomField, FieldObject
from frontdesk.fields.values import Stored
from frontdesk.hours import service as hours_service
from frontdesk.hours.calendar import Calendar
from frontdesk.rules.kinds import (
    AssigneeIs,
    ChannelIs,
    Condition,
    CustomerIs,
    FieldValue,
    HasLabel,
    InboxIs,
    InHours,
    PriorityIs,
    StatusIs,
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
    # Custom fields' definitions by object and key, and the ticket's and its customer's values
    # by field id: loaded only for a rule with a field condition.
    definitions: Mapping[tuple[FieldObject, str], CustomField] = field(default_factory=dict)
    ticket_values: Mapping[int, Stored] = field(default_factory=dict)
    customer_values: Mapping[int, Stored] = field(default_factory=dict)


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


async def opened_by_customer(session: AsyncSession, *, ticket_ids: Sequence[int]) -> set[int]:
    """The tickets whose first message is the customer's (their email or contact form, a chat's
    transcript): those the customer opened, as a dry run judges "created by". A ticket an agent
    filed begins with their note or their mail, or nothing yet. Exact only as a ticket is
    created (the trigger says who), which is when such a rule runs."""
    if not ticket_ids:
        return set()
    first = (
        select(func.min(TicketEntry.id))
        .where(TicketEntry.ticket_id.in_(ticket_ids), TicketEntry.kind != EntryKind.event)
        .group_by(TicketEntry.ticket_id)
    )
    rows = await session.scalars(
        select(TicketEntry.ticket_id).where(
            TicketEntry.id.in_(first.subquery().select()),
            (TicketEntry.kind == EntryKind.transcript)
            | (TicketEntry.direction == Direction.inbound),
        )
    )
    return set(rows)


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
    definitions = await _definitions(session)
    ticket_values = await field_values.stored_of(session, object=FieldObject.ticket, ids=ids)
    customer_values = await field_values.stored_of(
        session, object=FieldObject.customer, ids=customer_ids
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
            definitions=definitions,
            ticket_values=ticket_values.get(ticket.id, {}),
            customer_values=customer_values.get(ticket.customer_id, {}),
        )
        for ticket in tickets
    }


async def _definitions(session: AsyncSession) -> dict[tuple[FieldObject, str], CustomField]:
    return {(each.object, each.key): each for each in await fields_service.list_fields(session)}


def _field_holds(condition: FieldValue, facts: Facts) -> bool:
    """A field deleted or archived since the rule was saved (which fields/usage.py refuses)
    holds for no ticket, whichever the operator."""
    object = FieldObject.ticket if condition.field == "ticket_field" else FieldObject.customer
    found = facts.definitions.get((object, condition.key))
    if found is None or found.archived:
        return False
    values = facts.ticket_values if object is FieldObject.ticket else facts.customer_values
    return field_automation.holds(
        found, op=condition.op, value=condition.value, held=values.get(found.id)
    )


def _status_is(ticket: Ticket, value: int | str) -> bool:
    """A custom status by id; a state's name: that state with no custom status (its plain
    status). A status deleted since (which statuses/usage.py refuses while a rule tests it) is
    no ticket's: "is" holds for none, "is not" for all."""
    if isinstance(value, int):
        return ticket.status_id == value
    return ticket.status_id is None and ticket.state.value == value


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
        case FieldValue():
            return _field_holds(condition, facts)
        # The ticket's row as the round holds it: what an earlier rule of the same moment set.
        case PriorityIs():
            return (ticket.priority.value == condition.value) == (condition.op == "is")
        case AssigneeIs():
            return (ticket.assignee_id == condition.value) == (condition.op == "is")
        case StatusIs():
            return _status_is(ticket, condition.value) == (condition.op == "is")


def meets(conditions: Sequence[Condition], match: str, facts: Facts) -> bool:
    """No condition: every ticket. `all`: each of them; `any`: at least one."""
    if not conditions:
        return True
    results = (holds(condition, facts) for condition in conditions)
    return all(results) if match == "all" else any(results)


class Need(IntEnum):
    """A fact a condition reads beyond the ticket's row, in the order they are checked: the
    cheapest first, so that a rule whose cheap condition already decides loads nothing more."""

    labels = 1
    ticket_fields = 2
    customer_fields = 3
    customer_name = 4
    customer_emails = 5
    message = 6
    hours = 7


def need_of(condition: Condition, *, has_text: bool) -> Need | None:
    """What the condition reads besides the ticket's row; None: nothing. `has_text`: the trigger
    carries the customer's message, so "text contains" reads no first message."""
    match condition:
        case InboxIs() | ChannelIs() | PriorityIs() | AssigneeIs() | StatusIs():
            return None
        case HasLabel():
            return Need.labels
        case CustomerIs(field="customer_name"):
            return Need.customer_name
        case CustomerIs():
            return Need.customer_emails
        case TextHas():
            return None if has_text else Need.message
        case InHours():
            return Need.hours
        case FieldValue(field="ticket_field"):
            return Need.ticket_fields
        case FieldValue():
            return Need.customer_fields


class Gathered:
    """What a round of rules reads about its tickets, each kind loaded once for all of them when
    a rule first needs it (`meets`), and kept for the following rules until one of them changes
    a ticket (`changed`). The tickets are locked as they are gathered (in id order)."""

    def __init__(self, session: AsyncSession, *, tickets: Iterable[Ticket], now: datetime) -> None:
        self._session = session
        self._now = now
        self._tickets = {ticket.id: ticket for ticket in tickets}
        self._labels: dict[int, frozenset[int]] = {}
        self._names: dict[int, str] = {}
        self._emails: dict[int, frozenset[str]] = {}
        self._messages: dict[int, str] = {}
        self._calendars: dict[int, Calendar] = {}
        self._open: dict[int, bool] = {}
        self._definitions: dict[tuple[FieldObject, str], CustomField] | None = None
        self._ticket_values: dict[int, dict[int, Stored]] = {}
        self._customer_values: dict[int, dict[int, Stored]] = {}

    @classmethod
    async def locked(
        cls, session: AsyncSession, *, ticket_ids: Iterable[int], now: datetime
    ) -> Gathered:
        tickets = await tickets_service.lock_tickets(session, ticket_ids=sorted(set(ticket_ids)))
        return cls(session, tickets=tickets.values(), now=now)

    def ticket(self, ticket_id: int) -> Ticket | None:
        return self._tickets.get(ticket_id)

    async def changed(self, ticket_id: int) -> None:
        """A rule changed the ticket: read it again (still locked), and its labels when next
        needed. What no action changes is kept: the customer, the first message, calendars."""
        ticket = await tickets_service.lock_ticket(self._session, ticket_id=ticket_id)
        if ticket is None:
            self._tickets.pop(ticket_id, None)
        else:
            self._tickets[ticket_id] = ticket
        self._labels.pop(ticket_id, None)
        self._ticket_values.pop(ticket_id, None)

    async def meets(
        self, conditions: Sequence[Condition], match: str, *, ticket: Ticket, text: str = ""
    ) -> bool:
        """`meets` for one ticket of the round, the cheapest conditions first: `all` stops at
        the first that fails, `any` at the first that holds, before loading what the others
        read. `text`: the message the trigger carries, if any."""
        if not conditions:
            return True
        wanted = match == "all"
        has_text = bool(text)
        needs = [(need_of(condition, has_text=has_text), condition) for condition in conditions]
        for need, condition in sorted(needs, key=lambda pair: pair[0] or 0):
            if need is not None:
                await self._load(need, ticket)
            if holds(condition, self._facts(ticket, text, need)) != wanted:
                return not wanted
        return wanted

    def _facts(self, ticket: Ticket, text: str, need: Need | None) -> Facts:
        open_now = True
        if need is Need.hours:
            if ticket.inbox_id not in self._open:
                self._open[ticket.inbox_id] = self._calendars[ticket.inbox_id].is_open(self._now)
            open_now = self._open[ticket.inbox_id]
        return Facts(
            ticket=ticket,
            label_ids=self._labels.get(ticket.id, frozenset()),
            customer_name=self._names.get(ticket.customer_id, ""),
            customer_emails=self._emails.get(ticket.customer_id, frozenset()),
            message=text or self._messages.get(ticket.id, ""),
            open_now=open_now,
            definitions=self._definitions or {},
            ticket_values=self._ticket_values.get(ticket.id, {}),
            customer_values=self._customer_values.get(ticket.customer_id, {}),
        )

    async def _load(self, need: Need, ticket: Ticket) -> None:
        session = self._session
        match need:
            case Need.labels if ticket.id not in self._labels:
                ticket_ids = self._missing(ticket.id, self._labels)
                labels = await tickets_service.labels_of(session, ticket_ids=ticket_ids)
                self._labels |= {
                    ticket_id: frozenset(label.id for label in found)
                    for ticket_id, found in labels.items()
                }
            case Need.customer_name if ticket.customer_id not in self._names:
                customer_ids = self._customers_missing(ticket, self._names)
                names = await customers_service.names_by_id(session, customer_ids=customer_ids)
                self._names |= {each: names.get(each, "") for each in customer_ids}
            case Need.customer_emails if ticket.customer_id not in self._emails:
                customer_ids = self._customers_missing(ticket, self._emails)
                emails = await customers_service.emails_of_many(session, customer_ids=customer_ids)
                none: frozenset[str] = frozenset()
                self._emails |= {
                    each: emails[each].emails if each in emails else none for each in customer_ids
                }
            case Need.message if ticket.id not in self._messages:
                ticket_ids = self._missing(ticket.id, self._messages)
                messages = await first_messages(session, ticket_ids=ticket_ids)
                self._messages |= {each: messages.get(each, "") for each in ticket_ids}
            case Need.hours if ticket.inbox_id not in self._calendars:
                inbox_ids = {each.inbox_id for each in self._tickets.values()} | {ticket.inbox_id}
                self._calendars |= await hours_service.calendars_of(
                    session, inbox_ids=inbox_ids - self._calendars.keys()
                )
            case Need.ticket_fields if ticket.id not in self._ticket_values:
                await self._load_definitions()
                ticket_ids = self._missing(ticket.id, self._ticket_values)
                found = await field_values.stored_of(
                    session, object=FieldObject.ticket, ids=ticket_ids
                )
                self._ticket_values |= {each: found.get(each, {}) for each in ticket_ids}
            case Need.customer_fields if ticket.customer_id not in self._customer_values:
                await self._load_definitions()
                customer_ids = self._customers_missing(ticket, self._customer_values)
                found = await field_values.stored_of(
                    session, object=FieldObject.customer, ids=customer_ids
                )
                self._customer_values |= {each: found.get(each, {}) for each in customer_ids}
            case _:
                return

    async def _load_definitions(self) -> None:
        if self._definitions is None:
            self._definitions = await _definitions(self._session)

    def _missing(self, ticket_id: int, loaded: dict[int, Any]) -> list[int]:
        """The round's tickets whose fact is not loaded yet, `ticket_id` among them."""
        return sorted({each for each in self._tickets if each not in loaded} | {ticket_id})

    def _customers_missing(self, ticket: Ticket, loaded: dict[int, Any]) -> list[int]:
        customer_ids = {each.customer_id for each in self._tickets.values()}
        return sorted((customer_ids | {ticket.customer_id}) - loaded.keys())
