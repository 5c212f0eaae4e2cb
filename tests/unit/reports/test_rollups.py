"""The roll-ups (metric_counts, kept by triggers, filled by migration 0033) give the same volume,
busiest hours and chats per agent as the moments themselves, on random moments, in zones whose
days are not whole UTC hours (Kathmandu +05:45, St John's -03:30 with daylight saving time,
Lord Howe's half-hour change) and across Paris's daylight saving changes; and they stay right
when moments are deleted or lose their agent."""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.inboxes import service as inboxes_service
from frontdesk.metrics.models import (
    QUARTER_SECONDS,
    Channel,
    MetricCount,
    MetricMoment,
    MomentKind,
    quarter_of,
)
from frontdesk.reports import service
from frontdesk.reports.service import ReportFilter
from frontdesk.users import service as users_service

ZONES = (
    "UTC",
    "Europe/Paris",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
)
RANGES = (
    (date(2026, 1, 1), date(2026, 12, 31)),
    (date(2026, 3, 20), date(2026, 4, 10)),  # Paris (29 March) and Lord Howe (5 April) change
    (date(2026, 10, 25), date(2026, 10, 25)),  # the day Paris turns its clocks back
    (date(2026, 11, 1), date(2026, 11, 1)),  # and St John's
)
# The kinds the roll-ups count (migration 0040); the others are written too, and must leave
# no trace in them.
COUNTED = (MomentKind.created, MomentKind.chat_joined, MomentKind.chat_transferred)
KINDS = (*COUNTED, MomentKind.customer_message, MomentKind.response)


def _expected_volume(
    moments: list[Any], report: ReportFilter
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    start, end = report.bounds()
    low, high = quarter_of(start), math.ceil(end.timestamp() / QUARTER_SECONDS)
    counts: Counter[tuple[str, str, int]] = Counter()
    cells: Counter[tuple[int, int]] = Counter()
    for kind, quarter, inbox_id, channel, _user in moments:
        if kind != MomentKind.created or not low <= quarter < high:
            continue
        if report.inbox_id is not None and inbox_id != report.inbox_id:
            continue
        if report.channel is not None and channel != report.channel:
            continue
        local = datetime.fromtimestamp(quarter * QUARTER_SECONDS, UTC).astimezone(report.zone)
        counts[local.date().isoformat(), Channel(channel).value, inbox_id] += 1
        cells[local.weekday(), local.hour] += 1
    volume = [
        {"day": d, "channel": c, "inbox_id": i, "conversations": n}
        for (d, c, i), n in sorted(counts.items())
    ]
    hours = [
        {"weekday": d, "hour": h, "conversations": cells[d, h]} for d in range(7) for h in range(24)
    ]
    return volume, hours


CHATS = (MomentKind.chat_joined, MomentKind.chat_transferred)


def _expected_chats(moments: list[Any], report: ReportFilter) -> dict[int, int]:
    start, end = report.bounds()
    low, high = quarter_of(start), math.ceil(end.timestamp() / QUARTER_SECONDS)
    chats: Counter[int] = Counter()
    for kind, quarter, inbox_id, channel, user_id in moments:
        if kind not in CHATS or user_id is None or not low <= quarter < high:
            continue
        if report.inbox_id is not None and inbox_id != report.inbox_id:
            continue
        if report.channel is not None and channel != report.channel:
            continue
        if report.agent_id is not None and user_id != report.agent_id:
            continue
        chats[user_id] += 1
    return dict(chats)


async def _counts(url: str) -> dict[tuple[Any, ...], int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            c = MetricCount
            rows = await connection.execute(
                select(c.kind, c.span, c.bucket, c.inbox_id, c.channel, c.user_id, c.n).where(
                    c.n != 0
                )
            )
            return {tuple(row[:-1]): int(row[-1]) for row in rows}
    finally:
        await engine.dispose()


async def test_rolled_up_figures_equal_the_moments(database_url: str) -> None:
    rng = random.Random(15)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with unit_of_work(sessions) as session:
            inboxes = [
                (await inboxes_service.create_inbox(session, name=f"Inbox {n}")).id
                for n in range(2)
            ]
            agents = [
                (
                    await users_service.create_user(
                        session, email=f"agent{n}@rollups.test", name=f"Agent {n}", password=None
                    )
                ).id
                for n in range(3)
            ]
        first = datetime(2025, 12, 30, tzinfo=UTC).timestamp()
        last = datetime(2027, 1, 2, tzinfo=UTC).timestamp()
        # Dense around the changes of time and the days measured, sparse elsewhere.
        dense = [
            datetime(2026, 3, 28, tzinfo=UTC).timestamp(),
            datetime(2026, 4, 4, tzinfo=UTC).timestamp(),
            datetime(2026, 10, 24, tzinfo=UTC).timestamp(),
            datetime(2026, 10, 31, tzinfo=UTC).timestamp(),
        ]
        async with unit_of_work(sessions) as session:
            for n in range(2_400):
                if n % 2:
                    seconds = rng.choice(dense) + rng.uniform(0, 3 * 86_400)
                else:
                    seconds = rng.uniform(first, last)
                at = datetime.fromtimestamp(seconds, UTC)
                kind = rng.choice(KINDS)
                session.add(
                    MetricMoment(
                        kind=kind,
                        at=at,
                        quarter=quarter_of(at),
                        inbox_id=rng.choice(inboxes),
                        channel=rng.choice(list(Channel)),
                        user_id=None if kind == MomentKind.created else rng.choice(agents),
                    )
                )
        async with unit_of_work(sessions) as session:
            ids = list(await session.scalars(select(MetricMoment.id)))
            gone = rng.sample(ids, 200)
            await session.execute(delete(MetricMoment).where(MetricMoment.id.in_(gone)))
            moved = rng.sample(sorted(set(ids) - set(gone)), 200)
            # An agent deleted (SET NULL), and moments moved to another inbox.
            await session.execute(
                update(MetricMoment).where(MetricMoment.id.in_(moved[:100])).values(user_id=None)
            )
            await session.execute(
                update(MetricMoment)
                .where(MetricMoment.id.in_(moved[100:]))
                .values(inbox_id=inboxes[0])
            )
        async with unit_of_work(sessions) as session:
            m = MetricMoment
            moments = [
                tuple(row)
                for row in await session.execute(
                    select(m.kind, m.quarter, m.inbox_id, m.channel, m.user_id)
                )
            ]
            filters: list[dict[str, Any]] = [
                {},
                {"inbox_id": inboxes[1]},
                {"channel": Channel.email},
                {"agent_id": agents[0]},
            ]
            for zone in ZONES:
                for since, until in RANGES:
                    for extra in filters:
                        report = ReportFilter(since=since, until=until, time_zone=zone, **extra)
                        where = f"{zone} {since}..{until} {extra}"
                        rows = await service.agents(session, report)
                        chats = {r["agent_id"]: r["chats"] for r in rows if r["chats"]}
                        assert chats == _expected_chats(moments, report), where
                        if "agent_id" in extra:
                            continue  # the agent filter on volume: test_answered.py
                        volume, hours = _expected_volume(moments, report)
                        assert await service.volume(session, report) == volume, where
                        assert await service.busiest_hours(session, report) == hours, where
            total = await session.scalar(
                select(func.sum(MetricCount.n)).where(MetricCount.span == 96)
            )
            assert total == sum(1 for moment in moments if moment[0] in COUNTED)
            others = select(func.count()).where(MetricCount.kind.not_in(COUNTED))
            assert await session.scalar(others) == 0
    finally:
        await engine.dispose()

    # The migration fills the same counts from the moments as the triggers kept.
    kept = await _counts(database_url)
    await asyncio.to_thread(downgrade, database_url, "0027")
    await asyncio.to_thread(upgrade, database_url)
    assert await _counts(database_url) == kept
    assert len(kept) > 2_000
