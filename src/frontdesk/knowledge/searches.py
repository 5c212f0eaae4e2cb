"""What readers searched for in the help center, and what found nothing
(docs/knowledge-base.md, "What readers searched for").

A search is kept as a count of its normalised term per day (UTC) and language: how many
searches, how many found nothing, how many articles the latest one found. No reader, no
address, no time of day is stored: the table says what was looked for, never by whom, so an
erasure has nothing to find in it and the retention pass (privacy/timers.py) drops the days
past KEEP_DAYS. Counting is one INSERT … ON CONFLICT DO UPDATE that adds one in the database:
two searches at the same moment count two, on both stores.

Only admins and owners read the counts: they decide what the help center publishes (the same
rule as publishing, knowledge/service.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from frontdesk.db.upsert import upsert_into
from frontdesk.kit.clock import utcnow
from frontdesk.knowledge.models import KnowledgeSearch
from frontdesk.knowledge.search import MAX_QUERY
from frontdesk.knowledge.service import AdminsOnly
from frontdesk.users.models import User

# About the most a browser keeps a cookie, as the voter cookie: a year and its season.
KEEP_DAYS = 400
# The periods the desk offers; the API takes any number of days up to KEEP_DAYS.
PERIODS = (7, 30, 90)


def normalised(query: str) -> str:
    """The term as counted: trimmed, spaces collapsed, case-folded, in Unicode's composed form
    (so "Réglages" typed two ways is one term), cut as the search cuts it. Accents are kept: the
    term is shown to people as the readers wrote it."""
    composed = unicodedata.normalize("NFC", query[:MAX_QUERY])
    return " ".join(composed.casefold().split())[:MAX_QUERY]


def today() -> date:
    return utcnow().date()


async def count_search(
    session: AsyncSession, *, term: str, language: str, results: int, day: date
) -> None:
    """One more search of `term` on `day`: added in the database, never read and written back,
    so that searches at the same moment all count."""
    insert = upsert_into(session.get_bind().dialect.name, KnowledgeSearch).values(
        day=day,
        term=term,
        language=language,
        searches=1,
        no_results=1 if results == 0 else 0,
        results=results,
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[KnowledgeSearch.day, KnowledgeSearch.term, KnowledgeSearch.language],
            set_={
                "searches": KnowledgeSearch.searches + 1,
                "no_results": KnowledgeSearch.no_results + insert.excluded.no_results,
                "results": insert.excluded.results,
            },
        )
    )


@dataclass(frozen=True)
class TermCount:
    term: str
    language: str
    searches: int
    no_results: int
    # How many articles the latest search found (0: it found nothing).
    results: int
    last_day: date


@dataclass(frozen=True)
class TermPage:
    items: Sequence[TermCount]
    next_offset: int | None
    since: date
    searches: int
    no_results: int


def _ensure_may_read(user: User) -> None:
    if not user.is_admin:
        raise AdminsOnly(
            "Only admins and owners may see what readers searched for. Ask one of them."
        )


async def top_terms(
    session: AsyncSession,
    *,
    user: User,
    days: int,
    only_no_results: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> TermPage:
    """The terms searched over the last `days` days (today included), most searched first (then
    most often without results), with the period's totals. `only_no_results`: the terms whose
    latest search found nothing (a term an article answers since leaves the list)."""
    _ensure_may_read(user)
    since = today() - timedelta(days=days - 1)
    searched = KnowledgeSearch.day >= since
    grouped = (
        select(
            KnowledgeSearch.term,
            KnowledgeSearch.language,
            func.sum(KnowledgeSearch.searches).label("searches"),
            func.sum(KnowledgeSearch.no_results).label("no_results"),
            func.max(KnowledgeSearch.day).label("last_day"),
        )
        .where(searched)
        .group_by(KnowledgeSearch.term, KnowledgeSearch.language)
        .subquery("grouped")
    )
    latest = aliased(KnowledgeSearch)
    query = select(grouped, latest.results).join(
        latest,
        and_(
            latest.day == grouped.c.last_day,
            latest.term == grouped.c.term,
            latest.language == grouped.c.language,
        ),
    )
    if only_no_results:
        query = query.where(latest.results == 0)
    # Among terms searched as often, those that found nothing more often first.
    query = query.order_by(
        grouped.c.searches.desc(),
        grouped.c.no_results.desc(),
        grouped.c.term,
        grouped.c.language,
    )
    rows = (await session.execute(query.offset(offset).limit(limit + 1))).all()
    totals = (
        await session.execute(
            select(
                func.coalesce(func.sum(KnowledgeSearch.searches), 0),
                func.coalesce(func.sum(KnowledgeSearch.no_results), 0),
            ).where(searched)
        )
    ).one()
    items = [
        TermCount(
            term=row.term,
            language=row.language,
            searches=int(row.searches),
            no_results=int(row.no_results),
            results=row.results,
            last_day=row.last_day,
        )
        for row in rows[:limit]
    ]
    return TermPage(
        items=items,
        next_offset=offset + limit if len(rows) > limit else None,
        since=since,
        searches=int(totals[0]),
        no_results=int(totals[1]),
    )


async def forget_old(session: AsyncSession, *, before: date) -> int:
    """Deletes the days before `before`; how many rows. A day's rows are few (one per term), and
    the key leads with the day: one range delete."""
    result = await session.execute(delete(KnowledgeSearch).where(KnowledgeSearch.day < before))
    return int(getattr(result, "rowcount", 0) or 0)
