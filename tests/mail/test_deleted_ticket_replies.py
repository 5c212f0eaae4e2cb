"""A reply to the address of a ticket that was deleted (an erasure, retention) is a person
writing to the team again: it opens a new ticket in the inbox the deleted ticket was in, says
on the timeline why, and carries nothing of the deleted conversation. Only a ticket deleted
before frontdesk kept its inbox (migration 0059) has no inbox to go to: 550, as before."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import DeletedTicket
from frontdesk.privacy.timers import apply_retention
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    deliver,
    inbound_entries,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)

pytestmark = SQLITE_ONLY

BILLING = "billing@shop.test"


async def _answered(
    app: FastAPI, settings: Settings, sink: SmtpSink, agent: Agent, inbox: dict[str, Any]
) -> tuple[dict[str, Any], str, str]:
    """A closed ticket of the customer's that the agent answered by email; returns it, the
    reply address and the Message-ID of the mail the customer got."""
    created = await agent.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": CUSTOMER, "name": "Cora Customer"},
            "subject": "Broken kettle",
        },
    )
    assert created.status_code == 201, created.text
    ticket: dict[str, Any] = created.json()
    answered = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "A new kettle is on its way.", "then": "close"},
    )
    assert answered.status_code == 201, answered.text
    sink.received.clear()
    assert await deliver(app, with_smtp(settings, sink)) == 1
    (sent,) = sink.received
    return ticket, str(sent.message["Reply-To"]), str(sent.message["Message-ID"])


async def _open_tickets(agent: Agent) -> list[dict[str, Any]]:
    listed = (await agent.client.get("/api/v1/tickets", params={"state": "open"})).json()
    return [await ticket_of(agent, item["id"]) for item in listed["items"]]


def _timeline(ticket: dict[str, Any]) -> list[str]:
    return [entry["text"] for entry in ticket["entries"] if entry["kind"] == "event"]


class TestReplyToADeletedTicket:
    async def test_after_an_erasure_it_opens_a_new_ticket_in_the_same_inbox(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        support = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        billing = await desk.inbox(name="Billing", email_address=BILLING)
        ada = await desk.agent(inboxes=[support, billing], name="Ada")
        admin = await desk.agent(role="admin", inboxes=[support, billing])
        ticket, reply_to, message_id = await _answered(app, settings, sink, ada, support)
        # Moved to Billing before it went: the team that had it last gets the reply.
        moved = await ada.client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"inbox_id": billing["id"]}
        )
        assert moved.status_code == 200, moved.text
        erased = await admin.client.post(
            f"/api/v1/customers/{ticket['customer']['id']}/erase", json={"confirm": CUSTOMER}
        )
        assert erased.status_code == 200, erased.text

        late = reply_mail(
            to=reply_to,
            text="Thanks, the kettle came!",
            subject=f"Re: Broken kettle [#{ticket['number']}]",
            in_reply_to=message_id,
        )
        assert await send_to_listener(listener.port, late, recipients=[reply_to]) == {}

        (again,) = await _open_tickets(ada)
        assert again["id"] != ticket["id"]
        assert again["inbox_id"] == billing["id"]
        assert again["customer"]["emails"] == [CUSTOMER]
        assert again["customer"]["id"] != ticket["customer"]["id"]
        (entry,) = inbound_entries(again)
        assert entry["text"] == "Thanks, the kettle came!"
        assert entry["data"]["matched_by"] == "reply address of a deleted ticket"
        assert entry["author_customer_id"] == again["customer"]["id"]
        assert [line for line in _timeline(again) if "deleted" in line] == [
            "This email answers mail about a ticket that was deleted since; nothing of that "
            "conversation is kept."
        ]
        # Nothing of the erased conversation came back with it.
        assert not [e for e in again["entries"] if "kettle is on its way" in e["text"]]

    async def test_after_retention_it_opens_a_new_ticket_for_the_same_customer(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        support = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[support], name="Ada")
        admin = await desk.agent(role="admin", inboxes=[support])
        kept = await admin.client.patch(
            f"/api/v1/inboxes/{support['id']}", json={"retention_days": 30}
        )
        assert kept.status_code == 200, kept.text
        ticket, reply_to, _message_id = await _answered(app, settings, sink, ada, support)
        # The customer has another conversation, so retention keeps their record.
        other = await ada.client.post(
            "/api/v1/tickets",
            json={"inbox_id": support["id"], "customer": {"email": CUSTOMER}, "subject": "Lid"},
        )
        assert other.status_code == 201, other.text
        now = utcnow() + timedelta(days=31)
        assert await apply_retention(app.state.sessionmaker, settings, now=now) == 1
        assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 404

        late = reply_mail(to=reply_to, text="It broke again.")
        assert await send_to_listener(listener.port, late, recipients=[reply_to]) == {}

        (again,) = [t for t in await _open_tickets(ada) if t["id"] != other.json()["id"]]
        assert again["inbox_id"] == support["id"]
        assert again["customer"]["id"] == ticket["customer"]["id"]
        assert [entry["text"] for entry in inbound_entries(again)] == ["It broke again."]

    @BOTH_STORES
    async def test_a_ticket_deleted_before_its_inbox_was_kept_is_still_refused(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        support = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[support], name="Ada")
        admin = await desk.agent(role="admin", inboxes=[support])
        ticket, reply_to, _message_id = await _answered(app, settings, sink, ada, support)
        erased = await admin.client.post(
            f"/api/v1/customers/{ticket['customer']['id']}/erase", json={"confirm": CUSTOMER}
        )
        assert erased.status_code == 200, erased.text
        # As a ticket deleted before migration 0059 left it: no trace of its inbox.
        async with app.state.sessionmaker() as session, session.begin():
            await session.execute(delete(DeletedTicket))

        late = reply_mail(to=reply_to, text="Hello?")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await send_to_listener(listener.port, late, recipients=[reply_to])
        assert refused.value.smtp_code == 550
        assert await _open_tickets(ada) == []

    async def test_an_automatic_reply_to_it_opens_nothing(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        support = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[support], name="Ada")
        admin = await desk.agent(role="admin", inboxes=[support])
        ticket, reply_to, _message_id = await _answered(app, settings, sink, ada, support)
        erased = await admin.client.post(
            f"/api/v1/customers/{ticket['customer']['id']}/erase", json={"confirm": CUSTOMER}
        )
        assert erased.status_code == 200, erased.text
        away = reply_mail(
            to=reply_to, text="Out of office.", headers={"Auto-Submitted": "auto-replied"}
        )
        assert await send_to_listener(listener.port, away, recipients=[reply_to]) == {}
        assert await _open_tickets(ada) == []
