"""Helpers for the rules tests: rules, labels and timelines over HTTP."""

from __future__ import annotations

from typing import Any

from tests.conftest import Agent

URL = "/api/v1/rules"


async def create_rule(admin: Agent, name: str, **definition: Any) -> dict[str, Any]:
    response = await admin.client.post(URL, json={"name": name, **definition})
    assert response.status_code == 201, response.text
    rule: dict[str, Any] = response.json()
    return rule


async def make_label(admin: Agent, name: str) -> dict[str, Any]:
    response = await admin.client.post("/api/v1/labels", json={"name": name})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def ticket(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def timeline(ticket: dict[str, Any]) -> list[str]:
    return [entry["text"] for entry in ticket["entries"] if entry["kind"] == "event"]


def label_names(ticket: dict[str, Any]) -> list[str]:
    return sorted(label["name"] for label in ticket["labels"])


async def runs(admin: Agent, rule: dict[str, Any]) -> list[dict[str, Any]]:
    response = await admin.client.get(f"{URL}/{rule['id']}/runs")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found
