"""Reading an agent's bell over HTTP."""

from __future__ import annotations

from typing import Any


async def bell(agent: Any, **params: Any) -> dict[str, Any]:
    response = await agent.client.get("/api/v1/notifications", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def kinds(agent: Any) -> list[str]:
    return [item["kind"] for item in (await bell(agent))["items"]]
