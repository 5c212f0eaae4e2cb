"""Who is told of what: the assignee, followers and the mentioned, never the one who acted, never
someone who may not see the ticket; where each person said; the bell's list and read marks."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from frontdesk.mail.models import OutboxMessage
from frontdesk.notifications.models import TicketFollower
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk, Published
from tests.mail.support import SUPPORT, answered_ticket, post_mime, reply_mail
from tests.unit.notifications.support import bell, kinds
from tests.unit.support import count_rows, new_ticket, online

pytestmark = SQLITE_ONLY


async def _note(agent: Any, ticket: dict[str, Any], text: str) -> dict[str, Any]:
    response = await agent.client.post(f"/api/v1/tickets/{ticket['id']}/notes", json={"text": text})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def handle(agent: Any) -> str:
    return str(agent.user["email"]).split("@")[0]


class TestAssigned:
    async def test_the_assignee_is_told_and_the_one_who_assigned_is_not(
        self, desk: Desk, published: Published
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        ticket = await new_ticket(ada.client, inbox, subject="Broken lamp")
        published.clear()
        response = await ada.client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": bob.id}
        )
        assert response.status_code == 200, response.text

        page = await bell(bob)
        (item,) = page["items"]
        assert item["kind"] == "assigned"
        assert item["ticket_id"] == ticket["id"]
        assert item["actor"] == {"id": ada.id, "name": "Ada"}
        assert item["params"]["subject"] == "Broken lamp"
        assert item["params"]["number"] == ticket["number"]
        assert item["read"] is False
        assert page["unread"] == 1
        assert await kinds(ada) == []
        # Live, heard on Bob's own topic only.
        told = [m for m in published.messages if m.envelope.type == "notification.created"]
        assert [m.topics for m in told] == [[f"agent:{bob.id}"]]
        assert told[0].envelope.data["unread"] == 1

    async def test_assigning_yourself_tells_nobody(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        ticket = await new_ticket(ada.client, inbox)
        await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": ada.id})
        assert await kinds(ada) == []

    async def test_a_ticket_filed_for_someone_else_tells_them(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        await new_ticket(ada.client, inbox, assignee_id=bob.id)
        assert await kinds(bob) == ["assigned"]


class TestMentions:
    async def test_a_mention_tells_the_agent_and_makes_them_follow(
        self, desk: Desk, app: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        ticket = await new_ticket(ada.client, inbox)
        entry = await _note(ada, ticket, f"@{handle(bob)} can you look? cc @{handle(ada)}")

        (item,) = (await bell(bob))["items"]
        assert item["kind"] == "mentioned"
        assert item["params"]["excerpt"].startswith(f"@{handle(bob)} can you look?")
        assert item["params"]["entry_id"] == entry["id"]  # the desk opens the ticket there
        assert await kinds(ada) == []  # mentioning yourself tells nobody
        assert entry["data"]["mentioned"] == [
            {"id": bob.id, "name": "Bob"},
            {"id": ada.id, "name": "Ada"},
        ]
        followers = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/followers")).json()
        assert followers == {"followers": [{"id": bob.id, "name": "Bob"}], "following": False}
        assert await count_rows(app, TicketFollower) == 1

    async def test_an_agent_who_may_not_see_the_ticket_is_not_told_and_the_author_knows(
        self, desk: Desk
    ) -> None:
        inbox = await desk.inbox()
        other = await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[inbox])
        carol = await desk.agent(inboxes=[other])
        ticket = await new_ticket(ada.client, inbox)
        entry = await _note(ada, ticket, f"Ask @{handle(carol)} about it")
        assert entry["data"] == {"not_notified": [handle(carol)]}
        assert await kinds(carol) == []
        followers = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/followers")).json()
        assert followers["followers"] == []

    async def test_an_email_address_or_an_unknown_name_is_no_mention(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        ticket = await new_ticket(ada.client, inbox)
        entry = await _note(ada, ticket, f"Write to x{handle(bob)}@staff.test or @nobody-here")
        assert entry["data"] == {}
        assert await kinds(bob) == []

    @BOTH_STORES
    async def test_the_mentionable_list_holds_those_who_see_the_ticket(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada Byron")
        await desk.agent(inboxes=[await desk.inbox(name="Sales")], name="Adam Smith")
        ticket = await new_ticket(ada.client, inbox)
        found = (
            await ada.client.get(f"/api/v1/tickets/{ticket['id']}/mentionable", params={"q": "ad"})
        ).json()
        assert [(f["name"], f["handle"]) for f in found] == [("Ada Byron", handle(ada))]


class TestCustomerReplied:
    @BOTH_STORES
    async def test_the_assignee_and_followers_are_told_of_a_customer_reply(
        self, desk: Desk, http: Any
    ) -> None:
        ada, inbox, ticket, row = await answered_ticket(desk, then="hold")
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        carol = await desk.agent(inboxes=[inbox], name="Carol")
        followed = await bob.client.put(f"/api/v1/tickets/{ticket['id']}/follow")
        assert followed.json()["following"] is True
        # Following twice is still following once.
        assert (await bob.client.put(f"/api/v1/tickets/{ticket['id']}/follow")).status_code == 200
        raw = reply_mail(
            to=row["headers"]["Reply-To"],
            text="Still nothing arrived, sorry to insist.",
            in_reply_to=row["message_id"],
        )
        response = await post_mime(http, raw, to=[SUPPORT])
        assert response.status_code < 300, response.text

        for agent in (ada, bob):
            (item,) = (await bell(agent))["items"]
            assert item["kind"] == "customer_replied"
            assert item["ticket_id"] == ticket["id"]
            assert item["actor"] is None
            assert item["params"]["excerpt"].startswith("Still nothing arrived")
        assert await kinds(carol) == []

        # Unfollowed, Bob hears no more.
        await bob.client.delete(f"/api/v1/tickets/{ticket['id']}/follow")
        raw = reply_mail(
            to=row["headers"]["Reply-To"], text="Hello again?", in_reply_to=row["message_id"]
        )
        assert (await post_mime(http, raw, to=[SUPPORT])).status_code < 300
        assert len((await bell(ada))["items"]) == 2
        assert len((await bell(bob))["items"]) == 1

    async def test_an_auto_reply_tells_nobody(self, desk: Desk, http: Any) -> None:
        ada, _inbox, _ticket, row = await answered_ticket(desk, then="hold")
        raw = reply_mail(
            to=row["headers"]["Reply-To"],
            text="I am out of the office until Monday.",
            in_reply_to=row["message_id"],
            headers={"Auto-Submitted": "auto-replied"},
        )
        assert (await post_mime(http, raw, to=[SUPPORT])).status_code < 300
        assert await kinds(ada) == []

    async def test_a_follower_who_lost_the_inbox_is_not_told(self, desk: Desk, http: Any) -> None:
        ada, inbox, ticket, row = await answered_ticket(desk)
        admin = await desk.agent(role="admin")
        bob = await desk.agent(inboxes=[inbox])
        await bob.client.put(f"/api/v1/tickets/{ticket['id']}/follow")
        removed = await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{bob.id}")
        assert removed.status_code == 200, removed.text
        raw = reply_mail(to=row["headers"]["Reply-To"], text="Hi", in_reply_to=row["message_id"])
        assert (await post_mime(http, raw, to=[SUPPORT])).status_code < 300
        assert await kinds(ada) == ["customer_replied"]
        assert await kinds(bob) == []


class TestChats:
    async def test_an_invitation_and_a_transfer_tell_the_invitee(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        for agent in (ada, bob):
            await online(agent)
        visitor = await visitors(inbox)
        chat_id = (await visitor.start_chat("Hi there"))["id"]
        assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
        sent = await ada.client.post(f"/api/v1/chats/{chat_id}/transfer", json={"user_id": bob.id})
        assert sent.status_code == 200, sent.text
        (item,) = (await bell(bob))["items"]
        assert item["kind"] == "chat_invited"
        assert item["chat_id"] == chat_id
        assert item["params"]["invitation"] == "transfer"
        assert item["params"]["visitor_name"] == "Marie Curie"
        assert await kinds(ada) == []

    async def test_a_waiting_chat_reaches_the_bell_only_when_chosen(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        for agent in (ada, bob):
            await online(agent)
        chose = await bob.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"chat_waiting": {"in_app": True}}},
        )
        assert chose.status_code == 200, chose.text
        visitor = await visitors(inbox)
        await visitor.start_chat()
        assert await kinds(bob) == ["chat_waiting"]
        assert await kinds(ada) == []  # push only by default


class TestPreferences:
    async def test_defaults_and_choices(self, desk: Desk) -> None:
        ada = await desk.agent()
        body = (await ada.client.get("/api/v1/notifications/preferences")).json()
        assert body["preferences"]["mentioned"] == {"in_app": True, "push": True, "email": False}
        assert body["preferences"]["chat_waiting"] == {
            "in_app": False,
            "push": True,
            "email": False,
        }
        assert body["defaults"]["assigned"] == ["in_app", "push"]
        changed = await ada.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"mentioned": {"email": True, "push": False}}},
        )
        assert changed.json()["preferences"]["mentioned"] == {
            "in_app": True,
            "push": False,
            "email": True,
        }
        again = (await ada.client.get("/api/v1/notifications/preferences")).json()
        assert again["preferences"]["mentioned"]["email"] is True
        assert again["preferences"]["assigned"] == {"in_app": True, "push": True, "email": False}

    async def test_an_unknown_kind_is_refused(self, desk: Desk) -> None:
        ada = await desk.agent()
        response = await ada.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"everything": {"email": True}}},
        )
        assert response.status_code == 422

    @BOTH_STORES
    async def test_email_goes_through_the_mail_outbox(self, desk: Desk, app: Any) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        await bob.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"mentioned": {"email": True, "in_app": False}}},
        )
        ticket = await new_ticket(ada.client, inbox, subject="Invoice")
        note = await _note(ada, ticket, f"@{handle(bob)} please check the invoice")
        async with app.state.sessionmaker() as session:
            rows = (await session.scalars(select(OutboxMessage))).all()
        (mail,) = [row for row in rows if row.data.get("kind") == "notification"]
        assert mail.recipients == [bob.user["email"]]
        assert mail.subject == f"Ada mentioned you on #{ticket['number']} Invoice"
        assert f"http://desk.test/tickets/{ticket['id']}#entry-{note['id']}" in mail.text
        assert mail.headers["Auto-Submitted"] == "auto-generated"
        # The bell is off for it: nothing shows there.
        assert await kinds(bob) == []

    async def test_every_channel_off_makes_no_row(self, desk: Desk, app: Any) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        await bob.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"assigned": {"in_app": False, "push": False}}},
        )
        ticket = await new_ticket(ada.client, inbox)
        await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": bob.id})
        from frontdesk.notifications.models import Notification

        assert await count_rows(app, Notification) == 0


class TestTheBell:
    @BOTH_STORES
    async def test_pages_newest_first_and_read_marks(
        self, desk: Desk, published: Published
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        ticket = await new_ticket(ada.client, inbox)
        for n in range(5):
            await _note(ada, ticket, f"@{handle(bob)} number {n}")
        first = await bell(bob, limit=2)
        assert [i["params"]["excerpt"].split()[-1] for i in first["items"]] == ["4", "3"]
        assert first["unread"] == 5
        rest = await bell(bob, limit=10, before=first["next_before"])
        assert [i["params"]["excerpt"].split()[-1] for i in rest["items"]] == ["2", "1", "0"]
        assert rest["next_before"] is None

        published.clear()
        marked = await bob.client.post(
            "/api/v1/notifications/read", json={"ids": [first["items"][0]["id"]]}
        )
        assert marked.json() == {"unread": 4}
        assert [m.topics for m in published.messages] == [[f"agent:{bob.id}"]]
        # Someone else's id is ignored, not revealed.
        theirs = await ada.client.post(
            "/api/v1/notifications/read", json={"ids": [first["items"][1]["id"]]}
        )
        assert theirs.json() == {"unread": 0}
        assert (await bell(bob))["unread"] == 4
        assert (await bell(bob, unread=True))["items"][0]["params"]["excerpt"].endswith("3")
        everything = await bob.client.post("/api/v1/notifications/read", json={"ids": None})
        assert everything.json() == {"unread": 0}
        assert all(item["read"] for item in (await bell(bob))["items"])

    async def test_another_agents_ticket_followers_are_a_404(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        carol = await desk.agent(inboxes=[await desk.inbox(name="Sales")])
        ticket = await new_ticket(ada.client, inbox)
        for method in ("GET", "PUT", "DELETE"):
            path = f"/api/v1/tickets/{ticket['id']}/" + (
                "followers" if method == "GET" else "follow"
            )
            assert (await carol.client.request(method, path)).status_code == 404


@BOTH_STORES
async def test_following_twice_at_once_keeps_one_row(desk: Desk, app: Any) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(ada.client, inbox)
    path = f"/api/v1/tickets/{ticket['id']}/follow"
    answers = await asyncio.gather(ada.client.put(path), ada.client.put(path))
    assert [a.status_code for a in answers] == [200, 200]
    assert await count_rows(app, TicketFollower) == 1


async def test_the_desk_policy_allows_its_own_service_worker(http: Any) -> None:
    response = await http.get("/login")
    assert "worker-src 'self'" in response.headers["content-security-policy"]


async def test_ending_a_chat_tells_nobody_of_its_ticket(desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    visitor = await visitors(inbox)
    chat_id = (await visitor.start_chat())["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/end")).status_code == 200
    assert await kinds(ada) == []
