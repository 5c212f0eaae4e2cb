"""Full-text search over articles, ranked, on both stores (docs/knowledge-base.md#search).

The query is read as the ticket search reads it (search/terms.py: words without case or
accents, the last one a prefix) and every term must match, in the title or the body. The rank
weighs the title above the body: FTS5's bm25 with the title's column weighted 10 to the body's
1 on SQLite; on PostgreSQL ts_rank over the stored vector whose title words are weighted A
(1.0) and body words B (0.4). Ties go to the newest change.

Translations (article_translations, migration 0091) have an index of their own, built alike: a
search finds an article by its own text or by a translation's, and ranks it by its best match.
The public side looks in the published translations into the reader's language; the desk in
every translation.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Float, Integer, Select, String, Text, bindparam, column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.knowledge.search_schema import INDEX, TRANSLATIONS, TRANSLATIONS_INDEX
from frontdesk.search import terms as terms_
from frontdesk.search.schema import UNACCENT, VECTOR

# Title words count this many times a body word (SQLite's bm25 weights).
TITLE_WEIGHT = 10.0
MAX_QUERY = 200
# An excerpt is made from at most this many first characters of the body: a match further on
# shows the body's start (the title or a later word matched; the work stays small).
EXCERPT_SOURCE = 2000


def parsed(query: str) -> list[terms_.Term]:
    return terms_.parse(query[:MAX_QUERY])


def ranked(
    session: AsyncSession,
    found: list[terms_.Term],
    *,
    language: str | None = None,
    published: bool = False,
) -> Select[Any]:
    """A select of `id` and `rank` (higher is better) of every article matching all the
    terms, in its own text or in a translation's: those into `language` only when it is given,
    the published ones only when `published`. `found` must not be empty."""
    dialect = session.get_bind().dialect.name
    # Our own column names and a bound language: no input is spliced in.
    wanted = ["t.language = :knowledge_language"] if language is not None else []
    if published:
        wanted.append("t.status = 'published'")
    where = "".join(f" AND {condition}" for condition in wanted)
    if dialect == "sqlite":
        match = " AND ".join(terms_.sqlite_match(term) for term in found)
        # bm25 is lower for a better match: negated so that both stores sort descending.
        statement = text(
            "SELECT id, max(rank) AS rank FROM ("  # noqa: S608
            f"SELECT rowid AS id, -bm25({INDEX}, {TITLE_WEIGHT}, 1.0) AS rank "
            f"FROM {INDEX} WHERE {INDEX} MATCH :knowledge_match "
            "UNION ALL SELECT t.article_id AS id, m.rank AS rank FROM ("
            f"SELECT rowid AS id, -bm25({TRANSLATIONS_INDEX}, {TITLE_WEIGHT}, 1.0) AS rank "
            f"FROM {TRANSLATIONS_INDEX} WHERE {TRANSLATIONS_INDEX} MATCH :knowledge_match) AS m "
            f"JOIN {TRANSLATIONS} AS t ON t.id = m.id WHERE 1 = 1{where}"
            ") AS either GROUP BY id"
        ).bindparams(bindparam("knowledge_match", match, type_=Text()))
    else:
        tsquery = " & ".join(f"({terms_.postgresql_tsquery(term)})" for term in found)
        # The query computed once per part, in a subquery, not for every row.
        query = (
            "(SELECT to_tsquery('pg_catalog.simple'::regconfig, "
            f"{UNACCENT}(:knowledge_tsquery)) AS q) AS q"
        )
        statement = text(
            "SELECT id, max(rank) AS rank FROM ("  # noqa: S608
            f"SELECT articles.id AS id, ts_rank(articles.{VECTOR}, q.q) AS rank "
            f"FROM articles, {query} WHERE articles.{VECTOR} @@ q.q "
            f"UNION ALL SELECT t.article_id AS id, ts_rank(t.{VECTOR}, q.q) AS rank "
            f"FROM {TRANSLATIONS} AS t, {query} WHERE t.{VECTOR} @@ q.q{where}"
            ") AS either GROUP BY id"
        ).bindparams(bindparam("knowledge_tsquery", tsquery, type_=Text()))
    if language is not None:
        statement = statement.bindparams(bindparam("knowledge_language", language, type_=String()))
    return _as_select(statement.columns(column("id", Integer), column("rank", Float)))


def _as_select(statement: Any) -> Select[Any]:
    sub = statement.subquery("knowledge_found")
    return select(sub.c.id, sub.c.rank)


# A link's address first, so that its `]` is not taken alone and its address left in.
_MARKUP = re.compile(r"\]\([^)]*\)|!\[|[#*_`>|~\[\]]+")
_SPACES = re.compile(r"\s+")


def excerpt(body: str, found: list[terms_.Term], *, width: int = 160) -> str:
    """About `width` characters of the body's text around its first match (its start when
    nothing matches there: a title match), without the Markdown's marks."""
    plain = _SPACES.sub(" ", _MARKUP.sub(" ", body[:EXCERPT_SOURCE])).strip()
    parts = terms_.snippet(plain, found, width=width) if found else None
    if parts is None:
        return plain[:width] + ("…" if len(plain) > width else "")
    return "".join(part.text for part in parts)
