"""Retention meeting a customer merge, on PostgreSQL: retention locks its batch of tickets, then
the customers they leave with nothing; a merge locks the two customers, then moves their tickets.
Retention passes a customer being merged by (`SKIP LOCKED`) and keeps that customer's tickets for
a later pass, so neither waits for the other in a circle (docs/privacy.md, "Retention")."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.privacy import retention
from frontdesk.privacy.timers import apply_retention
from tests.clock import FrozenClock
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.unit.privacy.test_retention import anonymous_chat_kept_30_days
from tests.unit.support import stop_at

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


async def test_a_chat_customer_merged_while_retention_runs(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    visitors: Any,
    clock: FrozenClock,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An anonymous visitor's chat: its customer record has nothing but this ticket.
    user, admin, ticket_id, ann = await anonymous_chat_kept_30_days(desk, visitors)
    made = await admin.client.post(
        "/api/v1/customers", json={"name": "Cora", "emails": ["c@x.org"]}
    )
    assert made.status_code == 201, made.text
    cora = made.json()["id"]
    clock.advance(days=31)
    admin = await desk.login(user)

    # Retention stops with Ann's expired ticket locked, before it looks at her record.
    real = retention._lock_emptied
    reached, release = stop_at(monkeypatch, retention, "_lock_emptied")
    job = asyncio.create_task(apply_retention(app.state.sessionmaker, settings))
    # (A pass that failed before the pause would leave `reached` unset: its error is raised.)
    await asyncio.wait(
        [job, asyncio.create_task(reached.wait())], return_when=asyncio.FIRST_COMPLETED
    )
    if job.done():
        job.result()
    merge = asyncio.create_task(
        admin.client.post(f"/api/v1/customers/{cora}/merge", json={"source_id": ann})
    )
    # The merge holds both records and waits for Ann's ticket.
    await waiting_on_a_lock(pg_url)
    release.set()
    deleted, merged = await asyncio.gather(job, merge)
    assert merged.status_code == 200, merged.text
    # Ann's ticket stayed for a later pass, and is Cora's now.
    assert deleted == 0
    moved = await admin.client.get(f"/api/v1/tickets/{ticket_id}")
    assert moved.status_code == 200, moved.text
    assert moved.json()["customer"]["id"] == cora

    monkeypatch.setattr(retention, "_lock_emptied", real)
    assert await apply_retention(app.state.sessionmaker, settings) == 1
    assert (await admin.client.get(f"/api/v1/tickets/{ticket_id}")).status_code == 404
    # Cora has an address: the desk's customer list keeps her, and what was merged into her.
    assert (await admin.client.get(f"/api/v1/customers/{cora}")).status_code == 200
