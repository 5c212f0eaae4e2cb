"""Resume is exact in every order of events: a client that says what it holds gets every later event
of its chats once, in seq order, with no gap — even when the other side keeps writing while it
reconnects (docs/realtime.md, "Resume, exactly")."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from fastapi import FastAPI

from tests.clock import FrozenClock
from tests.conftest import PASSWORD, Desk
from tests.realtime import (
    DEFAULT_TIMEOUT,
    Socket,
    connect,
    desk_socket,
    messenger_socket,
    session_cookie,
)


def seqs_of(sock: Socket, chat_id: int) -> list[int]:
    return [f["seq"] for f in sock.frames if f.get("chat_id") == chat_id and f.get("seq")]


async def chat_with_ada(desk: Desk, visitors: Any) -> tuple[Any, Any, int]:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    assert (await ada.client.put("/api/v1/me/availability", json={"available": True})).is_success
    visitor = await visitors(inbox)
    chat_id = (await visitor.start_chat("hello"))["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    return ada, visitor, chat_id


async def last_seq(visitor: Any, chat_id: int) -> int:
    return int((await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()["last_seq"])


async def test_a_desk_that_reconnects_gets_what_it_missed_before_any_live_event(
    live: str, desk: Desk, visitors: Any
) -> None:
    ada, visitor, chat_id = await chat_with_ada(desk, visitors)
    held = await last_seq(visitor, chat_id)
    for n in range(3):  # written while the desk was away
        await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/messages", json={"text": f"away {n}"}
        )

    # The desk follows the chat from the moment it connects (Ada is in it): a message written
    # while it connects must not overtake the replay of what it missed.
    connecting = asyncio.create_task(desk_socket(live, ada, {chat_id: held}))
    await visitor.client.post(f"/messenger/v1/chats/{chat_id}/messages", json={"text": "now"})
    sock = await connecting
    final = await last_seq(visitor, chat_id)
    await sock.wait_for(lambda f: f.get("chat_id") == chat_id and f.get("seq") == final)
    assert seqs_of(sock, chat_id) == list(range(held + 1, final + 1))
    await sock.close()


async def test_a_resume_replays_everything_after_the_seq_it_names(
    live: str, desk: Desk, visitors: Any
) -> None:
    ada, visitor, chat_id = await chat_with_ada(desk, visitors)
    sock = await desk_socket(live, ada)
    for n in range(3):
        await visitor.client.post(f"/messenger/v1/chats/{chat_id}/messages", json={"text": str(n)})
    newest = await last_seq(visitor, chat_id)
    await sock.wait_for(lambda f: f.get("chat_id") == chat_id and f.get("seq") == newest)

    # A tab that holds less than the socket already sent (it threw a window away, say) names
    # what it holds, and gets the rest again, in order, before the ack.
    before = len(sock.frames)
    ack = await sock.request({"type": "resume", "chats": {chat_id: newest - 2}})
    replayed = [f["seq"] for f in sock.frames[before:] if f.get("chat_id") == chat_id]
    assert replayed == [newest - 1, newest]
    assert ack["data"] == {"chats": [chat_id]}
    await sock.close()


@pytest.mark.parametrize("side", ["desk", "messenger"])
async def test_reconnects_while_the_other_side_keeps_writing_lose_nothing(
    live: str, desk: Desk, visitors: Any, side: str
) -> None:
    """The race seen from outside: a tab applied R, R+1..F-1 were committed meanwhile, and the
    first thing the new socket heard was the live F. Many short reconnects while messages
    stream in make a window of a few milliseconds show up."""
    ada, visitor, chat_id = await chat_with_ada(desk, visitors)
    stop = asyncio.Event()

    async def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            if side == "desk":  # the desk's chat is written to by the visitor, and vice versa
                await visitor.client.post(
                    f"/messenger/v1/chats/{chat_id}/messages", json={"text": f"v{n}"}
                )
            else:
                await ada.client.post(
                    f"/api/v1/chats/{chat_id}/messages",
                    json={"text": f"a{n}", "client_msg_id": f"a{n}"},
                )
            await asyncio.sleep(0.002)

    writer = asyncio.create_task(write())
    applied = await last_seq(visitor, chat_id)
    seen: list[int] = []
    try:
        for _ in range(15):
            sock = await (
                desk_socket(live, ada, {chat_id: applied})
                if side == "desk"
                else messenger_socket(live, visitor, {chat_id: applied})
            )
            await asyncio.sleep(0.03)
            await sock.close()
            got = seqs_of(sock, chat_id)
            seen += got
            if got:
                applied = got[-1]
    finally:
        stop.set()
        await writer
    final = await last_seq(visitor, chat_id)
    sock = await (
        desk_socket(live, ada, {chat_id: applied})
        if side == "desk"
        else messenger_socket(live, visitor, {chat_id: applied})
    )
    if applied < final:
        await sock.wait_for(lambda f: f.get("chat_id") == chat_id and f.get("seq") == final)
    seen += seqs_of(sock, chat_id)
    await sock.close()
    first = seen[0] if seen else final
    if side == "desk":
        assert seen == list(range(first, final + 1))
    else:  # agent-only events take seqs too: the visitor's are increasing, each once
        assert seen == sorted(set(seen))
        assert seen[-1] == final
        async with asyncio.timeout(5):
            history = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()["events"]
        assert seen == [e["seq"] for e in history if e["seq"] >= first]


# --- sockets live no longer than the credentials they opened with -------------------------------


async def closed_within_a_second(sock: Socket) -> int | None:
    with contextlib.suppress(TimeoutError):
        return await sock.wait_closed(timeout=1.0)
    return None


async def test_logging_out_closes_that_sessions_sockets_only(live: str, desk: Desk) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    laptop = await desk.login(ada.user)
    phone_ws, laptop_ws = await desk_socket(live, ada), await desk_socket(live, laptop)
    assert (await ada.client.post("/api/v1/auth/logout")).status_code == 204
    assert await closed_within_a_second(phone_ws) == 4401
    assert laptop_ws.closed_code is None
    assert (await laptop_ws.request({"type": "pong", "ref": "still-here"}))["type"] == "ack"
    await laptop_ws.close()


async def test_a_password_change_closes_every_other_session(live: str, desk: Desk) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    other = await desk.login(ada.user)
    mine_ws, other_ws = await desk_socket(live, ada), await desk_socket(live, other)
    changed = await ada.client.patch(
        "/api/v1/me", json={"password": "a brand new passphrase", "current_password": PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    assert await closed_within_a_second(other_ws) == 4401
    assert mine_ws.closed_code is None
    await mine_ws.close()


async def test_deactivation_and_revoked_tokens_close_sockets(live: str, desk: Desk) -> None:
    inbox = await desk.inbox()
    owner = await desk.agent(role="owner")
    ada = await desk.agent(inboxes=[inbox])
    tokens = []
    for name in ("script", "other script"):
        made = await ada.client.post("/api/v1/me/tokens", json={"name": name})
        assert made.status_code == 201, made.text
        tokens.append(made.json())
    by_token = [
        await connect(f"ws://{live}/api/v1/ws", Authorization=f"Bearer {t['token']}")
        for t in tokens
    ]
    by_cookie = await desk_socket(live, ada)

    revoked = await ada.client.delete(f"/api/v1/me/tokens/{tokens[0]['id']}")
    assert revoked.status_code == 204, revoked.text
    assert await closed_within_a_second(by_token[0]) == 4401
    assert by_token[1].closed_code is None
    assert by_cookie.closed_code is None

    off = await owner.client.patch(f"/api/v1/users/{ada.id}", json={"is_active": False})
    assert off.status_code == 200, off.text
    assert await closed_within_a_second(by_token[1]) == 4401
    assert await closed_within_a_second(by_cookie) == 4401


async def test_a_socket_closes_when_its_session_expires(
    live: str, desk: Desk, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from frontdesk.kit.clock import utcnow
    from frontdesk.users.models import AuthSession

    ada = await desk.agent(inboxes=[await desk.inbox()])
    # The app's clock stands still, so the socket opens before the expiry however long that
    # takes; the connection's timer then sleeps the 0.2 s left (real time) and closes it. The
    # socket sends nothing: only that timer can close it.
    clock = FrozenClock(monkeypatch, utcnow())
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == ada.id)
            .values(expires_at=clock.now + timedelta(seconds=0.2))
        )
    sock = await desk_socket(live, ada)
    assert await sock.wait_closed(timeout=15) == 4401


async def test_a_followed_chat_never_resumed_streams_without_gaps_and_two_tabs_each_get_all(
    live: str, desk: Desk, visitors: Any
) -> None:
    """A desk tab that holds nothing of a chat it follows (it never named it) gets the chat from
    its first live event on, without gaps; two tabs of one agent, one resuming and one not, each
    get their own complete stream."""
    ada, visitor, chat_id = await chat_with_ada(desk, visitors)
    held = await last_seq(visitor, chat_id)
    stop = asyncio.Event()
    posted = asyncio.Event()

    async def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await visitor.client.post(
                f"/messenger/v1/chats/{chat_id}/messages", json={"text": f"v{n}"}
            )
            posted.set()

    writer = asyncio.create_task(write())
    await asyncio.wait_for(posted.wait(), DEFAULT_TIMEOUT)  # the tabs open while messages flow
    fresh, resuming = await asyncio.gather(
        desk_socket(live, ada), desk_socket(live, ada, {chat_id: held})
    )
    # Until messages written after both tabs were ready reach both live, not for a fixed time:
    # on a loaded machine no message may be written within it, and the fresh tab gets nothing.
    opened = await last_seq(visitor, chat_id)

    def later(frame: dict[str, Any]) -> bool:
        return frame.get("chat_id") == chat_id and (frame.get("seq") or 0) > opened + 1

    for sock in (fresh, resuming):
        await sock.wait_for(later)
    stop.set()
    await writer
    final = await last_seq(visitor, chat_id)
    for sock in (fresh, resuming):
        await sock.wait_for(lambda f: f.get("chat_id") == chat_id and f.get("seq") == final)
    got = seqs_of(fresh, chat_id)
    assert got == list(range(got[0], final + 1))
    assert seqs_of(resuming, chat_id) == list(range(held + 1, final + 1))
    for sock in (fresh, resuming):
        await sock.close()


async def test_a_desk_resume_naming_chats_it_cannot_see_gets_not_found_for_each(
    live: str, desk: Desk, visitors: Any
) -> None:
    ada, visitor, chat_id = await chat_with_ada(desk, visitors)
    stranger = await desk.agent(inboxes=[await desk.inbox(name="Elsewhere")])
    held = await last_seq(visitor, chat_id)
    # Ada's chat (not the stranger's), an id no chat has, and one past what the store can hold.
    sock = await desk_socket(live, stranger, {chat_id: held, 999_999: 0, 2**31: 0})
    errors = [f for f in sock.frames if f.get("type") == "error"]
    assert [e["error"]["code"] for e in errors] == ["not_found"] * 3
    assert {e["ref"] for e in errors} == {"resume"}
    assert (await sock.event("ready"))["data"] == {"chats": []}
    await sock.close()

    malformed = await connect(
        f"ws://{live}/api/v1/ws?resume=1:x", Cookie=session_cookie(ada.client)
    )
    assert await malformed.wait_closed() == 1008
