"""Mail from a blocked sender, through our real SMTP listener: kept, on a ticket filed straight in
Spam, with no auto-reply, no rule, no notification; an answer to an earlier ticket does not
reopen it but lands in Spam on a ticket of its own."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.mail import receiving
from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import OutboxMessage
from frontdesk.mail.receiving import Delivery
from frontdesk.metrics.models import MetricMoment
from frontdesk.notifications.models import Notification
from frontdesk.sla import service as sla_service
from frontdesk.spam import service as spam_service
from frontdesk.webhooks.models import WebhookDelivery
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.integration.test_api_idempotency_pg import waiting_on_a_lock
from tests.mail.support import (
    CUSTOMER,
    QUOTED,
    SUPPORT,
    answered_ticket,
    inbound_entries,
    reply_mail,
    send_to_listener,
    ticket_of,
    ticket_with_reply,
)
from tests.unit.rules.support import create_rule, runs
from tests.unit.support import count_rows


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A subscription on loopback, to count the deliveries queued (nothing is sent here).
    return settings.model_copy(update={"webhooks_allow_private": True})


class TestBlockedSenders:
    async def test_mail_from_a_blocked_sender_lands_in_spam_without_an_auto_reply(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox])
        ack = await create_rule(
            admin,
            "Ack every new email",
            when={"type": "created", "by": "customer"},
            actions=[{"type": "reply", "text": "We have your message."}],
        )
        earlier, _reply = await ticket_with_reply(admin, inbox, then="close")
        hook = await admin.client.post(
            "/api/v1/webhooks",
            json={
                "name": "CRM",
                "url": "http://127.0.0.1:9/hook",
                "events": ["ticket.created", "ticket.updated", "message.created"],
            },
        )
        assert hook.status_code == 201, hook.text
        sent_before = await count_rows(app, OutboxMessage)
        moments_before = await count_rows(app, MetricMoment)
        blocked = await admin.client.post(
            "/api/v1/blocked-senders", json={"pattern": "@Example.org"}
        )
        assert blocked.status_code == 201, blocked.text
        assert blocked.json()["pattern"] == "@example.org"

        raw = reply_mail(to=SUPPORT, text="Cheap watches!", subject="Best offer")
        assert await send_to_listener(listener.port, raw, recipients=[SUPPORT]) == {}
        # An answer to the earlier ticket's mail, from the same blocked address.
        again = reply_mail(to=SUPPORT, text="Still cheap", subject="Re: Where is my parcel?")
        assert await send_to_listener(listener.port, again, recipients=[SUPPORT]) == {}

        spam = (await admin.client.get("/api/v1/tickets", params={"state": "spam"})).json()
        assert sorted(t["subject"] for t in spam["items"]) == [
            "Best offer",
            "Re: Where is my parcel?",
        ]
        for item in spam["items"]:
            kept = await ticket_of(admin, item["id"])
            (entry,) = inbound_entries(kept)
            assert kept["customer_email"] == CUSTOMER
            assert entry["text"] in ("Cheap watches!", "Still cheap")
        # A spam ticket's later changes are not told either.
        first = spam["items"][0]["id"]
        patched = await admin.client.patch(f"/api/v1/tickets/{first}", json={"priority": "low"})
        assert patched.status_code == 200, patched.text
        # Nothing went out (no auto-reply), no rule ran, nobody was told, the old ticket
        # stayed closed, and the ordinary lists and counts do not show spam.
        assert await count_rows(app, OutboxMessage) == sent_before
        assert [r["ticket"]["id"] for r in await runs(admin, ack)] == []
        assert await count_rows(app, Notification) == 0
        # Reports count no spam: no ticket created, no customer waiting.
        assert await count_rows(app, MetricMoment) == moments_before
        assert await count_rows(app, WebhookDelivery) == 0
        assert (await ticket_of(admin, earlier["id"]))["state"] == "closed"
        everything = (await admin.client.get("/api/v1/tickets")).json()["items"]
        assert [t["id"] for t in everything] == [earlier["id"]]
        counts = (await admin.client.get("/api/v1/tickets/counts")).json()
        assert (counts["spam"], counts["open"], counts["closed"]) == (2, 0, 1)

        # Unblocked, the next mail is an ordinary new ticket, answered by the rule.
        removed = await admin.client.delete(f"/api/v1/blocked-senders/{blocked.json()['id']}")
        assert removed.status_code == 204
        fine = reply_mail(to=SUPPORT, text="A real question", subject="Sizes")
        assert await send_to_listener(listener.port, fine, recipients=[SUPPORT]) == {}
        # ticket.created, and message.created for the mail and for the rule's reply.
        assert await count_rows(app, WebhookDelivery) == 3
        async with app.state.sessionmaker() as session:
            sent = list(await session.scalars(select(OutboxMessage.recipients)))
        # The agent's first reply, then the rule's acknowledgement of the unblocked mail.
        assert [CUSTOMER in recipients for recipients in sent] == [True, True]


@POSTGRESQL_ONLY
async def test_a_reply_meeting_a_spam_mark_does_not_reopen_the_ticket(
    app: FastAPI, desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer's answer to a closed ticket arrives while Ada marks it spam: the batch waits
    for the mark's row lock and files the answer on the spam ticket, rather than reopening it
    from what it read before the mark committed."""
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
    marking, release = asyncio.Event(), asyncio.Event()

    async def held(session: Any, *, ticket: Any) -> None:
        marking.set()
        await release.wait()
        await sla_service.refresh(session, ticket=ticket)

    # Ada's mark stops inside its transaction, the ticket locked and changed, not committed.
    monkeypatch.setattr(spam_service, "sla_service", SimpleNamespace(refresh=held))
    mark = asyncio.create_task(ada.client.post(f"/api/v1/tickets/{ticket['id']}/spam", json={}))
    await marking.wait()
    raw = reply_mail(to=sent["headers"]["Reply-To"], text="Any news?" + QUOTED)

    async def receive() -> None:
        async with unit_of_work(app.state.sessionmaker) as session:
            await receiving.receive_inbound_batch(
                session, [Delivery(raw, [SUPPORT], CUSTOMER, "smtp")]
            )

    batch = asyncio.create_task(receive())
    await waiting_on_a_lock(pg_url)
    release.set()
    assert (await mark).status_code == 200
    await batch
    shown = await ticket_of(ada, ticket["id"])
    assert shown["state"] == "spam", shown["state"]
    assert [e["text"] for e in inbound_entries(shown)][-1].startswith("Any news?")
