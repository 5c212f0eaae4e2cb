"""The visitor's rating of their chat over HTTP: only their own chat, only once it ended and an
agent answered it, changeable for a day, and bad input refused with a field a person can fix."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import update

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.ratings.models import Rating
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk, Published

pytestmark = SQLITE_ONLY


async def ended_chat(desk: Desk, visitors: Any) -> tuple[Any, Any, dict[str, Any], int]:
    """Ada answered and ended Marie's chat; returns (ada, marie, inbox, chat id)."""
    inbox = await desk.inbox(name="Support")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    assert (await ada.client.put("/api/v1/me/availability", json={"available": True})).is_success
    marie = await visitors(inbox)
    chat = await marie.start_chat("My parcel is late")
    assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/end")).status_code == 200
    return ada, marie, inbox, chat["id"]


async def test_the_visitor_rates_the_ended_chat_and_the_ticket_shows_it(
    desk: Desk, visitors: Any, published: Published
) -> None:
    ada, marie, inbox, chat_id = await ended_chat(desk, visitors)
    offer = (await marie.client.get(f"/messenger/v1/chats/{chat_id}/rating")).json()
    assert offer == {"offered": True, "question": "", "rating": None}
    published.clear()
    rated = await marie.client.post(
        f"/messenger/v1/chats/{chat_id}/rating", json={"score": "good", "comment": " Quick! "}
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["rating"]["score"] == "good"
    assert rated.json()["rating"]["comment"] == "Quick!"
    (name, topics, _keys), *_ = published.summary()
    assert name == "rating.recorded"
    assert topics == [f"inbox:{inbox['id']}"]

    chats = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
    ratings = (await ada.client.get(f"/api/v1/tickets/{chats['ticket_id']}/ratings")).json()
    (rating,) = ratings
    assert rating["score"] == "good"
    assert rating["channel"] == "chat"
    assert rating["chat_id"] == chat_id
    assert rating["agent_ids"] == [ada.id]
    listed = (await ada.client.get("/api/v1/ratings", params={"agent_id": ada.id})).json()
    assert [item["id"] for item in listed["items"]] == [rating["id"]]


@BOTH_STORES
async def test_a_change_within_the_window_updates_the_one_rating(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    ada, marie, _inbox, chat_id = await ended_chat(desk, visitors)
    url = f"/messenger/v1/chats/{chat_id}/rating"
    await marie.client.post(url, json={"score": "bad", "comment": "Slow"})
    changed = await marie.client.post(url, json={"score": "okay"})
    assert changed.json()["rating"] == changed.json()["rating"] | {
        "score": "okay",
        "comment": "Slow",
    }
    everything = (await ada.client.get("/api/v1/ratings")).json()["items"]
    assert [(r["score"], r["comment"]) for r in everything] == [("okay", "Slow")]

    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(Rating).values(changeable_until=utcnow() - timedelta(seconds=1))
        )
    final = await marie.client.post(url, json={"score": "good"})
    assert final.status_code == 409
    assert final.json()["error"]["code"] == "rating_final"


@BOTH_STORES
async def test_two_quick_clicks_leave_one_rating(desk: Desk, visitors: Any) -> None:
    import asyncio

    ada, marie, _inbox, chat_id = await ended_chat(desk, visitors)
    url = f"/messenger/v1/chats/{chat_id}/rating"
    answers = await asyncio.gather(
        marie.client.post(url, json={"score": "good"}),
        marie.client.post(url, json={"score": "good"}),
    )
    assert [answer.status_code for answer in answers] == [200, 200]
    assert len((await ada.client.get("/api/v1/ratings")).json()["items"]) == 1


async def test_only_the_chats_own_visitor_may_rate_it(desk: Desk, visitors: Any) -> None:
    _ada, _marie, inbox, chat_id = await ended_chat(desk, visitors)
    stranger = await visitors(inbox)
    for method in ("GET", "POST"):
        answer = await stranger.client.request(
            method, f"/messenger/v1/chats/{chat_id}/rating", json={"score": "bad"}
        )
        assert answer.status_code == 404, answer.text


async def test_a_chat_is_rated_only_after_it_ended_and_was_answered(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await ada.client.put("/api/v1/me/availability", json={"available": True})
    marie = await visitors(inbox)
    chat = await marie.start_chat()
    url = f"/messenger/v1/chats/{chat['id']}/rating"
    assert (await marie.client.get(url)).json()["offered"] is False
    early = await marie.client.post(url, json={"score": "good"})
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "not_rateable"


async def test_an_inbox_that_does_not_ask_refuses(desk: Desk, visitors: Any) -> None:
    ada, marie, inbox, chat_id = await ended_chat(desk, visitors)
    admin = await desk.agent(role="admin")
    off = await admin.client.patch(
        f"/api/v1/inboxes/{inbox['id']}/rating-settings", json={"chat_enabled": False}
    )
    assert off.status_code == 200, off.text
    url = f"/messenger/v1/chats/{chat_id}/rating"
    assert (await marie.client.get(url)).json()["offered"] is False
    assert (await marie.client.post(url, json={"score": "good"})).status_code == 409
    # Agents read the settings; only admins change them.
    assert (await ada.client.get(f"/api/v1/inboxes/{inbox['id']}/rating-settings")).is_success
    refused = await ada.client.patch(
        f"/api/v1/inboxes/{inbox['id']}/rating-settings", json={"chat_enabled": True}
    )
    assert refused.status_code == 403


async def test_bad_input_is_a_4xx_naming_the_field(desk: Desk, visitors: Any) -> None:
    _ada, marie, _inbox, chat_id = await ended_chat(desk, visitors)
    url = f"/messenger/v1/chats/{chat_id}/rating"
    for body, field in (
        ({"score": "great"}, "score"),
        ({}, "score"),
        ({"score": "good", "comment": "x" * 2001}, "comment"),
        ({"score": "good", "stars": 5}, "stars"),
        ({"score": "good", "comment": 5}, "comment"),
    ):
        answer = await marie.client.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert field in [problem["field"] for problem in answer.json()["error"]["fields"]]
    assert (await marie.client.get("/messenger/v1/chats/99999/rating")).status_code == 404


@BOTH_STORES
async def test_ratings_are_read_by_those_who_may_see_the_ticket(desk: Desk, visitors: Any) -> None:
    ada, marie, inbox, chat_id = await ended_chat(desk, visitors)
    await marie.client.post(
        f"/messenger/v1/chats/{chat_id}/rating", json={"score": "bad", "comment": "Slow"}
    )
    ticket_id = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()["ticket_id"]
    other_inbox = await desk.inbox(name="Billing")
    bob = await desk.agent(inboxes=[other_inbox], name="Bob")
    assert (await bob.client.get(f"/api/v1/tickets/{ticket_id}/ratings")).status_code == 404
    assert (await bob.client.get("/api/v1/ratings")).json()["items"] == []
    assert (await bob.client.get("/api/v1/ratings", params={"inbox_id": inbox["id"]})).json()[
        "items"
    ] == []
    admin = await desk.agent(role="admin")
    assert len((await admin.client.get("/api/v1/ratings")).json()["items"]) == 1

    chat = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
    customer_id = (await ada.client.get(f"/api/v1/tickets/{ticket_id}")).json()["customer_id"]
    for params, found in (
        ({"score": "bad"}, 1),
        ({"score": "good"}, 0),
        ({"channel": "chat"}, 1),
        ({"channel": "email"}, 0),
        ({"inbox_id": inbox["id"]}, 1),
        ({"inbox_id": other_inbox["id"]}, 0),
        ({"customer_id": customer_id}, 1),
        ({"with_comment": True}, 1),
        ({"with_comment": False}, 0),
        ({"since": chat["started_at"]}, 1),
        ({"until": chat["started_at"]}, 0),
        ({"agent_id": bob.id}, 0),
    ):
        answer = await ada.client.get("/api/v1/ratings", params=params)
        assert answer.status_code == 200, answer.text
        assert len(answer.json()["items"]) == found, params
    for params in ({"score": "great"}, {"limit": 0}, {"limit": 201}, {"since": "yesterday"}):
        assert (await ada.client.get("/api/v1/ratings", params=params)).status_code == 422


@BOTH_STORES
async def test_the_list_pages_by_before_id(desk: Desk, visitors: Any) -> None:
    ada, marie, inbox, chat_id = await ended_chat(desk, visitors)
    await marie.client.post(f"/messenger/v1/chats/{chat_id}/rating", json={"score": "good"})
    for _ in range(2):
        visitor = await visitors(inbox)
        chat = await visitor.start_chat("Again")
        await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
        await ada.client.post(f"/api/v1/chats/{chat['id']}/end")
        await visitor.client.post(
            f"/messenger/v1/chats/{chat['id']}/rating", json={"score": "okay"}
        )
    first = (await ada.client.get("/api/v1/ratings", params={"limit": 2})).json()
    assert len(first["items"]) == 2
    assert first["next_before_id"] == first["items"][-1]["id"]
    rest = (
        await ada.client.get(
            "/api/v1/ratings", params={"limit": 2, "before_id": first["next_before_id"]}
        )
    ).json()
    assert [r["score"] for r in rest["items"]] == ["good"]
    assert rest["next_before_id"] is None
