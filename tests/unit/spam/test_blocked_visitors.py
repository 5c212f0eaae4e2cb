"""Blocking a chat's visitor (docs/chat.md, "Blocking a visitor"): the chat ends into Spam, the
messenger refuses the visitor (403 `visitor_blocked`) until an admin lifts the block, a signed
address is blocked as a sender too, a typed one never is; who may; and the races: a message
sent while the block lands, and two blocks at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.audit.models import AuditEvent
from frontdesk.chats.models import ChatEvent
from frontdesk.mail.models import OutboxMessage
from frontdesk.tickets.models import Ticket
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Visitor
from tests.unit.support import count_rows, error_of, online

pytestmark = SQLITE_ONLY

SECRET = "identity-secret-of-the-shop"
TROLL = "troll@mail.example"
REFUSED = "You can't start a conversation right now."


async def audited(app: FastAPI) -> list[tuple[str, str | None]]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.target_label)
            .where(
                AuditEvent.action.like("visitor.%")
                | AuditEvent.action.like("sender.%")
                | AuditEvent.action.like("%spam%")
            )
            .order_by(AuditEvent.id)
        )
        return [(action, label) for action, label in rows]


def refused(response: Any) -> None:
    error = error_of(response, 403, "visitor_blocked")
    assert error["message"] == REFUSED


async def may_not_write(visitor: Visitor, *, email: str = TROLL) -> None:
    """Every way the messenger writes is refused: a chat, and a message left by the form."""
    refused(
        await visitor.client.post(
            "/messenger/v1/chats", json={"name": "T", "email": email, "text": "Hello again"}
        )
    )
    refused(
        await visitor.client.post(
            "/messenger/v1/contact", json={"name": "T", "email": email, "text": "Let me in"}
        )
    )


@pytest.fixture
async def team(desk: Desk) -> tuple[dict[str, Any], Agent, Agent, Agent]:
    """An inbox whose website signs its visitors, with Ada (online) and an admin in it, and Olga,
    an agent of another inbox."""
    inbox = await desk.inbox(name="Support", identity_secret=SECRET)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Root")
    olga = await desk.agent(inboxes=[await desk.inbox(name="Sales")], name="Olga")
    await online(ada)
    return inbox, ada, admin, olga


class TestBlocking:
    @BOTH_STORES
    async def test_a_blocked_visitor_is_refused_until_an_admin_lifts_it(
        self, app: FastAPI, team: Any, visitors: Any
    ) -> None:
        inbox, ada, admin, olga = team
        troll = await visitors(inbox)
        chat = await troll.start_chat("you are all useless", name="Troll", email=TROLL)
        assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
        url = f"/api/v1/chats/{chat['id']}/block-visitor"

        # Olga does not see the inbox: no such chat.
        error_of(await olga.client.post(url), 404)

        blocked = await ada.client.post(url)
        assert blocked.status_code == 200, blocked.text
        body = blocked.json()
        assert body["changed"] is True
        assert body["visitor_id"] == troll.id
        assert body["ticket"]["state"] == "spam"
        # The address was only typed: it proves nothing, so it is not blocked as a sender.
        assert body["blocked_sender"] is None

        # The chat ended, into Spam, and nothing was mailed to the address it gave.
        assert (await troll.client.get(f"/messenger/v1/chats/{chat['id']}")).json()[
            "state"
        ] == "ended"
        ticket = (await ada.client.get(f"/api/v1/tickets/{body['ticket']['id']}")).json()
        assert ticket["state"] == "spam"
        assert [e["text"] for e in ticket["entries"] if e["kind"] == "event"] == [
            "Ada marked the ticket as spam",
            "Ada blocked the visitor",
        ]
        assert await count_rows(app, OutboxMessage) == 0
        await may_not_write(troll)
        assert (await admin.client.get("/api/v1/blocked-senders")).json()["items"] == []

        # Only admins see the list and lift a block.
        error_of(await ada.client.get("/api/v1/blocked-visitors"), 403)
        (row,) = (await admin.client.get("/api/v1/blocked-visitors")).json()
        assert row["id"] == body["blocked_visitor_id"]
        assert (row["visitor_id"], row["name"], row["email"], row["verified"]) == (
            troll.id,
            "Troll",
            TROLL,
            False,
        )
        assert (row["ticket_id"], row["ticket_number"]) == (ticket["id"], ticket["number"])
        assert row["created_by_name"] == "Ada"
        error_of(await ada.client.delete(f"/api/v1/blocked-visitors/{row['id']}"), 403)
        lifted = await admin.client.delete(f"/api/v1/blocked-visitors/{row['id']}")
        assert lifted.status_code == 204, lifted.text
        error_of(await admin.client.delete(f"/api/v1/blocked-visitors/{row['id']}"), 404)
        assert (await admin.client.get("/api/v1/blocked-visitors")).json() == []
        again = await troll.start_chat("sorry about that", email=TROLL)
        assert again["state"] == "waiting"
        # Its ticket stays in Spam; the audit log names the block by number, not by person.
        assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["state"] == "spam"
        assert await audited(app) == [
            ("visitor.blocked", f"blocked visitor #{row['id']}"),
            ("ticket.marked_spam", f"ticket #{ticket['number']}"),
            ("visitor.unblocked", f"blocked visitor #{row['id']}"),
        ]

    async def test_any_agent_of_the_inbox_blocks_a_chat_nobody_answered(
        self, app: FastAPI, team: Any, visitors: Any
    ) -> None:
        inbox, ada, _admin, _olga = team
        troll = await visitors(inbox)
        chat = await troll.start_chat("spam spam spam", email=TROLL)
        # Ada never joined it: she may still block it, as she may mark its ticket spam.
        blocked = await ada.client.post(f"/api/v1/chats/{chat['id']}/block-visitor")
        assert blocked.status_code == 200, blocked.text
        assert blocked.json()["ticket"]["state"] == "spam"
        await may_not_write(troll)
        # The address the visitor gives to a chat afterwards is refused too.
        refused(
            await troll.client.post(
                f"/messenger/v1/chats/{chat['id']}/email", json={"email": "other@mail.example"}
            )
        )
        # Another visitor (another browser) is not blocked.
        assert (await (await visitors(inbox)).start_chat(email=TROLL))["state"] == "waiting"

    async def test_a_signed_address_is_blocked_as_a_sender_too(
        self, app: FastAPI, team: Any, visitors: Any
    ) -> None:
        inbox, ada, admin, _olga = team
        troll = await visitors(inbox)
        await troll.identify(TROLL, secret=SECRET)
        chat = await troll.start_chat("you are all useless", email=None)
        await ada.client.post(f"/api/v1/chats/{chat['id']}/join")

        blocked = await ada.client.post(f"/api/v1/chats/{chat['id']}/block-visitor")
        assert blocked.status_code == 200, blocked.text
        assert blocked.json()["blocked_sender"]["pattern"] == TROLL
        senders = (await admin.client.get("/api/v1/blocked-senders")).json()["items"]
        assert [each["pattern"] for each in senders] == [TROLL]
        (row,) = (await admin.client.get("/api/v1/blocked-visitors")).json()
        assert (row["email"], row["verified"]) == (TROLL, True)
        # The same person in another browser, signed in by the website: refused by their address.
        elsewhere = await visitors(inbox)
        await elsewhere.identify(TROLL, secret=SECRET)
        refused(await elsewhere.client.post("/messenger/v1/chats", json={"text": "it's me"}))

    async def test_blocking_an_agents_own_address_is_refused_whole(
        self, app: FastAPI, desk: Desk, team: Any, visitors: Any
    ) -> None:
        """A signed address that is our own (an inbox's, an agent's) is never blocked: the block
        is refused with the reason, and nothing of it is done (the chat goes on)."""
        _inbox, ada, _admin, _olga = team
        inbox = await desk.inbox(identity_secret=SECRET, email_address="help@shop.example")
        await desk.add_member(inbox, ada)
        tester = await visitors(inbox)
        await tester.identify("help@shop.example", secret=SECRET)
        chat = await tester.start_chat("testing the widget", email=None)
        error = error_of(await ada.client.post(f"/api/v1/chats/{chat['id']}/block-visitor"), 422)
        assert "would block our own mail" in error["message"]
        assert (await tester.client.get(f"/messenger/v1/chats/{chat['id']}")).json()[
            "state"
        ] == "waiting"
        assert await count_rows(app, Ticket) == 0


class TestBlockedSenders:
    async def test_a_blocked_sender_chats_only_with_an_address_nobody_signed(
        self, app: FastAPI, team: Any, visitors: Any
    ) -> None:
        """The website's signature proves the address: a blocked sender signed in is refused a
        chat. Typed, it proves nothing (anyone can type a customer's address to silence them):
        the chat goes through, as any chat with a typed address does."""
        inbox, ada, admin, _olga = team
        added = await admin.client.post("/api/v1/blocked-senders", json={"pattern": TROLL})
        assert added.status_code == 201, added.text

        signed = await visitors(inbox)
        await signed.identify(TROLL, secret=SECRET)
        refused(await signed.client.post("/messenger/v1/chats", json={"text": "hi"}))
        # Signed, but typing another address: the chat's address is the typed one, unproven.
        other = await signed.start_chat("hi", email="someone@else.example")
        assert other["state"] == "waiting"

        typed = await visitors(inbox)
        chat = await typed.start_chat("is my order late?", email=TROLL)
        assert chat["state"] == "waiting"
        detail = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()
        assert (detail["visitor_email"], detail["visitor_verified"]) == (TROLL, False)
        # A blocked sender's domain counts as well.
        await admin.client.post("/api/v1/blocked-senders", json={"pattern": "@junk.example"})
        junk = await visitors(inbox)
        await junk.identify("deals@news.junk.example", secret=SECRET)
        refused(await junk.client.post("/messenger/v1/chats", json={"text": "deals"}))


class TestRaces:
    @BOTH_STORES
    async def test_two_blocks_at_once_file_one_ticket_in_spam_once(
        self, app: FastAPI, team: Any, visitors: Any
    ) -> None:
        inbox, ada, admin, _olga = team
        troll = await visitors(inbox)
        await troll.identify(TROLL, secret=SECRET)
        chat = await troll.start_chat("you are all useless", email=None)
        await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
        url = f"/api/v1/chats/{chat['id']}/block-visitor"

        results = await asyncio.gather(ada.client.post(url), admin.client.post(url))
        assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
        assert sorted(r.json()["changed"] for r in results) == [False, True]
        assert {r.json()["ticket"]["id"] for r in results} == {results[0].json()["ticket"]["id"]}
        assert {r.json()["blocked_visitor_id"] for r in results} == {
            results[0].json()["blocked_visitor_id"]
        }
        assert await count_rows(app, Ticket) == 1
        actions = [action for action, _ in await audited(app)]
        assert sorted(actions) == ["sender.blocked", "ticket.marked_spam", "visitor.blocked"]
        ended = await count_rows(
            app, ChatEvent, ChatEvent.chat_id == chat["id"], ChatEvent.type == "chat.ended"
        )
        assert ended == 1
        # And once more, later: the same answer, nothing written.
        later = await ada.client.post(url)
        assert later.status_code == 200, later.text
        assert later.json()["changed"] is False
        assert len(await audited(app)) == 3

    @BOTH_STORES
    async def test_a_message_sent_as_the_block_lands_is_kept_or_refused(
        self, app: FastAPI, team: Any, visitors: Any
    ) -> None:
        """The message and the block both take the chat's lock: the message is in the ticket's
        transcript, or refused because the chat ended; never accepted and lost."""
        inbox, ada, _admin, _olga = team
        troll = await visitors(inbox)
        chat = await troll.start_chat("first", email=TROLL)
        await ada.client.post(f"/api/v1/chats/{chat['id']}/join")

        block, message = await asyncio.gather(
            ada.client.post(f"/api/v1/chats/{chat['id']}/block-visitor"),
            troll.client.post(
                f"/messenger/v1/chats/{chat['id']}/messages",
                json={"text": "one more insult", "client_msg_id": "m-1"},
            ),
        )
        assert block.status_code == 200, block.text
        ticket = (await ada.client.get(f"/api/v1/tickets/{block.json()['ticket']['id']}")).json()
        transcript = ticket["entries"][0]
        assert transcript["kind"] == "transcript"
        if message.status_code == 201:
            assert "one more insult" in transcript["text"]
        else:
            error_of(message, 409, "chat_ended")
            assert "one more insult" not in transcript["text"]
        assert ticket["state"] == "spam"
        assert await count_rows(app, Ticket) == 1
        # Sent again (the messenger retries what was not acknowledged): refused, chat ended.
        again = await troll.client.post(
            f"/messenger/v1/chats/{chat['id']}/messages",
            json={"text": "one more insult", "client_msg_id": "m-2"},
        )
        error_of(again, 409, "chat_ended")
