"""A customer merge that arrives while an erasure of one of the two is starting, on PostgreSQL:
the merge waits for the customer's row, which the erasure's start holds, and is then refused
(`409 customer_being_erased`) rather than moving records under an erasure that has begun
(docs/privacy.md, "Erasure")."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.customers import changes as customer_changes
from frontdesk.customers import service as customers_service
from frontdesk.privacy import erasing, others
from tests.conftest import POSTGRESQL_ONLY, Agent, Desk
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.mail.support import post_mime
from tests.unit.privacy.people import CORA, SECRET, SUPPORT, two_customers
from tests.unit.support import error_of, online, stop_at

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
    started, release = stop_at(monkeypatch, erasing, "start")
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
    locked, release = stop_at(monkeypatch, customer_changes, "remember")
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


async def admin_of_support(desk: Desk) -> tuple[Agent, dict[str, Any]]:
    inbox = await desk.inbox(email_address=SUPPORT, identity_secret=SECRET)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Admin")
    await online(admin)
    return admin, inbox


async def mail_and_typed_chat(
    http: httpx.AsyncClient, admin: Agent, visitors: Any, inbox: dict[str, Any]
) -> tuple[int, int]:
    """Cora wrote; then someone typed her address in the messenger, unproven, and the chat's
    ticket went to a record of its own: her record's id and that record's."""
    message = EmailMessage()
    message["From"] = f"{CORA.name} <{CORA.email}>"
    message["To"] = SUPPORT
    message["Subject"] = "Where is my order?"
    message["Message-ID"] = "<cora-first@example.org>"
    message.set_content("Hello, CORAMAILTEXT.")
    received = await post_mime(http, message.as_bytes())
    assert received.status_code == 200, received.text
    mail_ticket = await admin.client.get(f"/api/v1/tickets/{received.json()['ticket_id']}")
    hers = int(mail_ticket.json()["customer"]["id"])
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("TYPEDHERADDRESS", name="C", email=CORA.email)
    assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    ended = await admin.client.post(f"/api/v1/chats/{chat['id']}/end")
    assert ended.status_code == 200, ended.text
    chat_ticket = await admin.client.get(f"/api/v1/tickets/{ended.json()['ticket_id']}")
    return hers, int(chat_ticket.json()["customer"]["id"])


async def record_holding_her_chat(
    http: httpx.AsyncClient, desk: Desk, visitors: Any
) -> tuple[Agent, int, int]:
    """As `mail_and_typed_chat`, then an agent merged her first record into a newer one (her
    new address's). The record holding her chat is older than hers: the admin, its id, and
    hers."""
    admin, inbox = await admin_of_support(desk)
    first, holder = await mail_and_typed_chat(http, admin, visitors, inbox)
    created = await admin.client.post(
        "/api/v1/customers", json={"name": CORA.name, "emails": ["cora@new.example.org"]}
    )
    assert created.status_code == 201, created.text
    cora = int(created.json()["id"])
    merged = await admin.client.post(f"/api/v1/customers/{cora}/merge", json={"source_id": first})
    assert merged.status_code == 200, merged.text
    assert first < holder < cora
    return admin, holder, cora


@pytest.mark.parametrize("into", ["holder into her", "her into the holder"])
async def test_a_merge_with_the_record_holding_her_chat_waits_and_is_refused(
    app: FastAPI,
    desk: Desk,
    http: httpx.AsyncClient,
    visitors: Any,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    into: str,
) -> None:
    """The erasure's start locks her record and the record holding her chat's ticket (`owners`);
    a merge of the two locks both, in id order, the holder's first. The erasure used to lock
    hers, then (after giving back what others lent) the holder's: a merge that came between
    held the holder's and waited for hers, and PostgreSQL broke the deadlock by failing one of
    the two (a 503). Both now take the records in id order, before any ticket."""
    admin, holder, cora = await record_holding_her_chat(http, desk, visitors)
    # The erasure stops after taking its records' locks, before giving back and recording.
    locked, release = stop_at(monkeypatch, others, "give_back")
    erasure = asyncio.create_task(
        admin.client.post(f"/api/v1/customers/{cora}/erase", json={"confirm": CORA.email})
    )
    await locked.wait()
    target, source = (cora, holder) if into == "holder into her" else (holder, cora)
    merge = asyncio.create_task(
        admin.client.post(f"/api/v1/customers/{target}/merge", json={"source_id": source})
    )
    await waiting_on_a_lock(pg_url)
    release.set()
    erased, merged = await erasure, await merge
    assert erased.status_code == 200, erased.text
    assert error_of(merged, 409)["code"] == "customer_being_erased"


@pytest.mark.parametrize("into", ["the other into her", "her into the other"])
async def test_a_merge_into_the_holder_while_the_erasure_locks_is_no_deadlock(
    app: FastAPI,
    desk: Desk,
    http: httpx.AsyncClient,
    visitors: Any,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    into: str,
) -> None:
    """The erasure reads who holds her chat's ticket (H) without a lock; a merge of H into an
    older record X commits; the erasure locks hers and H's; a second merge, of X and her, locks
    X (the lower id) and waits for hers. The erasure used to lock X then, after hers: each
    waited for the other and PostgreSQL failed one of them (a 503). It now gives its locks back
    and takes all three again in id order, behind the merge: whichever way the merge went, the
    erasure then answers as after it."""
    admin, inbox = await admin_of_support(desk)
    made = await admin.client.post("/api/v1/customers", json={"name": "Xavier"})
    assert made.status_code == 201, made.text
    other = int(made.json()["id"])
    cora, holder = await mail_and_typed_chat(http, admin, visitors, inbox)
    assert other < cora < holder
    # The erasure stops twice: once it has read who holds her chat's ticket, and once it holds
    # the locks of those records, before it reads that again.
    read, go_on = asyncio.Event(), asyncio.Event()
    locked, release = asyncio.Event(), asyncio.Event()
    real_holders, real_owners = erasing.holders, erasing.owners_of

    async def held_holders(*args: Any, **kwargs: Any) -> Any:
        found = await real_holders(*args, **kwargs)
        if not read.is_set():
            read.set()
            await go_on.wait()
        return found

    async def held_owners(*args: Any, **kwargs: Any) -> Any:
        if not locked.is_set():
            locked.set()
            await release.wait()
        return await real_owners(*args, **kwargs)

    monkeypatch.setattr(erasing, "holders", held_holders)
    monkeypatch.setattr(erasing, "owners_of", held_owners)
    erasure = asyncio.create_task(
        admin.client.post(f"/api/v1/customers/{cora}/erase", json={"confirm": CORA.email})
    )
    await read.wait()
    first = await admin.client.post(f"/api/v1/customers/{other}/merge", json={"source_id": holder})
    assert first.status_code == 200, first.text
    go_on.set()
    await locked.wait()
    target, source = (cora, other) if into == "the other into her" else (other, cora)
    second = asyncio.create_task(
        admin.client.post(f"/api/v1/customers/{target}/merge", json={"source_id": source})
    )
    await waiting_on_a_lock(pg_url)
    release.set()
    erased, merged = await erasure, await second
    assert merged.status_code == 200, merged.text
    if into == "the other into her":
        # The other record, and her chat's ticket with it, became hers: gone with her.
        assert erased.status_code == 200, erased.text
        assert erased.json()["state"] == "done", erased.text
        for record in (cora, other, holder):
            error_of(await admin.client.get(f"/api/v1/customers/{record}"), 404)
    else:
        error = error_of(erased, 404)
        assert f"merged into customer {other}" in error["message"], error


async def test_an_erasure_locks_more_holders_than_a_statement_takes_parameters(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL takes at most 32,767 parameters a statement: the erasure's start locks the
    records holding her chats' tickets a chunk at a time (ascending, so still in id order).
    Tens of thousands of such records stand in here as ids that no record has (locking them
    locks nothing)."""
    admin, _inbox = await admin_of_support(desk)
    made = await admin.client.post("/api/v1/customers", json={"name": "Cora"})
    assert made.status_code == 201, made.text
    cora = int(made.json()["id"])
    real = erasing.holders

    async def many(*args: Any, **kwargs: Any) -> set[int]:
        return await real(*args, **kwargs) | set(range(10**6, 10**6 + 40_000))

    monkeypatch.setattr(erasing, "holders", many)
    erased = await admin.client.post(f"/api/v1/customers/{cora}/erase", json={"confirm": "Cora"})
    assert erased.status_code == 200, erased.text
    error_of(await admin.client.get(f"/api/v1/customers/{cora}"), 404)
