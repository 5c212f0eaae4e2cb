"""Reusable selects: the tickets a user may see, and the desk's filtered, keyset-paged list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, exists, false, literal, select, tuple_

from frontdesk.customers.queries import ticket_customer_visible
from frontdesk.errors import Invalid
from frontdesk.fields.filtering import FieldMatch
from frontdesk.fields.filtering import condition as field_condition
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.kit import cursors
from frontdesk.kit.schemas import MAX_ID
from frontdesk.organisations import queries as organisations_queries
from frontdesk.search import queries as search_queries
from frontdesk.search import terms as search_terms
from frontdesk.tickets.models import Ticket, TicketPriority, TicketState, TicketType, ticket_labels
from frontdesk.users.models import User

# With `q`: search results best first (ranked_page).
RELEVANCE = "relevance"
# The cursor kind of a sync (`updated_since`): by `updated_at`, oldest first, up to a horizon
# (tickets/sync.py), its last page still a cursor to ask again from.
SYNC = "sync"
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


def visible_tickets(
    user: User, *, inbox_id: int | None = None, walk: bool = False
) -> Select[Ticket]:
    """Tickets `user` may see; with `inbox_id`, only that inbox's (none if it is not theirs).
    `walk`: the agent's inboxes tested ticket by ticket (`inbox_id + 0`), for a list read in its
    own order (organisations/queries.member_of): on their index, SQLite would read every ticket
    of the agent's inboxes and sort them."""
    if inbox_id is not None:
        query = select(Ticket).where(Ticket.inbox_id == inbox_id)
        if user.is_admin:
            return query
        # A constant test, evaluated once: `tickets.inbox_id IN (…)` next to `inbox_id = :id`
        # makes SQLite's planner leave the (inbox, state, …) indexes for a slower one.
        return query.where(literal(inbox_id).in_(visible_inbox_ids(user)))
    if user.is_admin:
        return select(Ticket)
    inbox = Ticket.inbox_id + 0 if walk else Ticket.inbox_id
    return select(Ticket).where(inbox.in_(visible_inbox_ids(user)))


@dataclass(frozen=True)
class TicketFilter:
    inbox_id: int | None = None
    states: tuple[TicketState, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    label_id: int | None = None
    customer_id: int | None = None
    # The customer's organisation (customers.organisation_id): an unknown one matches nothing.
    organisation_id: int | None = None
    # A custom status (statuses/): an unknown one matches nothing.
    status_id: int | None = None
    type: TicketType | None = None
    priorities: tuple[TicketPriority, ...] = ()
    text: str | None = None
    # SLA: only tickets whose next target is due by then (breached ones included).
    due_before: datetime | None = None
    # A custom field's value (fields/filtering.py).
    field: FieldMatch | None = None


def text_search(user: User, terms: list[search_terms.Term], *, dialect: str) -> Subquery | None:
    """The tickets the terms find with their scores, from `dialect`'s full-text index; None
    when there is no term (the text had no word to look for). The statement needs the terms'
    values (search/queries.py `values`) when it runs."""
    return search_queries.scored(terms, user=user, dialect=dialect) if terms else None


def filtered(
    user: User,
    criteria: TicketFilter,
    *,
    found: Subquery | None = None,
    sync: bool = False,
    walk: organisations_queries.Walk | None = None,
) -> Select[Ticket]:
    """With `criteria.text`, `found` is its `text_search`. Without a state, every state but
    spam: spam is seen only by asking for it (the Spam folder), except by a sync (`sync`), which
    must hear a ticket leave for spam. `walk`, with `criteria.organisation_id`: the page is read
    in the list's order, each ticket's organisation (and agent's inbox) tested in turn, for an
    organisation with many tickets (organisations/queries.walks)."""
    if criteria.organisation_id is None:
        walk = None
    query = visible_tickets(
        user, inbox_id=criteria.inbox_id, walk=walk is not None and walk.inboxes
    )
    conditions: list[ColumnElement[bool]] = []
    if criteria.states:
        conditions.append(
            Ticket.state == criteria.states[0]
            if len(criteria.states) == 1
            else Ticket.state.in_(criteria.states)
        )
    elif not sync:
        conditions.append(Ticket.state != TicketState.spam)
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
    if criteria.organisation_id is not None:
        # `IN (…)` rather than a join: the customers' partial index gives the members, whose
        # tickets are read by the customer's index (few) or tested as the list's own (sort key,
        # id) index range is read (`walk`, many).
        conditions.append(
            organisations_queries.member_of(criteria.organisation_id, walk=walk is not None)
        )
        if not user.is_admin:
            # A ticket filed on the address of a customer the agent cannot see is theirs to
            # list, but not under the customer's organisation: that would tell where the hidden
            # customer belongs (docs/api.md, "Organisations").
            conditions.append(ticket_customer_visible(user))
    if criteria.status_id is not None:
        conditions.append(Ticket.status_id == criteria.status_id)
    if criteria.type is not None:
        conditions.append(Ticket.type == criteria.type)
    if criteria.priorities:
        conditions.append(Ticket.priority.in_(criteria.priorities))
    if criteria.text:
        if found is None:
            # Nothing to look for (only punctuation): nothing found.
            conditions.append(false())
        else:
            query = query.join(found, found.c.ticket_id == Ticket.id)
    if criteria.due_before is not None:
        conditions.append(Ticket.sla_due_at <= criteria.due_before)
    if criteria.field is not None:
        conditions.append(field_condition(criteria.field, Ticket.id))
    return query.where(*conditions)


def filters_digest(criteria: TicketFilter) -> str:
    """What a cursor remembers of the filters: a page continues only the list that gave it.
    `breaching` counts as itself, not as its moving instant."""
    filters: dict[str, Any] = {
        "inbox_id": criteria.inbox_id,
        "states": sorted(state.value for state in criteria.states),
        "assignee_id": criteria.assignee_id,
        "unassigned": criteria.unassigned,
        "label_id": criteria.label_id,
        "customer_id": criteria.customer_id,
        "type": criteria.type.value if criteria.type else None,
        "text": criteria.text,
        "breaching": criteria.due_before is not None,
    }
    if criteria.priorities:
        # Only when given: the cursors of lists without it stay valid across the upgrade.
        filters["priorities"] = sorted(priority.value for priority in criteria.priorities)
    if criteria.field is not None:
        filters["field"] = criteria.field.spec
    if criteria.organisation_id is not None:
        # Only when given, as `priorities`.
        filters["organisation_id"] = criteria.organisation_id
    if criteria.status_id is not None:
        filters["status_id"] = criteria.status_id
    return cursors.digest(filters)


def _storable(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID


def position_of(cursor: cursors.Cursor, *, sort: str) -> tuple[Any, int]:
    """The (sort key, id) a keyset cursor of `sort` holds; 422 on `cursor` when it holds
    anything else."""
    try:
        key, ident = cursor.position
        if sort.lstrip("-") in ("updated_at", "created_at", "sla_due_at"):
            key = datetime.fromisoformat(key)
            if key.tzinfo is None:
                raise TypeError
            key = key.astimezone(UTC)  # past the calendar in UTC: OverflowError, refused below
        elif not _storable(key):
            raise TypeError
        if not _storable(ident):
            raise TypeError
        return key, ident
    except (ValueError, TypeError, OverflowError):
        raise Invalid("cursor", cursors.NOT_A_CURSOR) from None


# A position past every ticket of the (updated_at, id) order, each way, for a first page on
# SQLite (`first_position`).
_PAST_EVERY = {
    "-updated_at": (datetime(9999, 12, 31, tzinfo=UTC), MAX_ID),
    "updated_at": (datetime(1, 1, 1, tzinfo=UTC), 0),
}


def first_position(sort: str, *, dialect: str) -> tuple[Any, int] | None:
    """Where a first page starts: nowhere (None), except on SQLite in (updated_at, id) order,
    where it starts after a position past every ticket, so that it is the same statement as
    every later page. Without that range SQLite's planner read an agent's list with no filter
    by an inbox index not in that order, every ticket of their inboxes sorted (177 ms at
    160,000 tickets); with it, `ix_tickets_inbox_updated`, each inbox in order until the page
    is full (0.3 ms) (docs/performance.md, "An agent's list without a filter"). The orders by
    creation and number have no such index: see "An agent's list sorted by creation or
    number" there for why none was added."""
    return _PAST_EVERY.get(sort) if dialect == "sqlite" else None


def page(
    query: Select[Ticket],
    *,
    sort: str,
    after: tuple[Any, int] | None,
    limit: int,
    until: datetime | None = None,
) -> Select[Ticket]:
    """Keyset pagination on (sort key, id): stable while tickets change, O(limit) at any depth.
    `until` (a sync, sorted by `updated_at`): only tickets updated by then."""
    if sort not in SORTS:
        raise Invalid("sort", f"Sort by one of: {', '.join(SORTS)}.")
    column, descending = SORTS[sort]
    if sort == "sla_due_at":
        # The one nullable sort key: tickets without a running target have no place in it.
        query = query.where(Ticket.sla_due_at.is_not(None))
    if after is not None:
        # A row-value comparison, not `a < k OR (a = k AND id < i)`: PostgreSQL turns only the
        # row form into an index range, so the OR form reads every row before the cursor.
        # Both sort columns are NOT NULL, so the two forms select the same rows. The right side
        # stays a plain tuple so that its values are bound with the columns' own types.
        position = tuple_(column, Ticket.id)
        query = query.where(position < after if descending else position > after)
    if until is not None:
        query = query.where(Ticket.updated_at <= until)
    order = (column.desc(), Ticket.id.desc()) if descending else (column.asc(), Ticket.id.asc())
    return query.order_by(*order).limit(limit + 1)


def ranked_page(
    query: Select[Ticket], found: Subquery, *, offset: int, limit: int
) -> Select[Ticket]:
    """Search results best first: more terms matched, then better fields, then the most recently
    updated. Paged by position (the cursor holds an offset): a ranking has no key to continue
    from, and results are capped (search/queries.py), so the offset stays small."""
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


def rank_offset(cursor: cursors.Cursor) -> int:
    """The offset a relevance cursor holds; 422 on `cursor` for anything else."""
    offset: Any = cursor.position[0] if len(cursor.position) == 1 else None
    if not _storable(offset) or offset < 0:
        raise Invalid("cursor", cursors.NOT_A_CURSOR)
    return int(offset)


def rank_cursor(offset: int, *, filters_digest: str) -> str:
    return cursors.encode(RELEVANCE, filters_digest, offset)


def cursor_after(ticket: Ticket, *, sort: str, filters_digest: str) -> str:
    """The cursor of the page after `ticket`."""
    key = getattr(ticket, sort.lstrip("-"))
    return keyset_cursor((key, ticket.id), kind=sort, filters_digest=filters_digest)


def keyset_cursor(position: tuple[Any, int], *, kind: str, filters_digest: str) -> str:
    key, ident = position
    return cursors.encode(
        kind, filters_digest, key.isoformat() if isinstance(key, datetime) else key, ident
    )
