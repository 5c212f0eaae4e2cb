"""Counts and values at ranks (medians, 90th percentiles) of moments' seconds, read from the
histograms `metric_seconds` instead of a year of moments, and still exact.

The range [first, end) of UTC quarter hours is cut into whole 16-day blocks and whole UTC days
(histogram rows) and the parts of a day at its two edges (the viewer's midnight is rarely UTC's:
those moments are read themselves). Summed, the rows give how many values each bucket of
seconds holds; the value at rank r is then in the bucket where the running count reaches r, at
rank r - (values in the buckets below) among that bucket's values, which one short walk of an
index in order of seconds finds (`ORDER BY seconds OFFSET`, from the bucket's lower bound).
Every walk of a report is one statement, so a report reads three: the rows, the edges, the
walks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, false, func, literal, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.metrics.models import (
    NO_SECONDS,
    SPREAD_SPANS,
    MetricMoment,
    MetricSeconds,
    MomentKind,
    bucket_bounds,
    second_bucket,
)
from frontdesk.users.models import User

# (kind, agent): agent 0 stands for every agent.
Key = tuple[MomentKind, int]


@dataclass(frozen=True, slots=True)
class View:
    """Which histogram rows: every agent's, narrowed by inbox and channel; or, with `agents`,
    each agent's (or only `user_id`'s) over every inbox and channel."""

    inbox_id: int | None = None
    channel: str | None = None
    agents: bool = False
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    count: int  # values with seconds (a close without seconds is only in `closes`)
    closes: int  # every moment counted, with or without seconds
    values: list[float]  # at the ranks asked for, in their order


def cut(first: int, end: int) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    """[first, end) as the quarter hours to read from the moments (at most a day at each edge)
    and the histogram periods (span, first period, end period) between them."""
    day, block = SPREAD_SPANS
    d0, d1 = -(-first // day), end // day
    if d0 >= d1:
        return [(first, end)], []
    edges = [(a, b) for a, b in ((first, d0 * day), (d1 * day, end)) if a < b]
    per = block // day
    b0, b1 = -(-d0 // per), d1 // per
    if b0 >= b1:
        return edges, [(day, d0, d1)]
    periods = [(block, b0, b1), (day, d0, b0 * per), (day, b1 * per, d1)]
    return edges, [(span, a, b) for span, a, b in periods if a < b]


def locate(buckets: dict[int, int], rank: int) -> tuple[int, int]:
    """The bucket holding the `rank`-th smallest value (1-based) and its rank within it."""
    below = 0
    for bucket in sorted(b for b in buckets if b != NO_SECONDS):
        if below + buckets[bucket] >= rank:
            return bucket, rank - below
        below += buckets[bucket]
    raise ValueError(f"rank {rank} beyond the {below} values counted")


async def _histograms(
    session: AsyncSession,
    kinds: Sequence[MomentKind],
    view: View,
    periods: Iterable[tuple[int, int, int]],
) -> dict[Key, dict[int, int]]:
    c = MetricSeconds
    parts = []
    periods = list(periods)
    staff: list[int] = []
    if view.agents and view.user_id is None and periods:
        # By key, user after user: a range `user_id > 0` cannot seek to each one's periods
        # (PostgreSQL read the whole table for it).
        staff = list(await session.scalars(select(User.id).order_by(User.id)))
    for span, low, high in periods:
        query = select(c.kind, c.user_id, c.bucket, c.n).where(
            c.kind.in_([kind.value for kind in kinds]),
            c.span == span,
            c.period >= low,
            c.period < high,
        )
        if view.agents and view.user_id is not None:
            query = query.where(c.user_id == view.user_id)
        elif view.agents:
            query = query.where(c.user_id.in_(staff))
        else:
            query = query.where(c.user_id == 0)
            if view.inbox_id is not None:
                query = query.where(c.inbox_id == view.inbox_id)
            if view.channel is not None:
                query = query.where(c.channel == view.channel)
        parts.append(query)
    out: dict[Key, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if not parts:
        return out
    rows = union_all(*parts).subquery()
    summed = select(rows.c.kind, rows.c.user_id, rows.c.bucket, func.sum(rows.c.n)).group_by(
        rows.c.kind, rows.c.user_id, rows.c.bucket
    )
    for kind, user_id, bucket, n in await session.execute(summed):
        if n:
            out[MomentKind(kind), int(user_id)][int(bucket)] += int(n)
    return out


def in_order(kind: MomentKind) -> Any:
    """`last_close` is false on every moment but the closes that stuck: saying so lets the index
    led by (kind, last_close, seconds) give any kind's values in order."""
    return MetricMoment.last_close == (true() if kind == MomentKind.solved else false())


def _moments(kind: MomentKind, view: View, low: int, high: int) -> Select[Any]:
    """The moments the view's histogram rows count, in quarters [low, high): the same columns
    the triggers key them by (built here, not from the report's general filters, so that each
    range is the one bound the index is searched with)."""
    m = MetricMoment
    query = select(m.seconds).where(m.kind == kind, m.quarter >= low, m.quarter < high)
    if kind == MomentKind.solved:
        query = query.where(m.last_close == true())
    if view.agents:
        query = query.where(
            m.user_id == view.user_id if view.user_id is not None else m.user_id.is_not(None)
        )
    else:
        if view.inbox_id is not None:
            query = query.where(m.inbox_id == view.inbox_id)
        if view.channel is not None:
            query = query.where(m.channel == view.channel)
    return query


async def ranked(
    session: AsyncSession,
    kinds: Sequence[MomentKind],
    view: View,
    quarters: tuple[int, int],
    ranks: Callable[[MomentKind, int], Sequence[int]],
) -> dict[Key, Ranked]:
    """Per kind and agent (0: every agent, unless the view is per agent), how many moments of
    the kind fell in the range under the view's filters, and their seconds at
    `ranks(kind, count)`. Closes count only when they stuck (resolutions)."""
    m = MetricMoment
    edges, periods = cut(*quarters)
    found = await _histograms(session, kinds, view, periods)
    agent = m.user_id if view.agents else literal(0)
    raw = [
        _moments(kind, view, low, high).with_only_columns(literal(kind.value), agent, m.seconds)
        for kind in kinds
        for low, high in edges
    ]
    if raw:
        for name, user_id, seconds in await session.execute(union_all(*raw)):
            if seconds is not None or name == MomentKind.solved:
                found[MomentKind(name), int(user_id or 0)][second_bucket(seconds)] += 1
    out: dict[Key, Ranked] = {}
    walks: dict[tuple[Key, int, int], Select[Any]] = {}
    wanted: dict[Key, list[tuple[int, int]]] = {}
    for (kind, user_id), buckets in found.items():
        count = sum(n for b, n in buckets.items() if b != NO_SECONDS)
        closes = sum(buckets.values())
        if not closes:
            continue
        out[kind, user_id] = Ranked(count, closes, [])
        wanted[kind, user_id] = [locate(buckets, r) for r in (ranks(kind, count) if count else ())]
        for bucket, offset in wanted[kind, user_id]:
            floor, ceiling = bucket_bounds(bucket)
            walk = _moments(kind, replace(view, user_id=user_id or None), *quarters)
            if not view.agents:
                # One agent's values come in order from the index led by (kind, user_id,
                # seconds); saying `last_close` there would pick the one of every agent.
                walk = walk.where(in_order(kind))
            walk = walk.where(m.seconds >= floor) if floor is not None else walk
            walk = walk.where(m.seconds < ceiling) if ceiling is not None else walk
            walks[(kind, user_id), bucket, offset] = (
                walk.where(m.seconds.is_not(None)).order_by(m.seconds).offset(offset - 1).limit(1)
            )
    if walks:
        keys = list(walks)
        parts = [
            select(literal(i).label("i"), sub.c.seconds)
            for i, sub in enumerate(walk.subquery() for walk in walks.values())
        ]
        values = {keys[int(i)]: float(v) for i, v in await session.execute(union_all(*parts))}
        for key, places in wanted.items():
            out[key].values.extend(values[key, bucket, offset] for bucket, offset in places)
    return out
