"""Time online per agent (docs/reports.md): online from a change to available until the next
change to unavailable, the range's end or now, the last change before the range counting from
its start. On random availability logs with instants to the microsecond, repeated changes and
changes at the range's edges (ranges in the past: "now" is the service's own), the seconds
equal those replayed from the log in Python with datetimes, to the last bit, on both stores."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker

from frontdesk.chats.models import AvailabilityChange
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.reports import service
from frontdesk.reports.service import ReportFilter
from frontdesk.users import service as users_service

Log = list[tuple[int, bool, datetime]]


def _expected(log: Log, report: ReportFilter) -> dict[int, float]:
    start, end = report.bounds()
    end = min(end, datetime.now(UTC))
    steps: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
    last_before: dict[int, datetime] = {}
    for user_id, _available, at in log:
        if at < start and at > last_before.get(user_id, datetime.min.replace(tzinfo=UTC)):
            last_before[user_id] = at
    for user_id, available, at in sorted(log, key=lambda c: (c[0], c[2])):
        if start <= at < end or last_before.get(user_id) == at:
            steps[user_id].append((max(at, start), available))
    totals: dict[int, float] = {}
    for user_id, changes in steps.items():
        total, since = 0.0, None
        for at, available in changes:
            if available and since is None:
                since = at
            elif not available and since is not None:
                total += (at - since).total_seconds()
                since = None
        if since is not None and end > since:
            total += (end - since).total_seconds()
        totals[user_id] = total
    return totals


async def test_time_online_equals_the_log_replayed(database_url: str) -> None:
    rng = random.Random(7)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ranges = [
        ReportFilter(since=date(2025, 12, 1), until=date(2026, 11, 30), time_zone="Europe/Paris"),
        ReportFilter(since=date(2026, 3, 20), until=date(2026, 4, 10), time_zone="Asia/Kathmandu"),
        ReportFilter(since=date(2026, 6, 14), until=date(2026, 6, 14)),
    ]
    log: Log = []
    try:
        async with unit_of_work(sessions) as session:
            agents = [
                (
                    await users_service.create_user(
                        session, email=f"agent{n}@online.test", name=f"Agent {n}", password=None
                    )
                ).id
                for n in range(3)
            ]
            first = datetime(2025, 11, 1, tzinfo=UTC).timestamp()
            last = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
            instants = [datetime.fromtimestamp(rng.uniform(first, last), UTC) for _ in range(600)]
            # Changes exactly at a range's start and end, and whole seconds.
            for report in ranges:
                start, end = report.bounds()
                instants += [start, end, start - timedelta(microseconds=1)]
            instants += [
                datetime(2026, 6, 14, 9, tzinfo=UTC),
                datetime(2026, 6, 14, 17, tzinfo=UTC),
            ]
            for at in instants:
                change = (rng.choice(agents), rng.random() < 0.55, at)
                log.append(change)
                session.add(
                    AvailabilityChange(
                        user_id=change[0], available=change[1], reason="self", at=change[2]
                    )
                )
        async with unit_of_work(sessions) as session:
            assert any(at.microsecond for _, _, at in log)
            online: list[float] = []
            for report in ranges:
                for agent_id in (None, agents[1]):
                    checked = ReportFilter(
                        since=report.since,
                        until=report.until,
                        time_zone=report.time_zone,
                        agent_id=agent_id,
                    )
                    want = _expected(log, checked)
                    if agent_id is not None:
                        want = {k: v for k, v in want.items() if k == agent_id}
                    found = await service.time_online(session, checked)
                    assert found == want, f"{checked}"
                    online += [v for v in found.values() if v > 0]
            # Agents online across the ranges, some for fractions of a second.
            assert len(online) >= 6
            assert any(v != int(v) for v in online)
    finally:
        await engine.dispose()
