"""The running timer over HTTP (docs/desk.md, "Time tracking"): one per agent, on the server (a
second tab reads it), started elsewhere it stops and logs the first, rounded up to the minute;
stop logs, discard does not; and two requests at once leave one timer and one entry, on both
stores."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from frontdesk.timetracking.models import RunningTimer, TimeEntry
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Desk, Published
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@SQLITE_ONLY
async def test_a_timer_runs_on_the_server_and_logs_whole_minutes(
    app: FastAPI, desk: Desk, published: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    other_device = await desk.login(agent.user)
    first = await new_ticket(agent.client, inbox, subject="First")
    second = await new_ticket(agent.client, inbox, subject="Second")
    assert (await agent.client.get("/api/v1/me/timer")).json() == {"timer": None}

    published.clear()
    started = await agent.client.post(f"/api/v1/tickets/{first['id']}/timer")
    assert started.status_code == 200, started.text
    assert started.json()["stopped"] is None
    assert [m.topics for m in published.messages if m.envelope.type == "timer.changed"] == [
        [f"agent:{agent.id}"]
    ]
    clock.advance(seconds=20)
    # The other device sees it running; a second click there changes nothing.
    seen = (await other_device.client.get("/api/v1/me/timer")).json()["timer"]
    assert (seen["ticket_id"], seen["elapsed_seconds"]) == (first["id"], 20)
    again = await other_device.client.post(f"/api/v1/tickets/{first['id']}/timer")
    assert again.json()["timer"]["started_at"] == started.json()["timer"]["started_at"]

    # Starting on another ticket stops the first: 20 seconds log 1 minute.
    moved = await agent.client.post(f"/api/v1/tickets/{second['id']}/timer")
    stopped = moved.json()["stopped"]
    assert (stopped["entry"]["ticket_id"], stopped["entry"]["minutes"]) == (first["id"], 1)
    assert moved.json()["timer"]["ticket_id"] == second["id"]

    clock.advance(minutes=61, seconds=1)  # 61 min 1 s: 62 minutes
    done = await agent.client.post("/api/v1/me/timer/stop", json={"note": "Fix", "billable": False})
    assert done.status_code == 200, done.text
    entry = done.json()["entry"]
    assert (entry["minutes"], entry["note"], entry["billable"], entry["day"]) == (
        62,
        "Fix",
        False,
        "2026-03-09",
    )
    assert done.json()["time_spent_minutes"] == 62
    error_of(await agent.client.post("/api/v1/me/timer/stop", json={}), 404, "no_timer")

    # Discarded: nothing logged.
    await agent.client.post(f"/api/v1/tickets/{first['id']}/timer")
    clock.advance(minutes=5)
    assert (await agent.client.delete("/api/v1/me/timer")).status_code == 204
    assert (await agent.client.get("/api/v1/me/timer")).json() == {"timer": None}
    assert await count_rows(app, TimeEntry) == 2

    # A ticket the agent does not see has no timer for them.
    outsider = await desk.agent(inboxes=[await desk.inbox(name="Other")])
    error_of(await outsider.client.post(f"/api/v1/tickets/{first['id']}/timer"), 404)


async def test_two_clicks_at_once_leave_one_timer_and_one_entry(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    tab = await desk.login(agent.user)
    first = await new_ticket(agent.client, inbox, subject="First")
    second = await new_ticket(agent.client, inbox, subject="Second")

    starts = await asyncio.gather(
        agent.client.post(f"/api/v1/tickets/{first['id']}/timer"),
        tab.client.post(f"/api/v1/tickets/{first['id']}/timer"),
    )
    assert [r.status_code for r in starts] == [200, 200], [r.text for r in starts]
    assert await count_rows(app, RunningTimer) == 1
    # Two tabs move it to the second ticket at once: the first is logged once.
    moves = await asyncio.gather(
        agent.client.post(f"/api/v1/tickets/{second['id']}/timer"),
        tab.client.post(f"/api/v1/tickets/{second['id']}/timer"),
    )
    assert [r.status_code for r in moves] == [200, 200], [r.text for r in moves]
    assert sorted(r.json()["stopped"] is None for r in moves) == [False, True]
    stops = await asyncio.gather(
        agent.client.post("/api/v1/me/timer/stop", json={}),
        tab.client.post("/api/v1/me/timer/stop", json={}),
    )
    assert sorted(r.status_code for r in stops) == [200, 404], [r.text for r in stops]
    assert await count_rows(app, RunningTimer) == 0
    assert await count_rows(app, TimeEntry) == 2
