"""Two agents linking the same pair of tickets at the same moment, on PostgreSQL, the
interleaving forced (docs/desk.md, "Linked tickets"): the first link stops after it looked for
the pair's link, until the second either looks too (no lock: both would insert) or waits for the
tickets' row locks (what the service takes). One link, one 201 and one 200; the limit holds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.links import service
from frontdesk.links.models import TicketLink
from tests.conftest import POSTGRESQL_ONLY, Desk, Published
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.unit.support import count_rows, new_ticket, use_cheap_passwords

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def held_after_reading(
    monkeypatch: pytest.MonkeyPatch, name: str, pg_url: str
) -> Callable[[], int]:
    """The service's `name` (a read) made to wait, the first time, until the other request read
    too or waits on a lock. Returns how many reads happened."""
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


async def test_two_agents_linking_the_same_pair_at_once_make_one_link(
    app: FastAPI, desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch, published: Published
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    ben = await desk.agent(inboxes=[inbox])
    one = await new_ticket(ana.client, inbox, subject="One")
    two = await new_ticket(ana.client, inbox, subject="Two")
    reads = held_after_reading(monkeypatch, "_link_row", pg_url)

    published.clear()
    made = await asyncio.gather(
        ana.client.post(f"/api/v1/tickets/{one['id']}/links", json={"ticket_id": two["id"]}),
        ben.client.post(f"/api/v1/tickets/{two['id']}/links", json={"ticket_id": one["id"]}),
    )
    assert sorted(r.status_code for r in made) == [200, 201], [r.text for r in made]
    assert reads() == 2
    assert await count_rows(app, TicketLink) == 1
    # Told once, on each ticket.
    told = [m for m in published.messages if m.envelope.type == "ticket.links_changed"]
    assert sorted(m.envelope.data["ticket_id"] for m in told) == sorted([one["id"], two["id"]])


async def test_two_links_to_a_ticket_at_its_limit_at_once_make_one(
    app: FastAPI, desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_LINKS", 1)
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    ben = await desk.agent(inboxes=[inbox])
    hub = await new_ticket(ana.client, inbox, subject="Hub")
    one = await new_ticket(ana.client, inbox, subject="One")
    two = await new_ticket(ana.client, inbox, subject="Two")
    reads = held_after_reading(monkeypatch, "count_links", pg_url)

    made = await asyncio.gather(
        ana.client.post(f"/api/v1/tickets/{hub['id']}/links", json={"ticket_id": one["id"]}),
        ben.client.post(f"/api/v1/tickets/{hub['id']}/links", json={"ticket_id": two["id"]}),
    )
    assert sorted(r.status_code for r in made) == [201, 409], [r.text for r in made]
    assert reads() >= 2
    assert await count_rows(app, TicketLink) == 1
