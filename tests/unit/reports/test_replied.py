"""Tickets replied, the agents report's count of distinct tickets each agent responded to in the
range (docs/reports.md), read from `metric_replied` (each agent's first and last response per
ticket, per inbox and channel), on random histories: the triggers keep exactly the rows the
moments give after responses are added, deleted, moved to another inbox, channel, ticket or
time, turned into another kind, lose their agent (a user deleted: SET NULL) or go with their
ticket (CASCADE); the counts equal those from the moments in Python for ranges that cut through
agents' runs of responses, in several zones and with every filter; and the migration rebuilds
the same rows."""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.labels import service as labels_service
from frontdesk.metrics.models import (
    QUARTER_SECONDS,
    Channel,
    MetricMoment,
    MomentKind,
    quarter_of,
)
from frontdesk.metrics.replied import RepliedTicket
from frontdesk.reports import service
from frontdesk.reports.service import ReportFilter
from frontdesk.tickets.models import Ticket, ticket_labels
from frontdesk.users.models import User
from tests.unit.reports.random_desk import random_desk

KINDS = (
    MomentKind.response,
    MomentKind.response,
    MomentKind.response,
    MomentKind.first_response,
    MomentKind.created,
)
ZONES = ("UTC", "Europe/Paris", "Asia/Kathmandu")
RANGES = (
    (date(2026, 1, 1), date(2026, 12, 31)),
    (date(2026, 3, 20), date(2026, 4, 10)),
    (date(2026, 6, 14), date(2026, 6, 14)),
    (date(2026, 10, 25), date(2026, 11, 2)),
)


@dataclass(frozen=True)
class Moment:
    kind: MomentKind
    quarter: int
    inbox_id: int
    channel: Channel
    ticket_id: int | None
    user_id: int | None


async def _moments(session: AsyncSession) -> list[Moment]:
    m = MetricMoment
    rows = await session.execute(
        select(m.kind, m.quarter, m.inbox_id, m.channel, m.ticket_id, m.user_id)
    )
    return [Moment(*row) for row in rows]


def _expected_rows(moments: list[Moment]) -> set[tuple[Any, ...]]:
    """The definition of the table: per agent, ticket and slice (its inbox and channel, every
    channel, every inbox, both), the first and last quarter of the agent's responses."""
    spans: dict[tuple[Any, ...], tuple[int, int]] = {}
    for m in moments:
        if m.kind != MomentKind.response or m.ticket_id is None or m.user_id is None:
            continue
        for inbox, channel in (
            (m.inbox_id, m.channel.value),
            (m.inbox_id, ""),
            (0, m.channel.value),
            (0, ""),
        ):
            key = (m.user_id, m.ticket_id, inbox, channel)
            first, last = spans.get(key, (m.quarter, m.quarter))
            spans[key] = (min(first, m.quarter), max(last, m.quarter))
    return {(*key, first, last) for key, (first, last) in spans.items()}


async def _kept_rows(session: AsyncSession) -> set[tuple[Any, ...]]:
    r = RepliedTicket
    rows = await session.execute(
        select(r.user_id, r.ticket_id, r.inbox_id, r.channel, r.first_quarter, r.last_quarter)
    )
    return {tuple(row) for row in rows}


def _expected_replied(
    moments: list[Moment], report: ReportFilter, labelled: set[int]
) -> dict[int, int]:
    start, end = report.bounds()
    low, high = quarter_of(start), math.ceil(end.timestamp() / QUARTER_SECONDS)
    pairs = {
        (m.user_id, m.ticket_id)
        for m in moments
        if m.kind == MomentKind.response
        and m.ticket_id is not None
        and m.user_id is not None
        and low <= m.quarter < high
        and report.inbox_id in (None, m.inbox_id)
        and report.channel in (None, m.channel)
        and report.agent_id in (None, m.user_id)
        and (report.label_id is None or m.ticket_id in labelled)
    }
    counts: dict[int, int] = {}
    for user_id, _ticket in pairs:
        assert user_id is not None
        counts[user_id] = counts.get(user_id, 0) + 1
    return counts


async def _history(session: AsyncSession, rng: random.Random) -> dict[str, Any]:
    desk = await random_desk(session, domain="replied.test", tickets=30, first_number=20_000)
    inboxes, agents, tickets = desk.inboxes, desk.agents, desk.tickets
    label = (await labels_service.create_label(session, name="replied")).id
    for labelled in rng.sample(tickets, 10):
        await session.execute(ticket_labels.insert().values(ticket_id=labelled, label_id=label))
    first = datetime(2025, 12, 20, tzinfo=UTC).timestamp()
    last = datetime(2027, 1, 10, tzinfo=UTC).timestamp()
    for _ in range(900):
        at = datetime.fromtimestamp(rng.uniform(first, last), UTC)
        # Few tickets and agents: most pairs have responses on both sides of a range's ends.
        session.add(
            MetricMoment(
                kind=rng.choice(KINDS),
                at=at,
                quarter=quarter_of(at),
                inbox_id=rng.choice(inboxes),
                channel=rng.choice([Channel.email, Channel.chat]),
                ticket_id=rng.choice(tickets) if rng.random() < 0.95 else None,
                chat_id=None,
                user_id=rng.choice(agents),
            )
        )
    return {"inboxes": inboxes, "agents": agents, "tickets": tickets, "label": label}


async def _change(session: AsyncSession, rng: random.Random, made: dict[str, Any]) -> None:
    """What happens to moments after they are written, through the database as the app (or a
    cascade) does it."""
    m = MetricMoment
    ids = sorted(await session.scalars(select(m.id)))
    await session.execute(delete(m).where(m.id.in_(rng.sample(ids, 90))))
    ids = sorted(await session.scalars(select(m.id)))
    moved = rng.sample(ids, 250)
    await session.execute(update(m).where(m.id.in_(moved[:40])).values(inbox_id=made["inboxes"][0]))
    await session.execute(update(m).where(m.id.in_(moved[40:70])).values(channel=Channel.chat))
    # A merge: moments moved to another ticket.
    await session.execute(
        update(m).where(m.id.in_(moved[70:110])).values(ticket_id=made["tickets"][5])
    )
    await session.execute(update(m).where(m.id.in_(moved[110:170])).values(quarter=m.quarter + 97))
    await session.execute(update(m).where(m.id.in_(moved[170:200])).values(quarter=m.quarter - 3))
    await session.execute(
        update(m).where(m.id.in_(moved[200:220])).values(kind=MomentKind.first_response)
    )
    await session.execute(
        update(m).where(m.id.in_(moved[220:240])).values(kind=MomentKind.response)
    )
    await session.execute(update(m).where(m.id.in_(moved[240:])).values(user_id=made["agents"][0]))
    # A ticket deleted: its moments go with it (CASCADE).
    await session.execute(delete(Ticket).where(Ticket.id == made["tickets"][7]))
    # An agent deleted: their moments lose them (SET NULL).
    await session.execute(delete(User).where(User.id == made["agents"][3]))


async def test_replied_rows_and_counts_equal_the_definitions(database_url: str) -> None:
    rng = random.Random(39)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with unit_of_work(sessions) as session:
            made = await _history(session, rng)
        async with unit_of_work(sessions) as session:
            assert await _kept_rows(session) == _expected_rows(await _moments(session))
        async with unit_of_work(sessions) as session:
            await _change(session, rng, made)
        async with unit_of_work(sessions) as session:
            moments = await _moments(session)
            expected = _expected_rows(moments)
            assert len(expected) > 300
            assert await _kept_rows(session) == expected
            labelled = set(
                await session.scalars(
                    select(ticket_labels.c.ticket_id).where(
                        ticket_labels.c.label_id == made["label"]
                    )
                )
            )
            filters: list[dict[str, Any]] = [
                {},
                {"inbox_id": made["inboxes"][1]},
                {"channel": Channel.chat},
                {"inbox_id": made["inboxes"][0], "channel": Channel.email},
                {"agent_id": made["agents"][1]},
                {"label_id": made["label"]},
            ]
            probed = 0
            for zone in ZONES:
                for since, until in RANGES:
                    for extra in filters:
                        report = ReportFilter(since=since, until=until, time_zone=zone, **extra)
                        want = _expected_replied(moments, report, labelled)
                        found = {
                            row["agent_id"]: row["tickets_replied"]
                            for row in await service.agents(session, report)
                            if row["tickets_replied"]
                        }
                        assert found == want, f"{zone} {since}..{until} {extra}"
                        probed += sum(want.values())
            assert probed > 1000
            # Ranges inside an agent's first and last response to a ticket, with and without a
            # response in between: the case the table alone cannot answer.
            low = quarter_of(datetime(2026, 6, 14, tzinfo=UTC))
            high = quarter_of(datetime(2026, 6, 15, tzinfo=UTC))
            spanning = {
                (u, t)
                for u, t, inbox, channel, first, last in expected
                if inbox == 0 and channel == "" and first < low and last >= high
            }
            assert len(spanning) > 10
    finally:
        await engine.dispose()

    # The migration fills the same rows from the moments as the triggers kept.
    await asyncio.to_thread(downgrade, database_url, "0038")
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            r = RepliedTicket
            rows = await connection.execute(
                select(
                    r.user_id, r.ticket_id, r.inbox_id, r.channel, r.first_quarter, r.last_quarter
                )
            )
            assert {tuple(row) for row in rows} == expected
    finally:
        await engine.dispose()
