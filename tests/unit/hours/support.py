"""Business hours as the tests of the kept calendars save them through the API (the messenger's
/status, the chat start and the contact form: test_status_calendars.py, test_start_calendars.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import Agent

# Monday 7 December 2026, 10:00 in Paris.
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def hours_body(days: tuple[str, ...] = WEEKDAYS, **change: Any) -> dict[str, Any]:
    """Paris hours, 09:00-17:00 on `days`, with `change` applied."""
    return {
        "enabled": True,
        "time_zone": "Europe/Paris",
        "weekly": [{"day": day, "opens": "09:00", "closes": "17:00"} for day in days],
        "holidays": [],
        "away_message": "",
    } | change


async def save_hours(admin: Agent, inbox: dict[str, Any], body: dict[str, Any]) -> None:
    response = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=body)
    assert response.status_code == 200, response.text
