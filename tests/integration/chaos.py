"""The chaos run: many chats written from both sides across several server processes, while sockets
drop and reconnect (to either process) and a process is killed with `kill -9` and started again.

Its clients follow docs/realtime.md to the letter: a client remembers per chat the highest seq it
has applied, resumes from it on every connect (the desk in the URL, the messenger in `hello`), and
resends every unacknowledged message with the same `client_msg_id` once the resume is answered.
They record what they receive; `verify` then checks the promises: every event of a client's chats
once, in seq order, with no gap; every acknowledged message stored once; one ticket and one
transcript per chat. The suite runs a short version (tests/integration/test_chaos.py);
bench/chaos.py a long one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import websockets

from tests.conftest import PASSWORD
from tests.integration.cluster import Cluster

OWNER = "owner@chaos.example.com"


@dataclass
class Plan:
    chats: int = 12
    agents: int = 4
    seconds: float = 15.0
    message_every: float = 0.25  # per client
    drop_every: tuple[float, float] = (0.5, 3.0)  # a socket lives this long, then drops
    kills: int = 1
    seed: int = 0


@dataclass
class Client:
    """A desk tab (an agent's chats) or a messenger (a visitor's one chat)."""

    name: str
    kind: str  # "desk" | "messenger"
    credential: str  # the session cookie or the visitor token
    applied: dict[int, int]  # chat id -> highest seq applied
    received: dict[int, list[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unacked: dict[str, tuple[int, str]] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)  # client_msg_id -> seq
    ended: set[int] = field(default_factory=set)
    sent: int = 0
    connects: int = 0
    start: dict[int, int] = field(default_factory=dict)
    log: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.start = dict(self.applied)  # what it held before the run

    def apply(self, frame: dict[str, Any]) -> None:
        chat_id, seq = frame.get("chat_id"), frame.get("seq")
        if chat_id not in self.applied or seq is None:
            return
        last = self.applied[chat_id]
        # The desk follows its chats: every seq. A visitor skips agent-only events: increasing.
        expected_ok = seq == last + 1 if self.kind == "desk" else seq > last
        self.log.append((self.connects, chat_id, seq, frame["type"]))
        if not expected_ok:
            self.problems.append(f"{self.name} chat {chat_id}: got seq {seq} after {last}")
        if seq > last:
            self.applied[chat_id] = seq
        self.received.setdefault(chat_id, []).append(seq)
        if frame["type"] == "chat.ended":
            self.ended.add(chat_id)


async def _login(base: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=f"http://{base}", timeout=30)
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


async def _retrying(call: Callable[[], Any], attempts: int = 50) -> Any:
    """HTTP calls made during a kill go to whichever process answers."""
    for attempt in range(attempts):
        try:
            return await call()
        except httpx.TransportError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.2)
    return None


class Chaos:
    def __init__(self, cluster: Cluster, plan: Plan) -> None:
        self.cluster = cluster
        self.plan = plan
        self.random = random.Random(plan.seed)
        self.clients: list[Client] = []
        self.chat_ids: list[int] = []
        self.agent_http: dict[int, httpx.AsyncClient] = {}  # chat id -> the agent in it
        self.owner: httpx.AsyncClient | None = None
        self.writing = True
        self.figures: dict[str, float] = {}
        # Per process (host:port), how many times it was started again, and the messages a
        # socket opened after such a start had acknowledged: the witness that clients came back
        # to a killed process and wrote through it.
        self.restarts: dict[str, int] = dict.fromkeys(cluster.urls, 0)
        self.acked_after_restart = 0

    # --- the scene --------------------------------------------------------------------------

    async def setup(self) -> None:
        self.cluster.create_owner(OWNER)
        base = self.cluster.urls[0]
        self.owner = owner = await _login(base, OWNER)
        inbox = (await owner.post("/api/v1/inboxes", json={"name": "Chaos"})).json()
        agents: list[tuple[httpx.AsyncClient, str]] = []
        for n in range(self.plan.agents):
            email = f"agent{n}@chaos.example.com"
            made = await owner.post(
                "/api/v1/users",
                json={
                    "email": email,
                    "name": f"Agent {n}",
                    "password": PASSWORD,
                    "max_concurrent_chats": self.plan.chats,
                },
            )
            made.raise_for_status()
            await owner.post(
                f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": made.json()["id"]}
            )
            client = await _login(base, email)
            (
                await client.put("/api/v1/me/availability", json={"available": True})
            ).raise_for_status()
            agents.append((client, f"frontdesk_session={client.cookies['frontdesk_session']}"))
        desk_chats: list[dict[int, int]] = [{} for _ in agents]
        async with httpx.AsyncClient(base_url=f"http://{base}", timeout=30) as anonymous:
            for n in range(self.plan.chats):
                token = (
                    await anonymous.post(
                        "/messenger/v1/visitors", json={"inbox": inbox["public_key"]}
                    )
                ).json()["token"]
                started = await anonymous.post(
                    "/messenger/v1/chats",
                    json={"name": f"Visitor {n}", "text": "hello"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                started.raise_for_status()
                chat_id = started.json()["id"]
                agent, _cookie = agents[n % len(agents)]
                joined = await agent.post(f"/api/v1/chats/{chat_id}/join")
                joined.raise_for_status()
                self.chat_ids.append(chat_id)
                self.agent_http[chat_id] = agent
                desk_chats[n % len(agents)][chat_id] = joined.json()["last_seq"]
                # The visitor holds what it saw when it started; the join comes to it as an event.
                self.clients.append(
                    Client(f"visitor{n}", "messenger", token, {chat_id: started.json()["last_seq"]})
                )
        for n, (_agent, cookie) in enumerate(agents):
            self.clients.append(Client(f"desk{n}", "desk", cookie, desk_chats[n]))

    # --- one client -------------------------------------------------------------------------

    async def _connect(self, client: Client) -> tuple[websockets.ClientConnection, str]:
        base = self.random.choice(self.cluster.urls)
        if client.kind == "desk":
            resume = ",".join(f"{chat}:{seq}" for chat, seq in client.applied.items())
            ws = await websockets.connect(
                f"ws://{base}/api/v1/ws?resume={resume}",
                additional_headers={"Cookie": client.credential},
                open_timeout=5,
            )
        else:
            ws = await websockets.connect(f"ws://{base}/messenger/v1/ws", open_timeout=5)
            hello = {"type": "hello", "ref": "hello", "token": client.credential}
            await ws.send(json.dumps(hello | {"chats": client.applied}))
        client.connects += 1
        return ws, base

    def _is_ready(self, frame: dict[str, Any]) -> bool:
        return frame.get("type") == "ready" or (
            frame.get("type") == "ack" and frame.get("ref") == "hello"
        )

    async def _session(
        self,
        client: Client,
        ws: websockets.ClientConnection,
        restarted: bool,
        life: float,
        stop: asyncio.Event,
    ) -> None:
        """One socket's life: read, and once resumed, resend the unacknowledged and write.
        `restarted`: the socket is on a process started again after a kill."""
        ready = asyncio.Event()

        async def read() -> None:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif self._is_ready(frame):
                    ready.set()
                elif kind == "ack" and frame.get("ref") in client.unacked:
                    client.unacked.pop(frame["ref"])
                    client.acked[frame["ref"]] = frame["data"]["seq"]
                    self.acked_after_restart += restarted
                elif kind == "error":
                    ref = frame.get("ref")
                    code = frame["error"]["code"]
                    if ref in client.unacked and code == "chat_ended":
                        client.unacked.pop(ref)  # refused, so not stored: nothing owed
                    elif code != "rate_limited":
                        client.problems.append(f"{client.name}: error {frame['error']}")
                elif frame.get("seq") is not None:
                    client.apply(frame)

        async def write() -> None:
            await ready.wait()
            for cmid, (chat_id, text) in list(client.unacked.items()):
                await ws.send(json.dumps(_message(cmid, chat_id, text)))
            while self.writing:
                await asyncio.sleep(self.plan.message_every * self.random.uniform(0.5, 1.5))
                open_chats = [c for c in client.applied if c not in client.ended]
                if not open_chats or not self.writing:
                    continue
                chat_id = self.random.choice(open_chats)
                client.sent += 1
                cmid = f"{client.name}-{client.sent}"
                text = f"{client.name} says {client.sent}"
                client.unacked[cmid] = (chat_id, text)
                await ws.send(json.dumps(_message(cmid, chat_id, text)))

        tasks = [asyncio.create_task(read()), asyncio.create_task(write())]
        stopping = asyncio.create_task(stop.wait())
        # The socket lives until it drops by itself (the reader ends), the run stops, or it is
        # time to drop it.
        with contextlib.suppress(websockets.ConnectionClosed, OSError):
            await asyncio.wait(
                [tasks[0], stopping], timeout=life, return_when=asyncio.FIRST_COMPLETED
            )
        stopping.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # A drop, not a goodbye: the transport is cut with no close frame.
        ws.transport.abort()

    async def _run_client(self, client: Client, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                ws, base = await self._connect(client)
            except (OSError, websockets.InvalidHandshake, TimeoutError):
                await asyncio.sleep(0.2)
                continue
            # Once writing stops, sockets stay up so that a backlog of resends can drain.
            life = self.random.uniform(*self.plan.drop_every) if self.writing else 30.0
            await self._session(client, ws, self.restarts[base] > 0, life, stop)

    # --- the run ----------------------------------------------------------------------------

    async def run(self) -> None:
        stop = asyncio.Event()
        runners = [asyncio.create_task(self._run_client(c, stop)) for c in self.clients]
        started = time.monotonic()
        kill_at = [
            self.plan.seconds * (k + 1) / (self.plan.kills + 1) for k in range(self.plan.kills)
        ]
        for at in kill_at:
            await asyncio.sleep(max(0.0, started + at - time.monotonic()))
            victim = self.random.randrange(len(self.cluster.urls))
            await asyncio.to_thread(self.cluster.kill, victim)
            await asyncio.sleep(0.5)
            await asyncio.to_thread(self.cluster.start, victim)
            self.restarts[self.cluster.urls[victim]] += 1
        await asyncio.sleep(max(0.0, started + self.plan.seconds - time.monotonic()))
        if self.plan.kills:
            # However long the restart took, writing goes on until a socket opened on a
            # restarted process has had a message acknowledged there: the plan's time alone
            # would not promise it (a start under load takes seconds of it).
            await self._until(
                lambda: self.acked_after_restart > 0, 60, "a message through a restarted process"
            )
        self.writing = False
        # Every message sent is answered (stored or refused) before the chats end.
        await self._until(lambda: all(not c.unacked for c in self.clients), 60, "unacked messages")
        for chat_id in self.chat_ids:
            agent = self.agent_http[chat_id]
            ended = await _retrying(partial(agent.post, f"/api/v1/chats/{chat_id}/end"))
            assert ended.status_code == 200, ended.text
        await self._until(
            lambda: all(c.ended >= set(c.applied) for c in self.clients), 60, "chat.ended"
        )
        stop.set()
        await asyncio.gather(*runners)
        self.figures = {
            "seconds": round(time.monotonic() - started, 1),
            "messages acknowledged": sum(len(c.acked) for c in self.clients),
            "acknowledged after a restart": self.acked_after_restart,
            "socket connects": sum(c.connects for c in self.clients),
            "events received": sum(len(s) for c in self.clients for s in c.received.values()),
        }

    async def _until(self, done: Callable[[], bool], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not done():
            if time.monotonic() > deadline:
                pending = {c.name: list(c.unacked)[:3] for c in self.clients if c.unacked}
                problems = sorted({p for c in self.clients for p in c.problems})[:10]
                raise AssertionError(
                    f"still waiting for {what} after {seconds} s; unacked {pending}; {problems}"
                )
            await asyncio.sleep(0.1)

    # --- the promises -----------------------------------------------------------------------

    async def verify(self) -> list[str]:
        assert self.owner is not None
        problems = [p for c in self.clients for p in c.problems]
        history: dict[int, list[dict[str, Any]]] = {}
        for chat_id in self.chat_ids:
            detail = await _retrying(partial(self.owner.get, f"/api/v1/chats/{chat_id}"))
            history[chat_id] = detail.json()["events"]
        for client in self.clients:
            for chat_id, first in client.start.items():
                events = history[chat_id]
                if client.kind == "messenger":
                    events = [e for e in events if e["type"] in VISITOR_EVENTS]
                want = [e["seq"] for e in events if e["seq"] > first]
                got = client.received.get(chat_id, [])
                if got != want:
                    missing = sorted(set(want) - set(got))
                    twice = sorted({s for s in got if got.count(s) > 1})
                    problems.append(
                        f"{client.name} chat {chat_id}: missing {missing[:10]} "
                        f"({len(missing)}), twice {twice[:10]}, out of order: {got != sorted(got)}"
                    )
        stored: dict[str, int] = {}
        for events in history.values():
            for event in events:
                if event["type"] == "chat.message_added":
                    cmid = event["data"]["message"]["client_msg_id"]
                    if cmid:
                        stored[cmid] = stored.get(cmid, 0) + 1
        for client in self.clients:
            for cmid in client.acked:
                if stored.get(cmid) != 1:
                    problems.append(f"{cmid} acknowledged, stored {stored.get(cmid, 0)} times")
        problems += [f"{cmid} stored {n} times" for cmid, n in stored.items() if n > 1]
        problems += await self._tickets(history)
        return problems

    async def _tickets(self, history: dict[int, list[dict[str, Any]]]) -> list[str]:
        assert self.owner is not None
        page = await self.owner.get("/api/v1/tickets", params={"type": "chat", "limit": 100})
        tickets = page.json()["items"]
        problems = []
        if len(tickets) != len(self.chat_ids):
            problems.append(f"{len(tickets)} chat tickets for {len(self.chat_ids)} chats")
        for ticket in tickets:
            detail = (await self.owner.get(f"/api/v1/tickets/{ticket['id']}")).json()
            transcripts = [e for e in detail["entries"] if e["kind"] == "transcript"]
            if len(transcripts) != 1:
                problems.append(f"ticket {ticket['id']}: {len(transcripts)} transcripts")
                continue
            chat_id = transcripts[0]["data"].get("chat_id")
            texts = [
                e["data"]["message"]["text"]
                for e in history.get(chat_id, [])
                if e["type"] == "chat.message_added"
            ]
            body = transcripts[0]["text"]
            lost = [t for t in texts if body.count(t) < 1]
            if chat_id not in history or lost:
                problems.append(f"ticket {ticket['id']}: transcript lacks {lost[:5]}")
        return problems


# What a visitor hears of a chat's stored events (docs/realtime.md, "Events").
VISITOR_EVENTS = {"chat.started", "chat.message_added", "chat.joined", "chat.left", "chat.ended"}


def _message(cmid: str, chat_id: int, text: str) -> dict[str, Any]:
    return {"type": "message", "ref": cmid, "chat_id": chat_id, "text": text, "client_msg_id": cmid}
