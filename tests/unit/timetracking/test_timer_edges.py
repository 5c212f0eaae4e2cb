"""The timer at its edges (docs/desk.md, "Time tracking"): its ticket moved out of the agent's
sight (nothing of it shown, the timer discarded rather than stuck), or marked spam; a timer
forgotten for hours is not logged by its clock; one started on a merged ticket runs on the
ticket kept; a deactivated agent's is discarded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from frontdesk.timetracking.models import RunningTimer, TimeEntry
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def test_a_timer_whose_ticket_left_the_agents_sight_or_went_to_spam(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    inbox = await desk.inbox()
    secret = await desk.inbox(name="Secret")
    agent = await desk.agent(inboxes=[inbox])
    admin = await desk.agent(role="admin", inboxes=[inbox, secret])
    moved = await new_ticket(agent.client, inbox, subject="Visible")
    other = await new_ticket(agent.client, inbox, subject="Other")
    assert (await agent.client.post(f"/api/v1/tickets/{moved['id']}/timer")).status_code == 200
    for change in ({"inbox_id": secret["id"]}, {"subject": "CONFIDENTIAL merger"}):
        done = await admin.client.patch(f"/api/v1/tickets/{moved['id']}", json=change)
        assert done.status_code == 200, done.text
    clock.advance(minutes=12)

    # Neither its number nor its subject: only that it is gone, and how long it ran.
    seen = await agent.client.get("/api/v1/me/timer")
    assert seen.json()["timer"] | {"started_at": None} == {
        "ticket_id": moved["id"],
        "ticket_number": None,
        "subject": None,
        "gone": True,
        "started_at": None,
        "elapsed_seconds": 720,
    }
    assert "CONFIDENTIAL" not in seen.text
    error_of(await agent.client.post("/api/v1/me/timer/stop", json={}), 409, "timer_ticket_gone")
    # Starting elsewhere is not stuck: the timer that cannot be logged is discarded, and said.
    started = await agent.client.post(f"/api/v1/tickets/{other['id']}/timer")
    assert started.status_code == 200, started.text
    assert started.json()["stopped"] is None
    assert started.json()["discarded"] == {"ticket_id": moved["id"], "minutes": 12}
    assert started.json()["timer"]["ticket_id"] == other["id"]
    assert await count_rows(app, TimeEntry) == 0

    # A timer on a ticket marked spam meanwhile: not logged there, discarded when another starts.
    spam = await agent.client.post(f"/api/v1/tickets/{other['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    error_of(await agent.client.post("/api/v1/me/timer/stop", json={}), 409, "ticket_is_spam")
    third = await new_ticket(agent.client, inbox, subject="Third")
    started = await agent.client.post(f"/api/v1/tickets/{third['id']}/timer")
    assert started.json()["discarded"] == {"ticket_id": other["id"], "minutes": 0}
    assert await count_rows(app, TimeEntry) == 0


async def test_a_forgotten_timer_is_not_logged_by_its_clock(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, datetime(2026, 3, 9, 17, 0, tzinfo=UTC))
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    admin = await desk.agent(role="admin", inboxes=[inbox])
    first = await new_ticket(agent.client, inbox, subject="First")
    second = await new_ticket(agent.client, inbox, subject="Second")
    await agent.client.post(f"/api/v1/tickets/{first['id']}/timer")
    clock.advance(hours=8)  # 8 hours exactly: still the clock's
    clock.advance(minutes=1)  # left running overnight

    too_long = error_of(
        await agent.client.post("/api/v1/me/timer/stop", json={}), 409, "timer_too_long"
    )
    assert "8 h 01 min" in too_long["message"]
    error_of(await agent.client.post(f"/api/v1/tickets/{second['id']}/timer"), 409)
    assert await count_rows(app, TimeEntry) == 0
    stopped = await agent.client.post("/api/v1/me/timer/stop", json={"minutes": 95})
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["entry"]["minutes"], stopped.json()["entry"]["day"]) == (
        95,
        "2026-03-09",
    )

    # Started on a merged ticket: the timer runs on the ticket its thread went into.
    merged = await agent.client.post(
        f"/api/v1/tickets/{second['id']}/merge", json={"into_ticket_id": first["id"]}
    )
    assert merged.status_code == 201, merged.text
    started = await agent.client.post(f"/api/v1/tickets/{second['id']}/timer")
    assert started.json()["timer"]["ticket_id"] == first["id"]

    # A deactivated agent's timer would run for ever: discarded with their sessions.
    gone = await admin.client.patch(f"/api/v1/users/{agent.id}", json={"is_active": False})
    assert gone.status_code == 200, gone.text
    assert await count_rows(app, RunningTimer) == 0
