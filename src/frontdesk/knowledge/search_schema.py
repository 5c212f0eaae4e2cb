"""The articles' full-text index, as DDL for each store (migration 0075; docs/knowledge-base.md).

Built as the tickets' indexes are (search/schema.py), with its tokenizer, folding and limits:
SQLite has one contentless FTS5 table with two columns, title and body, kept in step by
triggers and holding the text folded by `FOLD_FUNCTION`; PostgreSQL a stored generated
`search_vector` of both, the title's words weighted A and the body's B, under a GIN index.
Every article is indexed, drafts included (agents search them); the public search joins on
the published ones.
"""

# Our own table and column names only, no input: not an injection.
# ruff: noqa: S608

from __future__ import annotations

from frontdesk.search.schema import FOLD_FUNCTION, MAX_INDEXED, SEARCH_VECTOR, TOKENIZER, VECTOR

TABLE = "articles"
INDEX = "search_articles"


def _folded(alias: str, column: str) -> str:
    return f"{FOLD_FUNCTION}(substr({alias}.{column}, 1, {MAX_INDEXED}))"


def sqlite_create() -> list[str]:
    insert = (
        f"INSERT INTO {INDEX} (rowid, title, body) "
        f"VALUES (new.id, {_folded('new', 'title')}, {_folded('new', 'body')});"
    )
    # A contentless table deletes a row by being given the values it indexed: the old row's.
    delete = (
        f"INSERT INTO {INDEX} ({INDEX}, rowid, title, body) "
        f"VALUES ('delete', old.id, {_folded('old', 'title')}, {_folded('old', 'body')});"
    )
    return [
        f"CREATE VIRTUAL TABLE {INDEX} USING fts5(title, body, content='', "
        f"tokenize='{TOKENIZER}', prefix='2 3')",
        f"INSERT INTO {INDEX} (rowid, title, body) SELECT id, {_folded(TABLE, 'title')}, "
        f"{_folded(TABLE, 'body')} FROM {TABLE}",
        f"CREATE TRIGGER {INDEX}_insert AFTER INSERT ON {TABLE} BEGIN {insert} END",
        f"CREATE TRIGGER {INDEX}_delete AFTER DELETE ON {TABLE} BEGIN {delete} END",
        f"CREATE TRIGGER {INDEX}_update AFTER UPDATE OF title, body ON {TABLE} "
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_drop() -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS {INDEX}_{what}" for what in ("insert", "delete", "update")),
        f"DROP TABLE IF EXISTS {INDEX}",
    ]


def postgresql_create() -> list[str]:
    vector = (
        f"setweight({SEARCH_VECTOR}(title), 'A') || "
        f"setweight({SEARCH_VECTOR}(coalesce(body, '')), 'B')"
    )
    return [
        f"ALTER TABLE {TABLE} ADD COLUMN {VECTOR} tsvector GENERATED ALWAYS AS ({vector}) STORED",
        f"CREATE INDEX {INDEX} ON {TABLE} USING gin ({VECTOR})",
    ]


def postgresql_drop() -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {INDEX}",
        f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {VECTOR}",
    ]


# --- translations (migration 0091) ----------------------------------------------------------------
# The same index over `article_translations`: an FTS5 table of its own on SQLite (its rowid the
# translation's id), a stored vector under a GIN index on PostgreSQL. Every translation is
# indexed, drafts included; the searches join on the language and state they want
# (knowledge/search.py). Functions of their own, so that migration 0075 stays as it ran.

TRANSLATIONS = "article_translations"
TRANSLATIONS_INDEX = "search_article_translations"


def sqlite_create_translations() -> list[str]:
    table, index = TRANSLATIONS, TRANSLATIONS_INDEX
    insert = (
        f"INSERT INTO {index} (rowid, title, body) "
        f"VALUES (new.id, {_folded('new', 'title')}, {_folded('new', 'body')});"
    )
    delete = (
        f"INSERT INTO {index} ({index}, rowid, title, body) "
        f"VALUES ('delete', old.id, {_folded('old', 'title')}, {_folded('old', 'body')});"
    )
    return [
        f"CREATE VIRTUAL TABLE {index} USING fts5(title, body, content='', "
        f"tokenize='{TOKENIZER}', prefix='2 3')",
        f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {index}_update AFTER UPDATE OF title, body ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def sqlite_drop_translations() -> list[str]:
    index = TRANSLATIONS_INDEX
    return [
        *(f"DROP TRIGGER IF EXISTS {index}_{what}" for what in ("insert", "delete", "update")),
        f"DROP TABLE IF EXISTS {index}",
    ]


def postgresql_create_translations() -> list[str]:
    vector = (
        f"setweight({SEARCH_VECTOR}(title), 'A') || "
        f"setweight({SEARCH_VECTOR}(coalesce(body, '')), 'B')"
    )
    return [
        f"ALTER TABLE {TRANSLATIONS} ADD COLUMN {VECTOR} tsvector "
        f"GENERATED ALWAYS AS ({vector}) STORED",
        f"CREATE INDEX {TRANSLATIONS_INDEX} ON {TRANSLATIONS} USING gin ({VECTOR})",
    ]


def postgresql_drop_translations() -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {TRANSLATIONS_INDEX}",
        f"ALTER TABLE {TRANSLATIONS} DROP COLUMN IF EXISTS {VECTOR}",
    ]
