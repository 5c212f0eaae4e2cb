"""Each report figure read over HTTP from one known history (tests/unit/reports/history.py,
where the arithmetic is), in three time zones, as CSV, and as each role may see it."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from frontdesk.app import create_app
from tests.clock import FrozenClock
from tests.conftest import Desk, _empty, sqlite_copy
from tests.unit.reports.history import (
    RANGE,
    START,
    History,
    Visitors,
    at,
    build,
    by_figure,
    report,
    reports_settings,
)
from tests.unit.support import error_of

# The history is only read here: built once per store for the module's tests, on an app of
# their own (building it is most of each test's time). The test that changes it is in
# test_reports_reopened.py, on a history of its own.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)],
)
def shared_database_url(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The module's database: a copy of the SQLite template, or the worker's PostgreSQL
    database emptied (no other test runs on it until the module is done)."""
    if request.param == "sqlite":
        with sqlite_copy(sqlite_template, tmp_path_factory.mktemp("reports")) as path:
            yield f"sqlite+aiosqlite:///{path}"
        return
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(_empty(url))
    yield url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def history(
    shared_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[History]:
    settings = reports_settings(shared_database_url, tmp_path_factory.mktemp("var"))
    app = create_app(settings, run_loops=False)
    with pytest.MonkeyPatch.context() as monkeypatch:
        async with app.router.lifespan_context(app):
            desk = Desk(app)
            async with Visitors(app) as visitors:
                clock = FrozenClock(monkeypatch, START)
                built = await build(app, desk, visitors, clock)
                # Read the reports a week later; Bob is still online, so his time runs to the
                # range's end.
                clock.set(at(12, day=18))
                yield built
            await desk.close()


async def test_times_match_the_hand_computed_values(history: History) -> None:
    times = by_figure(await report(history.olga, "times"))
    # First responses: A 90 (Ada), B 180 (Bob), D 3600 (Ada). Median 180; p90 nearest rank 3.
    assert times["first_response"] == (3, 180.0, 3600.0)
    # Responses: A 90, 60; B 180; D 3600, 7200.
    assert times["response"] == (5, 180.0, 7200.0)
    # Resolution to the last close: A 600, B 300, D 14400 (its first close does not count).
    assert times["resolution"] == (3, 600.0, 14400.0)
    # Chat wait until the first join: A 30, B 20 (the transfer does not restart it).
    assert times["chat_wait"] == (2, 25.0, 30.0)
    # Missed chat C waited 300 s before it ended unanswered.
    assert times["missed_chat_wait"] == (1, 300.0, 300.0)


async def test_volume_counts_each_conversation_once_on_its_local_day(history: History) -> None:
    utc = await report(history.olga, "volume")
    assert [(r["day"], r["channel"], r["conversations"]) for r in utc] == [
        ("2026-11-10", "chat", 3),
        ("2026-11-11", "email", 1),
    ]
    paris = await report(history.olga, "volume", time_zone="Europe/Paris")
    # Chat C, 23:30 UTC, is 00:30 the next day in Paris.
    assert [(r["day"], r["channel"], r["conversations"]) for r in paris] == [
        ("2026-11-10", "chat", 2),
        ("2026-11-11", "chat", 1),
        ("2026-11-11", "email", 1),
    ]
    la = await report(history.olga, "volume", time_zone="America/Los_Angeles")
    # In Los Angeles it is 15:30 the same day; D (12:00 UTC) is 04:00 on the 11th.
    assert [(r["day"], r["channel"], r["conversations"]) for r in la] == [
        ("2026-11-10", "chat", 3),
        ("2026-11-11", "email", 1),
    ]


async def test_a_one_day_range_ends_at_the_viewers_midnight(history: History) -> None:
    params = {"since": "2026-11-10", "until": "2026-11-10"}
    paris = await report(history.olga, "volume", time_zone="Europe/Paris", **params)
    assert sum(r["conversations"] for r in paris) == 2  # C fell on the 11th in Paris
    la = await report(history.olga, "volume", time_zone="America/Los_Angeles", **params)
    assert sum(r["conversations"] for r in la) == 3


async def test_busiest_hours_place_each_conversation_in_its_local_hour(history: History) -> None:
    cells = await report(history.olga, "busiest_hours", time_zone="Europe/Paris")
    assert len(cells) == 7 * 24
    busy = {(c["weekday"], c["hour"]): c["conversations"] for c in cells if c["conversations"]}
    # Tuesday 10:00 and 11:00 in Paris (A, B), Wednesday 00:00 (C) and 13:00 (D).
    assert busy == {(1, 10): 1, (1, 11): 1, (2, 0): 1, (2, 13): 1}


async def test_agents_figures(history: History) -> None:
    rows = {r["agent"]: r for r in await report(history.olga, "agents")}
    ada, bob = rows["Ada"], rows["Bob"]
    assert (ada["chats"], ada["tickets_replied"], ada["tickets_closed"]) == (2, 2, 2)
    # Bob took chat B over by a transfer and closed it.
    assert (bob["chats"], bob["tickets_replied"], bob["tickets_closed"]) == (1, 1, 1)
    assert ada["first_response_median_seconds"] == (90 + 3600) / 2
    assert bob["first_response_median_seconds"] == 180.0
    # Ada: 08:00 to 18:00 on the 10th. Bob: from 08:00 on the 10th to the range's end
    # (2026-11-13 00:00 UTC): 64 hours.
    assert ada["online_seconds"] == 10 * 3600
    assert bob["online_seconds"] == 64 * 3600
    assert "Olga" not in rows
    # A (good) is about Ada; B (bad) about Ada and Bob.
    assert (ada["ratings"], ada["csat"]) == (2, 0.5)
    assert (bob["ratings"], bob["csat"]) == (1, 0.0)


async def test_csat_over_time_and_its_comments(history: History) -> None:
    days = await report(history.olga, "csat")
    assert days == [{"day": "2026-11-10", "good": 1, "okay": 0, "bad": 1, "csat": 0.5}]
    comments = await report(history.olga, "comments")
    assert [(c["score"], c["comment"]) for c in comments] == [
        ("bad", "=HYPERLINK(1)"),
        ("good", "Quick!"),
    ]
    assert await report(history.olga, "csat", channel="email") == []
    exported = await history.olga.client.get("/api/v1/reports/comments.csv", params=RANGE)
    # A comment that starts like a formula stays text in a spreadsheet.
    assert "'=HYPERLINK(1)" in exported.text


async def test_the_filters_narrow_every_figure(history: History) -> None:
    email = by_figure(await report(history.olga, "times", channel="email"))
    assert email["first_response"] == (1, 3600.0, 3600.0)
    assert email["chat_wait"] == (0, None, None)
    labelled = by_figure(await report(history.olga, "times", label_id=history.label_id))
    assert labelled["first_response"] == (1, 90.0, 90.0)  # only chat A is labelled
    bobs = by_figure(await report(history.olga, "times", agent_id=history.bob.id))
    assert bobs["first_response"] == (1, 180.0, 180.0)
    volume = await report(history.olga, "volume", agent_id=history.bob.id)
    assert sum(r["conversations"] for r in volume) == 1  # B, the one Bob answered
    other = await history.olga.client.get(
        "/api/v1/reports/times", params=RANGE | {"inbox_id": history.inbox["id"] + 999}
    )
    assert by_figure(other.json())["first_response"] == (0, None, None)


async def test_an_agent_sees_only_their_own_figures(history: History) -> None:
    rows = await report(history.bob, "agents", agent_id=history.ada.id)
    assert [r["agent"] for r in rows] == ["Bob"]
    times = by_figure(await report(history.bob, "times"))
    assert times["first_response"] == (1, 180.0, 180.0)
    tickets = await report(history.bob, "tickets", figure="first_response")
    assert [t["id"] for t in tickets] == [history.tickets["B"]]


async def test_a_figure_drills_down_to_its_tickets(history: History) -> None:
    t = history.tickets
    missed = await report(history.olga, "tickets", figure="missed_chats")
    assert [row["id"] for row in missed] == [t["C"]]
    reopened = await report(history.olga, "tickets", figure="reopened")
    assert [row["id"] for row in reopened] == [t["D"]]
    resolved = await report(history.olga, "tickets", figure="resolution")
    assert sorted(row["id"] for row in resolved) == sorted([t["A"], t["B"], t["D"]])
    paris_day = await report(
        history.olga,
        "tickets",
        figure="conversations",
        day="2026-11-11",
        time_zone="Europe/Paris",
    )
    assert sorted(row["id"] for row in paris_day) == sorted([t["C"], t["D"]])
    cell = await report(
        history.olga,
        "tickets",
        figure="conversations",
        weekday=1,
        hour=10,
        time_zone="Europe/Paris",
    )
    assert [row["id"] for row in cell] == [t["A"]]


async def test_each_table_downloads_as_csv(history: History) -> None:
    response = await history.olga.client.get("/api/v1/reports/times.csv", params=RANGE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    first = next(r for r in rows if r["figure"] == "first_response")
    assert first == {
        "figure": "first_response",
        "count": "3",
        "median_seconds": "180.0",
        "p90_seconds": "3600.0",
    }
    for table in ("volume", "busiest_hours", "agents", "csat", "comments"):
        got = await history.olga.client.get(f"/api/v1/reports/{table}.csv", params=RANGE)
        assert got.status_code == 200, table
    missing = await history.olga.client.get("/api/v1/reports/secrets.csv", params=RANGE)
    error_of(missing, 404)


async def test_bad_filters_are_refused_with_a_field(history: History) -> None:
    client = history.olga.client
    zone = await client.get("/api/v1/reports/times", params=RANGE | {"time_zone": "Mars/Base"})
    assert error_of(zone, 422)["fields"][0]["field"] == "time_zone"
    backwards = await client.get(
        "/api/v1/reports/times", params=RANGE | {"since": "2026-11-12", "until": "2026-11-01"}
    )
    assert error_of(backwards, 422)["fields"][0]["field"] == "until"
    figure = await client.get("/api/v1/reports/tickets", params=RANGE | {"figure": "nope"})
    assert error_of(figure, 422)["fields"][0]["field"] == "figure"
