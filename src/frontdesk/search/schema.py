"""The full-text indexes, as DDL for each store (the migration runs it; docs/search.md).

SQLite: one FTS5 table per searched column, contentless (the text lives only in the table itself)
and triggers that keep it in step inside every transaction that writes the row,
deletes included (GDPR erasure, ticket deletion). PostgreSQL: GIN indexes on an expression of the
column, which the database maintains itself.

Both index words (runs of letters and digits) without case or accents, and only the first
`MAX_INDEXED` characters of a text, so that one huge message cannot make an insert fail
(PostgreSQL refuses a tsvector over 1 MB). PostgreSQL removes accents with its unaccent rules;
SQLite's tokenizer removes those of Latin letters only (é, but not ß, ł, ø, Greek's or ё), so
its indexes hold the text as `search.terms.fold` folds it, which queries are folded with too:
`FOLD_FUNCTION`, which every connection that writes an indexed table must have (db/session.py
registers it; the `sqlite3` shell has not, and cannot change those tables' text).

A SQLite "batch" migration that rebuilds one of the indexed tables (copy, drop, rename) drops
its triggers with it: such a migration must call `create_sqlite_triggers` afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontdesk.search.terms import fold

MAX_INDEXED = 100_000
TOKENIZER = "unicode61 remove_diacritics 2"
FOLD_FUNCTION = "frontdesk_fold"


@dataclass(frozen=True)
class Indexed:
    """A searched column: its table, the FTS5 table (SQLite) or GIN index (PostgreSQL) over it,
    and which rows are searched (a SQL condition on the row, or None for all)."""

    table: str
    column: str
    index: str
    where: str | None = None
    # Prefix indexes (FTS5 `prefix=`): short prefixes of a big text column without merging
    # thousands of words' lists.
    prefixes: str | None = None


INDEXED = (
    Indexed("tickets", "subject", "search_tickets", prefixes="2 3"),
    # Timeline lines ("Ada closed the ticket") are not searched: every closed ticket would
    # match "closed".
    Indexed("ticket_entries", "text", "search_entries", where="kind <> 'event'", prefixes="2 3"),
    Indexed("customers", "name", "search_customers"),
    Indexed("customer_contacts", "value", "search_contacts"),
)


def register_sqlite_fold(connection: Any) -> None:
    """Gives a new SQLite connection `FOLD_FUNCTION` (SQLAlchemy's "connect" event: its
    adapted aiosqlite connection)."""
    connection.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)


def _value(alias: str, item: Indexed, *, folded: bool) -> str:
    """`folded`: through `FOLD_FUNCTION` (since migration 0053); without, as 0034 indexed."""
    value = f"substr({alias}.{item.column}, 1, {MAX_INDEXED})"
    return f"{FOLD_FUNCTION}({value})" if folded else value


def _when(alias: str, item: Indexed) -> str:
    return f" WHERE {item.where.replace('kind', f'{alias}.kind')}" if item.where else ""


def sqlite_triggers(item: Indexed, *, folded: bool = True) -> list[str]:
    """Insert, delete and update triggers. FTS5's 'delete' needs the values the row was indexed
    with, which the old row gives."""
    name, table = item.index, item.table
    insert = (
        f"INSERT INTO {name} (rowid, {item.column}) "
        f"SELECT new.id, {_value('new', item, folded=folded)}{_when('new', item)};"
    )
    delete = (
        f"INSERT INTO {name} ({name}, rowid, {item.column}) "
        f"SELECT 'delete', old.id, {_value('old', item, folded=folded)}{_when('old', item)};"
    )
    watched = item.column + (", kind" if item.where else "")
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_create(*, folded: bool = True) -> list[str]:
    """`folded`: False for the indexes as migration 0034 made them.

    A folded index is contentless: what it indexed is not the table's text, so FTS5 must never
    read it back from there (its integrity check would find every "Straße" missing). Nothing
    reads an indexed value from the FTS5 table; searches take rowids and ranks."""
    statements: list[str] = []
    for item in INDEXED:
        prefix = f", prefix='{item.prefixes}'" if item.prefixes else ""
        content = "content=''" if folded else f"content='{item.table}', content_rowid='id'"
        statements.append(
            f"CREATE VIRTUAL TABLE {item.index} USING fts5({item.column}, "
            f"{content}, tokenize='{TOKENIZER}'{prefix})"
        )
        # Our own names only, no input: not an injection.
        value = _value(item.table, item, folded=folded)
        fill = f"INSERT INTO {item.index} (rowid, {item.column}) SELECT id, {value}"
        statements.append(f"{fill} FROM {item.table}{_when(item.table, item)}")
        statements.extend(sqlite_triggers(item, folded=folded))
    return statements


def sqlite_forget_deleted() -> list[str]:
    """FTS5 deletes by writing a tombstone, and keeps the deleted row's words in its older
    segments until they are merged: an erasure merges them all ('optimize'), so no word of the
    erased customer is left in the file. It rewrites each index (seconds at a million entries;
    other writes wait), which only an erasure pays. SQLite 3.44's `secure-delete` option would
    do it per row; Debian 12 ships 3.40."""
    return [f"INSERT INTO {item.index}({item.index}) VALUES('optimize')" for item in INDEXED]


def sqlite_drop() -> list[str]:
    statements: list[str] = []
    for item in INDEXED:
        statements.extend(
            f"DROP TRIGGER IF EXISTS {item.index}_{what}" for what in ("insert", "delete", "update")
        )
        statements.append(f"DROP TABLE IF EXISTS {item.index}")
    return statements


def create_sqlite_triggers() -> list[str]:
    """The triggers alone, for a migration that rebuilt an indexed table."""
    return [sql for item in INDEXED for sql in sqlite_triggers(item)]


# The text of a row as searched: accents removed (unaccent), every run of other characters than
# letters and digits made a space (so an address is its words, like SQLite's tokenizer makes
# it), words lower-cased by the `simple` configuration, which stems nothing: the desk serves
# every language. IMMUTABLE so that it can be indexed; unaccent() itself is only STABLE because
# its rules file could change, which a REINDEX would then follow.
SEARCH_VECTOR = "frontdesk_search_vector"
UNACCENT = "frontdesk_unaccent"


def postgresql_functions(schema: str, extension_schema: str) -> list[str]:
    """Names in the bodies are schema-qualified: a restore or REINDEX evaluates them with an
    empty search_path."""
    return [
        f"CREATE FUNCTION {schema}.{UNACCENT}(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT"
        f" PARALLEL SAFE AS $$ SELECT {extension_schema}.unaccent("
        f"'{extension_schema}.unaccent'::regdictionary, $1) $$",
        f"CREATE FUNCTION {schema}.{SEARCH_VECTOR}(text) RETURNS tsvector LANGUAGE sql IMMUTABLE"
        " STRICT PARALLEL SAFE AS $$ SELECT to_tsvector('pg_catalog.simple'::regconfig,"
        f" regexp_replace({schema}.{UNACCENT}(left($1, {MAX_INDEXED})), '[^[:alnum:]]+', ' ',"
        " 'g')) $$",
    ]


# unaccent is a trusted extension (PostgreSQL 13+): the database's owner may create it without
# being a superuser.
POSTGRESQL_EXTENSION = "CREATE EXTENSION IF NOT EXISTS unaccent"


def postgresql_indexes() -> list[str]:
    """GIN indexes on an expression of each column, as migration 0034 built them (and 0038's
    downgrade builds them again)."""
    statements = []
    for item in INDEXED:
        where = f" WHERE {item.where}" if item.where else ""
        statements.append(
            f"CREATE INDEX {item.index} ON {item.table} "
            f"USING gin ({SEARCH_VECTOR}({item.column})){where}"
        )
    return statements


# The stored vector of each searched row (0038). Generated, so that the index and every check of
# a row read it instead of computing to_tsvector(unaccent(...)) again: a newest-first walk over
# the rows (search/queries.py) can then test thousands of rows in a few milliseconds.
VECTOR = "search_vector"


def _stored(item: Indexed) -> str:
    vector = f"{SEARCH_VECTOR}({item.column})"
    # Rows outside the index (timeline lines) get no vector: nothing to compute or store.
    return f"CASE WHEN {item.where} THEN {vector} END" if item.where else vector


def postgresql_vector_columns() -> list[str]:
    """Adding a stored generated column rewrites the table under an exclusive lock (minutes
    for a million entries; docs/search.md)."""
    return [
        f"ALTER TABLE {item.table} ADD COLUMN {VECTOR} tsvector"
        f" GENERATED ALWAYS AS ({_stored(item)}) STORED"
        for item in INDEXED
    ]


def postgresql_vector_indexes() -> list[str]:
    statements = []
    for item in INDEXED:
        where = f" WHERE {item.where}" if item.where else ""
        statements.append(f"CREATE INDEX {item.index} ON {item.table} USING gin ({VECTOR}){where}")
    return statements


def postgresql_drop_vectors() -> list[str]:
    return [
        *(f"DROP INDEX IF EXISTS {item.index}" for item in INDEXED),
        *(f"ALTER TABLE {item.table} DROP COLUMN IF EXISTS {VECTOR}" for item in INDEXED),
    ]


def postgresql_drop() -> list[str]:
    return [
        *(f"DROP INDEX IF EXISTS {item.index}" for item in INDEXED),
        f"DROP FUNCTION IF EXISTS {SEARCH_VECTOR}(text)",
        f"DROP FUNCTION IF EXISTS {UNACCENT}(text)",
    ]


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """For Alembic's comparison of the models with a database: the search tables (SQLite's FTS5
    tables and their shadow tables), indexes and PostgreSQL's stored vectors are not models. A
    vector is not a model column because SQLite has none: the ORM would select it there too."""
    return not (type_ in ("table", "index", "column") and (name or "").startswith("search_"))
