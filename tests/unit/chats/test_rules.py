"""The rules around the lifecycle: unanswered chats, availability, idle agents, refusals with a
reason, the contact form, and a visitor seeing only their own chats."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from frontdesk.chats import timers
from frontdesk.config import Settings
from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import messenger_socket
from tests.unit.support import online

pytestmark = SQLITE_ONLY


async def ticket_of(agent: Any, chat_id: int) -> dict[str, Any]:
    chat = (await agent.client.get(f"/api/v1/chats/{chat_id}")).json()
    assert chat["state"] == "ended", chat
    return dict((await agent.client.get(f"/api/v1/tickets/{chat['ticket_id']}")).json())


class TestUnanswered:
    async def test_a_chat_nobody_joins_in_time_becomes_an_open_unassigned_ticket(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(unanswered_timeout_seconds=0)
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        visitor = await visitors(inbox)
        chat_id = (await visitor.start_chat("Anyone?"))["id"]
        assert await timers.end_unanswered_chats(app.state.sessionmaker, settings) == 1
        ticket = await ticket_of(ada, chat_id)
        assert (ticket["state"], ticket["assignee_id"], ticket["type"]) == ("open", None, "chat")
        assert "Anyone?" in ticket["entries"][0]["text"]
        history = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()
        assert history["end_reason"] == "unanswered"
        admin = await desk.agent(role="admin")
        outbox = (await admin.client.get("/api/v1/outbox")).json()
        assert len(outbox) == 1
        assert "team will follow up" in outbox[0]["text"].lower()
        assert await timers.end_unanswered_chats(app.state.sessionmaker, settings) == 0

    async def test_when_every_online_agent_goes_offline_waiting_chats_end(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        grace = await desk.agent(inboxes=[inbox])
        await online(ada)
        await online(grace)
        chat_id = (await (await visitors(inbox)).start_chat())["id"]
        await online(ada, False)
        assert (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()["state"] == "waiting"
        await online(grace, False)
        ticket = await ticket_of(ada, chat_id)
        assert (ticket["state"], ticket["assignee_id"]) == ("open", None)

    async def test_a_visitor_gone_past_the_grace_period_ends_the_waiting_chat(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        chat_id = (await (await visitors(inbox)).start_chat())["id"]
        patient = settings.model_copy(update={"visitor_grace": 3600})
        assert await timers.end_unanswered_chats(app.state.sessionmaker, patient) == 0
        impatient = settings.model_copy(update={"visitor_grace": 0})
        assert await timers.end_unanswered_chats(app.state.sessionmaker, impatient) == 1
        assert (await ticket_of(ada, chat_id))["state"] == "open"

    async def test_an_answered_chat_never_ends_unanswered(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(unanswered_timeout_seconds=0)
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        chat_id = (await (await visitors(inbox)).start_chat())["id"]
        await ada.client.post(f"/api/v1/chats/{chat_id}/join")
        eager = settings.model_copy(update={"visitor_grace": 0})
        assert await timers.end_unanswered_chats(app.state.sessionmaker, eager) == 0

    async def test_of_a_queue_only_the_chats_whose_visitor_left_end(
        self, app: FastAPI, settings: Settings, live: str, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        here: list[int] = []
        gone: list[int] = []
        sockets = []
        for i in range(6):
            visitor = await visitors(inbox)
            chat_id = (await visitor.start_chat())["id"]
            if i % 2:
                sockets.append(await messenger_socket(live, visitor))
                here.append(chat_id)
            else:
                gone.append(chat_id)
        eager = settings.model_copy(update={"visitor_grace": 0})
        try:
            assert await timers.end_unanswered_chats(app.state.sessionmaker, eager) == 3
            states = {
                chat_id: (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()["state"]
                for chat_id in here + gone
            }
            assert states == dict.fromkeys(here, "waiting") | dict.fromkeys(gone, "ended")
        finally:
            for sock in sockets:
                await sock.close()


class TestAvailability:
    async def test_agents_start_offline_and_the_choice_is_stored(self, desk: Desk) -> None:
        ada = await desk.agent()
        assert (await ada.client.get("/api/v1/me")).json()["available_for_chat"] is False
        await online(ada)
        assert (await ada.client.get("/api/v1/me")).json()["available_for_chat"] is True

    async def test_an_online_agent_without_a_desk_open_goes_offline_after_the_idle_time(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        ada = await desk.agent()
        await online(ada)
        assert await timers.expire_idle_agents(app.state.sessionmaker, settings) == 0
        idle = settings.model_copy(update={"agent_grace": 0.000001})
        assert await timers.expire_idle_agents(app.state.sessionmaker, idle) == 1
        assert (await ada.client.get("/api/v1/me")).json()["available_for_chat"] is False

    async def test_nobody_online_means_the_contact_form(self, desk: Desk, visitors: Any) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        visitor = await visitors(inbox)
        status = (
            await visitor.client.get("/messenger/v1/status", params={"inbox": inbox["public_key"]})
        ).json()
        assert status["online"] is False
        refused = await visitor.client.post("/messenger/v1/chats", json={"text": "hi"})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "no_agents_online"
        sent = await visitor.client.post(
            "/messenger/v1/contact",
            json={
                "name": "Alan",
                "email": "alan@example.org",
                "text": "Please call me back\nThanks",
            },
        )
        assert sent.status_code == 201
        tickets = (await ada.client.get("/api/v1/tickets", params={"type": "web"})).json()["items"]
        assert [(t["subject"], t["state"], t["number"]) for t in tickets] == [
            ("Please call me back", "open", sent.json()["reference"])
        ]


class TestRefusals:
    async def test_each_refusal_names_its_reason(self, desk: Desk, visitors: Any) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        grace = await desk.agent(inboxes=[inbox], name="Grace")
        await online(ada)
        chat_id = (await (await visitors(inbox)).start_chat())["id"]

        async def code(response: Any) -> str:
            return str(response.json()["error"]["code"])

        assert await code(await grace.client.post(f"/api/v1/chats/{chat_id}/join")) == "not_online"
        assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
        assert (
            await code(await ada.client.post(f"/api/v1/chats/{chat_id}/leave"))
            == "last_participant"
        )
        invite = await ada.client.post(
            f"/api/v1/chats/{chat_id}/invite", json={"user_id": grace.id}
        )
        assert (invite.status_code, await code(invite)) == (409, "not_online")
        assert "Grace is offline" in invite.json()["error"]["message"]
        await online(grace)
        assert (
            await code(await grace.client.post(f"/api/v1/chats/{chat_id}/join")) == "already_joined"
        )
        assert (
            await code(
                await grace.client.post(f"/api/v1/chats/{chat_id}/messages", json={"text": "x"})
            )
            == "not_participant"
        )
        long = await ada.client.post(f"/api/v1/chats/{chat_id}/messages", json={"text": "x" * 5001})
        assert (long.status_code, await code(long)) == (422, "message_too_long")
        await ada.client.post(f"/api/v1/chats/{chat_id}/end")
        assert (
            await code(
                await ada.client.post(f"/api/v1/chats/{chat_id}/messages", json={"text": "late"})
            )
            == "chat_ended"
        )

    async def test_text_with_nul_characters_is_refused_with_a_reason_not_a_crash(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        visitor = await visitors(inbox)
        chat_id = (await visitor.start_chat())["id"]
        sent = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/messages", json={"text": "a\u0000b"}
        )
        assert sent.status_code == 422
        assert "NUL" in sent.json()["error"]["message"]
        # Elsewhere PostgreSQL refuses such text when storing it: still a reason, never a 500.
        named = await visitor.client.post(
            "/messenger/v1/chats",
            json={"name": "Ma\u0000rie", "email": "m@example.org", "text": "hi"},
        )
        assert named.status_code in (201, 422), named.text
        if named.status_code == 422:
            assert "NUL" in named.json()["error"]["message"]

    async def test_a_visitor_sees_only_their_own_chats(self, desk: Desk, visitors: Any) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        mine, theirs = await visitors(inbox), await visitors(inbox)
        chat_id = (await theirs.start_chat("private"))["id"]
        assert (await mine.client.get(f"/messenger/v1/chats/{chat_id}")).status_code == 404
        posted = await mine.client.post(
            f"/messenger/v1/chats/{chat_id}/messages", json={"text": "x"}
        )
        assert posted.status_code == 404
        assert (await mine.client.get("/messenger/v1/chats")).json() == []

    async def test_an_agent_outside_the_inbox_cannot_see_its_chats(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox, other = await desk.inbox(), await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[inbox])
        outsider = await desk.agent(inboxes=[other])
        await online(ada)
        chat_id = (await (await visitors(inbox)).start_chat())["id"]
        assert (await outsider.client.get(f"/api/v1/chats/{chat_id}")).status_code == 404
        assert (await outsider.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 404
        assert (await outsider.client.get("/api/v1/chats")).json() == []
