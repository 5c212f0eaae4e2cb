"""Row locks around a customer's mail, on PostgreSQL: a message's entry is written under its
ticket's row lock, taken before the insert (so its id is larger than any committed before it,
tickets/staleness.py), and a customer merge locks the two records `FOR NO KEY UPDATE`, which
lets through the key-share lock that mail for the customer takes on its author (no deadlock)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets import statements
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail, ticket_with_reply
from tests.unit.support import use_cheap_passwords

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]

SUPPORT = "help@acme.test"
CORA = "cora@example.org"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def test_mail_for_a_customer_being_merged_waits_and_both_go_through(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox(members=[admin], email_address=SUPPORT)
    ticket, reply = await ticket_with_reply(admin, inbox, email=CORA)
    other, _ = await ticket_with_reply(admin, inbox, email="boris@example.org")
    cora_id = (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["customer"]["id"]
    boris_id = (await admin.client.get(f"/api/v1/tickets/{other['id']}")).json()["customer"]["id"]
    # The delivery stops with the ticket's row locked, its entry not inserted yet.
    touched, release = asyncio.Event(), asyncio.Event()
    real = tickets_service.append_entry

    async def held(session: Any, **kwargs: Any) -> Any:
        ticket = kwargs["ticket"]
        await session.execute(statements.TOUCH_TICKET, {"p_ticket": ticket.id, "p_at": utcnow()})
        touched.set()
        await release.wait()
        return await real(session, **kwargs)

    monkeypatch.setattr(tickets_service, "append_entry", held)
    raw = reply_mail(to=SUPPORT, text="Any news?", sender=CORA, in_reply_to=reply["message_id"])
    delivery = asyncio.create_task(post_mime(http, raw))
    await touched.wait()
    merge = asyncio.create_task(
        admin.client.post(f"/api/v1/customers/{boris_id}/merge", json={"source_id": cora_id})
    )
    # The merge has Cora's record and now waits for her ticket's row, which the mail holds.
    await waiting_on_a_lock(pg_url)
    release.set()
    delivered, merged = await delivery, await merge
    assert delivered.status_code == 200, delivered.text
    assert merged.status_code == 200, merged.text
    detail = (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert detail["customer"]["id"] == boris_id
    assert "Any news?" in [entry["text"].strip() for entry in detail["entries"]]


async def test_a_mail_arriving_during_a_reply_gets_the_larger_id(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = await desk.agent()
    inbox = await desk.inbox(members=[agent], email_address=SUPPORT)
    ticket, reply = await ticket_with_reply(agent, inbox, email=CORA, then="send")
    # The agent's reply stops with the ticket locked (the route's `lock_visible_ticket`), its
    # entry not written yet.
    locked, release = asyncio.Event(), asyncio.Event()
    real = tickets_service.add_entry

    async def held(session: Any, **kwargs: Any) -> Any:
        if kwargs.get("author_user") is not None:
            locked.set()
            await release.wait()
        return await real(session, **kwargs)

    monkeypatch.setattr(tickets_service, "add_entry", held)
    answering = asyncio.create_task(
        agent.client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Second"})
    )
    await locked.wait()
    raw = reply_mail(to=SUPPORT, text="Hello again", sender=CORA, in_reply_to=reply["message_id"])
    delivery = asyncio.create_task(post_mime(http, raw))
    # The mail waits for the ticket's row before its entry takes an id.
    await waiting_on_a_lock(pg_url)
    release.set()
    answered, delivered = await answering, await delivery
    assert answered.status_code == 201, answered.text
    assert delivered.status_code == 200, delivered.text
    entries = (await agent.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["entries"]
    mail = next(e for e in entries if e["text"].strip().startswith("Hello again"))
    assert mail["id"] > answered.json()["id"], entries
