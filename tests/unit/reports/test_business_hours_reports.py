"""Response and resolution times in business hours (docs/reports.md, "Business hours"): each
timed moment keeps its business seconds, counted in its inbox's calendar when it is recorded,
and the reports read them with `hours=business`, exactly, on both stores.

The Support inbox is open Monday to Friday, 09:00-17:00 London time (UTC+0 in November);
2026-11-13 is a Friday."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.metrics.models import MetricCount, MetricMoment, MetricSeconds
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.unit.reports.business_history import (
    FRIDAY_TO_MONDAY,
    SALES,
    SUPPORT,
    answer_and_close,
    at,
    build_four,
    mail,
    ok,
    open_weekdays,
)

RANGE = {"since": "2026-11-13", "until": "2026-11-20", "time_zone": "UTC"}


async def _get(agent: Agent, path: str, **params: Any) -> Any:
    return await ok(await agent.client.get(f"/api/v1/reports/{path}", params=RANGE | params))


def _times(rows: list[dict[str, Any]]) -> dict[str, tuple[int, Any, Any]]:
    return {r["figure"]: (r["count"], r["median_seconds"], r["p90_seconds"]) for r in rows}


async def test_friday_evening_to_monday_morning_is_five_business_minutes(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, at(13, 12))
    support = await desk.inbox(name="Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[support], name="Ada")
    olga = await desk.agent(role="owner", inboxes=[support], name="Olga")
    await open_weekdays(olga, support)

    clock.set(at(13, 18))  # Friday 18:00, an hour after closing
    ticket = await mail(ada, SUPPORT, "cora@example.org", "Order")
    clock.set(at(16, 9, 5))  # Monday 09:05
    await answer_and_close(ada, ticket)
    clock.set(at(20, 12))

    business = _times(await _get(olga, "times", hours="business"))
    assert business["first_response"] == (1, 300.0, 300.0)
    assert business["response"] == (1, 300.0, 300.0)
    assert business["resolution"] == (1, 300.0, 300.0)
    # The default, and asked for: every second on the wall.
    for calendar in (await _get(olga, "times"), await _get(olga, "times", hours="calendar")):
        wall = float(FRIDAY_TO_MONDAY)
        assert _times(calendar)["first_response"] == (1, wall, wall)
        assert _times(calendar)["resolution"] == (1, wall, wall)

    (row,) = await _get(olga, "agents", hours="business")
    assert (row["first_response_median_seconds"], row["first_response_p90_seconds"]) == (300, 300)
    (row,) = await _get(olga, "agents")
    assert row["first_response_median_seconds"] == FRIDAY_TO_MONDAY

    # The CSV follows the parameter.
    response = await olga.client.get(
        "/api/v1/reports/times.csv", params=RANGE | {"hours": "business"}
    )
    rows = {r["figure"]: r for r in csv.DictReader(io.StringIO(response.text))}
    assert rows["first_response"]["median_seconds"] == "300.0"
    response = await olga.client.get(
        "/api/v1/reports/agents.csv", params=RANGE | {"hours": "business"}
    )
    (agent_row,) = csv.DictReader(io.StringIO(response.text))
    assert agent_row["first_response_median_seconds"] == "300.0"
    # The drill-down takes it too: the same tickets behind the figure.
    tickets = await _get(olga, "tickets", figure="first_response", hours="business")
    assert [t["id"] for t in tickets] == [ticket]
    # Anything else is a 422 naming the parameter.
    bad = await olga.client.get("/api/v1/reports/times", params=RANGE | {"hours": "office"})
    assert bad.status_code == 422
    assert "hours" in bad.text


async def test_an_inbox_without_hours_counts_every_second(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, at(13, 18))
    sales = await desk.inbox(name="Sales", email_address=SALES)
    ada = await desk.agent(inboxes=[sales], name="Ada")
    olga = await desk.agent(role="owner", inboxes=[sales], name="Olga")
    ticket = await mail(ada, SALES, "cora@example.org", "Quote")
    clock.set(at(16, 9, 5))
    await answer_and_close(ada, ticket)

    wall = float(FRIDAY_TO_MONDAY)
    for hours in ("business", "calendar"):
        times = _times(await _get(olga, "times", hours=hours))
        assert times["first_response"] == (1, wall, wall)
        assert times["resolution"] == (1, wall, wall)
    m = MetricMoment
    async with app.state.sessionmaker() as session:
        kept = await session.execute(
            select(m.kind, m.business_seconds).where(m.business_seconds.is_not(None))
        )
        assert sorted(kept) == [("first_response", wall), ("response", wall), ("solved", wall)]


async def test_a_ticket_moved_counts_in_the_hours_of_the_inbox_that_answered(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/reports.md: a moved ticket's later moments are the new inbox's, and its clock is not
    reset: the whole wait counts, in the new inbox's hours."""
    clock = FrozenClock(monkeypatch, at(13, 12))
    support = await desk.inbox(name="Support", email_address=SUPPORT)
    sales = await desk.inbox(name="Sales", email_address=SALES)
    ada = await desk.agent(inboxes=[support, sales], name="Ada")
    olga = await desk.agent(role="owner", inboxes=[support, sales], name="Olga")
    await open_weekdays(olga, support)

    clock.set(at(13, 18))
    into_support = await mail(ada, SALES, "cora@example.org", "Refund")
    into_sales = await mail(ada, SUPPORT, "paul@example.org", "Invoice")
    clock.set(at(14, 10))  # Saturday: each goes to the other inbox
    for ticket, inbox in ((into_support, support), (into_sales, sales)):
        moved = await ada.client.patch(f"/api/v1/tickets/{ticket}", json={"inbox_id": inbox["id"]})
        assert moved.status_code == 200, moved.text
    clock.set(at(16, 9, 5))
    await answer_and_close(ada, into_support)
    await answer_and_close(ada, into_sales)

    in_support = _times(await _get(olga, "times", hours="business", inbox_id=support["id"]))
    assert in_support["first_response"] == (1, 300.0, 300.0)
    in_sales = _times(await _get(olga, "times", hours="business", inbox_id=sales["id"]))
    wall = float(FRIDAY_TO_MONDAY)
    assert in_sales["first_response"] == (1, wall, wall)


async def test_a_merged_ticket_brings_its_waiting_in_business_hours(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/reports.md, "Merges and splits": B's customer waits since Friday 18:00; merged into
    A, the answer on A on Monday 09:05 is a response since then, 5 business minutes."""
    clock = FrozenClock(monkeypatch, at(13, 12))
    support = await desk.inbox(name="Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[support], name="Ada")
    olga = await desk.agent(role="owner", inboxes=[support], name="Olga")
    await open_weekdays(olga, support)
    kept = await mail(ada, SUPPORT, "cora@example.org", "Order")
    clock.set(at(13, 12, 10))
    body = {"text": "On its way"}
    await ok(await ada.client.post(f"/api/v1/tickets/{kept}/replies", json=body))
    clock.set(at(13, 18))
    merged = await mail(ada, SUPPORT, "cora@example.org", "Another question")
    clock.set(at(14, 10))
    into = {"into_ticket_id": kept}
    await ok(await ada.client.post(f"/api/v1/tickets/{merged}/merge", json=into))
    clock.set(at(16, 9, 5))
    await ok(await ada.client.post(f"/api/v1/tickets/{kept}/replies", json={"text": "Both"}))

    # Responses: A's own 600 s (Friday 12:00 to 12:10, open), and B's customer's on A.
    business = _times(await _get(olga, "times", hours="business"))
    assert business["response"] == (2, 450.0, 600.0)
    wall = _times(await _get(olga, "times"))
    assert wall["response"] == (2, (600 + FRIDAY_TO_MONDAY) / 2, float(FRIDAY_TO_MONDAY))


async def test_a_chat_answered_after_closing_time(
    desk: Desk, visitors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chat writer's own statements (metrics/clock_rows.py) record the business seconds too;
    the chat's wait stays wall-clock whatever is asked (chats happen in business hours)."""
    clock = FrozenClock(monkeypatch, at(16, 12))
    support = await desk.inbox(name="Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[support], name="Ada")
    olga = await desk.agent(role="owner", inboxes=[support], name="Olga")
    await open_weekdays(olga, support)
    await ok(await ada.client.put("/api/v1/me/availability", json={"available": True}))

    clock.set(at(16, 16, 58))  # Monday, two minutes before closing
    marie = await visitors(support)
    chat = await marie.start_chat("Still there?")
    clock.set(at(16, 17, 1))
    await ok(await ada.client.post(f"/api/v1/chats/{chat['id']}/join"))
    clock.set(at(16, 17, 2))
    await ok(await ada.client.post(f"/api/v1/chats/{chat['id']}/messages", json={"text": "Yes"}))
    clock.set(at(16, 17, 10))
    await ok(await ada.client.post(f"/api/v1/chats/{chat['id']}/end"))

    business = _times(await _get(olga, "times", hours="business"))
    assert business["first_response"] == (1, 120.0, 120.0)
    assert business["resolution"] == (1, 120.0, 120.0)
    assert business["chat_wait"] == (1, 180.0, 180.0)
    calendar = _times(await _get(olga, "times"))
    assert calendar["first_response"] == (1, 240.0, 240.0)
    assert calendar["resolution"] == (1, 720.0, 720.0)
    assert calendar["chat_wait"] == (1, 180.0, 180.0)


async def test_percentiles_in_business_hours_are_exact(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Median (the mean of the two middle values for an even count) and the 90th percentile's
    nearest rank, of the business seconds, under each filter the reports take."""
    built = await build_four(desk, FrozenClock(monkeypatch, at(13, 12)))
    olga, ada, bob = built["olga"], built["ada"], built["bob"]

    every = _times(await _get(olga, "times", hours="business"))
    # 120, 300, 2400, 4200: median (300 + 2400) / 2, p90 rank ceil(3.6) = 4.
    for figure in ("first_response", "response", "resolution"):
        assert every[figure] == (4, 1350.0, 4200.0), figure
    wall = _times(await _get(olga, "times"))
    # 300, 60000, 61800, 230520.
    assert wall["first_response"] == (4, 60900.0, 230520.0)

    inbox = _times(await _get(olga, "times", hours="business", inbox_id=built["inbox"]["id"]))
    assert inbox["first_response"] == (4, 1350.0, 4200.0)
    email = _times(await _get(olga, "times", hours="business", channel="email"))
    assert email["resolution"] == (4, 1350.0, 4200.0)
    # Ada: 4200, 300. Bob: 120, 2400.
    of_ada = _times(await _get(olga, "times", hours="business", agent_id=ada.id))
    assert of_ada["first_response"] == (2, 2250.0, 4200.0)
    both = {"agent_id": bob.id, "inbox_id": built["inbox"]["id"]}
    of_bob = _times(await _get(olga, "times", hours="business", **both))
    assert of_bob["response"] == (2, 1260.0, 2400.0)
    # vip: 4200, 120, 2400 -> median 2400, p90 rank ceil(2.7) = 3.
    vip = _times(await _get(olga, "times", hours="business", label_id=built["vip"]))
    assert vip["first_response"] == (3, 2400.0, 4200.0)
    assert vip["resolution"] == (3, 2400.0, 4200.0)
    vip_bob = _times(
        await _get(olga, "times", hours="business", label_id=built["vip"], agent_id=bob.id)
    )
    assert vip_bob["first_response"] == (2, 1260.0, 2400.0)

    rows = {r["agent"]: r for r in await _get(olga, "agents", hours="business")}
    assert (rows["Ada"]["first_response_median_seconds"], rows["Ada"]["tickets_closed"]) == (
        2250.0,
        2,
    )
    assert rows["Ada"]["first_response_p90_seconds"] == 4200.0
    assert rows["Bob"]["first_response_median_seconds"] == 1260.0
    filtered = await _get(olga, "agents", hours="business", inbox_id=built["inbox"]["id"])
    assert {r["agent"]: r["first_response_median_seconds"] for r in filtered} == {
        "Ada": 2250.0,
        "Bob": 1260.0,
    }
    labelled = await _get(olga, "agents", hours="business", label_id=built["vip"])
    assert {r["agent"]: r["first_response_median_seconds"] for r in labelled} == {
        "Ada": 4200.0,
        "Bob": 1260.0,
    }
    # An agent reads their own, in business hours too.
    (own,) = await _get(ada, "agents", hours="business")
    assert own["first_response_median_seconds"] == 2250.0


async def _stored(app: FastAPI) -> tuple[list[Any], list[Any], list[Any]]:
    m = MetricMoment
    async with app.state.sessionmaker() as session:
        moments = sorted(
            tuple(row)
            for row in await session.execute(select(m.id, m.kind, m.seconds, m.business_seconds))
        )
        seconds = sorted(
            tuple(row) for row in await session.execute(select(*MetricSeconds.__table__.c))
        )
        counts = sorted(
            tuple(row) for row in await session.execute(select(*MetricCount.__table__.c))
        )
    return moments, seconds, counts


async def test_the_migration_fills_stored_moments_as_recorded(
    app: FastAPI, database_url: str, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0099 fills the business seconds of the moments already stored with the
    inboxes' calendars: the same values as recorded live (the hours did not change), every
    second for an inbox without hours; the roll-ups and histograms are left as they were."""
    clock = FrozenClock(monkeypatch, at(13, 12))
    await build_four(desk, clock)
    olga = await desk.agent(role="owner", name="Olga2")
    sales = await desk.inbox(name="Sales", email_address=SALES, members=[olga])
    clock.set(at(13, 18))
    ticket = await mail(olga, SALES, "zoe@example.org", "Quote")
    clock.set(at(16, 9, 5))
    await answer_and_close(olga, ticket)
    live = await _stored(app)
    timed = [row for row in live[0] if row[3] is not None]
    assert len(timed) == 15  # 5 tickets: a response, a first response and a close each
    assert any(row[2] != row[3] for row in timed)  # the hours made a difference
    await app.state.engine.dispose()

    await asyncio.to_thread(downgrade, database_url, "0098")
    await asyncio.to_thread(upgrade, database_url)

    assert await _stored(app) == live
    m = MetricMoment
    async with app.state.sessionmaker() as session:
        wall = await session.scalars(
            select(m.business_seconds).where(m.inbox_id == sales["id"], m.kind == "first_response")
        )
        assert list(wall) == [float(FRIDAY_TO_MONDAY)]
