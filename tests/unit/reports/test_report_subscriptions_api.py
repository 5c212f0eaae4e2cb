"""Report emails' API (/api/v1/reports/subscriptions, docs/api.md): a user's own subscriptions
only (another's is a 404), the Reports page's filter checks, the limit, the next due time.
SQLite alone but the stored due times and the limit counted under its lock, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY

PATH = "/api/v1/reports/subscriptions"
# Wednesday 2026-11-11, 10:00 UTC (11:00 in Paris).
NOW = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, NOW)


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@BOTH_STORES
async def test_a_subscription_is_due_at_the_next_local_hour(desk: Desk) -> None:
    inbox = await desk.inbox(name="Support")
    olga = await desk.agent(role="owner", inboxes=[inbox])
    label = (await olga.client.post("/api/v1/labels", json={"name": "billing"})).json()
    daily = created(
        await olga.client.post(
            PATH,
            json={
                "frequency": "daily",
                "time_zone": "Europe/Paris",
                "language": "fr",
                "inbox_id": inbox["id"],
                "channel": "email",
                "label_id": label["id"],
            },
        )
    )
    # 08:00 in Paris tomorrow (11:00 has passed today).
    assert daily["next_due_at"] == "2026-11-12T07:00:00Z"
    assert daily["hour"] == 8
    assert daily["time_zone"] == "Europe/Paris"
    assert (daily["inbox_id"], daily["channel"], daily["label_id"]) == (
        inbox["id"],
        "email",
        label["id"],
    )
    assert daily["last_sent_at"] is None
    weekly = created(await olga.client.post(PATH, json={"frequency": "weekly", "hour": 6}))
    # No zone given, none preferred: UTC; Monday the 16th at 06:00.
    assert weekly["next_due_at"] == "2026-11-16T06:00:00Z"

    listed = (await olga.client.get(PATH)).json()
    assert [row["id"] for row in listed] == [daily["id"], weekly["id"]]

    changed = await olga.client.patch(f"{PATH}/{daily['id']}", json={"frequency": "weekly"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["next_due_at"] == "2026-11-16T07:00:00Z"
    changed = await olga.client.patch(f"{PATH}/{daily['id']}", json={"hour": 17})
    assert changed.json()["next_due_at"] == "2026-11-16T16:00:00Z"

    gone = await olga.client.delete(f"{PATH}/{daily['id']}")
    assert gone.status_code == 204
    assert [row["id"] for row in (await olga.client.get(PATH)).json()] == [weekly["id"]]


async def test_the_time_zone_preference_wins(desk: Desk) -> None:
    ada = await desk.agent()
    await ada.client.patch("/api/v1/me", json={"preferences": {"time_zone": "Asia/Tokyo"}})
    row = created(
        await ada.client.post(PATH, json={"frequency": "daily", "time_zone": "Europe/Paris"})
    )
    # 08:00 in Tokyo is 23:00 UTC the day before; 19:00 in Tokyo now, so tomorrow's.
    assert row["time_zone"] == "Asia/Tokyo"
    assert row["next_due_at"] == "2026-11-11T23:00:00Z"


async def test_a_user_sees_and_changes_only_their_own(desk: Desk) -> None:
    ada = await desk.agent()
    bob = await desk.agent()
    mine = created(await ada.client.post(PATH, json={"frequency": "daily"}))
    assert (await bob.client.get(PATH)).json() == []
    error_of(await bob.client.patch(f"{PATH}/{mine['id']}", json={"hour": 9}), 404)
    error_of(await bob.client.delete(f"{PATH}/{mine['id']}"), 404)
    assert [row["hour"] for row in (await ada.client.get(PATH)).json()] == [8]


async def test_an_agents_report_is_their_own(desk: Desk) -> None:
    ada = await desk.agent()
    bob = await desk.agent()
    row = created(await ada.client.post(PATH, json={"frequency": "daily", "agent_id": bob.id}))
    assert row["agent_id"] is None  # ignored: an agent's figures are always their own


async def test_bad_input_is_a_422_naming_the_field(desk: Desk) -> None:
    olga = await desk.agent(role="owner")
    for body, field in (
        ({"frequency": "hourly"}, "frequency"),
        ({"frequency": "daily", "hour": 24}, "hour"),
        ({"frequency": "daily", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"frequency": "daily", "label_id": 999_999}, "label_id"),
        ({"frequency": "daily", "inbox_id": 999_999}, "inbox_id"),
        ({"frequency": "daily", "agent_id": 999_999}, "agent_id"),
        ({"frequency": "daily", "channel": "fax"}, "channel"),
    ):
        error = error_of(await olga.client.post(PATH, json=body), 422)
        assert field in str(error), (body, error)
    assert (await olga.client.get(PATH)).json() == []


@BOTH_STORES
async def test_twenty_at_most(desk: Desk) -> None:
    ada = await desk.agent()
    for hour in range(20):
        created(await ada.client.post(PATH, json={"frequency": "daily", "hour": hour}))
    error_of(
        await ada.client.post(PATH, json={"frequency": "weekly"}),
        409,
        "too_many_report_subscriptions",
    )
    # Someone else's count is their own.
    bob = await desk.agent()
    created(await bob.client.post(PATH, json={"frequency": "weekly"}))
