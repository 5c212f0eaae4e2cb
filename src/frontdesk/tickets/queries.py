"""Reusable selects: the tickets a user may see, and the desk's filtered, keyset-paged list."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, exists, false, literal, select, tuple_

from frontdesk.errors import Invalid
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.kit.schemas import MAX_ID
from frontdesk.search import queries as search_queries
from frontdesk.search import terms as search_terms
from frontdesk.tickets.models import Ticket, TicketState, TicketType, ticket_labels
from frontdesk.users.models import User

# With `q`: search results best first (ranked_page).
RELEVANCE = "relevance"
SORTS: dict[str, tuple[Any, bool]] = {
    "-updated_at": (Ticket.updated_at, True),
    "updated_at": (Ticket.updated_at, False),
    "-created_at": (Ticket.created_at, True),
    "created_at": (Ticket.created_at, False),
    "-number": (Ticket.number, True),
    "number": (Ticket.number, False),
    # SLA: the next target due first; only tickets with a running target (docs/routing.md).
    "sla_due_at": (Ticket.sla_due_at, False),
}


def visible_tickets(user: User, *, inbox_id: int | None = None) -> Select[Ticket]:
    """Tickets `user` may see; with `inbox_id`, only that inbox's (none if it is not theirs)."""
    if inbox_id is not None:
        query = select(Ticket).where(Ticket.inbox_id == inbox_id)
        if user.is_admin:
            return query
        # A constant test, evaluated once: `tickets.inbox_id IN (…)` next to `inbox_id = :id`
        # makes SQLite's planner leave the (inbox, state, …) indexes for a slower one.
        return query.where(literal(inbox_id).in_(visible_inbox_ids(user)))
    if user.is_admin:
        return select(Ticket)
    return select(Ticket).where(Ticket.inbox_id.in_(visible_inbox_ids(user)))


@dataclass(frozen=True)
class TicketFilter:
    inbox_id: int | None = None
    states: tuple[TicketState, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    label_id: int | None = None
    customer_id: int | None = None
    type: TicketType | None = None
    text: str | None = None
    # SLA: only tickets whose next target is due by then (breached ones included).
    due_before: datetime | None = None


def text_search(user: User, terms: list[search_terms.Term], *, dialect: str) -> Subquery | None:
    """The tickets the terms find with their scores, from `dialect`'s full-text index; None
    when there is no term (the text had no word to look for). The statement needs the terms'
    values (search/queries.py `values`) when it runs."""
    return search_queries.scored(terms, user=user, dialect=dialect) if terms else None


def filtered(
    user: User, criteria: TicketFilter, *, found: Subquery | None = None
) -> Select[Ticket]:
    """With `criteria.text`, `found` is its `text_search`."""
    query = visible_tickets(user, inbox_id=criteria.inbox_id)
    conditions: list[ColumnElement[bool]] = []
    if criteria.states:
        conditions.append(
            Ticket.state == criteria.states[0]
            if len(criteria.states) == 1
            else Ticket.state.in_(criteria.states)
        )
    if criteria.unassigned:
        conditions.append(Ticket.assignee_id.is_(None))
    elif criteria.assignee_id is not None:
        conditions.append(Ticket.assignee_id == criteria.assignee_id)
    if criteria.label_id is not None:
        conditions.append(
            exists().where(
                ticket_labels.c.ticket_id == Ticket.id,
                ticket_labels.c.label_id == criteria.label_id,
            )
        )
    if criteria.customer_id is not None:
        conditions.append(Ticket.customer_id == criteria.customer_id)
    if criteria.type is not None:
        conditions.append(Ticket.type == criteria.type)
    if criteria.text:
        if found is None:
            # Nothing to look for (only punctuation): nothing found.
            conditions.append(false())
        else:
            query = query.join(found, found.c.ticket_id == Ticket.id)
    if criteria.due_before is not None:
        conditions.append(Ticket.sla_due_at <= criteria.due_before)
    return query.where(*conditions)


def encode_cursor(values: tuple[Any, int]) -> str:
    key, ident = values
    raw = json.dumps([key.isoformat() if isinstance(key, datetime) else key, ident])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _storable(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID


def decode_cursor(cursor: str, *, sort: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, ident = json.loads(base64.urlsafe_b64decode(padded))
        if sort.lstrip("-") in ("updated_at", "created_at", "sla_due_at"):
            key = datetime.fromisoformat(key)
            if key.tzinfo is None:
                raise TypeError
            key = key.astimezone(UTC)  # past the calendar in UTC: OverflowError, refused below
        elif not _storable(key):
            # A cursor of another sort order: its key is a time, not a number.
            raise TypeError
        if not _storable(ident):
            raise TypeError
        return key, ident
    except (ValueError, TypeError, OverflowError):
        raise Invalid(
            "cursor", "This cursor is not valid; start again from the first page."
        ) from None


def page(query: Select[Ticket], *, sort: str, cursor: str | None, limit: int) -> Select[Ticket]:
    """Keyset pagination on (sort key, id): stable while tickets change, O(limit) at any depth."""
    if sort not in SORTS:
        raise Invalid("sort", f"Sort by one of: {', '.join(SORTS)}.")
    column, descending = SORTS[sort]
    if sort == "sla_due_at":
        # The one nullable sort key: tickets without a running target have no place in it.
        query = query.where(Ticket.sla_due_at.is_not(None))
    if cursor:
        key, ident = decode_cursor(cursor, sort=sort)
        # A row-value comparison, not `a < k OR (a = k AND id < i)`: PostgreSQL turns only the
        # row form into an index range, so the OR form reads every row before the cursor.
        # Both sort columns are NOT NULL, so the two forms select the same rows. The right side
        # stays a plain tuple so that its values are bound with the columns' own types.
        position = tuple_(column, Ticket.id)
        query = query.where(position < (key, ident) if descending else position > (key, ident))
    order = (column.desc(), Ticket.id.desc()) if descending else (column.asc(), Ticket.id.asc())
    return query.order_by(*order).limit(limit + 1)


def ranked_page(
    query: Select[Ticket], found: Subquery, *, cursor: str | None, limit: int
) -> Select[Ticket]:
    """Search results best first: more terms matched, then better fields, then the most recently
    updated. Paged by position (the cursor holds an offset): a ranking has no key to continue
    from, and results are capped (search/queries.py), so the offset stays small."""
    offset = decode_rank_cursor(cursor) if cursor else 0
    return (
        query.order_by(
            found.c.terms.desc(),
            found.c.score.desc(),
            Ticket.updated_at.desc(),
            Ticket.id.desc(),
        )
        .offset(offset)
        .limit(limit + 1)
    )


def encode_rank_cursor(offset: int) -> str:
    return encode_cursor((RELEVANCE, offset))


def decode_rank_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, offset = json.loads(base64.urlsafe_b64decode(padded))
        if kind != RELEVANCE or not _storable(offset) or offset < 0:
            raise TypeError
        return int(offset)
    except (ValueError, TypeError):
        raise Invalid(
            "cursor", "This cursor is not valid; start again from the first page."
        ) from None


def cursor_after(ticket: Ticket, *, sort: str) -> str:
    column_name = sort.lstrip("-")
    return encode_cursor((getattr(ticket, column_name), ticket.id))
