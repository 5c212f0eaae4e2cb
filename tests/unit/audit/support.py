"""Reading the audit log over HTTP, as an owner does."""

from __future__ import annotations

from typing import Any

from tests.conftest import Agent

URL = "/api/v1/audit-events"


async def entries(owner: Agent, **filters: Any) -> list[dict[str, Any]]:
    response = await owner.client.get(URL, params={"limit": 200, **filters})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def only(owner: Agent, action: str, **filters: Any) -> dict[str, Any]:
    found = await entries(owner, action=action, **filters)
    assert len(found) == 1, found
    return found[0]
