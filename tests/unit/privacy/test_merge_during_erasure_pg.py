"""A customer merge that arrives while an erasure of one of the two is starting, on PostgreSQL:
the merge waits for the customer's row, which the erasure's start holds, and is then refused
(`409 customer_being_erased`) rather than moving records under an erasure that has begun
(docs/privacy.md, "Erasure")."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.customers import changes as customer_changes
from frontdesk.customers import service as customers_service
from frontdesk.privacy import erasing
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.unit.privacy.people import CORA, two_customers
from tests.unit.support import error_of

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]


async def test_a_merge_that_meets_an_erasure_starting_is_refused(
    app: FastAPI,
    desk: Desk,
    http: httpx.AsyncClient,
    visitors: Any,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    # The erasure stops inside the transaction that starts it: Cora's row locked, its record
    # not written yet.
    started, release = asyncio.Event(), asyncio.Event()
    real = erasing.start

    async def held(*args: Any, **kwargs: Any) -> Any:
        started.set()
        await release.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(erasing, "start", held)
    erasure = asyncio.create_task(
        admin.client.post(
            f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
        )
    )
    await started.wait()
    merge = asyncio.create_task(
        admin.client.post(
            f"/api/v1/customers/{boris.customer_id}/merge", json={"source_id": cora.customer_id}
        )
    )
    # The merge has read both customers and now waits for Cora's row.
    await waiting_on_a_lock(pg_url)
    release.set()
    erased, merged = await erasure, await merge
    assert erased.status_code == 200, erased.text
    error = error_of(merged, 409)
    assert error["code"] == "customer_being_erased", error
    # Boris kept only his own: Cora's tickets went with her.
    error_of(await admin.client.get(f"/api/v1/tickets/{cora.mail_ticket_id}"), 404)
    assert (await admin.client.get(f"/api/v1/tickets/{boris.mail_ticket_id}")).status_code == 200


async def test_an_erasure_that_waited_for_a_merge_answers_as_after_it(
    app: FastAPI,
    desk: Desk,
    http: httpx.AsyncClient,
    visitors: Any,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    # The merge of Cora into Boris stops with both records locked.
    locked, release = asyncio.Event(), asyncio.Event()
    real = customer_changes.remember

    async def held(*args: Any, **kwargs: Any) -> Any:
        locked.set()
        await release.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(customer_changes, "remember", held)
    merge = asyncio.create_task(
        admin.client.post(
            f"/api/v1/customers/{boris.customer_id}/merge", json={"source_id": cora.customer_id}
        )
    )
    await locked.wait()
    erasure = asyncio.create_task(
        admin.client.post(
            f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
        )
    )
    await waiting_on_a_lock(pg_url)
    release.set()
    merged, erased = await merge, await erasure
    assert merged.status_code == 200, merged.text
    error = error_of(erased, 404)
    assert f"merged into customer {boris.customer_id}" in error["message"], error
    # Her ticket is Boris's now, not erased.
    ticket = await admin.client.get(f"/api/v1/tickets/{cora.mail_ticket_id}")
    assert ticket.status_code == 200, ticket.text
    assert ticket.json()["customer"]["id"] == boris.customer_id


async def test_a_merge_whose_record_was_erased_meanwhile_finds_no_customer(
    app: FastAPI,
    desk: Desk,
    http: httpx.AsyncClient,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    # The merge has read both records and stops before it locks them.
    read, release = asyncio.Event(), asyncio.Event()
    real = customers_service.get_customer

    async def held(session: Any, *, user: Any, customer_id: int) -> Any:
        customer = await real(session, user=user, customer_id=customer_id)
        if customer_id == cora.customer_id:
            read.set()
            await release.wait()
        return customer

    monkeypatch.setattr(customers_service, "get_customer", held)
    merge = asyncio.create_task(
        admin.client.post(
            f"/api/v1/customers/{boris.customer_id}/merge", json={"source_id": cora.customer_id}
        )
    )
    await read.wait()
    # Meanwhile Cora is erased, to her last piece (her record deleted).
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["state"] == "done", erased.text
    release.set()
    error_of(await merge, 404)
    assert (await admin.client.get(f"/api/v1/customers/{boris.customer_id}")).status_code == 200
