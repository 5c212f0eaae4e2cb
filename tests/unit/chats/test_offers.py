"""Chats offered to one agent at a time (docs/routing.md): over HTTP and the desk's WebSocket, the
offer goes to one agent, moves on when declined, when it runs out (frozen clock) and when the
agent goes offline, falls back to everybody when all were asked, and an Accept racing the timer
gives exactly one outcome."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.chats import timers as chat_timers
from frontdesk.chats.models import ChatOffer, ChatParticipant, OfferOutcome
from frontdesk.config import Settings
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.realtime import Socket, desk_socket
from tests.unit.support import count_rows, error_of, fields_of, online, use_cheap_passwords

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, NOON)


async def offer_one_at_a_time(
    desk: Desk, inbox: dict[str, Any], mode: str = "round_robin", timeout: int = 30
) -> dict[str, Any]:
    admin = await desk.agent(role="admin")
    response = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/assignment",
        json={
            "mode": mode,
            "ticket_limit": 10,
            "offer_chats": True,
            "offer_timeout_seconds": timeout,
        },
    )
    assert response.status_code == 200, response.text
    read: dict[str, Any] = response.json()
    return read


async def team(desk: Desk, inbox: dict[str, Any], *names: str, **extra: Any) -> list[Agent]:
    agents = []
    for name in names:
        agent = await desk.agent(inboxes=[inbox], name=name, **extra)
        await online(agent)
        agents.append(agent)
    return agents


async def red_ids(agent: Agent) -> list[int]:
    bar = (await agent.client.get("/api/v1/chats/bar")).json()
    return [item["chat"]["id"] for item in bar if item["color"] == "red"]


async def offered_to(app: FastAPI, chat_id: int) -> int | None:
    async with app.state.sessionmaker() as session:
        user_id: int | None = await session.scalar(
            select(ChatOffer.user_id).where(
                ChatOffer.chat_id == chat_id, ChatOffer.outcome.is_(None)
            )
        )
        return user_id


async def withdrawn(socket: Socket, chat_id: int) -> None:
    frame = await socket.wait_for(
        lambda f: f.get("type") == "chat.withdrawn" and f["data"]["chat_id"] == chat_id
    )
    assert frame["data"]["reason"] == "moved_on"


async def tick(app: FastAPI, settings: Settings) -> int:
    return await chat_timers.expire_offers(app.state.sessionmaker, settings)


async def test_settings_are_off_by_default_and_checked(desk: Desk) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    read = (await admin.client.get(f"/api/v1/inboxes/{inbox['id']}/assignment")).json()
    assert (read["offer_chats"], read["offer_timeout_seconds"]) == (False, 30)
    saved = await offer_one_at_a_time(desk, inbox, mode="off", timeout=45)
    assert (saved["offer_chats"], saved["offer_timeout_seconds"], saved["mode"]) == (
        True,
        45,
        "off",
    )
    for bad in (5, 601, "soon"):
        response = await admin.client.put(
            f"/api/v1/inboxes/{inbox['id']}/assignment",
            json={
                "mode": "off",
                "ticket_limit": 10,
                "offer_chats": True,
                "offer_timeout_seconds": bad,
            },
        )
        assert "offer_timeout_seconds" in fields_of(error_of(response, 422))


async def test_a_new_chat_is_offered_to_one_agent_and_others_cannot_join(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    await offer_one_at_a_time(desk, inbox)
    ada, bea = await team(desk, inbox, "Ada", "Bea")
    ada_ws, bea_ws = await desk_socket(live, ada), await desk_socket(live, bea)
    chat_id = (await (await visitors(inbox)).start_chat())["id"]

    first = await offered_to(desk.app, chat_id)
    assert first in (ada.id, bea.id)
    chosen, other = (ada, bea) if first == ada.id else (bea, ada)
    chosen_ws, other_ws = (ada_ws, bea_ws) if chosen is ada else (bea_ws, ada_ws)
    offer = await chosen_ws.event("chat.offered")
    assert offer["data"]["chat"]["id"] == chat_id
    assert offer["data"]["expires_in"] == 30
    await asyncio.sleep(0.2)
    assert other_ws.of_type("chat.offered") == []
    assert await red_ids(chosen) == [chat_id]
    assert await red_ids(other) == []
    # The others see it in the queue, read-only, and a join is refused with the reason.
    queue = (await other.client.get("/api/v1/chats")).json()
    assert [(c["id"], c["offer"]["name"]) for c in queue] == [(chat_id, chosen.user["name"])]
    refused = await other.client.post(f"/api/v1/chats/{chat_id}/join")
    assert (
        f"offered to {chosen.user['name']}"
        in error_of(refused, 409, "offered_to_another")["message"]
    )
    assert (
        error_of(await other.client.post(f"/api/v1/chats/{chat_id}/offer/accept"), 409)["code"]
        == "offer_gone"
    )

    accepted = await chosen.client.post(f"/api/v1/chats/{chat_id}/offer/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "active"
    assert accepted.json()["offer"] is None
    assert [p["user_id"] for p in accepted.json()["participants"]] == [chosen.id]
    assert await count_rows(desk.app, ChatOffer, ChatOffer.outcome == OfferOutcome.accepted) == 1


async def test_decline_moves_the_offer_on_and_all_declined_offers_it_to_everybody(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    await offer_one_at_a_time(desk, inbox)
    agents = await team(desk, inbox, "Ada", "Bea")
    sockets = {agent.id: await desk_socket(live, agent) for agent in agents}
    by_id = {agent.id: agent for agent in agents}
    chat_id = (await (await visitors(inbox)).start_chat())["id"]

    first = await offered_to(desk.app, chat_id)
    assert first is not None
    declined = await by_id[first].client.post(f"/api/v1/chats/{chat_id}/offer/decline")
    assert declined.status_code == 200, declined.text
    await withdrawn(sockets[first], chat_id)
    second = await offered_to(desk.app, chat_id)
    assert second is not None
    assert second != first
    assert (await sockets[second].event("chat.offered"))["data"]["expires_in"] == 30
    assert declined.json()["offer"]["user_id"] == second
    # A second Decline of the same offer finds it gone.
    error_of(await by_id[first].client.post(f"/api/v1/chats/{chat_id}/offer/decline"), 409)

    await by_id[second].client.post(f"/api/v1/chats/{chat_id}/offer/decline")
    # Everybody was asked: the usual Join chat, for everyone, the decliners too.
    assert await offered_to(desk.app, chat_id) is None
    for agent in agents:
        plain = await sockets[agent.id].wait_for(
            lambda f: f.get("type") == "chat.offered" and "expires_in" not in f["data"]
        )
        assert plain["data"]["chat"]["id"] == chat_id
        assert await red_ids(agent) == [chat_id]
    assert (await by_id[first].client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200


async def test_an_offer_that_runs_out_moves_on_at_its_time(
    live: str, desk: Desk, visitors: Any, clock: FrozenClock, settings: Settings
) -> None:
    inbox = await desk.inbox()
    await offer_one_at_a_time(desk, inbox, timeout=20)
    agents = await team(desk, inbox, "Ada", "Bea", "Cy")
    sockets = {agent.id: await desk_socket(live, agent) for agent in agents}
    chat_id = (await (await visitors(inbox)).start_chat())["id"]
    first = await offered_to(desk.app, chat_id)

    clock.advance(seconds=19)
    assert await tick(desk.app, settings) == 0
    assert await offered_to(desk.app, chat_id) == first
    clock.advance(seconds=1)
    assert await tick(desk.app, settings) == 1
    second = await offered_to(desk.app, chat_id)
    assert second not in (None, first)
    assert second is not None
    assert first is not None
    await withdrawn(sockets[first], chat_id)
    await sockets[second].event("chat.offered")
    clock.advance(seconds=20)
    assert await tick(desk.app, settings) == 1
    third = await offered_to(desk.app, chat_id)
    assert third not in (None, first, second)
    clock.advance(seconds=20)
    assert await tick(desk.app, settings) == 1
    assert await offered_to(desk.app, chat_id) is None  # everybody now
    assert await tick(desk.app, settings) == 0


async def test_round_robin_takes_turns_and_balanced_picks_the_least_busy(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    await offer_one_at_a_time(desk, inbox, mode="round_robin")
    await team(desk, inbox, "Ada", "Bea")
    chats = [(await (await visitors(inbox)).start_chat())["id"] for _ in range(3)]
    turns = [await offered_to(desk.app, chat_id) for chat_id in chats]
    assert turns[0] != turns[1]
    assert turns[2] == turns[0]

    other = await desk.inbox(name="Sales")
    await offer_one_at_a_time(desk, other, mode="off")  # off: balanced for chats
    cy, dee = await team(desk, other, "Cy", "Dee")
    busy = (await (await visitors(other)).start_chat())["id"]
    holder = cy if await offered_to(desk.app, busy) == cy.id else dee
    assert (await holder.client.post(f"/api/v1/chats/{busy}/offer/accept")).status_code == 200
    free = dee if holder is cy else cy
    for _ in range(2):
        chat_id = (await (await visitors(other)).start_chat())["id"]
        assert await offered_to(desk.app, chat_id) == free.id
        await free.client.post(f"/api/v1/chats/{chat_id}/offer/decline")  # on to the busy one
        assert await offered_to(desk.app, chat_id) == holder.id


async def test_capacity_counts_chats_and_open_offers(desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    await offer_one_at_a_time(desk, inbox)
    ada, bea = await team(desk, inbox, "Ada", "Bea", max_concurrent_chats=1)
    one = (await (await visitors(inbox)).start_chat())["id"]
    two = (await (await visitors(inbox)).start_chat())["id"]
    # Each has room for one: an open offer takes it, so the second chat goes to the other.
    assert {await offered_to(desk.app, one), await offered_to(desk.app, two)} == {ada.id, bea.id}
    three = (await (await visitors(inbox)).start_chat())["id"]
    assert await offered_to(desk.app, three) is None  # nobody free: offered the usual way
    holder = ada if await offered_to(desk.app, one) == ada.id else bea
    assert (await holder.client.post(f"/api/v1/chats/{one}/offer/accept")).status_code == 200
    other = bea if holder is ada else ada
    await other.client.post(f"/api/v1/chats/{two}/offer/decline")
    # Declined by one, the other is at their limit: everybody, and a join is still refused.
    assert await offered_to(desk.app, two) is None
    error_of(await holder.client.post(f"/api/v1/chats/{two}/join"), 409, "at_capacity")


async def test_an_agent_going_offline_passes_the_offer_on(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    await offer_one_at_a_time(desk, inbox)
    ada, bea = await team(desk, inbox, "Ada", "Bea")
    by_id = {ada.id: ada, bea.id: bea}
    chat_id = (await (await visitors(inbox)).start_chat())["id"]
    first = await offered_to(desk.app, chat_id)
    assert first is not None
    other = bea if first == ada.id else ada
    other_ws = await desk_socket(live, other)
    await online(by_id[first], available=False)
    assert await offered_to(desk.app, chat_id) == other.id
    await other_ws.event("chat.offered")
    async with desk.app.state.sessionmaker() as session:
        gone = await session.get(ChatOffer, (chat_id, first))
        assert gone is not None
        assert gone.outcome is OfferOutcome.offline


async def test_accept_racing_the_timeout_gives_one_outcome(
    desk: Desk, visitors: Any, clock: FrozenClock, settings: Settings
) -> None:
    inbox = await desk.inbox()
    await offer_one_at_a_time(desk, inbox, timeout=10)
    agents = await team(desk, inbox, "Ada", "Bea")
    by_id = {agent.id: agent for agent in agents}
    outcomes = set()
    for _ in range(4):
        chat_id = (await (await visitors(inbox)).start_chat())["id"]
        first = await offered_to(desk.app, chat_id)
        assert first is not None
        clock.advance(seconds=10)
        accepted, moved = await asyncio.gather(
            by_id[first].client.post(f"/api/v1/chats/{chat_id}/offer/accept"),
            tick(desk.app, settings),
        )
        async with desk.app.state.sessionmaker() as session:
            joined = (
                await session.scalars(
                    select(ChatParticipant.user_id).where(ChatParticipant.chat_id == chat_id)
                )
            ).all()
            rows = {
                row.user_id: row.outcome
                for row in await session.scalars(
                    select(ChatOffer).where(ChatOffer.chat_id == chat_id)
                )
            }
        if accepted.status_code == 200:
            outcomes.add("accepted")
            assert moved == 0
            assert list(joined) == [first]
            assert rows == {first: OfferOutcome.accepted}
        else:
            outcomes.add("moved on")
            assert error_of(accepted, 409, "offer_gone")
            assert moved == 1
            assert list(joined) == []
            assert rows[first] is OfferOutcome.expired
            assert [uid for uid, outcome in rows.items() if outcome is None] == [
                uid for uid in by_id if uid != first
            ]
        # Whoever holds the chat now takes and ends it, which frees them for the next round.
        holder = by_id[joined[0]] if joined else by_id[await offered_to(desk.app, chat_id) or 0]
        if not joined:
            accept = await holder.client.post(f"/api/v1/chats/{chat_id}/offer/accept")
            assert accept.status_code == 200
        assert (await holder.client.post(f"/api/v1/chats/{chat_id}/end")).status_code == 200
    assert outcomes  # which one wins is up to the scheduler; never both, never neither


async def test_two_timer_passes_at_once_move_an_offer_once(
    desk: Desk, visitors: Any, clock: FrozenClock, settings: Settings
) -> None:
    inbox = await desk.inbox()
    await offer_one_at_a_time(desk, inbox, timeout=10)
    await team(desk, inbox, "Ada", "Bea", "Cy")
    chat_id = (await (await visitors(inbox)).start_chat())["id"]
    clock.advance(seconds=10)
    moved = await asyncio.gather(tick(desk.app, settings), tick(desk.app, settings))
    assert sorted(moved) == [0, 1]
    assert await count_rows(desk.app, ChatOffer, ChatOffer.chat_id == chat_id) == 2
    assert await offered_to(desk.app, chat_id) is not None


async def test_without_the_option_chats_are_offered_to_everybody(desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    ada, bea = await team(desk, inbox, "Ada", "Bea")
    chat_id = (await (await visitors(inbox)).start_chat())["id"]
    assert await red_ids(ada) == [chat_id]
    assert await red_ids(bea) == [chat_id]
    assert await count_rows(desk.app, ChatOffer) == 0
