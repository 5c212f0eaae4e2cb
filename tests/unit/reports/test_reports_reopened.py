"""A reopened ticket in the reports (reports.md): its resolution is its last close, and one still
reopened counts nowhere. On the known history of history.py, built for this test alone, since
the test changes it (test_reports_api.py shares one between its tests, which only read)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tests.clock import FrozenClock
from tests.conftest import Desk
from tests.unit.reports.history import RANGE, START, History, at, build, by_figure, report


@pytest.fixture
async def history(
    app: FastAPI, desk: Desk, visitors: Any, monkeypatch: pytest.MonkeyPatch
) -> History:
    clock = FrozenClock(monkeypatch, START)
    built = await build(app, desk, visitors, clock)
    # Read the reports a week later; Bob is still online, so his time runs to the range's end.
    clock.set(at(12, day=18))
    return built


async def test_a_ticket_reopened_since_its_close_counts_nowhere_until_closed_again(
    history: History,
) -> None:
    """reports.md: a reopened ticket's resolution is its last close; one still reopened counts
    nowhere (its old close counted on before)."""
    a = history.tickets["A"]
    olga = history.olga
    assert by_figure(await report(olga, "times"))["resolution"][0] == 3
    reopened = await olga.client.patch(f"/api/v1/tickets/{a}", json={"state": "open"})
    assert reopened.status_code == 200, reopened.text
    assert by_figure(await report(olga, "times"))["resolution"][0] == 2
    resolved = await report(olga, "tickets", figure="resolution")
    assert a not in [row["id"] for row in resolved]
    ada = {row["agent"]: row for row in await report(olga, "agents")}["Ada"]
    assert ada["tickets_closed"] == 1  # D only: A is open again

    # Closed again a week later: it counts then, in the week of that close.
    await olga.client.patch(f"/api/v1/tickets/{a}", json={"state": "closed"})
    assert by_figure(await report(olga, "times"))["resolution"][0] == 2
    later = {"since": "2026-11-18", "until": "2026-11-18"}
    week = await olga.client.get(
        "/api/v1/reports/tickets", params=RANGE | later | {"figure": "resolution"}
    )
    assert [row["id"] for row in week.json()] == [a]
