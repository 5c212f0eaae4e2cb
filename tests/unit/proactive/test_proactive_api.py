"""Proactive messages (docs/messenger.md, "Proactive messages"): admins set them per inbox, the
messenger reads the enabled ones of its inbox, a "shown" beacon counts each browser once, and a
chat started from one opens with it, from its sender, counted once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.metrics.models import MetricMoment, MomentKind
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.audit.support import only
from tests.unit.support import error_of, fields_of, online, use_cheap_passwords

pytestmark = SQLITE_ONLY
URL = "/api/v1/proactive-messages"
PUBLIC = "/messenger/v1/proactive"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def make(admin: Agent, inbox: dict[str, Any], sender: Agent, **body: Any) -> dict[str, Any]:
    fields = {
        "inbox_id": inbox["id"],
        "name": "Pricing help",
        "text": "Looking at pricing? Ask me anything.",
        "sender_id": sender.id,
        "page_rule": "/pricing*",
        "delay_seconds": 30,
    } | body
    response = await admin.client.post(URL, json=fields)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def listed(admin: Agent, inbox: dict[str, Any]) -> list[dict[str, Any]]:
    response = await admin.client.get(URL, params={"inbox_id": inbox["id"]})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


async def public(client: Any, inbox: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(PUBLIC, params={"inbox": inbox["public_key"]})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


async def setup(desk: Desk) -> tuple[dict[str, Any], Agent, Agent]:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", name="Olga")
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    return inbox, admin, ada


class TestSettings:
    async def test_admins_add_edit_disable_and_delete_them_audited(self, desk: Desk) -> None:
        inbox, admin, ada = await setup(desk)
        owner = await desk.agent(role="owner")
        made = await make(admin, inbox, ada, text="  Looking at pricing? Ask me anything.  ")
        assert made["text"] == "Looking at pricing? Ask me anything."
        assert made["sender"] == {"id": ada.id, "name": "Ada Lovelace"}
        assert (made["sender_can_send"], made["enabled"], made["only_when_online"]) == (
            True,
            True,
            True,
        )
        assert (made["shown_count"], made["started_count"]) == (0, 0)
        assert [m["id"] for m in await listed(admin, inbox)] == [made["id"]]

        changed = await admin.client.patch(
            f"{URL}/{made['id']}", json={"enabled": False, "delay_seconds": 0, "page_rule": ""}
        )
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["enabled"], body["delay_seconds"], body["page_rule"]) == (False, 0, "")
        assert body["text"] == made["text"]

        created = await only(owner, "proactive_message.created")
        assert (created["target_type"], created["target_label"]) == (
            "proactive_message",
            "Pricing help",
        )
        updated = await only(owner, "proactive_message.updated")
        assert updated["changes"]["enabled"] == [True, False]

        gone = await admin.client.delete(f"{URL}/{made['id']}")
        assert gone.status_code == 204
        assert await listed(admin, inbox) == []
        await only(owner, "proactive_message.deleted")
        error_of(await admin.client.patch(f"{URL}/{made['id']}", json={"enabled": True}), 404)

    async def test_agents_can_neither_read_nor_change_them(self, desk: Desk) -> None:
        inbox, admin, ada = await setup(desk)
        made = await make(admin, inbox, ada)
        error_of(await ada.client.get(URL, params={"inbox_id": inbox["id"]}), 403)
        body = {"inbox_id": inbox["id"], "name": "x", "text": "Hi", "sender_id": ada.id}
        error_of(await ada.client.post(URL, json=body), 403)
        error_of(await ada.client.patch(f"{URL}/{made['id']}", json={"enabled": False}), 403)
        error_of(await ada.client.delete(f"{URL}/{made['id']}"), 403)
        assert (await listed(admin, inbox))[0]["enabled"] is True

    @pytest.mark.parametrize(
        ("body", "field", "words"),
        [
            ({"text": "   "}, "text", "Write the message"),
            ({"text": "a" * 1001}, "text", "1,000 characters at most; this one has 1,001"),
            ({"name": ""}, "name", "Give it a name"),
            ({"page_rule": "pricing*"}, "page_rule", "Start with / for a path"),
            ({"page_rule": "/pricing plans"}, "page_rule", "no spaces"),
            ({"page_rule": "ftp://shop.example.com/*"}, "page_rule", "https://"),
            ({"delay_seconds": 3601}, "delay_seconds", "from 0 to 3,600 seconds"),
            ({"delay_seconds": -1}, "delay_seconds", "from 0 to 3,600 seconds"),
        ],
    )
    async def test_what_is_refused_says_why(
        self, desk: Desk, body: dict[str, Any], field: str, words: str
    ) -> None:
        inbox, admin, ada = await setup(desk)
        fields = {"inbox_id": inbox["id"], "name": "n", "text": "Hi", "sender_id": ada.id} | body
        error = error_of(await admin.client.post(URL, json=fields), 422)
        assert fields_of(error) == {field}
        assert words in error["fields"][0]["message"], error
        made = await make(admin, inbox, ada)
        error = error_of(await admin.client.patch(f"{URL}/{made['id']}", json=body), 422)
        assert fields_of(error) == {field}

    async def test_a_full_address_rule_is_taken(self, desk: Desk) -> None:
        inbox, admin, ada = await setup(desk)
        made = await make(admin, inbox, ada, page_rule=" https://shop.example.com/pricing* ")
        assert made["page_rule"] == "https://shop.example.com/pricing*"

    async def test_the_sender_must_be_an_active_full_member_of_the_inbox(self, desk: Desk) -> None:
        inbox, admin, ada = await setup(desk)
        elsewhere = await desk.agent(inboxes=[await desk.inbox(name="Sales")])
        light = await desk.agent(role="collaborator", inboxes=[inbox])
        for sender_id in (elsewhere.id, light.id, admin.id, 999_999):
            body = {"inbox_id": inbox["id"], "name": "n", "text": "Hi", "sender_id": sender_id}
            error = error_of(await admin.client.post(URL, json=body), 422)
            assert fields_of(error) == {"sender_id"}
            assert "member of this inbox" in error["fields"][0]["message"]
        error = error_of(
            await admin.client.post(
                URL, json={"inbox_id": 999_999, "name": "n", "text": "Hi", "sender_id": ada.id}
            ),
            422,
        )
        assert fields_of(error) == {"inbox_id"}


class TestMessenger:
    async def test_a_visitor_reads_only_the_enabled_ones_of_that_inbox(
        self, desk: Desk, http: Any
    ) -> None:
        inbox, admin, ada = await setup(desk)
        other = await desk.inbox(name="Sales")
        bob = await desk.agent(inboxes=[other], name="Bob")
        first = await make(admin, inbox, ada, delay_seconds=0, only_when_online=False)
        await make(admin, inbox, ada, name="Off", enabled=False)
        await make(admin, other, bob, name="Sales hello")
        response = await http.get(PUBLIC, params={"inbox": inbox["public_key"]})
        assert response.headers["cache-control"] == "public, max-age=60"
        assert response.json() == {
            "messages": [
                {
                    "id": first["id"],
                    "text": "Looking at pricing? Ask me anything.",
                    "sender": {"name": "Ada Lovelace"},
                    "page_rule": "/pricing*",
                    "delay_seconds": 0,
                    "only_when_online": False,
                }
            ]
        }
        assert "@" not in response.text  # no address, the sender's or anyone's
        status = await http.get("/messenger/v1/status", params={"inbox": inbox["public_key"]})
        assert status.json()["proactive"] is True
        quiet = await desk.inbox(name="Quiet")
        status = await http.get("/messenger/v1/status", params={"inbox": quiet["public_key"]})
        assert status.json()["proactive"] is False
        error_of(await http.get(PUBLIC, params={"inbox": "in_nope"}), 404)

    async def test_a_sender_who_left_the_inbox_or_was_deactivated_is_not_offered(
        self, desk: Desk, http: Any
    ) -> None:
        inbox, admin, ada = await setup(desk)
        grace = await desk.agent(inboxes=[inbox], name="Grace")
        from_ada = await make(admin, inbox, ada, name="From Ada")
        from_grace = await make(admin, inbox, grace, name="From Grace")
        removed = await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}")
        assert removed.status_code == 200, removed.text
        off = await admin.client.patch(f"/api/v1/users/{grace.id}", json={"is_active": False})
        assert off.status_code == 200, off.text
        assert await public(http, inbox) == []
        rows = {m["id"]: m["sender_can_send"] for m in await listed(admin, inbox)}
        assert rows == {from_ada["id"]: False, from_grace["id"]: False}
        # Editing something else keeps the sender; choosing a member brings it back.
        kept = await admin.client.patch(f"{URL}/{from_ada['id']}", json={"name": "Renamed"})
        assert kept.json()["sender"]["id"] == ada.id
        carol = await desk.agent(inboxes=[inbox], name="Carol")
        back = await admin.client.patch(f"{URL}/{from_ada['id']}", json={"sender_id": carol.id})
        assert back.json()["sender_can_send"] is True
        assert [m["sender"]["name"] for m in await public(http, inbox)] == ["Carol"]


async def shown(http: Any, inbox: dict[str, Any], message_id: int) -> int:
    response = await http.post(
        f"{PUBLIC}/{message_id}/shown", params={"inbox": inbox["public_key"]}
    )
    return int(response.status_code)


@BOTH_STORES
async def test_shown_counts_the_beacons_of_live_messages(desk: Desk, http: Any) -> None:
    inbox, admin, ada = await setup(desk)
    other = await desk.inbox(name="Sales")
    made = await make(admin, inbox, ada)
    disabled = await make(admin, inbox, ada, name="Off", enabled=False)
    assert await shown(http, inbox, made["id"]) == 204
    assert await shown(http, inbox, made["id"]) == 204
    assert await shown(http, inbox, disabled["id"]) == 404
    assert await shown(http, other, made["id"]) == 404
    rows = await listed(admin, inbox)
    assert [(row["shown_count"], row["updated_at"]) for row in rows] == [
        (2, made["updated_at"]),
        (0, disabled["updated_at"]),
    ]


@BOTH_STORES
async def test_a_chat_started_from_one_opens_with_it_once_under_a_retried_start(
    desk: Desk, visitors: Any, app: FastAPI
) -> None:
    inbox, admin, ada = await setup(desk)
    await online(ada)
    made = await make(admin, inbox, ada)
    visitor = await visitors(inbox)
    body = {"client_msg_id": "first-1", "proactive_message_id": made["id"]}
    chat = await visitor.start_chat("Is there a yearly plan?", **body)
    again = await visitor.start_chat("Is there a yearly plan?", **body)
    assert again["id"] == chat["id"]

    lines = [
        (
            e["type"],
            e["data"]["message"]["author"],
            e["data"]["message"]["text"],
            e["data"]["message"].get("proactive"),
        )
        for e in again["events"]
        if e["type"] == "chat.message_added"
    ]
    assert lines == [
        (
            "chat.message_added",
            {"kind": "agent", "id": ada.id, "name": "Ada Lovelace"},
            "Looking at pricing? Ask me anything.",
            True,
        ),
        (
            "chat.message_added",
            {"kind": "visitor", "id": None, "name": "Marie Curie"},
            "Is there a yearly plan?",
            None,
        ),
    ]
    # The desk sees the same first line, marked.
    detail = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()
    first = next(e for e in detail["events"] if e["type"] == "chat.message_added")
    assert first["data"]["message"]["proactive"] is True
    assert first["data"]["message"]["author"]["name"] == "Ada Lovelace"
    counted = (await listed(admin, inbox))[0]
    assert (counted["started_count"], counted["shown_count"]) == (1, 0)

    # The proactive line answers nothing: no response before the visitor's message is answered.
    async with app.state.sessionmaker() as session:
        kinds = set(await session.scalars(select(MetricMoment.kind)))
    assert MomentKind.first_response not in kinds
    assert MomentKind.response not in kinds
    assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    sent = await ada.client.post(
        f"/api/v1/chats/{chat['id']}/messages", json={"text": "Yes!", "client_msg_id": "a1"}
    )
    assert sent.status_code == 201, sent.text
    async with app.state.sessionmaker() as session:
        responses = list(
            await session.scalars(
                select(MetricMoment.kind).where(
                    MetricMoment.kind.in_([MomentKind.first_response, MomentKind.response])
                )
            )
        )
    assert sorted(responses) == sorted([MomentKind.first_response, MomentKind.response])


async def test_an_offer_no_longer_good_starts_a_plain_chat(desk: Desk, visitors: Any) -> None:
    inbox, admin, ada = await setup(desk)
    await online(ada)
    made = await make(admin, inbox, ada)
    disabled = await admin.client.patch(f"{URL}/{made['id']}", json={"enabled": False})
    assert disabled.status_code == 200
    other = await desk.inbox(name="Sales")
    bob = await desk.agent(inboxes=[other], name="Bob")
    theirs = await make(admin, other, bob)
    for message_id in (made["id"], theirs["id"]):
        visitor = await visitors(inbox)
        chat = await visitor.start_chat("Hello", proactive_message_id=message_id)
        authors = [
            e["data"]["message"]["author"]["kind"]
            for e in chat["events"]
            if e["type"] == "chat.message_added"
        ]
        assert authors == ["visitor"]
    assert (await listed(admin, inbox))[0]["started_count"] == 0
    assert (await listed(admin, other))[0]["started_count"] == 0


async def test_the_transcript_shows_it_as_the_agents_line(desk: Desk, visitors: Any) -> None:
    inbox, admin, ada = await setup(desk)
    await online(ada)
    made = await make(admin, inbox, ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Is there a yearly plan?", proactive_message_id=made["id"])
    assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    ended = await ada.client.post(f"/api/v1/chats/{chat['id']}/end")
    assert ended.status_code == 200, ended.text
    ticket_id = ended.json()["ticket_id"]
    ticket = (await ada.client.get(f"/api/v1/tickets/{ticket_id}")).json()
    transcript = ticket["entries"][0]["text"]
    assert transcript.index("Ada Lovelace") < transcript.index("Looking at pricing?")
    assert transcript.index("Looking at pricing?") < transcript.index("Is there a yearly plan?")


@BOTH_STORES
async def test_two_starts_at_once_count_one_chat(desk: Desk, visitors: Any) -> None:
    """The messenger's retry can meet its first attempt: one chat, one line, one count."""
    inbox, admin, ada = await setup(desk)
    await online(ada)
    made = await make(admin, inbox, ada)
    visitor = await visitors(inbox)
    body = {"client_msg_id": "first-2", "proactive_message_id": made["id"]}
    first, second = await asyncio.gather(
        visitor.start_chat("Hello", **body), visitor.start_chat("Hello", **body)
    )
    assert first["id"] == second["id"]
    proactive = [
        e for e in first["events"] if e["data"].get("message", {}).get("proactive") is True
    ]
    assert len(proactive) == 1
    assert (await listed(admin, inbox))[0]["started_count"] == 1
