"""Mail to an address a website visitor typed: nobody can use the desk to send their words to
someone else's mailbox, and the address becomes trusted once its owner or an agent proves it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from frontdesk.chats import service as chats_service
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    SUPPORT,
    SmtpSink,
    deliver,
    later,
    online,
    outbox,
    post_mime,
    reply_mail,
    ticket_of,
    with_smtp,
)

pytestmark = SQLITE_ONLY

VICTIM = "victim@example.org"
PHISHING = "Your account is locked. Confirm your password at https://evil.example/login"


async def end_unanswered(app: FastAPI, settings: Settings) -> int:
    async with unit_of_work(app.state.sessionmaker) as session:
        return await chats_service.end_unanswered_chats(
            session, now=later(60), visitor_grace=settings.visitor_grace
        )


async def ended_event(visitor: Any, chat_id: int) -> dict[str, Any]:
    events = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()["events"]
    (ended,) = [event for event in events if event["type"] == "chat.ended"]
    return dict(ended["data"])


class TestNotice:
    async def test_a_typed_address_gets_a_notice_without_the_visitors_words(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        await online(ada)
        attacker = await visitors(inbox)
        chat = await attacker.start_chat(
            PHISHING, email=VICTIM, name="Security team: call +1 202 555 0143"
        )
        assert await end_unanswered(app, settings) == 1

        assert await deliver(app, with_smtp(settings, sink)) == 1
        (received,) = sink.received
        assert received.rcpt_tos == [VICTIM]
        message = received.message
        assert message["Subject"].startswith("Your chat with Shop Support [#")
        assert message["Auto-Submitted"] == "auto-generated"
        raw = received.raw.decode()
        for written_by_the_visitor in ("evil.example", "password", "Security team", "202 555"):
            assert written_by_the_visitor not in raw
        text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert "follow up" in text
        assert "ignore this email" in text
        # The visitor is not told an email went out: that would say whether the address is known.
        assert (await ended_event(attacker, chat["id"]))["transcript_emailed"] is False
        # Agents still have everything the visitor wrote.
        ticket = (await ada.client.get("/api/v1/tickets", params={"type": "chat"})).json()
        detail = await ticket_of(ada, ticket["items"][0]["id"])
        assert PHISHING in detail["entries"][0]["text"]
        assert detail["entries"][0]["data"]["verified"] is False

    async def test_an_answered_chat_mails_no_conversation_either(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        await online(ada)
        attacker = await visitors(inbox)
        chat = await attacker.start_chat("Hello", email=VICTIM)
        assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
        sent = await attacker.client.post(
            f"/messenger/v1/chats/{chat['id']}/messages",
            json={"text": PHISHING, "client_msg_id": "v2"},
        )
        assert sent.status_code == 201, sent.text
        assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/end")).status_code == 200

        (row,) = await outbox(await desk.agent(role="admin"))
        assert row["recipients"] == [VICTIM]
        assert "Thanks for chatting with us." in row["text"]
        assert "evil.example" not in row["text"]
        assert "evil.example" not in row["html"]
        assert "Hello" not in row["text"]

    async def test_one_address_gets_at_most_three_notices_a_day(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(email_address=SUPPORT)
        await online(await desk.agent(inboxes=[inbox]))
        for _ in range(4):
            await (await visitors(inbox)).start_chat("Hi", email=VICTIM)
            assert await end_unanswered(app, settings) == 1
        await (await visitors(inbox)).start_chat("Hi", email="someone.else@example.org")
        assert await end_unanswered(app, settings) == 1

        rows = await outbox(await desk.agent(role="admin"))
        assert sorted(row["recipients"][0] for row in rows) == [
            "someone.else@example.org",
            *[VICTIM] * 3,
        ]
        # The chats still became tickets for agents to follow up.
        agent = await desk.agent(inboxes=[inbox])
        tickets = (await agent.client.get("/api/v1/tickets", params={"type": "chat"})).json()
        assert len(tickets["items"]) == 5


class TestConfirmation:
    async def test_an_agents_reply_confirms_the_address(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        await online(ada)
        await (await visitors(inbox)).start_chat("Where is my parcel?", email="cora@example.org")
        assert await end_unanswered(app, settings) == 1
        listed = (await ada.client.get("/api/v1/tickets", params={"type": "chat"})).json()
        ticket = await ticket_of(ada, listed["items"][0]["id"])
        assert ticket["customer"]["verified"] is False

        reply = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "It ships today."}
        )
        assert reply.status_code == 201, reply.text
        customer = await ada.client.get(f"/api/v1/customers/{ticket['customer_id']}")
        assert customer.json()["verified"] is True
        rows = await outbox(await desk.agent(role="admin"))
        assert [row["recipients"] for row in rows] == [["cora@example.org"]] * 2

    async def test_mail_from_the_address_confirms_it(
        self, app: FastAPI, http: Any, desk: Desk, visitors: Any, settings: Settings
    ) -> None:
        inbox = await desk.inbox(email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        await online(ada)
        await (await visitors(inbox)).start_chat("Where is my parcel?", email="cora@example.org")
        assert await end_unanswered(app, settings) == 1
        (notice,) = await outbox(await desk.agent(role="admin"))
        reply_to = notice["headers"]["Reply-To"]

        # Someone else answering the notice proves nothing about the address.
        stranger = reply_mail(to=reply_to, text="Not me", sender="stranger@example.org")
        assert (await post_mime(http, stranger)).status_code == 200
        ticket = await ticket_of(ada, notice["ticket_id"])
        assert ticket["customer"]["verified"] is False

        owner = reply_mail(to=reply_to, text="Yes, that was me", sender="cora@example.org")
        assert (await post_mime(http, owner)).status_code == 200
        ticket = await ticket_of(ada, notice["ticket_id"])
        assert ticket["customer"]["verified"] is True
