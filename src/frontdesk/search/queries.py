"""The tickets a query finds, scored, as a subquery the ticket list joins (tickets/queries.py).

Each term is looked up in each searched field, through that store's index: a hit is (ticket,
term, weight), weight 4 for the ticket's number, 3 for its subject, 2 for its customer's name or
address, 1 for a message. A ticket's `terms` is how many terms it matched anywhere, its `score`
the sum of each term's best weight; the list orders by terms, then score, then recency.

Each field gives at most `CAP` rows per term, the newest (ids grow with time): a word in half
the messages costs one index read of `CAP` entries, not of half a million. So a very common
word finds its newest `CAP` messages, subjects and customers; older ones are found by adding
another word (docs/search.md).

The lookups of a term are built once per shape (its position in the query, its number of words,
whether it ends in a prefix) and reused: the words are named parameters, whose values `values()`
gives for the statement's execution. Building them took 2-7 ms of CPU per search on SQLite and
8-20 ms on PostgreSQL, more than some searches' SQL; and a statement whose text does not change
with the words is one that the server may keep prepared.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Float,
    Select,
    Subquery,
    Text,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    union,
    union_all,
)
from sqlalchemy.sql.elements import BindParameter, ColumnClause, TextClause

from frontdesk.customers.models import Customer, CustomerContact
from frontdesk.customers.queries import visible_to
from frontdesk.search import terms as terms_
from frontdesk.search.schema import UNACCENT, VECTOR
from frontdesk.search.terms import Term
from frontdesk.tickets.models import Ticket, TicketEntry
from frontdesk.users.models import User

CAP = 500
# PostgreSQL (_postgresql_ids): a word in at least FREQUENT of a table's rows is looked for in
# its newest WALK rows first (it is expected CAP times in its newest CAP / FREQUENT = 25,000).
# Measured at 1,000,000 entries, the walk reads a row in a quarter of the time the index read
# takes per match (it reads neighbouring rows; the index's matches are spread over the table):
# a word in 2 % of entries costs the index 20,000 rows, the walk 25,000 cheaper ones.
WALK = 40_000
FREQUENT = 0.02
NUMBER, SUBJECT, CUSTOMER, MESSAGE = 4, 3, 2, 1


class Limits(NamedTuple):
    """CAP, WALK and FREQUENT as a search's statement is built with: part of the key its
    cached parts are kept under, so that changed limits (the bench's, the tests') build anew."""

    cap: int
    walk: int
    frequent: float


def _parameter(index: int, name: str) -> str:
    """The name of the term's parameter: one per term of the query, all fields alike."""
    return f"search_{index}_{name}"


def values(terms: list[Term], *, dialect: str) -> dict[str, Any]:
    """The values of the parameters `scored(terms, …)` leaves to its execution."""
    out: dict[str, Any] = {}
    for index, term in enumerate(terms):
        if dialect == "sqlite":
            out[_parameter(index, "match")] = terms_.sqlite_match(term)
            continue
        out[_parameter(index, "tsquery")] = terms_.postgresql_tsquery(term)
        if len(term.words) > 1:
            out[_parameter(index, "leading")] = terms_.postgresql_leading(term)
        for position, word in enumerate(term.folded):
            out[_parameter(index, f"word{position}")] = word
    return out


def _sqlite_ids(index: str, term: int, limits: Limits | None) -> Select[Any]:
    """The newest `cap` rows of an FTS5 table that match the term; every one without limits."""
    rowid: ColumnClause[int] = literal_column("rowid")
    matching = (
        select(rowid)
        .select_from(table(index))
        .where(
            literal_column(index).op("MATCH")(bindparam(_parameter(term, "match"), type_=Text()))
        )
    )
    return matching if limits is None else matching.order_by(rowid.desc()).limit(limits.cap)


def _to_tsquery(term: int, name: str) -> Any:
    return func.to_tsquery(
        literal_column("'pg_catalog.simple'::regconfig"),
        getattr(func, UNACCENT)(bindparam(_parameter(term, name), type_=Text())),
    )


def _tsquery(term: int) -> Any:
    # A scalar subquery, computed once per statement: in a row's filter the expression would be
    # evaluated for every row a walk looks at.
    return select(_to_tsquery(term, "tsquery")).scalar_subquery()


# The most common words of each searched column with their shares of its rows, as ANALYZE last
# counted them: read once per statement (pg_stats is a view that takes a while to plan). Our
# own constants only: not an injection.
_STATISTICS = (
    text(
        "SELECT s.tablename AS table_name, e.lexeme, e.share FROM pg_catalog.pg_stats AS s,"  # noqa: S608
        " unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)"
        " AS e(lexeme, share) WHERE s.schemaname = current_schema()"
        f" AND s.attname = '{VECTOR}' AND e.lexeme IS NOT NULL"
    )
    .columns(column("table_name", Text), column("lexeme", Text), column("share", Float))
    .cte("search_statistics")
)


def _shares(table_name: str, term: int, words: int, prefix: bool) -> list[Any]:
    """The share of the table's rows that each word of the term is in, as the statistics
    estimate it, the last (when a prefix) counting every word it begins. 0 for a word not among
    the most common ones, and before the first ANALYZE."""
    stats = _STATISTICS
    word: list[BindParameter[str]] = [
        bindparam(_parameter(term, f"word{position}"), type_=Text()) for position in range(words)
    ]
    *whole, last = word
    return [
        select(func.coalesce(func.sum(stats.c.share), 0.0))
        .where(stats.c.table_name == table_name, matches)
        .scalar_subquery()
        for matches in [
            *(stats.c.lexeme == each for each in whole),
            func.starts_with(stats.c.lexeme, last) if prefix else stats.c.lexeme == last,
        ]
    ]


def _least(shares: list[Any]) -> Any:
    return shares[0] if len(shares) == 1 else func.least(*shares)


def _narrowed(table_name: str, term: int, words: int, prefix: bool, limits: Limits) -> Any:
    """What the GIN index is asked for a term of several words: its words before the last, when
    one of them is rare, else the whole term. A prefix makes the index merge the rows of every
    word it begins (`com:*` of an address: "comes", "come", "comment"…, 40 % of messages, 35 ms)
    before the phrase can drop them; the rows of `jane <-> doe <-> example` are a few, and each
    is then checked against the whole term (0.03 ms)."""
    *whole, _ = _shares(table_name, term, words, prefix)
    return select(
        case(
            (_least(whole) < limits.frequent, _to_tsquery(term, "leading")),
            else_=_to_tsquery(term, "tsquery"),
        )
    ).scalar_subquery()


def _postgresql_matches(
    model: Any, term: int, words: int, prefix: bool, limits: Limits
) -> list[ColumnElement[bool]]:
    """The conditions a row of `model`'s table matches the term on: its stored vector against
    the term's query. `ts_match_vq` is `@@` as a function, which no index serves: for a term of
    several words, the rows the index gives for the narrowed query are checked against the whole
    term one by one."""
    vector: ColumnClause[Any] = literal_column(f"{model.__tablename__}.{VECTOR}")
    query = _tsquery(term)
    if words == 1:
        return [vector.op("@@")(query)]
    return [
        vector.op("@@")(_narrowed(model.__tablename__, term, words, prefix, limits)),
        func.ts_match_vq(vector, query),
    ]


def _postgresql_ids(
    name: str,
    model: Any,
    found: Any,
    term: int,
    words: int,
    prefix: bool,
    limits: Limits,
    *extra: ColumnElement[bool] | TextClause,
) -> Select[Any]:
    """`found` of the newest `cap` rows of `model`'s table whose stored vector matches the term.

    A GIN index gives the rows that match in no order, so for a word in half the rows it reads
    them all to find the newest `CAP`. Walking the table newest first and checking each row's
    stored vector finds them after about `CAP` / share rows instead; but for a rare word it
    would read `WALK` rows for nothing, and the planner cannot tell the two apart. So a word the
    table's statistics say is in at least `FREQUENT` of the rows walks the newest `WALK` rows;
    if that gave `CAP` matches, they are the answer. Any other word, or a walk that fell short
    (the word is rarer in recent rows), asks the index, whose newest `CAP` then include every
    match the walk found: the result is the same either way. The walk is a CTE, computed at
    most once, and only when asked for: a CASE tests the share first, and each branch's guard
    is a one-time filter, so the branch not taken is never run."""
    id_column = model.id
    vector: ColumnClause[Any] = literal_column(f"{model.__tablename__}.{VECTOR}")
    query = _tsquery(term)
    recent = (
        select(id_column.label("id"), found.label("found"), vector.label("vector"))
        .where(*extra)
        .order_by(id_column.desc())
        .limit(limits.walk)
        .subquery()
    )
    walked = (
        select(recent.c.id, recent.c.found)
        .where(recent.c.vector.op("@@")(query))
        .order_by(recent.c.id.desc())
        .limit(limits.cap)
        .cte(name, nesting=True)
        .prefix_with("MATERIALIZED")
    )
    complete = case(
        (
            _least(_shares(model.__tablename__, term, words, prefix)) >= limits.frequent,
            select(func.count()).select_from(walked).scalar_subquery() >= limits.cap,
        ),
        else_=false(),
    )
    # Ordered by `id + 0`, which no B-tree serves, so that the planner reads the GIN index
    # rather than walk the primary key itself (37 s for a word in no row of 1,000,000).
    indexed = (
        select(found.label("found"))
        .where(*_postgresql_matches(model, term, words, prefix, limits), *extra)
        .order_by((id_column + 0).desc())
        .limit(limits.cap)
        .subquery()
    )
    either = union_all(
        select(walked.c.found).where(complete),
        select(indexed.c.found).where(~complete),
    ).subquery()
    return select(either.c.found)


def _hit(ticket_id: Any, index: int, weight: int) -> Select[Any]:
    """(ticket_id, term, weight) rows: the tickets the term `index` found in one field."""
    return select(
        ticket_id.label("ticket_id"), literal(index).label("term"), literal(weight).label("weight")
    )


# A shape is a term's position (at most MAX_TERMS), its number of words and whether it ends in
# a prefix.
@lru_cache(maxsize=512)
def _lookups(
    index: int, words: int, prefix: bool, dialect: str, limits: Limits
) -> tuple[tuple[Select[Any], ...], CompoundSelect[Any]]:
    """What a term found where no user's rights enter: its (ticket_id, term, weight) hits in
    subjects and messages, and the ids of the customers whose name or an address it matched.
    One per shape and store, built at the first search of its shape."""

    def hit(select_: Select[Any], weight: int) -> Select[Any]:
        return _hit(next(iter(select_.subquery().c)), index, weight)

    if dialect == "sqlite":
        subjects = _sqlite_ids("search_tickets", index, limits)
        entries = select(TicketEntry.ticket_id).where(
            TicketEntry.id.in_(_sqlite_ids("search_entries", index, limits))
        )
        names = _sqlite_ids("search_customers", index, limits)
        contacts = select(CustomerContact.customer_id).where(
            CustomerContact.id.in_(_sqlite_ids("search_contacts", index, limits))
        )
    else:
        walk = f"search_walk_{index}_"
        shape = (index, words, prefix, limits)
        subjects = _postgresql_ids(walk + "subjects", Ticket, Ticket.id, *shape)
        # The index covers non-event entries: the condition is written out so that the planner
        # sees it implies the index's.
        entries = _postgresql_ids(
            walk + "entries",
            TicketEntry,
            TicketEntry.ticket_id,
            *shape,
            text("ticket_entries.kind <> 'event'"),
        )
        names = _postgresql_ids(walk + "names", Customer, Customer.id, *shape)
        contacts = _postgresql_ids(
            walk + "contacts", CustomerContact, CustomerContact.customer_id, *shape
        )
    # A union of plain selects (SQLite refuses a parenthesised member with LIMIT); with an OR of
    # two IN tests instead, PostgreSQL checked all customers against both lists.
    named, reached = names.subquery(), contacts.subquery()
    matched = union(select(*named.c), select(*reached.c))
    return (hit(subjects, SUBJECT), hit(entries, MESSAGE)), matched


def _hits(term: Term, index: int, *, user: User, dialect: str) -> list[Select[Any]]:
    lookups, matched = _lookups(
        index, len(term.words), term.prefix, dialect, Limits(CAP, WALK, FREQUENT)
    )
    # Only customers `user` may see answer for their name and addresses: a ticket filed on
    # someone else's address must not tell what their record holds.
    customers = select(Customer.id).where(Customer.id.in_(matched), visible_to(user))
    found = [*lookups, _hit(Ticket.id, index, CUSTOMER).where(Ticket.customer_id.in_(customers))]
    if term.number is not None:
        found.append(_hit(Ticket.id, index, NUMBER).where(Ticket.number == term.number))
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


@lru_cache(maxsize=64)
def _customers(
    index: int, words: int, prefix: bool, dialect: str, limits: Limits
) -> CompoundSelect[Any]:
    """The ids of every customer whose name or an address the term `index` matches."""
    if dialect == "sqlite":
        names = _sqlite_ids("search_customers", index, None)
        contacts = select(CustomerContact.customer_id).where(
            CustomerContact.id.in_(_sqlite_ids("search_contacts", index, None))
        )
    else:
        shape = (index, words, prefix, limits)
        names = select(Customer.id).where(*_postgresql_matches(Customer, *shape))
        contacts = select(CustomerContact.customer_id).where(
            *_postgresql_matches(CustomerContact, *shape)
        )
    return union(names, contacts)


def customers_matching(terms: list[Term], *, dialect: str) -> list[CompoundSelect[Any]]:
    """For each term, the ids of the customers it matches by name or address: every one, not
    the newest `CAP` as in a ticket search, because the customers' search lists its matches in
    the order of their names. Executed with `values(terms, …)`."""
    limits = Limits(CAP, WALK, FREQUENT)
    return [
        _customers(index, len(term.words), term.prefix, dialect, limits)
        for index, term in enumerate(terms)
    ]
