"""The times report and the agents' closes and first responses, read from the histograms of
seconds (`metric_seconds`) and the close-that-stuck marker (`metric_moments.last_close`), both
kept by triggers (migration 0035), equal what the moments themselves give by the reports'
definitions (docs/reports.md), computed here in Python: on random moments with many closes per
ticket, after closes are added again, deleted, moved to another ticket (a merge), to another
time, lose their ticket (privacy deletion) or their agent, and after a ticket is deleted; in
zones whose days are not whole UTC hours and across daylight saving changes. And the migration
fills the same histograms from the same moments."""

from __future__ import annotations

import asyncio
import math
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.customers import service as customers_service
from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.inboxes import service as inboxes_service
from frontdesk.labels import service as labels_service
from frontdesk.metrics.models import (
    QUARTER_SECONDS,
    Channel,
    MetricMoment,
    MetricSeconds,
    MomentKind,
    bucket_bounds,
    quarter_of,
    second_bucket,
)
from frontdesk.reports import service
from frontdesk.reports.service import ReportFilter, spread
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket, TicketType, ticket_labels
from frontdesk.users import service as users_service

ZONES = ("UTC", "Asia/Kathmandu", "America/St_Johns", "Europe/Paris")
RANGES = (
    (date(2026, 1, 1), date(2026, 12, 31)),
    (date(2026, 3, 20), date(2026, 4, 10)),  # Paris changes on 29 March
    (date(2026, 10, 25), date(2026, 10, 25)),  # and back on 25 October
    (date(2026, 6, 2), date(2026, 6, 3)),
)
FIGURES = {
    "first_response": MomentKind.first_response,
    "response": MomentKind.response,
    "resolution": MomentKind.solved,
    "chat_wait": MomentKind.chat_joined,
    "missed_chat_wait": MomentKind.chat_unanswered,
}
ACTED = {MomentKind.first_response, MomentKind.response, MomentKind.solved, MomentKind.chat_joined}
# Values on both sides of bucket edges, ties, under a second: where a rank could slip.
EDGES = (0.0, 0.25, 1.0, 9.0, 9.99, 10.0, 19.5, 20.0, 99.0, 100.0, 100.0, 1_000.0, 86_400.0)


def _seconds(rng: random.Random) -> float:
    if rng.random() < 0.3:
        return rng.choice(EDGES)
    return round(math.exp(rng.uniform(0, 14)), rng.choice((0, 2)))


def _stuck(moments: list[dict[str, Any]]) -> set[int]:
    """The reports' rule: a close that no later close of the same ticket followed."""
    latest: dict[int, datetime] = {}
    for m in moments:
        if m["kind"] == MomentKind.solved and m["ticket_id"] is not None:
            latest[m["ticket_id"]] = max(m["at"], latest.get(m["ticket_id"], m["at"]))
    return {
        m["id"]
        for m in moments
        if m["kind"] == MomentKind.solved
        and (m["ticket_id"] is None or m["at"] >= latest[m["ticket_id"]])
    }


def _selected(
    m: dict[str, Any], report: ReportFilter, answered: dict[int, set[int]], labelled: set[int]
) -> bool:
    start, end = report.bounds()
    if not quarter_of(start) <= m["quarter"] < math.ceil(end.timestamp() / QUARTER_SECONDS):
        return False
    if report.inbox_id is not None and m["inbox_id"] != report.inbox_id:
        return False
    if report.channel is not None and m["channel"] != report.channel:
        return False
    # The label is the ticket's now (these moments have no chat).
    if report.label_id is not None and m["ticket_id"] not in labelled:
        return False
    if report.agent_id is not None:
        if m["kind"] in ACTED:
            return bool(m["user_id"] == report.agent_id)
        # The agent's conversations: tickets they answered (these moments have no chat).
        return m["ticket_id"] in answered[report.agent_id]
    return True


def _expected(
    moments: list[dict[str, Any]], report: ReportFilter, labelled: set[int]
) -> tuple[list[dict[str, Any]], dict[int, tuple[int, Any, Any]]]:
    stuck = _stuck(moments)
    answered: dict[int, set[int]] = defaultdict(set)
    for m in moments:
        kind, user_id, ticket_id = m["kind"], m["user_id"], m["ticket_id"]
        if kind in (MomentKind.response, MomentKind.chat_joined) and user_id and ticket_id:
            answered[user_id].add(ticket_id)
    counted = [
        m
        for m in moments
        if _selected(m, report, answered, labelled)
        and (m["kind"] != MomentKind.solved or m["id"] in stuck)
    ]
    times = []
    for name, kind in FIGURES.items():
        s = spread(
            [m["seconds"] for m in counted if m["kind"] == kind and m["seconds"] is not None]
        )
        times.append(
            {"figure": name, "count": s.count, "median_seconds": s.median, "p90_seconds": s.p90}
        )
    closed: dict[int, int] = defaultdict(int)
    firsts: dict[int, list[float]] = defaultdict(list)
    for m in counted:
        if m["user_id"] is None:
            continue
        if m["kind"] == MomentKind.solved:
            closed[m["user_id"]] += 1
        elif m["kind"] == MomentKind.first_response and m["seconds"] is not None:
            firsts[m["user_id"]].append(m["seconds"])
    agents = {}
    for uid in set(closed) | set(firsts):
        s = spread(firsts.get(uid, []))
        agents[uid] = (closed.get(uid, 0), s.median, s.p90)
    return times, agents


async def _moments(session: AsyncSession) -> list[dict[str, Any]]:
    m = MetricMoment
    rows = await session.execute(
        select(m.id, m.kind, m.at, m.quarter, m.inbox_id, m.channel, m.ticket_id, m.user_id)
        .add_columns(m.seconds, m.last_close)
        .order_by(m.id)
    )
    return [dict(row._mapping) for row in rows]


async def _histograms(url: str) -> dict[tuple[Any, ...], int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            c = MetricSeconds
            rows = await connection.execute(
                select(c.kind, c.span, c.user_id, c.period, c.inbox_id, c.channel, c.bucket, c.n)
            )
            return {tuple(row[:-1]): int(row[-1]) for row in rows if row[-1]}
    finally:
        await engine.dispose()


def test_buckets_hold_their_values() -> None:
    for seconds in (*EDGES, 0.999, 5.5, 123.4, 199.99, 200.0, 7_774_750.0, 1e15, 3e16):
        low, high = bucket_bounds(second_bucket(seconds))
        assert low is None or low <= seconds
        assert high is None or seconds < high
    assert second_bucket(123.4) == 31
    assert bucket_bounds(31) == (100.0, 200.0)


async def test_times_and_agents_equal_the_moments(database_url: str) -> None:
    rng = random.Random(35)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with unit_of_work(sessions) as session:
            inboxes = [
                await inboxes_service.create_inbox(session, name=f"Inbox {n}") for n in range(2)
            ]
            agents = [
                (
                    await users_service.create_user(
                        session, email=f"agent{n}@spreads.test", name=f"Agent {n}", password=None
                    )
                ).id
                for n in range(3)
            ]
            customer = await customers_service.create_customer(
                session, name="Customer", created_by=None, verified=True
            )
            tickets = [
                (
                    await tickets_service.create_ticket(
                        session,
                        inbox=inboxes[n % 2],
                        customer=customer,
                        subject=f"Ticket {n}",
                        type=TicketType.email,
                    )
                ).id
                for n in range(40)
            ]
            # A label on a share of the tickets: the merge's target and some the privacy
            # deletion and the ticket deletion below take away.
            label = (await labels_service.create_label(session, name="billing")).id
            labelled = {tickets[0], *rng.sample(tickets[1:30], 10), tickets[30], tickets[34]}
            for ticket_id in labelled:
                await session.execute(
                    insert(ticket_labels).values(ticket_id=ticket_id, label_id=label)
                )
        inbox_ids = [inbox.id for inbox in inboxes]
        first = datetime(2025, 12, 30, tzinfo=UTC).timestamp()
        last = datetime(2027, 1, 2, tzinfo=UTC).timestamp()
        dense = [
            datetime(2026, 3, 28, tzinfo=UTC).timestamp(),
            datetime(2026, 6, 1, tzinfo=UTC).timestamp(),
            datetime(2026, 10, 24, tzinfo=UTC).timestamp(),
        ]

        def moment(kind: MomentKind, at: datetime, ticket_id: int | None) -> MetricMoment:
            return MetricMoment(
                kind=kind,
                at=at,
                quarter=quarter_of(at),
                inbox_id=rng.choice(inbox_ids),
                channel=rng.choice(list(Channel)),
                ticket_id=ticket_id,
                user_id=None if kind == MomentKind.chat_unanswered else rng.choice(agents),
                seconds=None if kind == MomentKind.created else _seconds(rng),
            )

        def instant() -> datetime:
            if rng.random() < 0.5:
                return datetime.fromtimestamp(rng.choice(dense) + rng.uniform(0, 3 * 86_400), UTC)
            return datetime.fromtimestamp(rng.uniform(first, last), UTC).replace(microsecond=0)

        kinds = [*FIGURES.values(), MomentKind.created]
        # One batch, then a second: closes of tickets already closed (reopened and closed
        # again), some at the very instant of an earlier close (a tie: both stick).
        for _batch in range(2):
            async with unit_of_work(sessions) as session:
                for _n in range(900):
                    kind = rng.choice(kinds)
                    session.add(moment(kind, instant(), rng.choice(tickets)))
            async with unit_of_work(sessions) as session:
                closes = list(
                    await session.scalars(
                        select(MetricMoment).where(MetricMoment.kind == MomentKind.solved)
                    )
                )
                for earlier in rng.sample(closes, 40):
                    tie = rng.random() < 0.3
                    at = earlier.at if tie else earlier.at + timedelta(hours=rng.uniform(-48, 48))
                    session.add(moment(MomentKind.solved, at, earlier.ticket_id))
        async with unit_of_work(sessions) as session:
            m = MetricMoment
            ids = list(await session.scalars(select(m.id)))
            closes = list(await session.scalars(select(m.id).where(m.kind == MomentKind.solved)))
            await session.execute(delete(m).where(m.id.in_(rng.sample(closes, 60))))
            ids = list(await session.scalars(select(m.id)))
            await session.execute(delete(m).where(m.id.in_(rng.sample(ids, 80))))
            closes = list(await session.scalars(select(m.id).where(m.kind == MomentKind.solved)))
            # A merge moves closes to another ticket; a close moved in time; an agent deleted.
            await session.execute(
                update(m).where(m.id.in_(rng.sample(closes, 30))).values(ticket_id=tickets[0])
            )
            for moved in rng.sample(closes, 20):
                await session.execute(update(m).where(m.id == moved).values(at=instant()))
            await session.execute(
                update(m).where(m.id.in_(rng.sample(ids[:1000], 60))).values(user_id=None)
            )
            await session.execute(
                update(m).where(m.id.in_(rng.sample(ids[:1000], 40))).values(seconds=12.0)
            )
            # Privacy deletion: the moments stay without their ticket.
            await session.execute(
                update(m).where(m.ticket_id.in_(tickets[30:34])).values(ticket_id=None)
            )
            # A ticket deleted: its moments go with it (the cascade).
            await session.execute(delete(Ticket).where(Ticket.id.in_(tickets[34:36])))
        async with unit_of_work(sessions) as session:
            moments = await _moments(session)
            stuck = _stuck(moments)
            assert {row["id"] for row in moments if row["last_close"]} == stuck
            assert sum(1 for row in moments if row["kind"] == MomentKind.solved) > len(stuck) > 50
            filters: list[dict[str, Any]] = [
                {},
                {"inbox_id": inbox_ids[1]},
                {"channel": Channel.email},
                {"agent_id": agents[0]},
                {"agent_id": agents[1], "inbox_id": inbox_ids[0]},
                {"label_id": label},
                {"label_id": label, "inbox_id": inbox_ids[1]},
                {"label_id": label, "channel": Channel.web},
                {"label_id": label, "agent_id": agents[2]},
            ]
            # What the label is on now: the deleted ticket's link went with it.
            on = set(
                await session.scalars(
                    select(ticket_labels.c.ticket_id).where(ticket_labels.c.label_id == label)
                )
            )
            assert tickets[34] not in on
            assert len(on) > 8
            for zone in ZONES:
                for since, until in RANGES:
                    for extra in filters:
                        report = ReportFilter(since=since, until=until, time_zone=zone, **extra)
                        where = f"{zone} {since}..{until} {extra}"
                        times, by_agent = _expected(moments, report, on)
                        assert await service.times(session, report) == times, where
                        rows = await service.agents(session, report)
                        found = {
                            row["agent_id"]: (
                                row["tickets_closed"],
                                row["first_response_median_seconds"],
                                row["first_response_p90_seconds"],
                            )
                            for row in rows
                        }
                        assert {k: v for k, v in found.items() if v != (0, None, None)} == (
                            by_agent
                        ), where
    finally:
        await engine.dispose()

    # The migration fills the same histograms and marks from the moments as the triggers kept.
    kept = await _histograms(database_url)
    await asyncio.to_thread(downgrade, database_url, "0034")
    await asyncio.to_thread(upgrade, database_url)
    assert await _histograms(database_url) == kept
    assert len(kept) > 1_000
