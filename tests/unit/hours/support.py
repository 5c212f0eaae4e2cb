"""Business hours as the tests of the kept calendars save them through the API (the messenger's
/status, the chat start and the contact form: test_status_calendars.py, test_start_calendars.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Agent, Desk
from tests.unit.support import online, use_cheap_passwords

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


async def monday_inbox(
    desk: Desk,
    frozen: Callable[[datetime], None],
    monkeypatch: pytest.MonkeyPatch,
    *,
    agent_online: bool = True,
) -> tuple[dict[str, Any], Agent, Agent | None]:
    """On MONDAY_MORNING: an inbox, its admin, and Ada, a member online (none: `agent_online`
    False)."""
    use_cheap_passwords(monkeypatch)
    frozen(MONDAY_MORNING)
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    if not agent_online:
        return inbox, admin, None
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    return inbox, admin, ada
