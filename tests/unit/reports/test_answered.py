"""The agent and label filters read what the definitions say, on random histories: a created
moment or a missed chat is an agent's when they answered in its conversation (its chat, else its
ticket; docs/reports.md), and `metric_answered`, which the triggers keep, holds exactly those
(agent, moment) pairs after moments are added, deleted, moved to another inbox or ticket, learn
their ticket, lose their chat or their agent (a user deleted: SET NULL), and after a ticket is
deleted; the migration rebuilds the same rows. Volume and busiest hours for an agent and for a
label equal those counted from the moments in Python."""

from __future__ import annotations

import asyncio
import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats.models import Chat, Visitor, chat_labels
from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.labels import service as labels_service
from frontdesk.metrics.answered import AnsweredMoment
from frontdesk.metrics.models import (
    QUARTER_SECONDS,
    Channel,
    MetricMoment,
    MomentKind,
    quarter_of,
)
from frontdesk.reports import service
from frontdesk.reports.service import ReportFilter
from frontdesk.tickets.models import Ticket, ticket_labels
from frontdesk.users.models import User
from tests.unit.reports.random_desk import random_desk

KINDS = (
    MomentKind.created,
    MomentKind.customer_message,
    MomentKind.chat_unanswered,
    MomentKind.response,
    MomentKind.chat_joined,
    MomentKind.first_response,
    MomentKind.solved,
)
ANSWERING = {MomentKind.response, MomentKind.chat_joined}
BELONGING = {MomentKind.created, MomentKind.chat_unanswered}
ZONES = ("UTC", "Europe/Paris", "Asia/Kathmandu")
RANGES = ((date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 3, 20), date(2026, 4, 10)))


@dataclass(frozen=True)
class Moment:
    id: int
    kind: MomentKind
    quarter: int
    inbox_id: int
    channel: Channel
    ticket_id: int | None
    chat_id: int | None
    user_id: int | None


async def _moments(session: AsyncSession) -> list[Moment]:
    m = MetricMoment
    rows = await session.execute(
        select(m.id, m.kind, m.quarter, m.inbox_id, m.channel, m.ticket_id, m.chat_id, m.user_id)
    )
    return [Moment(*row) for row in rows]


def _answerers(moments: list[Moment], moment: Moment) -> set[int]:
    """The definition: the agents with a response or a chat join in the moment's conversation
    (its chat when it has one, else its ticket)."""
    if moment.chat_id is not None:
        same = [o for o in moments if o.chat_id == moment.chat_id]
    elif moment.ticket_id is not None:
        same = [o for o in moments if o.ticket_id == moment.ticket_id]
    else:
        same = []
    return {o.user_id for o in same if o.kind in ANSWERING and o.user_id is not None}


def _expected_rows(moments: list[Moment]) -> set[tuple[Any, ...]]:
    return {
        (user_id, m.kind.value, m.quarter, m.inbox_id, m.channel.value, m.id)
        for m in moments
        if m.kind in BELONGING
        for user_id in _answerers(moments, m)
    }


async def _kept_rows(session: AsyncSession) -> set[tuple[Any, ...]]:
    a = AnsweredMoment
    rows = await session.execute(
        select(a.user_id, a.kind, a.quarter, a.inbox_id, a.channel, a.moment_id)
    )
    return {tuple(row) for row in rows}


def _expected_counts(
    moments: list[Moment], report: ReportFilter, labelled: tuple[set[int], set[int]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    start, end = report.bounds()
    low, high = quarter_of(start), math.ceil(end.timestamp() / QUARTER_SECONDS)
    tickets, chats = labelled
    counts: Counter[tuple[str, str, int]] = Counter()
    cells: Counter[tuple[int, int]] = Counter()
    for m in moments:
        if m.kind != MomentKind.created or not low <= m.quarter < high:
            continue
        if report.inbox_id not in (None, m.inbox_id) or report.channel not in (None, m.channel):
            continue
        if report.agent_id is not None and report.agent_id not in _answerers(moments, m):
            continue
        if report.label_id is not None and m.ticket_id not in tickets and m.chat_id not in chats:
            continue
        local = datetime.fromtimestamp(m.quarter * QUARTER_SECONDS, UTC).astimezone(report.zone)
        counts[local.date().isoformat(), m.channel.value, m.inbox_id] += 1
        cells[local.weekday(), local.hour] += 1
    volume = [
        {"day": d, "channel": c, "inbox_id": i, "conversations": n}
        for (d, c, i), n in sorted(counts.items())
    ]
    hours = [
        {"weekday": d, "hour": h, "conversations": cells[d, h]} for d in range(7) for h in range(24)
    ]
    return volume, hours


async def _history(session: AsyncSession, rng: random.Random) -> dict[str, Any]:
    desk = await random_desk(session, domain="answered.test", tickets=40, first_number=10_000)
    inboxes, agents, tickets = desk.inboxes, desk.agents, desk.tickets
    chats = []
    for n in range(20):
        visitor = Visitor(inbox_id=inboxes[n % 2], token_hash=uuid.uuid4().hex)
        session.add(visitor)
        await session.flush()
        chat = Chat(inbox_id=inboxes[n % 2], visitor_id=visitor.id)
        session.add(chat)
        await session.flush()
        chats.append(chat.id)
    labels = [(await labels_service.create_label(session, name=f"label {n}")).id for n in range(2)]
    for labelled in rng.sample(tickets, 15):
        await session.execute(
            insert(ticket_labels).values(ticket_id=labelled, label_id=rng.choice(labels))
        )
    for labelled in rng.sample(chats, 8):
        await session.execute(
            insert(chat_labels).values(chat_id=labelled, label_id=rng.choice(labels))
        )
    first = datetime(2025, 12, 30, tzinfo=UTC).timestamp()
    last = datetime(2027, 1, 2, tzinfo=UTC).timestamp()
    for _ in range(1_500):
        at = datetime.fromtimestamp(rng.uniform(first, last), UTC)
        kind = rng.choice(KINDS)
        # A chat (half of them already written to a ticket of their own), or a ticket.
        chat_id: int | None
        ticket_id: int | None
        if rng.random() < 0.4:
            n = rng.randrange(len(chats))
            chat_id, ticket_id = chats[n], tickets[n] if n < 10 else None
        else:
            chat_id, ticket_id = None, rng.choice(tickets[20:])
        acted = kind not in BELONGING and kind != MomentKind.customer_message
        session.add(
            MetricMoment(
                kind=kind,
                at=at,
                quarter=quarter_of(at),
                inbox_id=rng.choice(inboxes),
                channel=rng.choice(list(Channel)),
                ticket_id=ticket_id,
                chat_id=chat_id,
                user_id=rng.choice(agents) if acted else None,
            )
        )
    return {
        "inboxes": inboxes,
        "agents": agents,
        "tickets": tickets,
        "chats": chats,
        "labels": labels,
    }


async def _change(session: AsyncSession, rng: random.Random, made: dict[str, Any]) -> None:
    """What happens to moments after they are written, each through the database as the app
    (or a cascade) does it."""
    m = MetricMoment
    ids = sorted(await session.scalars(select(m.id)))
    await session.execute(delete(m).where(m.id.in_(rng.sample(ids, 120))))
    ids = sorted(await session.scalars(select(m.id)))
    moved = rng.sample(ids, 160)
    await session.execute(update(m).where(m.id.in_(moved[:60])).values(inbox_id=made["inboxes"][0]))
    # Moments moved to another ticket (a merge), and shifted in time.
    await session.execute(
        update(m).where(m.id.in_(moved[60:100])).values(ticket_id=made["tickets"][25])
    )
    await session.execute(update(m).where(m.id.in_(moved[100:])).values(quarter=m.quarter + 7))
    # A chat ends: its moments learn their ticket's id.
    chats, tickets = made["chats"], made["tickets"]
    await session.execute(update(m).where(m.chat_id == chats[12]).values(ticket_id=tickets[12]))
    # A chat deleted: its moments lose it (SET NULL) and stay with their ticket.
    await session.execute(delete(Chat).where(Chat.id == chats[3]))
    # A ticket deleted: its moments go with it (CASCADE).
    await session.execute(delete(Ticket).where(Ticket.id == tickets[30]))
    # An agent deleted: their moments lose them (SET NULL).
    await session.execute(delete(User).where(User.id == made["agents"][3]))


async def test_answered_rows_and_filters_equal_the_definitions(database_url: str) -> None:
    rng = random.Random(36)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with unit_of_work(sessions) as session:
            made = await _history(session, rng)
        async with unit_of_work(sessions) as session:
            moments = await _moments(session)
            assert await _kept_rows(session) == _expected_rows(moments)
        async with unit_of_work(sessions) as session:
            await _change(session, rng, made)
        async with unit_of_work(sessions) as session:
            moments = await _moments(session)
            expected = _expected_rows(moments)
            # Conversations answered by two agents, and rows the changes must have taken away.
            by_moment = Counter(row[-1] for row in expected)
            assert any(n >= 2 for n in by_moment.values())
            assert len(expected) > 200
            assert await _kept_rows(session) == expected
            labelled = {
                label_id: (
                    set(
                        await session.scalars(
                            select(ticket_labels.c.ticket_id).where(
                                ticket_labels.c.label_id == label_id
                            )
                        )
                    ),
                    set(
                        await session.scalars(
                            select(chat_labels.c.chat_id).where(chat_labels.c.label_id == label_id)
                        )
                    ),
                )
                for label_id in made["labels"]
            }
            m = MetricMoment
            filters: list[dict[str, Any]] = [
                *({"agent_id": a} for a in made["agents"][:3]),
                {"agent_id": made["agents"][0], "inbox_id": made["inboxes"][1]},
                {"agent_id": made["agents"][1], "channel": Channel.chat},
                *({"label_id": label} for label in made["labels"]),
                {"label_id": made["labels"][0], "agent_id": made["agents"][2]},
            ]
            for zone in ZONES:
                for since, until in RANGES:
                    for extra in filters:
                        report = ReportFilter(since=since, until=until, time_zone=zone, **extra)
                        where = f"{zone} {since}..{until} {extra}"
                        marks = labelled.get(report.label_id or 0, (set(), set()))
                        volume, hours = _expected_counts(moments, report, marks)
                        assert await service.volume(session, report) == volume, where
                        assert await service.busiest_hours(session, report) == hours, where
            # Every kind's moments under each filter, as the other figures read them.
            start, end = RANGES[0]
            for kind in MomentKind:
                for extra in filters:
                    report = ReportFilter(since=start, until=end, **extra)
                    low, high = (
                        quarter_of(report.bounds()[0]),
                        math.ceil(report.bounds()[1].timestamp() / QUARTER_SECONDS),
                    )
                    if kind == MomentKind.customer_message and report.agent_id is not None:
                        # Nobody's answer, and no figure counts them by agent.
                        with pytest.raises(ValueError, match="agent filter"):
                            service._moments(kind, report, m.id)
                        continue
                    found = set(await session.scalars(service._moments(kind, report, m.id)))
                    tickets, chats = labelled.get(report.label_id or 0, (set(), set()))
                    want = {
                        o.id
                        for o in moments
                        if o.kind == kind
                        and low <= o.quarter < high
                        and report.inbox_id in (None, o.inbox_id)
                        and report.channel in (None, o.channel)
                        and (
                            report.label_id is None or o.ticket_id in tickets or o.chat_id in chats
                        )
                        and (
                            report.agent_id is None
                            or (
                                report.agent_id == o.user_id
                                if kind not in BELONGING
                                else report.agent_id in _answerers(moments, o)
                            )
                        )
                    }
                    assert found == want, f"{kind} {extra}"
    finally:
        await engine.dispose()

    # The migration fills the same rows from the moments as the triggers kept.
    await asyncio.to_thread(downgrade, database_url, "0034")
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            a = AnsweredMoment
            rows = await connection.execute(
                select(a.user_id, a.kind, a.quarter, a.inbox_id, a.channel, a.moment_id)
            )
            assert {tuple(row) for row in rows} == expected
    finally:
        await engine.dispose()
