"""SLA breaches in the reports, read over HTTP from one known SLA history (tests/unit/reports/
sla_history.py, where the arithmetic is): per target, per agent, with each filter, as CSV, the
tickets behind each figure, and as each role may see them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI

from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.unit.reports.sla_history import SLA_START, SlaHistory, at, build_sla
from tests.unit.support import error_of

RANGE = {"since": "2026-11-09", "until": "2026-11-12", "time_zone": "UTC"}


@pytest.fixture
async def history(app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> SlaHistory:
    clock = FrozenClock(monkeypatch, SLA_START)
    built = await build_sla(app, desk, clock)
    clock.set(at(12, day=18))
    return built


async def get(agent: Agent, path: str, **params: Any) -> Any:
    response = await agent.client.get(f"/api/v1/reports/{path}", params=RANGE | params)
    assert response.status_code == 200, response.text
    return response.json()


async def breaches(agent: Agent, **params: Any) -> dict[str, int]:
    return {r["target"]: r["breaches"] for r in await get(agent, "sla", **params)}


def counts(first: int, following: int, resolution: int) -> dict[str, int]:
    return {"first_response": first, "next_response": following, "resolution": resolution}


async def test_breaches_per_target_match_the_hand_computed_values(history: SlaHistory) -> None:
    assert await breaches(history.olga) == counts(2, 1, 2)
    # T3's breaches fell due on the 11th (00:20 and 03:50 UTC).
    assert await breaches(history.olga, until="2026-11-10") == counts(1, 1, 1)
    # In Paris T3's first response was due at 01:20 on the 11th: still not the 10th. In Los
    # Angeles it was 16:20 on the 10th and its resolution 19:50 on the 10th.
    la = {"until": "2026-11-10", "time_zone": "America/Los_Angeles"}
    assert await breaches(history.olga, until="2026-11-10", time_zone="Europe/Paris") == counts(
        1, 1, 1
    )
    assert await breaches(history.olga, **la) == counts(2, 1, 2)
    assert await breaches(history.olga, since="2026-11-13", until="2026-11-20") == counts(0, 0, 0)


async def test_the_filters_narrow_the_breaches(history: SlaHistory) -> None:
    assert await breaches(history.olga, agent_id=history.ada.id) == counts(0, 1, 0)
    assert await breaches(history.olga, agent_id=history.bob.id) == counts(1, 0, 1)
    assert await breaches(history.olga, label_id=history.label_id) == counts(1, 0, 1)
    assert await breaches(history.olga, inbox_id=history.inbox["id"]) == counts(2, 1, 2)
    assert await breaches(history.olga, channel="email") == counts(2, 1, 2)
    assert await breaches(history.olga, channel="chat") == counts(0, 0, 0)


async def test_the_agents_table_counts_the_breaches_against_the_assignee(
    history: SlaHistory,
) -> None:
    rows = {r["agent"]: r["sla_breaches"] for r in await get(history.olga, "agents")}
    assert rows == {"Ada": 1, "Bob": 2}  # T3 had nobody assigned: in no agent's row


async def test_an_agent_sees_only_their_own_breaches(history: SlaHistory) -> None:
    # Bob asks for Ada's: an agent's figures are always their own.
    assert await breaches(history.bob, agent_id=history.ada.id) == counts(1, 0, 1)
    assert [r["agent"] for r in await get(history.bob, "agents")] == ["Bob"]
    tickets = await get(history.bob, "tickets", figure="sla_breaches")
    assert [t["id"] for t in tickets] == [history.tickets["T2"]]


async def test_the_tickets_behind_each_figure(history: SlaHistory) -> None:
    t1, t2, t3 = (history.tickets[k] for k in ("T1", "T2", "T3"))

    async def ids(**params: Any) -> list[int]:
        return [t["id"] for t in await get(history.olga, "tickets", **params)]

    assert await ids(figure="sla_breaches") == [t3, t2, t1]
    assert await ids(figure="sla_first_response") == [t3, t2]
    assert await ids(figure="sla_next_response") == [t1]
    assert await ids(figure="sla_resolution") == [t3, t2]
    assert await ids(figure="sla_breaches", agent_id=history.bob.id) == [t2]
    assert await ids(figure="sla_first_response", day="2026-11-11") == [t3]
    # T2's resolution was due at 14:00 UTC on Tuesday.
    assert await ids(figure="sla_resolution", weekday=1, hour=14) == [t2]
    wrong = await history.olga.client.get(
        "/api/v1/reports/tickets", params=RANGE | {"figure": "sla_warnings"}
    )
    assert "sla_first_response" in error_of(wrong, 422)["message"]


async def test_the_csv_holds_the_same_figures(history: SlaHistory) -> None:
    response = await history.olga.client.get("/api/v1/reports/sla.csv", params=RANGE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="frontdesk-sla-2026-11-09-2026-11-12.csv"'
        in response.headers["content-disposition"]
    )
    assert list(csv.DictReader(io.StringIO(response.text))) == [
        {"target": "first_response", "breaches": "2"},
        {"target": "next_response", "breaches": "1"},
        {"target": "resolution", "breaches": "2"},
    ]
    agents = await history.olga.client.get("/api/v1/reports/agents.csv", params=RANGE)
    rows = {r["agent"]: r["sla_breaches"] for r in csv.DictReader(io.StringIO(agents.text))}
    assert rows == {"Ada": "1", "Bob": "2"}
