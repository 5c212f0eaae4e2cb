"""Ghost-proof presence: an online agent whose desks are all closed stops being offered chats after
the grace, not before (a reload or a blip changes nothing), visitors then see offline, and a desk
reopened soon after brings the agent back. Time is moved with the clock the timers are given
(`now`), never slept through."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.chats import service
from frontdesk.chats.models import AvailabilityChange, Connection
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.users.models import User
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.realtime import Socket, desk_socket
from tests.unit.support import count_rows, online

pytestmark = SQLITE_ONLY


async def expire(app: FastAPI, settings: Settings, *, at: datetime) -> int:
    """One tick of the idle timer, as if it ran at `at`."""
    async with unit_of_work(app.state.sessionmaker) as session:
        return await service.expire_idle_agents(session, now=at, grace=settings.agent_grace)


async def closed(app: FastAPI, sock: Socket, user_id: int) -> datetime:
    """Closes a desk and waits until the server has recorded it; returns the time after that."""
    await sock.close()
    async with asyncio.timeout(10):
        while await count_rows(app, Connection, Connection.user_id == user_id):
            await asyncio.sleep(0.02)
    return utcnow()


async def messenger_online(visitors: Any, inbox: dict[str, Any]) -> bool:
    visitor = await visitors(inbox)
    status = await visitor.client.get("/messenger/v1/status", params={"inbox": inbox["public_key"]})
    return bool(status.json()["online"])


async def available(agent: Any) -> bool:
    return bool((await agent.client.get("/api/v1/me")).json()["available_for_chat"])


@BOTH_STORES
async def test_a_closed_desk_stops_offers_after_the_grace_and_not_before(
    app: FastAPI, settings: Settings, live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    ada_ws = await desk_socket(live, ada)
    await online(ada)
    now = await closed(app, ada_ws, ada.id)

    assert settings.agent_grace == 60  # the documented default
    assert await expire(app, settings, at=now + timedelta(seconds=settings.agent_grace - 1)) == 0
    assert await available(ada)
    assert await messenger_online(visitors, inbox)

    assert await expire(app, settings, at=now + timedelta(seconds=settings.agent_grace + 1)) == 1
    assert not await available(ada)
    assert not await messenger_online(visitors, inbox)
    logged = AvailabilityChange.user_id == ada.id, AvailabilityChange.reason == "idle"
    assert await count_rows(app, AvailabilityChange, *logged) == 1


@BOTH_STORES
async def test_a_reload_within_the_grace_changes_nothing(
    app: FastAPI, settings: Settings, live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    ada_ws = await desk_socket(live, ada)
    await closed(app, ada_ws, ada.id)
    again = await desk_socket(live, ada)  # the reloaded page
    later = utcnow() + timedelta(seconds=10 * settings.agent_grace)
    assert await expire(app, settings, at=later) == 0
    assert await available(ada)
    assert await messenger_online(visitors, inbox)
    assert await count_rows(app, AvailabilityChange, AvailabilityChange.user_id == ada.id) == 1
    await again.close()


async def test_a_waiting_chat_ends_unanswered_when_its_last_agent_is_ghost_offlined(
    app: FastAPI, settings: Settings, live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    ada_ws = await desk_socket(live, ada)
    await online(ada)
    chat = await (await visitors(inbox)).start_chat("Hello?")
    now = await closed(app, ada_ws, ada.id)
    assert await expire(app, settings, at=now + timedelta(seconds=settings.agent_grace + 1)) == 1
    detail = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()
    assert (detail["state"], detail["end_reason"]) == ("ended", "unanswered")


async def test_going_online_without_a_desk_gets_the_same_grace_to_open_one(
    app: FastAPI, settings: Settings, desk: Desk
) -> None:
    ada = await desk.agent()
    async with unit_of_work(app.state.sessionmaker) as session:
        # Last seen long ago: only going online now counts.
        row = await session.get(User, ada.id)
        assert row is not None
        row.last_seen_at = utcnow() - timedelta(days=1)
    await online(ada)
    now = utcnow()
    assert await expire(app, settings, at=now + timedelta(seconds=settings.agent_grace - 1)) == 0
    assert await expire(app, settings, at=now + timedelta(seconds=settings.agent_grace + 1)) == 1


async def test_a_desk_reopened_soon_after_brings_the_agent_back_online(
    app: FastAPI, settings: Settings, live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    grace_ws = await desk_socket(live, grace)
    ada_ws = await desk_socket(live, ada)
    await online(ada)
    now = await closed(app, ada_ws, ada.id)
    assert await expire(app, settings, at=now + timedelta(seconds=settings.agent_grace + 1)) == 1
    await grace_ws.event("agent.availability_changed", available=False, reason="idle")

    ada_ws = await desk_socket(live, ada)
    back = await grace_ws.event("agent.availability_changed", reason="returned")
    assert back["data"] == {"user": {"id": ada.id, "name": "Ada"}, "available": True,
                            "reason": "returned"}  # fmt: skip
    # Ada's own desk hears it too: its menu turns green without a reload.
    await ada_ws.event("agent.availability_changed", reason="returned")
    assert await available(ada)
    assert await messenger_online(visitors, inbox)
    for sock in (ada_ws, grace_ws):
        await sock.close()


async def test_after_the_return_window_or_going_offline_oneself_a_desk_does_not_bring_one_back(
    app: FastAPI, settings: Settings, live: str, desk: Desk
) -> None:
    ada = await desk.agent()
    ada_ws = await desk_socket(live, ada)
    await online(ada)
    now = await closed(app, ada_ws, ada.id)
    assert await expire(app, settings, at=now + timedelta(seconds=settings.agent_grace + 1)) == 1
    async with unit_of_work(app.state.sessionmaker) as session:
        row = await service.lock_agent(session, user_id=ada.id)
        assert row is not None
        too_late = utcnow() + timedelta(seconds=settings.agent_idle_timeout + 1)
        assert not await service.desk_opened(
            session, user=row, now=too_late, window=settings.agent_idle_timeout
        )
        assert not row.available_for_chat

    bob = await desk.agent()
    await online(bob)
    await online(bob, False)  # Go Offline: their choice, which a desk never overrules
    bob_ws = await desk_socket(live, bob)
    assert not await available(bob)
    await bob_ws.close()


async def test_a_desk_of_a_process_that_died_counts_from_its_last_heartbeat(
    app: FastAPI, settings: Settings, desk: Desk
) -> None:
    """Another process held Ada's desk and died: its rows are reaped by a live one, and Ada's grace
    runs from the last heartbeat, not from the reaping."""
    ada = await desk.agent()
    await online(ada)
    beat = utcnow()
    async with unit_of_work(app.state.sessionmaker) as session:
        row = await session.get(User, ada.id)
        assert row is not None
        await service.connection_opened(
            session, connection_id="dead-process-desk", process_id="dead", user=row
        )
    async with unit_of_work(app.state.sessionmaker) as session:
        # Never rewritten by the dead process's heartbeat.
        connection = await session.scalar(
            select(Connection).where(Connection.id == "dead-process-desk")
        )
        assert connection is not None
        connection.heartbeat_at = beat
    later = beat + timedelta(seconds=settings.agent_grace + 1)
    assert await expire(app, settings, at=later) == 0  # still counted as a desk
    async with unit_of_work(app.state.sessionmaker) as session:
        reaped = await service.reap_stale_connections(
            session, now=later, max_age=3 * settings.heartbeat_interval
        )
    assert reaped == 0  # 61 s: not yet stale (75 s)
    much_later = beat + timedelta(seconds=3 * settings.heartbeat_interval + 1)
    async with unit_of_work(app.state.sessionmaker) as session:
        assert (
            await service.reap_stale_connections(
                session, now=much_later, max_age=3 * settings.heartbeat_interval
            )
            == 1
        )
    assert await expire(app, settings, at=much_later) == 1


@BOTH_STORES
async def test_who_is_online_says_which_inboxes_each_agent_takes_chats_for(desk: Desk) -> None:
    support = await desk.inbox(name="Support")
    sales = await desk.inbox(name="Sales")
    admin = await desk.agent(role="admin", name="Admin")  # a member of no inbox
    ada = await desk.agent(inboxes=[support], name="Ada")
    await desk.agent(inboxes=[sales], name="Bob")
    await online(admin)

    def by_name(rows: list[dict[str, Any]]) -> dict[str, tuple[list[int], bool, bool]]:
        return {
            row["name"]: (row["inbox_ids"], row["takes_chats"], row["available_for_chat"])
            for row in rows
        }

    seen = by_name((await admin.client.get("/api/v1/chats/agents")).json())
    assert seen["Admin"] == ([], False, True)  # online, yet offered nothing
    assert seen["Ada"] == ([support["id"]], True, False)
    assert seen["Bob"] == ([sales["id"]], True, False)
    # An agent sees the inboxes they see: Bob takes chats, in an inbox Ada does not know of.
    seen = by_name((await ada.client.get("/api/v1/chats/agents")).json())
    assert seen["Bob"] == ([], True, False)
    assert seen["Ada"] == ([support["id"]], True, False)
