"""Counts of metric moments over intervals of UTC quarter hours, read from the roll-ups
(`metric_counts`: per quarter hour, hour and day) instead of the moments themselves.

Every zone's offset is a multiple of 15 minutes, so a local day or hour is an interval of whole
UTC quarter hours: [a, b). Its count is P(b) - P(a), where P(x) counts the moments before
quarter x from the first cut on: the whole coarse blocks (UTC days for days, UTC hours for
hours) before x's block, plus the head of x's block up to x. A head of more than half a block
is the block less its tail, so it never takes more than 12 hours and 3 quarter hours (a day) or
2 quarter hours (an hour): a year in Europe/Paris reads its 365 days and one or two hours per
day, not 200,000 moments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.metrics.models import DAY, HOUR, QUARTER, MetricCount, MomentKind

# Up to this many hour or quarter-hour rows are looked up by key; more are read as a range.
LOOKUPS = 2_000
# A signed roll-up row: (+1 or -1, span, bucket).
Term = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Counted:
    """Which moments: their kinds, and the filters the roll-ups carry (agent: the acting one)."""

    kinds: tuple[MomentKind, ...]
    inbox_id: int | None = None
    channel: str | None = None
    user_id: int | None = None


def head(start: int, k: int, coarse: int) -> list[Term]:
    """The first `k` quarter hours of the coarse block (a day or an hour) at quarter `start`."""
    if k == 0:
        return []
    if coarse == DAY:
        if k <= DAY // 2:
            whole = k // HOUR
            return [(1, HOUR, start // HOUR + h) for h in range(whole)] + [
                (1, QUARTER, start + q) for q in range(whole * HOUR, k)
            ]
        tail = start + k
        aligned = -(-tail // HOUR) * HOUR
        return (
            [(1, DAY, start // DAY)]
            + [(-1, QUARTER, q) for q in range(tail, aligned)]
            + [(-1, HOUR, h) for h in range(aligned // HOUR, (start + DAY) // HOUR)]
        )
    if k <= HOUR // 2:
        return [(1, QUARTER, start + q) for q in range(k)]
    return [(1, HOUR, start // HOUR)] + [(-1, QUARTER, q) for q in range(start + k, start + HOUR)]


def _filtered(counted: Counted, *columns: Any) -> Any:
    c = MetricCount
    query = select(*columns).where(c.kind.in_([kind.value for kind in counted.kinds]))
    if counted.inbox_id is not None:
        query = query.where(c.inbox_id == counted.inbox_id)
    if counted.channel is not None:
        query = query.where(c.channel == counted.channel)
    if counted.user_id is not None:
        query = query.where(c.user_id == counted.user_id)
    return query


async def _rows(
    session: AsyncSession,
    counted: Counted,
    keys: Sequence[Any],
    span: int,
    low: int,
    high: int,
    only: set[int] | None = None,
    modulus: int = 1,
) -> dict[tuple[int, tuple[Any, ...]], int]:
    """Sums of one span's rows with bucket in [low, high] per bucket and key; with `only`, just
    those buckets: looked up one by one when they are few (a year of local days needs one or
    two hours a day), else the range read once and kept at their places in their day or hour
    (`modulus`)."""
    c = MetricCount
    query = _filtered(counted, c.bucket, *keys, func.sum(c.n)).where(
        c.span == span, c.bucket >= low, c.bucket <= high
    )
    if only is not None and len(only) <= LOOKUPS:
        query = query.where(c.bucket.in_(sorted(only)))
    elif only is not None:
        query = query.where((c.bucket % modulus).in_(sorted({b % modulus for b in only})))
    query = query.group_by(c.bucket, *keys)
    out: dict[tuple[int, tuple[Any, ...]], int] = {}
    for row in await session.execute(query):
        out[int(row[0]), tuple(row[1:-1])] = int(row[-1])
    return out


async def interval_counts(
    session: AsyncSession,
    counted: Counted,
    cuts: Sequence[int],
    *,
    coarse: int,
    keys: Sequence[Any] = (),
) -> dict[tuple[Any, ...], list[int]]:
    """Per value of `keys` (roll-up columns), the moments in each [cuts[i], cuts[i + 1])."""
    first, last = cuts[0] // coarse, cuts[-1] // coarse
    terms = [head(x - x % coarse, x % coarse, coarse) for x in cuts]
    wanted: dict[int, set[int]] = defaultdict(set)
    for term in terms:
        for _sign, span, bucket in term:
            if span != coarse:
                wanted[span].add(bucket)
    blocks = await _rows(session, counted, keys, coarse, first, last)
    finer: dict[int, dict[tuple[int, tuple[Any, ...]], int]] = {}
    for span, buckets in wanted.items():
        finer[span] = await _rows(
            session, counted, keys, span, min(buckets), max(buckets), buckets, coarse // span
        )
    found = {key for _b, key in blocks} | {key for rows in finer.values() for _b, key in rows}
    out: dict[tuple[Any, ...], list[int]] = {}
    for key in found:
        running, cumulative = 0, []
        for b in range(first, last + 1):
            cumulative.append(running)
            running += blocks.get((b, key), 0)

        def prefix(i: int, key: tuple[Any, ...] = key, cumulative: list[int] = cumulative) -> int:
            total = cumulative[cuts[i] // coarse - first]
            for sign, span, bucket in terms[i]:
                rows = blocks if span == coarse else finer[span]
                total += sign * rows.get((bucket, key), 0)
            return total

        points = [prefix(i) for i in range(len(cuts))]
        out[key] = [points[i + 1] - points[i] for i in range(len(cuts) - 1)]
    return out


def local_cuts(
    pieces: Sequence[tuple[int, int, int]], block: int
) -> tuple[list[int], list[int]] | None:
    """The range's pieces of constant offset (reports.service.segments) cut at every local
    `block` (a day or an hour of quarters): the cuts, and each interval's local quarter (where
    it begins, in the viewer's zone). None when an offset is not whole quarter hours (local mean
    time before 1900 and the like): the caller counts the moments themselves."""
    cuts: list[int] = []
    starts: list[int] = []
    for first, end, offset in pieces:
        if offset % 900:
            return None
        shift = offset // 900
        q = first
        while q < end:
            if not cuts or cuts[-1] != q:
                cuts.append(q)
            starts.append(q + shift)
            q = min(q + block - (q + shift) % block, end)
        if not cuts or cuts[-1] != end:
            cuts.append(end)
    return cuts, starts
