"""Cc, Bcc and forwarding: what the agent asks for over HTTP reaches an SMTP server on loopback
exactly so (Bcc in the envelope, never in a header), threading stays right, the customer's Cc is
kept on the ticket and offered again, and bad input is a clear 422 that loses nothing."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    answered_ticket,
    deliver,
    inbound_entries,
    outbox,
    post_mime,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY

BOSS = "boss@example.org"
AUDITOR = "auditor@example.net"
COURIER = "claims@courier.example.com"


async def reply(agent: Any, ticket: dict[str, Any], **body: Any) -> httpx.Response:
    response: httpx.Response = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Noted.", **body}
    )
    return response


class TestCcAndBcc:
    @BOTH_STORES
    async def test_cc_is_shown_bcc_is_only_in_the_envelope_and_threading_holds(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket, first = await answered_ticket(desk, then="hold")
        sent = await reply(ada, ticket, cc=[BOSS], bcc=[AUDITOR], then="close")
        assert sent.status_code == 201, sent.text
        entry = sent.json()
        assert entry["data"]["to"] == [CUSTOMER]
        assert entry["data"]["cc"] == [BOSS]
        assert entry["data"]["bcc"] == [AUDITOR]

        await deliver(app, with_smtp(settings, sink))
        _first, second = sink.received
        assert sorted(second.rcpt_tos) == sorted([CUSTOMER, BOSS, AUDITOR])
        message = second.message
        assert message["To"] == CUSTOMER
        assert message["Cc"] == BOSS
        assert message["Bcc"] is None
        assert AUDITOR.encode() not in second.raw
        assert message["In-Reply-To"] == first["message_id"]
        assert message["References"] == first["message_id"]
        assert message["Message-ID"] == entry["message_id"]

        after = await ticket_of(ada, ticket["id"])
        assert after["cc"] == [BOSS]
        assert after["state"] == "closed"

    async def test_the_customers_cc_is_kept_on_the_ticket_and_their_reply_all_threads(
        self, app: FastAPI, settings: Settings, desk: Desk, listener: InboundListener
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
        reply_to = sent["headers"]["Reply-To"]
        raw = reply_mail(
            to=f"{reply_to}, Boss <{BOSS.upper()}>",
            text="Adding my boss.",
            in_reply_to=sent["message_id"],
            headers={"Cc": f"{AUDITOR}, {SUPPORT}, {CUSTOMER}"},
        )
        assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
        after = await ticket_of(ada, ticket["id"])
        # Ours (reply address, inbox) and the customer's own are left out.
        assert after["cc"] == [AUDITOR, BOSS]

        # Again from the customer: nothing is repeated.
        again = reply_mail(to=reply_to, text="Still here.", headers={"Cc": BOSS})
        assert await send_to_listener(listener.port, again, recipients=[reply_to]) == {}
        assert (await ticket_of(ada, ticket["id"]))["cc"] == [AUDITOR, BOSS]

        # The agent's reply says who stays copied: the list follows it.
        assert (await reply(ada, ticket, cc=[BOSS])).status_code == 201
        assert (await ticket_of(ada, ticket["id"]))["cc"] == [BOSS]

    async def test_a_stranger_or_an_auto_reply_changes_nobodys_cc(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk)
        reply_to = sent["headers"]["Reply-To"]
        stranger = reply_mail(
            to=reply_to, text="Me too", sender="eve@example.net", headers={"Cc": BOSS}
        )
        auto = reply_mail(
            to=reply_to,
            text="Away",
            headers={"Cc": AUDITOR, "Auto-Submitted": "auto-replied"},
        )
        for raw in (stranger, auto):
            assert (await post_mime(http, raw)).status_code == 200
        assert len(inbound_entries(await ticket_of(ada, ticket["id"]))) == 2
        assert (await ticket_of(ada, ticket["id"]))["cc"] == []

    async def test_bad_recipients_are_refused_clearly_and_nothing_is_sent(self, desk: Desk) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        admin = await desk.agent(role="admin")
        before = len(await outbox(admin))

        error = error_of(await reply(ada, ticket, cc=["not an address"]), 422)
        (field,) = error["fields"]
        assert field["field"] == "cc.0"
        assert field["code"] == "email_invalid"

        # Each list is within its cap, together they are over it.
        many = [f"person{n}@example.org" for n in range(21)]
        error = error_of(await reply(ada, ticket, cc=many[:10], bcc=many[10:]), 422)
        (field,) = error["fields"]
        assert field["field"] == "cc"
        assert field["code"] == "too_long"
        assert field["limit"] == 20

        error = error_of(await reply(ada, ticket, cc=[f"p{n}@example.org" for n in range(21)]), 422)
        assert error["fields"][0]["code"] == "too_long"

        # A name no mail can reach.
        error = error_of(await reply(ada, ticket, bcc=["boss@shop.local"]), 422)
        assert error["fields"][0] == error["fields"][0] | {
            "field": "bcc.0",
            "code": "email_unroutable",
        }

        assert len(await outbox(admin)) == before
        after = await ticket_of(ada, ticket["id"])
        assert [e for e in after["entries"] if e["text"] == "Noted."] == []

    async def test_the_desks_own_inbox_cannot_be_copied(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop", email_address="help@shop.example.com")
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        created = await ada.client.post(
            "/api/v1/tickets",
            json={"inbox_id": inbox["id"], "customer": {"email": CUSTOMER}, "subject": "Hi"},
        )
        ticket = created.json()
        error = error_of(await reply(ada, ticket, cc=["Help@Shop.Example.com"]), 422)
        assert error["fields"][0]["field"] == "cc"
        assert "own address" in error["message"]

    async def test_the_customer_given_again_as_cc_is_mailed_once(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        sent = await reply(ada, ticket, cc=[CUSTOMER, BOSS, BOSS], bcc=[BOSS])
        assert sent.status_code == 201, sent.text
        assert sent.json()["data"]["cc"] == [BOSS]
        assert sent.json()["data"]["bcc"] == []
        await deliver(app, with_smtp(settings, sink))
        assert sorted(sink.received[-1].rcpt_tos) == [BOSS, CUSTOMER]


class TestForward:
    async def test_a_customers_mail_forwarded_to_a_third_party_and_their_answer_comes_back(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
        reply_to = sent["headers"]["Reply-To"]
        raw = reply_mail(
            to=reply_to,
            subject="Re: Where is my parcel?",
            text="The parcel arrived crushed.",
            in_reply_to=sent["message_id"],
        )
        assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
        before = await ticket_of(ada, ticket["id"])
        (customer_mail,) = inbound_entries(before)

        forwarded = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/entries/{customer_mail['id']}/forward",
            json={"to": [COURIER], "cc": [BOSS], "text": "Can you check this claim?"},
        )
        assert forwarded.status_code == 201, forwarded.text
        entry = forwarded.json()
        assert entry["data"]["forward_of"] == customer_mail["id"]
        assert entry["data"]["to"] == [COURIER]

        await deliver(app, with_smtp(settings, sink))
        message = sink.received[-1].message
        assert sorted(sink.received[-1].rcpt_tos) == sorted([COURIER, BOSS])
        assert message["To"] == COURIER
        assert message["Cc"] == BOSS
        assert message["Subject"] == f"Fwd: Where is my parcel? [#{ticket['number']}]"
        assert message["In-Reply-To"] is None
        assert message["Reply-To"] == reply_to
        body = str(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
        assert body.index("Can you check this claim?") < body.index("Forwarded message")
        assert "The parcel arrived crushed." in body
        assert f"From: Cora Customer <{CUSTOMER}>" in body
        assert "Date: Tue, 01 Dec 2026 10:00:00 +0000" in body

        # Nothing about the ticket changes, and the forward never joins the customer's thread.
        after = await ticket_of(ada, ticket["id"])
        assert after["state"] == before["state"] == "open"
        assert after["cc"] == []
        assert (await reply(ada, ticket)).status_code == 201
        await deliver(app, with_smtp(settings, sink))
        assert entry["message_id"] not in sink.received[-1].message["References"]

        # The courier answers: it lands on the ticket, from an unexpected sender.
        answer = reply_mail(
            to=reply_to,
            sender=COURIER,
            text="Claim accepted.",
            in_reply_to=entry["message_id"],
        )
        assert (
            await send_to_listener(listener.port, answer, sender=COURIER, recipients=[reply_to])
            == {}
        )
        last = inbound_entries(await ticket_of(ada, ticket["id"]))[-1]
        assert last["text"] == "Claim accepted."
        assert last["data"]["unexpected_sender"] is True

    @BOTH_STORES
    async def test_forward_refusals(self, desk: Desk) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        after = await ticket_of(ada, ticket["id"])
        event = next(e for e in after["entries"] if e["kind"] == "event")
        url = f"/api/v1/tickets/{ticket['id']}/entries"
        error_of(await ada.client.post(f"{url}/{event['id']}/forward", json={"to": [COURIER]}), 422)
        outgoing = next(e for e in after["entries"] if e["kind"] == "reply")
        error = error_of(
            await ada.client.post(f"{url}/{outgoing['id']}/forward", json={"to": []}), 422
        )
        assert error["fields"][0]["field"] == "to"
        error_of(
            await ada.client.post(f"{url}/{outgoing['id']}/forward", json={"to": ["nope"]}), 422
        )
        error_of(await ada.client.post(f"{url}/999999/forward", json={"to": [COURIER]}), 404)
        # An agent who may not see the ticket learns nothing about it.
        outsider = await desk.agent()
        error_of(
            await outsider.client.post(f"{url}/{outgoing['id']}/forward", json={"to": [COURIER]}),
            404,
        )
        ok = await ada.client.post(f"{url}/{outgoing['id']}/forward", json={"to": [COURIER]})
        assert ok.status_code == 201, ok.text
        assert "It left the warehouse today." in ok.json()["text"]
