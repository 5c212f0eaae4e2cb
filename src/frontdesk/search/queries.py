"""The tickets a query finds, scored, as a subquery the ticket list joins (tickets/queries.py).

Each term is looked up in each searched field, through that store's index: a hit is (ticket,
term, weight), weight 4 for the ticket's number, 3 for its subject, 2 for its customer's name or
address, 1 for a message. A ticket's `terms` is how many terms it matched anywhere, its `score`
the sum of each term's best weight; the list orders by terms, then score, then recency.

Each field gives at most `CAP` rows per term, the newest (ids grow with time): a word in half
the messages costs one index read of `CAP` entries, not of half a million. So a very common
word finds its newest `CAP` messages, subjects and customers; older ones are found by adding
another word (docs/search.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Select,
    Subquery,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    union,
    union_all,
)
from sqlalchemy.sql.elements import ColumnClause

from frontdesk.customers.models import Customer, CustomerContact
from frontdesk.customers.queries import visible_to
from frontdesk.search import terms as terms_
from frontdesk.search.schema import SEARCH_VECTOR, UNACCENT
from frontdesk.search.terms import Term
from frontdesk.tickets.models import Ticket, TicketEntry
from frontdesk.users.models import User

CAP = 500
NUMBER, SUBJECT, CUSTOMER, MESSAGE = 4, 3, 2, 1


def _sqlite_ids(index: str, term: Term) -> Select[Any]:
    """The newest `CAP` rows of an FTS5 table that match the term."""
    rowid: ColumnClause[int] = literal_column("rowid")
    return (
        select(rowid)
        .select_from(table(index))
        .where(literal_column(index).op("MATCH")(bindparam(None, terms_.sqlite_match(term))))
        .order_by(rowid.desc())
        .limit(CAP)
    )


def _tsquery(term: Term) -> Any:
    return func.to_tsquery(
        literal_column("'pg_catalog.simple'::regconfig"),
        getattr(func, UNACCENT)(bindparam(None, terms_.postgresql_tsquery(term))),
    )


def _matches(column: Any, term: Term) -> Any:
    return getattr(func, SEARCH_VECTOR)(column).op("@@")(_tsquery(term))


def _postgresql_ids(id_column: Any, column: Any, term: Term, *extra: object) -> Select[Any]:
    # Ordered by `id + 0`, which no B-tree serves: PostgreSQL then always reads the GIN index.
    # Ordered by the id itself, it walks the primary key backwards and computes the text's
    # tsvector on every row until `CAP` match: fine for a common word, but 37 s for a word in
    # no row of 1,000,000 (measured; it cannot tell a rare prefix from a common one).
    return (
        select(id_column)
        .where(_matches(column, term), *extra)  # type: ignore[arg-type]
        .order_by((id_column + 0).desc())
        .limit(CAP)
    )


def _hits(term: Term, index: int, *, user: User, dialect: str) -> list[Select[Any]]:
    number = literal(index).label("term")

    def hit(select_: Select[Any], weight: int) -> Select[Any]:
        inner = select_.subquery()
        column = next(iter(inner.c))
        return select(column.label("ticket_id"), number, literal(weight).label("weight"))

    if dialect == "sqlite":
        subjects = _sqlite_ids("search_tickets", term)
        entries = select(TicketEntry.ticket_id).where(
            TicketEntry.id.in_(_sqlite_ids("search_entries", term))
        )
        names = _sqlite_ids("search_customers", term)
        contacts = select(CustomerContact.customer_id).where(
            CustomerContact.id.in_(_sqlite_ids("search_contacts", term))
        )
    else:
        subjects = _postgresql_ids(Ticket.id, Ticket.subject, term)
        # The index covers non-event entries: the condition is written out so that the planner
        # sees it implies the index's.
        entry_ids = _postgresql_ids(
            TicketEntry.id, TicketEntry.text, term, text("ticket_entries.kind <> 'event'")
        )
        entries = select(TicketEntry.ticket_id).where(TicketEntry.id.in_(entry_ids))
        names = _postgresql_ids(Customer.id, Customer.name, term)
        contacts = _postgresql_ids(CustomerContact.customer_id, CustomerContact.value, term)
    # Only customers `user` may see answer for their name and addresses: a ticket filed on
    # someone else's address must not tell what their record holds.
    # A union of plain selects (SQLite refuses a parenthesised member with LIMIT); with an OR of
    # two IN tests instead, PostgreSQL checked all customers against both lists.
    named, reached = names.subquery(), contacts.subquery()
    matched = union(select(*named.c), select(*reached.c))
    customers = select(Customer.id).where(Customer.id.in_(matched), visible_to(user))
    found = [
        hit(subjects, SUBJECT),
        hit(entries, MESSAGE),
        hit(select(Ticket.id).where(Ticket.customer_id.in_(customers)), CUSTOMER),
    ]
    if term.number is not None:
        found.append(hit(select(Ticket.id).where(Ticket.number == term.number), NUMBER))
    return found


def scored(terms: list[Term], *, user: User, dialect: str) -> Subquery:
    """(ticket_id, terms, score) of every ticket a term found."""
    hits = union_all(
        *(
            hit
            for index, term in enumerate(terms)
            for hit in _hits(term, index, user=user, dialect=dialect)
        )
    ).subquery("search_hits")
    best = (
        select(hits.c.ticket_id, hits.c.term, func.max(hits.c.weight).label("weight"))
        .group_by(hits.c.ticket_id, hits.c.term)
        .subquery("search_best")
    )
    return (
        select(
            best.c.ticket_id,
            func.count().label("terms"),
            func.sum(best.c.weight).label("score"),
        )
        .group_by(best.c.ticket_id)
        .subquery("search_scored")
    )
