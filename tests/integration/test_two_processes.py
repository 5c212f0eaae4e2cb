"""Two real server processes on PostgreSQL and Redis: the visitor talks to one, the agents to
the other, and the whole lifecycle and its races behave as in one process; who views a ticket
on one process is heard on the other, and forgotten there when that desk's socket closes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import PASSWORD, _empty, reachable_redis
from tests.integration.cluster import OWNER_EMAIL, login, running
from tests.realtime import Socket, connect

# The module's tests share one cluster, so they run one after the other on one xdist worker
# (and, as a group of several, are handed out before the single tests).
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("two_processes")]

# A visitor's messages a minute, on both processes together. Lower than the default (60): the
# limit test writes it out within one of the limit's windows, which are aligned to the clock, so
# it waits for a new window when too little of the current one is left; a smaller limit needs
# less of it. Every other test's visitor writes a handful.
VISITOR_LIMIT = 20


@pytest.fixture(scope="module")
def channel() -> str:
    """The cluster's Redis channel prefix: topic `chat:7` is the channel `{channel}:chat:7`."""
    return f"fd-test-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def cluster(
    pg_database: str, tmp_path_factory: pytest.TempPathFactory, channel: str
) -> Iterator[list[str]]:
    """Two `frontdesk run` processes sharing one database and one Redis channel, started once
    for the module (starting them is most of each test's time); each test works in an inbox
    and with agents of its own (`scene`). No test here may use `pg_url`: it would empty the
    database under the running processes."""
    asyncio.run(_empty(pg_database))
    data_dir = tmp_path_factory.mktemp("two-processes")
    with running(
        database_url=pg_database,
        redis_url=reachable_redis(),
        data_dir=data_dir,
        extra_env={
            "FRONTDESK_REDIS_CHANNEL": channel,
            "FRONTDESK_VISITOR_RATE_PER_MINUTE": str(VISITOR_LIMIT),
        },
    ) as urls:
        yield urls


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(reachable_redis())
    yield client
    await client.aclose()


@pytest.fixture
async def scene(cluster: list[str]) -> AsyncIterator[dict[str, Any]]:
    """An inbox of its own with Ada and Grace (online, on process B) and a visitor (on process
    A); Ada's and Grace's emails are the test's own too (`email` of each agent)."""
    visitor_side, agent_side = cluster
    owner = await login(agent_side, OWNER_EMAIL)
    inbox = (await owner.post("/api/v1/inboxes", json={"name": "Support"})).json()
    agents = {}
    tag = uuid.uuid4().hex[:8]
    for name in ("Ada", "Grace"):
        email = f"{name.lower()}-{tag}@cluster.example.com"
        user = (
            await owner.post(
                "/api/v1/users", json={"email": email, "name": name, "password": PASSWORD}
            )
        ).json()
        await owner.post(f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": user["id"]})
        client = await login(agent_side, email)
        assert (
            await client.put("/api/v1/me/availability", json={"available": True})
        ).status_code == 200
        cookie = f"frontdesk_session={client.cookies['frontdesk_session']}"
        sock = await connect(f"ws://{agent_side}/api/v1/ws", Cookie=cookie)
        agents[name] = {"client": client, "id": user["id"], "ws": sock, "email": email}
    visitor = httpx.AsyncClient(base_url=f"http://{visitor_side}")
    token = (
        await visitor.post("/messenger/v1/visitors", json={"inbox": inbox["public_key"]})
    ).json()["token"]
    visitor.headers["Authorization"] = f"Bearer {token}"
    yield {
        "agents": agents,
        "visitor": visitor,
        "token": token,
        "visitor_side": visitor_side,
        "owner": owner,
        "inbox": inbox,
    }
    for agent in agents.values():
        await agent["ws"].close()
        await agent["client"].aclose()
    await visitor.aclose()
    await owner.aclose()


async def visitor_socket(scene: dict[str, Any], chats: dict[int, int]) -> Socket:
    sock = await connect(f"ws://{scene['visitor_side']}/messenger/v1/ws")
    assert (await sock.request({"type": "hello", "token": scene["token"], "chats": chats}))[
        "type"
    ] == "ack"
    return sock


async def test_the_lifecycle_across_two_processes(scene: dict[str, Any]) -> None:
    ada, grace = scene["agents"]["Ada"], scene["agents"]["Grace"]
    started = await scene["visitor"].post(
        "/messenger/v1/chats", json={"name": "Marie", "email": "marie@example.org", "text": "hello"}
    )
    chat_id = started.json()["id"]
    vws = await visitor_socket(scene, {chat_id: started.json()["last_seq"]})
    await ada["ws"].event("chat.offered")
    await grace["ws"].event("chat.offered")

    joins = await asyncio.gather(
        ada["client"].post(f"/api/v1/chats/{chat_id}/join"),
        grace["client"].post(f"/api/v1/chats/{chat_id}/join"),
    )
    assert sorted(r.status_code for r in joins) == [200, 409]
    winner = ada if joins[0].status_code == 200 else grace
    other = grace if winner is ada else ada
    await vws.event("chat.joined", chat_id=chat_id)

    ack = await winner["ws"].request(
        {"type": "message", "chat_id": chat_id, "text": "How can I help?", "client_msg_id": "w1"}
    )
    await vws.event("chat.message_added", seq=ack["data"]["seq"])
    mine = await vws.request(
        {"type": "message", "chat_id": chat_id, "text": "Refund", "client_msg_id": "v1"}
    )
    await winner["ws"].event("chat.message_added", seq=mine["data"]["seq"])
    again = await vws.request(
        {"type": "message", "chat_id": chat_id, "text": "Refund", "client_msg_id": "v1"}
    )
    assert again["data"]["duplicate"] is True

    await winner["client"].post(f"/api/v1/chats/{chat_id}/invite", json={"user_id": other["id"]})
    assert (await other["client"].post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    ends = await asyncio.gather(
        winner["client"].post(f"/api/v1/chats/{chat_id}/end"),
        other["client"].post(f"/api/v1/chats/{chat_id}/end"),
    )
    assert sorted(r.status_code for r in ends) == [200, 409]
    ended = await vws.event("chat.ended", chat_id=chat_id)
    assert ended["data"]["reason"] == "agent"
    tickets = (
        await scene["owner"].get(
            "/api/v1/tickets", params={"type": "chat", "inbox_id": scene["inbox"]["id"]}
        )
    ).json()["items"]
    assert len(tickets) == 1
    assert tickets[0]["state"] == "closed"
    await vws.close()


async def test_resume_across_processes_misses_nothing(scene: dict[str, Any]) -> None:
    ada = scene["agents"]["Ada"]
    started = await scene["visitor"].post("/messenger/v1/chats", json={"text": "hi"})
    chat_id = started.json()["id"]
    assert (await ada["client"].post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    seen = (await scene["visitor"].get(f"/messenger/v1/chats/{chat_id}")).json()["last_seq"]
    for n in range(5):
        await ada["client"].post(
            f"/api/v1/chats/{chat_id}/messages", json={"text": f"m{n}", "client_msg_id": f"m{n}"}
        )
    vws = await visitor_socket(scene, {chat_id: seen})
    await vws.wait_for(
        lambda f: f.get("type") == "chat.message_added" and f["data"]["message"]["text"] == "m4"
    )
    texts = [f["data"]["message"]["text"] for f in vws.of_type("chat.message_added")]
    assert texts == [f"m{n}" for n in range(5)]
    await vws.close()


async def test_logging_out_on_one_process_closes_the_socket_on_the_other(
    cluster: list[str], scene: dict[str, Any]
) -> None:
    ada = scene["agents"]["Ada"]  # her socket is on the agents' process
    other_side = await login(scene["visitor_side"], ada["email"])
    cookie = f"frontdesk_session={other_side.cookies['frontdesk_session']}"
    sock = await connect(f"ws://{cluster[1]}/api/v1/ws", Cookie=cookie)
    await sock.event("ready")
    assert (await other_side.post("/api/v1/auth/logout")).status_code == 204
    assert await sock.wait_closed(timeout=1.0) == 4401
    assert ada["ws"].closed_code is None  # her other session's socket stays
    await other_side.aclose()


async def _at_the_start_of_a_window(window: int = 60, room: float = 10.0) -> None:
    """Limits count in windows aligned to the clock: a test that straddled two would see its
    count start again halfway."""
    into = time.time() % window
    if into > window - room:
        await asyncio.sleep(window - into + 0.1)


async def test_both_processes_count_a_visitor_against_one_limit(
    cluster: list[str], scene: dict[str, Any]
) -> None:
    limit = VISITOR_LIMIT  # each process sees half the writes
    await _at_the_start_of_a_window()
    one = scene["visitor"]
    other = httpx.AsyncClient(
        base_url=f"http://{cluster[1]}", headers={"Authorization": f"Bearer {scene['token']}"}
    )
    chat_id = (await one.post("/messenger/v1/chats", json={"text": "write 1"})).json()["id"]
    statuses = []
    for n in range(2, limit + 2):
        client = other if n % 2 else one
        sent = await client.post(f"/messenger/v1/chats/{chat_id}/messages", json={"text": f"{n}"})
        statuses.append(sent.status_code)
    assert statuses == [201] * (limit - 1) + [429]
    assert sent.json()["error"]["code"] == "rate_limited"
    # The socket of the other process counts in the same place.
    sock = await connect(f"ws://{cluster[1]}/messenger/v1/ws")
    assert (await sock.request({"type": "hello", "token": scene["token"]}))["type"] == "ack"
    refused = await sock.request(
        {"type": "message", "chat_id": chat_id, "text": "one more", "client_msg_id": "late"}
    )
    assert refused["type"] == "error"
    assert refused["error"]["code"] == "rate_limited"
    events = (await one.get(f"/messenger/v1/chats/{chat_id}")).json()["events"]
    texts = [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message_added"]
    assert texts == ["write 1", *(str(n) for n in range(2, limit + 1))]
    await sock.close()
    await other.aclose()


def viewer_lists(sock: Socket, ticket_id: int) -> list[list[Any]]:
    return [
        [(v["user"]["id"], v["composing"]) for v in frame["data"]["viewers"]]
        for frame in sock.of_type("ticket.viewers")
        if frame["data"]["ticket_id"] == ticket_id
    ]


async def test_a_ticket_viewer_on_one_process_is_heard_and_forgotten_on_the_other(
    cluster: list[str],
) -> None:
    one, other = cluster
    owner = await login(one, OWNER_EMAIL)
    inbox = (await owner.post("/api/v1/inboxes", json={"name": "Support"})).json()
    me = (await owner.get("/api/v1/me")).json()
    await owner.post(f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": me["id"]})
    ticket = (
        await owner.post(
            "/api/v1/tickets",
            json={
                "inbox_id": inbox["id"],
                "customer": {"email": "cora@example.org"},
                "subject": "Help",
            },
        )
    ).json()
    cookie = f"frontdesk_session={owner.cookies['frontdesk_session']}"
    listening = await connect(f"ws://{other}/api/v1/ws", Cookie=cookie)
    await listening.event("ready")
    writing = await connect(f"ws://{one}/api/v1/ws", Cookie=cookie)
    await writing.event("ready")

    frame = {"type": "ticket_presence", "ticket_id": ticket["id"], "viewing": True}
    await writing.request({**frame, "composing": "reply"})
    await listening.wait_for(
        lambda _f: [(me["id"], "reply")] in viewer_lists(listening, ticket["id"])
    )
    await writing.close()
    await listening.wait_for(lambda _f: viewer_lists(listening, ticket["id"])[-1:] == [[]])
    await listening.close()
    await owner.aclose()


# --- per-topic delivery --------------------------------------------------------------------------


async def subscribers(redis: Redis, channel: str, topic: str) -> int:
    """How many processes are subscribed in Redis to a topic (one connection each)."""
    [(_name, count)] = await redis.pubsub_numsub(f"{channel}:{topic}")
    return int(count)


async def until_subscribers(redis: Redis, channel: str, topic: str, count: int) -> None:
    async with asyncio.timeout(10):
        while await subscribers(redis, channel, topic) != count:
            await asyncio.sleep(0.05)


async def test_a_chat_s_events_go_only_to_the_processes_that_follow_it_and_once(
    cluster: list[str], scene: dict[str, Any], redis: Redis, channel: str
) -> None:
    ada, grace = scene["agents"]["Ada"], scene["agents"]["Grace"]  # their sockets: process B
    visitor_side = cluster[0]
    started = await scene["visitor"].post("/messenger/v1/chats", json={"text": "hello"})
    chat_id = started.json()["id"]
    assert (await ada["client"].post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    await ada["ws"].event("chat.joined", chat_id=chat_id)
    # Grace opens a desk on process A too: she hears the inbox there, not yet the chat.
    on_a = await login(visitor_side, grace["email"])
    cookie = f"frontdesk_session={on_a.cookies['frontdesk_session']}"
    grace_a = await connect(f"ws://{visitor_side}/api/v1/ws", Cookie=cookie)
    await grace_a.event("ready")
    inbox = f"inbox:{scene['inbox']['id']}"
    assert await subscribers(redis, channel, inbox) == 2
    # Only process B follows the chat: A is not sent its messages.
    assert await subscribers(redis, channel, f"chat:{chat_id}") == 1
    said = await ada["ws"].request(
        {"type": "message", "chat_id": chat_id, "text": "only B", "client_msg_id": "b1"}
    )
    assert said["type"] == "ack"

    # Invited and joining on process B, Grace's socket on A follows the chat from then on.
    await ada["client"].post(f"/api/v1/chats/{chat_id}/invite", json={"user_id": grace["id"]})
    assert (await grace["client"].post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    await grace_a.event("chat.joined", chat_id=chat_id)
    await until_subscribers(redis, channel, f"chat:{chat_id}", 2)
    said = await ada["ws"].request(
        {"type": "message", "chat_id": chat_id, "text": "both", "client_msg_id": "b2"}
    )
    # chat.ended names the inbox and the chat, both of which her socket on A follows.
    assert (await ada["client"].post(f"/api/v1/chats/{chat_id}/end")).status_code == 200
    await grace_a.event("chat.ended", chat_id=chat_id)
    await asyncio.sleep(0.3)  # room for a second copy to arrive, were one sent
    mine = [f for f in grace_a.frames if f.get("chat_id") == chat_id]
    messages = [f["data"]["message"]["text"] for f in mine if f["type"] == "chat.message_added"]
    # Before she joined, process A was not sent the chat's messages; after, each once.
    assert messages == ["both"]
    assert [f["type"] for f in mine].count("chat.ended") == 1
    assert len({f["seq"] for f in mine}) == len(mine)
    # Ended, the chat has no followers left on either process.
    await until_subscribers(redis, channel, f"chat:{chat_id}", 0)
    await grace_a.close()
    await on_a.aclose()


async def test_a_killed_redis_connection_subscribes_again_and_loses_nothing(
    scene: dict[str, Any], redis: Redis, channel: str
) -> None:
    ada = scene["agents"]["Ada"]
    started = await scene["visitor"].post("/messenger/v1/chats", json={"text": "hi"})
    chat_id = started.json()["id"]
    assert (await ada["client"].post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    seen = (await scene["visitor"].get(f"/messenger/v1/chats/{chat_id}")).json()["last_seq"]
    vws = await connect(f"ws://{scene['visitor_side']}/messenger/v1/ws")
    hello = await vws.request({"type": "hello", "token": scene["token"], "chats": {chat_id: seen}})
    visitor_topic = f"visitor:{hello['data']['visitor_id']}"
    await until_subscribers(redis, channel, visitor_topic, 1)

    killed = 0
    for client in await redis.client_list():
        if client["name"].startswith(f"{channel}:"):
            killed += await redis.client_kill_filter(_id=client["id"])
    assert killed == 2  # each process's subscriber connection
    # Sent while process A is not subscribed: Redis drops it, the database has it.
    await ada["client"].post(
        f"/api/v1/chats/{chat_id}/messages", json={"text": "meanwhile", "client_msg_id": "k1"}
    )
    # Nothing else happens in the chat: only the resync after the reconnection brings it.
    await vws.wait_for(
        lambda f: (
            f.get("type") == "chat.message_added" and f["data"]["message"]["text"] == "meanwhile"
        )
    )
    await until_subscribers(redis, channel, visitor_topic, 1)
    await ada["client"].post(
        f"/api/v1/chats/{chat_id}/messages", json={"text": "after", "client_msg_id": "k2"}
    )
    await vws.wait_for(
        lambda f: f.get("type") == "chat.message_added" and f["data"]["message"]["text"] == "after"
    )
    texts = [f["data"]["message"]["text"] for f in vws.of_type("chat.message_added")]
    assert texts == ["meanwhile", "after"]
    await vws.close()


async def _responses(database_url: str, chat_id: int) -> list[tuple[float, float]]:
    """The chat's responses' seconds and business seconds, in order."""
    import asyncpg

    connection = await asyncpg.connect(
        database_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        rows = await connection.fetch(
            "SELECT seconds, business_seconds FROM metric_moments"
            " WHERE chat_id = $1 AND kind = 'response' ORDER BY id",
            chat_id,
        )
    finally:
        await connection.close()
    return [(row["seconds"], row["business_seconds"]) for row in rows]


async def test_hours_saved_on_one_process_count_in_the_next_answer_on_the_other(
    scene: dict[str, Any], pg_database: str
) -> None:
    """The agents' process keeps the calendar it built (hours/calendar_cache.py); hours saved
    through the visitor's process are its next answer's hours, and its next /status's
    (docs/performance.md)."""
    ada = scene["agents"]["Ada"]  # on the agents' process
    owner = await login(scene["visitor_side"], OWNER_EMAIL)
    hours = f"/api/v1/inboxes/{scene['inbox']['id']}/hours"
    # Open one hour a week, three days from now: closed for the whole test.
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(time.gmtime().tm_wday + 3) % 7]
    closed = {
        "enabled": True,
        "time_zone": "UTC",
        "weekly": [{"day": day, "opens": "10:00", "closes": "11:00"}],
    }
    started = await scene["visitor"].post("/messenger/v1/chats", json={"text": "hi"})
    chat_id = started.json()["id"]  # while open: no chat starts out of hours
    assert (await ada["client"].post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    assert (await owner.put(hours, json=closed)).status_code == 200

    async def answer(n: int) -> list[tuple[float, float]]:
        ack = await ada["ws"].request(
            {"type": "message", "chat_id": chat_id, "text": f"a{n}", "client_msg_id": f"a{n}"}
        )
        assert ack["type"] == "ack", ack
        return await _responses(pg_database, chat_id)

    async def status_there() -> str:
        """/status as the agents' process answers it (its calendar kept after the first)."""
        params = {"inbox": scene["inbox"]["public_key"]}
        status = await ada["client"].get("/messenger/v1/status", params=params)
        assert status.status_code == 200, status.text
        return str(status.json()["state"])

    async def write(n: int) -> None:
        sent = await scene["visitor"].post(
            f"/messenger/v1/chats/{chat_id}/messages", json={"text": f"v{n}"}
        )
        assert sent.status_code == 201, sent.text

    # Each answer's business seconds: closed, then always open (every second), closed again.
    (first,) = await answer(1)
    assert first[1] == 0.0  # and the agents' process keeps the calendar now
    assert [await status_there(), await status_there()] == ["closed", "closed"]

    assert (await owner.put(hours, json=closed | {"enabled": False})).status_code == 200
    assert await status_there() != "closed"
    await write(2)
    second = (await answer(2))[1]
    assert second[1] == second[0] > 0

    assert (await owner.put(hours, json=closed)).status_code == 200
    assert await status_there() == "closed"
    await write(3)
    third = (await answer(3))[2]
    assert third[1] == 0.0
    await owner.aclose()
