"""Two agents changing a checklist at the same moment, on PostgreSQL, the interleaving forced
(docs/desk.md, "Checklists"): the first change stops after it read the checklist, until the
second either reads it too (no lock: the test fails) or waits for the ticket's row lock (what
the service takes). Two adds then get distinct positions; two ticks, one tick."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.checklists import service
from tests.conftest import POSTGRESQL_ONLY, Desk, Published
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def held_after_reading(
    monkeypatch: pytest.MonkeyPatch, name: str, pg_url: str
) -> Callable[[], int]:
    """The service's `name` (a read of the checklist) made to wait, the first time, until the
    other request read too or waits on a lock. Returns how many reads happened."""
    real: Callable[..., Awaitable[Any]] = getattr(service, name)
    reads = 0
    second_read = asyncio.Event()

    async def held(*args: Any, **kwargs: Any) -> Any:
        nonlocal reads
        found = await real(*args, **kwargs)
        reads += 1
        if reads == 1:
            waits = asyncio.ensure_future(waiting_on_a_lock(pg_url))
            read = asyncio.ensure_future(second_read.wait())
            _, pending = await asyncio.wait({waits, read}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        else:
            second_read.set()
        return found

    monkeypatch.setattr(service, name, held)
    return lambda: reads


async def test_two_adds_at_once_get_distinct_places(
    app: FastAPI, desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    ben = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(ana.client, inbox)
    reads = held_after_reading(monkeypatch, "_next_place", pg_url)

    adds = await asyncio.gather(
        ana.client.post(f"/api/v1/tickets/{ticket['id']}/checklist/items", json={"text": "A"}),
        ben.client.post(f"/api/v1/tickets/{ticket['id']}/checklist/items", json={"text": "B"}),
    )
    assert [r.status_code for r in adds] == [201, 201], [r.text for r in adds]
    assert reads() == 2
    assert sorted(r.json()["position"] for r in adds) == [0, 1]


async def test_two_ticks_at_once_are_one_tick(
    app: FastAPI, desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch, published: Published
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    ben = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(ana.client, inbox)
    made = await ana.client.post(
        f"/api/v1/tickets/{ticket['id']}/checklist/items", json={"text": "Refund issued"}
    )
    item = made.json()
    reads = held_after_reading(monkeypatch, "_item", pg_url)

    published.clear()
    item_path = f"/api/v1/tickets/{ticket['id']}/checklist/items/{item['id']}"
    ticks = await asyncio.gather(
        ana.client.patch(item_path, json={"done": True}),
        ben.client.patch(item_path, json={"done": True}),
    )
    assert [r.status_code for r in ticks] == [200, 200], [r.text for r in ticks]
    assert reads() == 2
    assert ticks[0].json() == ticks[1].json()
    assert ticks[0].json()["version"] == 2
    told = [m for m in published.messages if m.envelope.type == "ticket.checklist_changed"]
    assert len(told) == 1
