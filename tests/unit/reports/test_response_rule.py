"""What counts as a response (docs/reports.md): an agent's answer to a waiting customer; a second
agent message with nobody waiting answers nothing. And the percentiles, now ranked in SQL, read
the same values as the definition (`spread`) on both stores."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import insert

from frontdesk.db.session import unit_of_work
from frontdesk.metrics.models import MetricMoment, MomentKind, quarter_of
from frontdesk.reports import service
from tests.clock import FrozenClock
from tests.conftest import Desk
from tests.mail.support import post_mime, reply_mail
from tests.unit.reports.history import SUPPORT, _ok, _say, app_client, at

DAY = {"since": "2026-11-11", "until": "2026-11-11", "time_zone": "UTC"}


async def test_two_agent_messages_in_a_row_are_one_response(
    app: FastAPI, desk: Desk, visitors: Any, monkeypatch: Any
) -> None:
    clock = FrozenClock(monkeypatch, at(8, day=11))
    inbox = await desk.inbox(name="Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await _ok(await ada.client.put("/api/v1/me/availability", json={"available": True}))

    # A chat: Ada joins at 09:00:10, writes at 09:00:40 (the response, 40 s) and again at 09:01.
    clock.set(at(9, day=11))
    marie = await visitors(inbox)
    chat = await marie.start_chat("Hello")
    clock.set(at(9, 0, 10, day=11))
    await _ok(await ada.client.post(f"/api/v1/chats/{chat['id']}/join"))
    clock.set(at(9, 0, 40, day=11))
    await _say(ada.client, chat["id"], "Hi, looking")
    clock.set(at(9, 1, day=11))
    await _say(ada.client, chat["id"], "One more thing")

    # An email at 12:00: Ada replies at 12:10 (600 s) and at 12:20 (nobody waiting any more).
    clock.set(at(12, day=11))
    received = await _ok(
        await post_mime(
            app_client(ada), reply_mail(to=SUPPORT, text="Order?", subject="Order"), to=[SUPPORT]
        )
    )
    for minute in (10, 20):
        clock.set(at(12, minute, day=11))
        await _ok(
            await ada.client.post(
                f"/api/v1/tickets/{received['ticket_id']}/replies", json={"text": "Soon"}
            )
        )

    response = await ada.client.get("/api/v1/reports/times", params=DAY)
    assert response.status_code == 200, response.text
    times = {r["figure"]: r for r in response.json()}
    assert (times["response"]["count"], times["response"]["median_seconds"]) == (2, 320.0)
    assert times["response"]["p90_seconds"] == 600.0
    assert (times["first_response"]["count"], times["first_response"]["p90_seconds"]) == (2, 600.0)


async def test_percentiles_ranked_in_sql_match_the_definition(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox(name="Support")
    agents = [await desk.agent(inboxes=[inbox], name=name) for name in ("Ada", "Bob", "Cy")]
    start = datetime(2026, 11, 11, tzinfo=UTC)
    rng = random.Random(15)
    # Per agent: an odd count, an even count and a single value; with ties and fractions.
    sizes = {agents[0].id: 7, agents[1].id: 10, agents[2].id: 1}
    values: dict[int, list[float]] = {
        uid: [float(rng.choice([5, 5, 60, 61.5, 3600, 90_000])) for _ in range(n)]
        for uid, n in sizes.items()
    }
    rows = [
        {
            "kind": MomentKind.first_response.value,
            "at": start + timedelta(minutes=i),
            "quarter": quarter_of(start + timedelta(minutes=i)),
            "inbox_id": inbox["id"],
            "channel": "email",
            "user_id": uid,
            "seconds": seconds,
        }
        for uid, seconds_list in values.items()
        for i, seconds in enumerate(seconds_list)
    ]
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(insert(MetricMoment), rows)
    report = service.ReportFilter(since=date(2026, 11, 11), until=date(2026, 11, 11))
    m = MetricMoment
    query = service._moments(MomentKind.first_response, report, m.user_id)
    async with unit_of_work(app.state.sessionmaker) as session:
        per_agent = await service._spreads(session, query, m.seconds, m.user_id)
        # The label filter's path reads the values and ranks them in Python: same answer.
        read_all = await service._spreads(session, query, m.seconds, m.user_id, labelled=True)
        overall = await service._spread(session, query, m.seconds)
        nothing = await service._spread(
            session, service._moments(MomentKind.solved, report, m.user_id), m.seconds
        )
    assert per_agent == read_all == {uid: service.spread(v) for uid, v in values.items()}
    assert overall == service.spread([v for vs in values.values() for v in vs])
    assert nothing == service.Spread(0, None, None)
