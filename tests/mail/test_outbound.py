"""Outbound mail over real SMTP: the transcript when a chat ends, agents' threaded replies, an
outage that loses nothing and sends nothing twice, concurrent senders, the admin's mail viewer."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from typing import Any

from fastapi import FastAPI

from frontdesk.chats import service as chats_service
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.mail import outbox as mail_outbox
from frontdesk.mail.models import OutboxMessage, OutboxState
from frontdesk.mail.timers import deliver_outbox
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SmtpSink,
    deliver,
    later,
    online,
    outbox,
    ticket_of,
    ticket_with_reply,
    with_smtp,
)
from tests.unit.support import count_rows, error_of

pytestmark = SQLITE_ONLY


def _body(message: Any, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


SECRET = "identity-secret-of-the-shop"


class TestTranscript:
    """For a visitor the website signed in; see test_unconfirmed.py for everyone else."""

    async def test_chat_end_mails_the_transcript_threaded_to_the_ticket(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(
            name="Shop Support", email_address="support@shop.test", identity_secret=SECRET
        )
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        await online(ada)
        visitor = await visitors(inbox)
        await visitor.identify(CUSTOMER, secret=SECRET)
        chat = await visitor.start_chat("Is <b>this</b> in stock?", email=CUSTOMER)
        assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
        sent = await ada.client.post(
            f"/api/v1/chats/{chat['id']}/messages",
            json={"text": "Yes & it ships today.", "client_msg_id": "a1"},
        )
        assert sent.status_code == 201, sent.text
        ended = await ada.client.post(f"/api/v1/chats/{chat['id']}/end")
        assert ended.status_code == 200, ended.text
        ticket = await ticket_of(ada, ended.json()["ticket_id"])

        assert await deliver(app, with_smtp(settings, sink)) == 1
        (received,) = sink.received
        message = received.message
        assert received.rcpt_tos == [CUSTOMER]
        assert received.mail_from == "support@shop.test"
        assert message["From"] == "Shop Support <support@shop.test>"
        assert message["To"] == CUSTOMER
        assert f"[#{ticket['number']}]" in message["Subject"]
        assert message["Reply-To"].startswith(f"reply+{ticket['id']}.")
        assert message["Reply-To"].endswith("@desk.test")
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Date"]
        transcript = ticket["entries"][0]
        assert transcript["kind"] == "transcript"
        assert message["Message-ID"] == transcript["message_id"]
        text = _body(message, "plain")
        html = _body(message, "html")
        for line in ("Is <b>this</b> in stock?", "Yes & it ships today.", "Ada", "Marie Curie"):
            assert line in text
        assert "Is &lt;b&gt;this&lt;/b&gt; in stock?" in html
        assert "Yes &amp; it ships today." in html
        assert "UTC" in text
        assert "UTC" in html
        (row,) = await outbox(ada_admin := await desk.agent(role="admin"))
        assert row["state"] == "sent"
        assert row["sent_at"]
        assert ada_admin.id != ada.id

    async def test_unanswered_chat_says_the_team_will_follow_up(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(
            name="Shop Support", email_address="support@shop.test", identity_secret=SECRET
        )
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        await online(ada)
        visitor = await visitors(inbox)
        await visitor.identify(CUSTOMER, secret=SECRET)
        chat = await visitor.start_chat("Anyone there?", email=CUSTOMER)
        async with unit_of_work(app.state.sessionmaker) as session:
            # Nobody joined before the inbox's unanswered timeout.
            ended = await chats_service.end_unanswered_chats(
                session, now=later(60), visitor_grace=settings.visitor_grace
            )
        assert ended == 1
        ticket = (await ada.client.get("/api/v1/tickets", params={"type": "chat"})).json()
        assert ticket["items"][0]["state"] == "open"
        assert chat["id"]
        await deliver(app, with_smtp(settings, sink))
        (received,) = sink.received
        text = _body(received.message, "plain")
        assert "follow up" in text
        assert "Anyone there?" in text


class TestReplies:
    async def test_agent_reply_is_threaded_and_has_both_parts(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address="support@shop.test")
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        ticket, first = await ticket_with_reply(ada, inbox, then="hold")
        assert (await ticket_of(ada, ticket["id"]))["state"] == "hold"
        second = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "Here is <the> link:\nhttps://track.example", "then": "close"},
        )
        assert second.status_code == 201
        assert (await ticket_of(ada, ticket["id"]))["state"] == "closed"

        await deliver(app, with_smtp(settings, sink))
        assert len(sink.received) == 2
        one, two = (received.message for received in sink.received)
        assert one["From"] == '"Ada (Shop Support)" <support@shop.test>'
        assert one["In-Reply-To"] is None
        assert two["In-Reply-To"] == first["message_id"]
        assert two["References"] == first["message_id"]
        assert two["Message-ID"] == second.json()["message_id"]
        assert two["Subject"] == f"Re: Where is my parcel? [#{ticket['number']}]"
        assert two["Auto-Submitted"] is None
        assert "Here is <the> link:" in _body(two, "plain")
        assert "Here is &lt;the&gt; link:<br>" in _body(two, "html")

    async def test_a_name_that_is_not_ascii_keeps_the_sender_address(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        """A From of "Ada (Kundendienst München)" once left no address a reader could see; nor
        may a name with a parenthesis left open."""
        inbox = await desk.inbox(name="Kundendienst München", email_address="support@shop.test")
        for name in ("Ada", "Zoë (Team"):
            agent = await desk.agent(inboxes=[inbox], name=name)
            await ticket_with_reply(agent, inbox)
        await deliver(app, with_smtp(settings, sink))
        senders = []
        for received in sink.received:
            parsed = message_from_bytes(received.message.as_bytes(), policy=policy.default)
            assert parsed["From"].defects == ()
            senders += parsed["From"].addresses
        assert sorted((s.display_name, s.addr_spec) for s in senders) == [
            ("Ada (Kundendienst München)", "support@shop.test"),
            ("Zoë (Team (Kundendienst München)", "support@shop.test"),
        ]

    @BOTH_STORES
    async def test_without_smtp_mail_stays_in_the_viewer(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        inbox = await desk.inbox(email_address="support@shop.test")
        ada = await desk.agent(inboxes=[inbox])
        admin = await desk.agent(role="admin")
        await ticket_with_reply(ada, inbox)
        assert await deliver_outbox(app.state.sessionmaker, settings) == 0
        (row,) = await outbox(admin, state="queued")
        detail = await admin.client.get(f"/api/v1/outbox/{row['id']}")
        assert detail.status_code == 200
        assert f"Message-ID: {row['message_id']}" in detail.json()["raw"]
        raw = await admin.client.get(f"/api/v1/outbox/{row['id']}/raw")
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("message/rfc822")
        assert b"Content-Type: multipart/alternative" in raw.content
        # The viewer shows exactly what will be sent: rendering twice gives the same bytes.
        assert raw.content == (await admin.client.get(f"/api/v1/outbox/{row['id']}/raw")).content
        error_of(await ada.client.get(f"/api/v1/outbox/{row['id']}"), 403)


class TestOutage:
    async def test_refusals_back_off_and_every_mail_arrives_exactly_once(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(email_address="support@shop.test")
        ada = await desk.agent(inboxes=[inbox])
        admin = await desk.agent(role="admin")
        for index in range(3):
            await ticket_with_reply(ada, inbox, email=f"c{index}@example.net")
        smtp = with_smtp(settings, sink)
        sink.refuse = 5
        assert await deliver(app, smtp) == 3
        assert sink.received == []
        rows = await outbox(admin)
        assert {row["state"] for row in rows} == {"queued"}
        assert all(row["attempts"] == 1 and row["last_error"].startswith("451") for row in rows)
        # Backing off: nothing is due again until the delay has passed.
        assert await deliver(app, smtp) == 0
        minutes = 1.0
        while len(sink.received) < 3:
            assert minutes < 200, "mail never got through"
            await deliver(app, smtp, now=later(minutes))
            minutes *= 2
        assert sink.refused == 5
        ids = sorted(received.message["Message-ID"] for received in sink.received)
        assert ids == sorted(row["message_id"] for row in rows)
        assert {row["state"] for row in await outbox(admin)} == {"sent"}
        assert await deliver(app, smtp, now=later(10_000)) == 0
        assert len(sink.received) == 3

    async def test_after_the_last_attempt_an_admin_sees_it_and_retries(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(email_address="support@shop.test")
        ada = await desk.agent(inboxes=[inbox])
        admin = await desk.agent(role="admin")
        await ticket_with_reply(ada, inbox)
        smtp = with_smtp(settings, sink)
        sink.refuse = mail_outbox.MAX_ATTEMPTS
        for attempt in range(mail_outbox.MAX_ATTEMPTS):
            await deliver(app, smtp, now=later(attempt * 180))
        (failed,) = await outbox(admin, state="failed")
        assert failed["attempts"] == mail_outbox.MAX_ATTEMPTS
        assert "451" in failed["last_error"]
        assert await deliver(app, smtp, now=later(100_000)) == 0

        error_of(await ada.client.post(f"/api/v1/outbox/{failed['id']}/retry"), 403)
        retried = await admin.client.post(f"/api/v1/outbox/{failed['id']}/retry")
        assert retried.status_code == 200, retried.text
        assert retried.json()["state"] == "queued"
        await deliver(app, smtp)
        (received,) = sink.received
        assert received.message["Message-ID"] == failed["message_id"]
        again = await admin.client.post(f"/api/v1/outbox/{failed['id']}/retry")
        error_of(again, 409, "not_retryable")

    async def test_a_crashed_sender_is_taken_over_with_the_same_message_id(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(email_address="support@shop.test")
        ada = await desk.agent(inboxes=[inbox])
        _ticket, reply = await ticket_with_reply(ada, inbox)
        async with unit_of_work(app.state.sessionmaker) as session:
            # A process claims the row, then dies before sending.
            (claimed,) = await mail_outbox.claim_outbox(
                session, now=later(0), limit=10, lease=later(5) - later(0)
            )
        smtp = with_smtp(settings, sink)
        assert await deliver(app, smtp) == 0  # still leased
        assert await deliver(app, smtp, now=later(6)) == 1
        (received,) = sink.received
        assert received.message["Message-ID"] == reply["message_id"] == claimed.message_id


class TestConcurrentSenders:
    @BOTH_STORES
    async def test_two_senders_at_once_send_each_mail_once(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(email_address="support@shop.test")
        ada = await desk.agent(inboxes=[inbox])
        for index in range(12):
            await ticket_with_reply(ada, inbox, email=f"c{index}@example.net")
        smtp = with_smtp(settings, sink)

        async def sender() -> int:
            total = 0
            while claimed := await deliver_outbox(app.state.sessionmaker, smtp, limit=2):
                total += claimed
            return total

        counts = await asyncio.gather(sender(), sender(), sender())
        assert sum(counts) == 12
        ids = [received.message["Message-ID"] for received in sink.received]
        assert len(ids) == len(set(ids)) == 12
        assert await count_rows(app, OutboxMessage, OutboxMessage.state == OutboxState.sent) == 12
