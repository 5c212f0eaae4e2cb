"""A customer created with a row's address while the import runs, on PostgreSQL (where two
transactions write at once): the row's customer is that one, filled in as any existing
customer, never a second customer, a duplicate or a 500."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from frontdesk.customers import importing as importing_module
from frontdesk.customers.models import Customer
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.unit.customers.test_customer_import_api import counts, customer, send
from tests.unit.support import count_rows, use_cheap_passwords

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]

SHEET = "name,email,phone\nFrom Import,race@example.org,0100\n"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def test_a_customer_added_by_an_agent_meanwhile_is_filled_in_not_doubled(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await desk.agent(role="admin")
    # The import stops with its batch open, the address read as nobody's, before it creates.
    reached, release = asyncio.Event(), asyncio.Event()
    real = importing_module._create_all

    async def held(*args: Any, **kwargs: Any) -> None:
        reached.set()
        await release.wait()
        await real(*args, **kwargs)

    monkeypatch.setattr(importing_module, "_create_all", held)
    importing = asyncio.create_task(send(admin.client, SHEET, dry_run=False))
    await reached.wait()
    added = await admin.client.post(
        "/api/v1/customers", json={"name": "Typed By Agent", "emails": ["race@example.org"]}
    )
    assert added.status_code == 201, added.text
    release.set()
    response = await importing
    assert response.status_code == 200, response.text
    assert counts(response.json()) == {
        "rows": 1,
        "created": 0,
        "updated": 1,
        "skipped": 0,
        "errors": 0,
    }
    assert response.json()["problems"] == []
    race = await customer(admin, "race@example.org")
    assert race["id"] == added.json()["id"]
    assert (race["name"], race["phones"]) == ("Typed By Agent", ["0100"])
    assert await count_rows(desk.app, Customer) == 1


async def test_two_imports_of_one_file_at_once_make_one_customer(
    desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await desk.agent(role="admin")
    owner = await desk.agent(role="owner")
    # The first import has created the customer, not committed yet.
    created, release = asyncio.Event(), asyncio.Event()
    real = importing_module._create_all
    calls = 0

    async def held(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        await real(*args, **kwargs)
        if calls == 1:
            created.set()
            await release.wait()

    monkeypatch.setattr(importing_module, "_create_all", held)
    first = asyncio.create_task(send(admin.client, SHEET, dry_run=False))
    await created.wait()
    second = asyncio.create_task(send(owner.client, SHEET, dry_run=False))
    # The second one's address waits on the first one's, unique, until it commits.
    await asyncio.wait_for(waiting_on_a_lock(pg_url), 30)
    release.set()
    answers = [(await task).json() for task in (first, second)]
    assert [counts(answer) for answer in answers] == [
        {"rows": 1, "created": 1, "updated": 0, "skipped": 0, "errors": 0},
        {"rows": 1, "created": 0, "updated": 0, "skipped": 1, "errors": 0},
    ]
    assert answers[1]["problems"] == []
    race = await customer(admin, "race@example.org")
    assert (race["name"], race["phones"]) == ("From Import", ["0100"])
    assert await count_rows(desk.app, Customer) == 1
