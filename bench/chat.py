"""Live chat performance (issue 3): the real server, real sockets, measured from the outside.

Run from the repository root:

    .venv/bin/python bench/chat.py [--scenario all|idle|throughput|offer|desks|multiprocess|starts]
                                   [--visitors 200] [--agents 20] [--idle-sockets 10000] ...

Every scenario starts `frontdesk run` as a subprocess (its own temp FRONTDESK_DATA_DIR, a SQLite
file, a free loopback port, huge rate limits, FRONTDESK_LOG_LEVEL=warning) and drives it over HTTP
and WebSockets exactly as desks and messengers do:

* idle        RSS of the server process (VmRSS) before and after opening N idle messenger
              sockets (each says hello with a visitor token; tokens are shared by several sockets,
              like several tabs of one visitor), and the same for a bare relay.
* throughput  V visitors, each in an active chat with one of M agents (all agents of one inbox
              with their desk socket open), exchange `message` frames both ways at an offered rate;
              persisted msg/s = acks received per second; delivery latency = send -> receipt by
              the other side (the chat's agent for a visitor's message, the visitor for an agent's),
              timed in this process with time.perf_counter and a nonce in the text. A short ramp
              finds the highest sustainable offered rate, then that rate and 1,000 msg/s run for
              --duration seconds each. The same client code then drives a bare relay.
* offer       A agents online with their desk open; a visitor starts a chat over HTTP; time until
              every desk socket has received `chat.offered` for it. Repeated --offer-trials times.
* desks       Desk-realistic load: C busy chats (A agents, plain sockets) exchange messages at
              --desk-rate msg/s for --duration, first alone, then with --desks desk tabs open
              (one more tab for each of the A agents, the rest of other online members of the
              inbox) that behave as web/desk does: open the socket, wait for `ready`, fetch the
              chat bar and the chat list, then fetch again only what their events ask for
              (`--desk-rules new`, the desk today; `old` replays the desk before issue 11, which
              fetched the bar and the list after every chat event). Reports the HTTP requests
              the tabs made per message per tab, and the server CPU per message in both legs.
* multiprocess  1, 2 and 3 server processes (--processes), each time on a fresh PostgreSQL
              database + Redis: with several, chat i's visitor is on process i mod N and its
              agent on the next one, so every message crosses processes. Per count: a warm-up,
              then --rate msg/s for --duration (with --mp-ramp, the ramp of `throughput` first).
              Reported: msg/s, delivery p50/p99, server CPU per message of each process and
              summed (less what the process spent idle over a window as long, just before), and the CPU per message of the database's PostgreSQL backends and of
              Redis (INFO cpu: the whole Redis server, shared with anything else using it). The
              offer (as above) runs once, with 2 processes (skip it with --offer-trials 0).
* starts      Bursts in one inbox: --start-chats visitors start a chat each over HTTP,
              --start-concurrency at a time, then the inbox's agents (--agents, desks open) join
              them, as many at a time; one process on SQLite, then --processes on PostgreSQL +
              Redis (visitor i on process i mod N, its join on the next). Reported: chats started
              and joined a second, each request's p50/p99, and on PostgreSQL how many of the
              database's backends wait for a lock (pg_stat_activity, sampled every 10 ms). Not
              part of `all`.

The bare relay (`--serve-bare`, started by this file as a subprocess) is a Starlette app under the
same uvicorn settings as `frontdesk run` (uvloop, httptools, websockets-sansio): no auth, no
database, no models. It routes like frontdesk does, so the client sees the same frames: a message
for chat c goes to the desk sockets that follow c (sent a `resume` for it, as frontdesk's participants
do by joining) and to chat c's visitor sockets, and
the sender gets an ack.

Seeding: the owner is made with `frontdesk create-user` and `frontdesk create-token`; the inboxes,
memberships, chat limits (PATCH /api/v1/users/{id}), availability, visitors, chats and joins go over
HTTP. The agents' accounts and API tokens are made in this process with the same service functions
the CLI calls (users.service.create_user / create_api_token), without passwords: one Argon2 hash
costs ~0.5 s on the 2-core bench machine and a CLI start ~3 s, so 200 agents through the CLI or
through HTTP logins would take minutes of seeding (and, over HTTP, block the server's event loop
for the whole time; see docs/performance.md).

Nothing here is a test: there are no assertions on time. Only loopback traffic. Every loop is
bounded in count and time; every process started here is stopped by its pid at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
FRONTDESK = BIN / "frontdesk"
HERE = Path(__file__).resolve()
PASSWORD = "correct horse battery"  # noqa: S105  (the bench owner's password)
OWNER_EMAIL = "owner@bench.example.com"
PG_ADMIN_URL = os.environ.get(
    "FRONTDESK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FRONTDESK_BENCH_REDIS", "redis://127.0.0.1:6379/0")
HUGE_RATE = "100000000"
METRICS_TOKEN = "bench-metrics-" + "m" * 20
NOFILE = 65536


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard == resource.RLIM_INFINITY else min(hard, NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def say(*parts: Any) -> None:
    print(*parts, flush=True)


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    if seconds == float("inf"):
        return "lost"
    return f"{seconds * 1000:.1f} ms"


# --- processes ---------------------------------------------------------------------------------


def proc_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """One server subprocess (frontdesk or the bare relay), stopped by its pid."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log: Path):
        self.name, self.argv, self.env, self.port, self.log_path = name, argv, env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.env.get("FRONTDESK_DATA_DIR", tempfile.gettempdir()),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=raise_fd_limit,
        )
        log.close()

    async def ready(self, http: Any, path: str = "/healthz", timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}\n{self.tail()}")
            with contextlib.suppress(Exception):
                response = await http.get(f"{self.base}{path}", timeout=2)
                if response.status_code == 200:
                    return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout}s: {self.tail()}")

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def rss_kb(self) -> int:
        return proc_rss_kb(self.pid)

    def cpu(self) -> float:
        return proc_cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def frontdesk_env(data_dir: Path, port: int, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env |= {
        "FRONTDESK_DATA_DIR": str(data_dir),
        "FRONTDESK_DATABASE_URL": database_url,
        "FRONTDESK_HOST": "127.0.0.1",
        "FRONTDESK_PORT": str(port),
        "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FRONTDESK_VISITOR_RATE_PER_MINUTE": HUGE_RATE,
        "FRONTDESK_IP_RATE_PER_MINUTE": HUGE_RATE,
        "FRONTDESK_API_RATE_PER_MINUTE": HUGE_RATE,
        "FRONTDESK_DESK_RATE_PER_MINUTE": HUGE_RATE,
        "FRONTDESK_LOG_LEVEL": "warning",
        # Visitors start their chats over HTTP and open their sockets only once every chat is
        # joined; on a busy machine that seeding outlasts the default minute of grace, after
        # which a waiting chat whose visitor has no socket open is ended as unanswered.
        "FRONTDESK_VISITOR_GRACE": "3600",
        "FRONTDESK_SECRET_KEY": "bench-" + "k" * 40,
        # Scraped for the writer's batches (`writer_batches`).
        "FRONTDESK_METRICS_TOKEN": METRICS_TOKEN,
    }
    return env | extra


@dataclass
class Batches:
    """The message writer's batches, from a process's Prometheus histograms."""

    count: float = 0.0
    messages: float = 0.0
    seconds: float = 0.0
    # Upper bound of a bucket -> batches that took at most that long.
    within: dict[float, float] = field(default_factory=dict)

    def __sub__(self, before: Batches) -> Batches:
        return Batches(
            self.count - before.count,
            self.messages - before.messages,
            self.seconds - before.seconds,
            {le: n - before.within.get(le, 0.0) for le, n in self.within.items()},
        )

    def quantile(self, q: float) -> float:
        """Estimated as Prometheus's histogram_quantile does: linearly within the bucket."""
        rank, below, lower = q * self.count, 0.0, 0.0
        for le in sorted(self.within):
            if self.within[le] >= rank:
                if le == float("inf"):
                    return lower
                inside = self.within[le] - below
                return lower + (le - lower) * ((rank - below) / inside if inside else 1.0)
            below, lower = self.within[le], le
        return lower

    def line(self) -> str:
        if not self.count:
            return "no batches"
        return (
            f"{self.count:.0f} batches of {self.messages / self.count:.1f} messages, "
            f"{1000 * self.seconds / self.count:.1f} ms each on average, "
            f"p50 ~{1000 * self.quantile(0.5):.1f} ms, p99 ~{1000 * self.quantile(0.99):.1f} ms"
        )


async def all_batches(http: Any, servers: Sequence[Server]) -> dict[str, Batches]:
    return {f"process {i + 1}": await writer_batches(http, s) for i, s in enumerate(servers)}


async def writer_batches(http: Any, server: Server) -> Batches:
    """Read from /metrics: how the time of a message splits between waiting for the batch before
    its own and its own batch is what the delivery percentiles alone do not say."""
    from prometheus_client.parser import text_string_to_metric_families

    response = await http.get(
        f"{server.base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    response.raise_for_status()
    found = Batches()
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            match sample.name:
                case "frontdesk_chat_message_batch_size_count":
                    found.count = sample.value
                case "frontdesk_chat_message_batch_size_sum":
                    found.messages = sample.value
                case "frontdesk_chat_message_batch_duration_seconds_sum":
                    found.seconds = sample.value
                case "frontdesk_chat_message_batch_duration_seconds_bucket":
                    found.within[float(sample.labels["le"])] = sample.value
    return found


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(FRONTDESK), *args],
        env=env,
        cwd=env["FRONTDESK_DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"frontdesk {' '.join(args[:1])} failed: {done.stderr.strip()}")
    return done.stdout.strip()


@dataclass
class Seeded:
    owner_token: str
    agents: list[tuple[int, str]]  # (user id, API token)


def prepare_database(env: dict[str, str], agents: int) -> Seeded:
    """Migrate, make the owner with the CLI, and the agents with the service functions."""
    cli(env, "migrate")
    cli(env, "create-user", "--email", OWNER_EMAIL, "--name", "Bench Owner",
        "--password", PASSWORD, "--role", "owner")  # fmt: skip
    owner_token = cli(env, "create-token", "--email", OWNER_EMAIL, "--name", "bench").split()[-1]

    from frontdesk.config import Settings
    from frontdesk.db.context import SETTINGS_KEY
    from frontdesk.db.session import create_engine, create_sessionmaker, unit_of_work
    from frontdesk.users import service as users_service

    settings = Settings(
        data_dir=Path(env["FRONTDESK_DATA_DIR"]), database_url=env["FRONTDESK_DATABASE_URL"]
    )

    async def work() -> list[tuple[int, str]]:
        engine = create_engine(settings.database_url, pool_size=2)
        sessionmaker = create_sessionmaker(engine, info={SETTINGS_KEY: settings})
        made: list[tuple[int, str]] = []
        try:
            async with unit_of_work(sessionmaker) as session:
                for i in range(agents):
                    user = await users_service.create_user(
                        session, email=f"agent{i}@bench.example.com", name=f"Agent {i}",
                        password=None,
                    )  # fmt: skip
                    _t, token = await users_service.create_api_token(
                        session, user=user, name="bench", by_token=False
                    )
                    made.append((user.id, token))
        finally:
            await engine.dispose()
        return made

    return Seeded(owner_token, asyncio.run(work()))


# --- the bare relay ----------------------------------------------------------------------------


def serve_bare(port: int) -> None:
    """A WebSocket relay with frontdesk's routing and frame shapes, and nothing else."""
    from collections import defaultdict

    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    routes: defaultdict[str, set[WebSocket]] = defaultdict(set)
    seqs: defaultdict[int, int] = defaultdict(int)

    async def relay(websocket: WebSocket, topic: str) -> None:
        routes[topic].add(websocket)
        try:
            while True:
                frame = json.loads(await websocket.receive_text())
                ref = frame.get("ref")
                if frame.get("type") == "resume":
                    # Like frontdesk: a desk hears the messages of the chats it follows.
                    for chat in frame.get("chats", {}):
                        routes[f"c:{chat}"].add(websocket)
                if frame.get("type") != "message":
                    if ref is not None:
                        await websocket.send_text(
                            json.dumps(
                                {"type": "ack", "ref": ref, "data": {}}, separators=(",", ":")
                            )
                        )
                    continue
                chat_id = frame["chat_id"]
                seqs[chat_id] += 1
                seq = seqs[chat_id]
                await websocket.send_text(
                    json.dumps({"type": "ack", "ref": ref, "data": {"seq": seq}},
                               separators=(",", ":"))
                )  # fmt: skip
                out = json.dumps(
                    {"type": "chat.message_added",
                     "data": {"message": {"text": frame["text"],
                                          "client_msg_id": frame["client_msg_id"]}},
                     "chat_id": chat_id, "seq": seq},
                    separators=(",", ":"),
                )  # fmt: skip
                for target in routes[f"c:{chat_id}"] | routes[f"v:{chat_id}"]:
                    with contextlib.suppress(Exception):
                        await target.send_text(out)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            routes[topic].discard(websocket)

    async def desk(websocket: WebSocket) -> None:
        await websocket.accept()
        await relay(websocket, "inbox")

    async def messenger(websocket: WebSocket) -> None:
        await websocket.accept()
        hello = json.loads(await websocket.receive_text())
        chat_id = int(str(hello["token"]).removeprefix("c"))
        await websocket.send_text(
            json.dumps(
                {"type": "ack", "ref": hello.get("ref"), "data": {"visitor_id": chat_id}},
                separators=(",", ":"),
            )
        )
        await relay(websocket, f"v:{chat_id}")

    async def healthz(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    app = Starlette(
        routes=[
            WebSocketRoute("/api/v1/ws", desk),
            WebSocketRoute("/messenger/v1/ws", messenger),
            Route("/healthz", healthz),
        ]
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        proxy_headers=True,
    )


# --- the client --------------------------------------------------------------------------------

FrameHandler = Callable[["Sock", str], None]
_ids = itertools.count(1)


class Sock:
    """One client WebSocket with a reader task that answers pings and hands frames on."""

    __slots__ = ("closed", "id", "on_frame", "reader", "ws")

    def __init__(self, ws: Any, on_frame: FrameHandler | None) -> None:
        self.id = next(_ids)
        self.ws = ws
        self.on_frame = on_frame
        self.closed = False
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        import websockets

        try:
            async for raw in self.ws:
                if raw.startswith('{"type":"ping"'):
                    await self.ws.send('{"type":"pong"}')
                    continue
                if self.on_frame is not None:
                    self.on_frame(self, raw)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed = True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        self.reader.cancel()
        with contextlib.suppress(BaseException):
            await self.reader


async def _connect(url: str, headers: dict[str, str] | None) -> Any:
    import websockets

    return await websockets.connect(
        url,
        additional_headers=headers,
        open_timeout=30,
        ping_interval=None,  # the server pings (protocol and application level)
        close_timeout=5,
        max_size=2**22,
    )


async def open_messenger(ws_base: str, token: str, on_frame: FrameHandler | None = None) -> Sock:
    ws = await _connect(f"{ws_base}/messenger/v1/ws", None)
    await ws.send(json.dumps({"type": "hello", "token": token, "ref": "hello"}))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        raw = await asyncio.wait_for(ws.recv(), 30)
        if raw.startswith('{"type":"ack"'):
            break
        if raw.startswith('{"type":"error"'):
            raise RuntimeError(f"hello refused: {raw}")
    return Sock(ws, on_frame)


async def open_desk(ws_base: str, token: str, on_frame: FrameHandler | None = None) -> Sock:
    """A desk socket, returned once its receive loop runs (so its subscription is live)."""
    ws = await _connect(f"{ws_base}/api/v1/ws", {"Authorization": f"Bearer {token}"})
    await ws.send('{"type":"pong","ref":"ready"}')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        raw = await asyncio.wait_for(ws.recv(), 30)
        if raw.startswith('{"type":"ack"'):
            break
    return Sock(ws, on_frame)


async def bounded(
    n: int, jobs: Sequence[Callable[[], Any]], *, return_exceptions: bool = False
) -> list[Any]:
    gate = asyncio.Semaphore(n)

    async def run(job: Callable[[], Any]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(run(job) for job in jobs), return_exceptions=return_exceptions)


async def close_all(socks: Sequence[Sock]) -> None:
    await bounded(500, [s.close for s in socks])


# --- frontdesk seeding over HTTP ---------------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: Any) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:300]}"
        )
    return response.json() if response.content else None


async def make_inbox(
    http: Any, base: str, seeded: Seeded, agents: Sequence[tuple[int, str]], name: str,
    max_chats: int, agent_base: str,
) -> dict[str, Any]:  # fmt: skip
    owner = auth(seeded.owner_token)
    inbox: dict[str, Any] = ok(
        await http.post(f"{base}/api/v1/inboxes", json={"name": name}, headers=owner)
    )

    async def member(user_id: int, token: str) -> None:
        ok(await http.post(f"{base}/api/v1/inboxes/{inbox['id']}/members",
                           json={"user_id": user_id}, headers=owner))  # fmt: skip
        ok(await http.patch(f"{base}/api/v1/users/{user_id}",
                            json={"max_concurrent_chats": max_chats}, headers=owner))  # fmt: skip
        ok(await http.put(f"{agent_base}/api/v1/me/availability", json={"available": True},
                          headers=auth(token)))  # fmt: skip

    await bounded(8, [partial(member, u, t) for u, t in agents])
    return inbox


async def make_visitors(http: Any, base: str, public_key: str, n: int) -> list[str]:
    async def one() -> str:
        body = ok(await http.post(f"{base}/messenger/v1/visitors", json={"inbox": public_key}))
        return str(body["token"])

    return await bounded(16, [one] * n)


# --- throughput --------------------------------------------------------------------------------


@dataclass
class Target:
    """Where the sockets go, and how a visitor identifies itself (frontdesk or the bare relay)."""

    name: str
    visitor_ws: str
    agent_ws: str
    cpu: Callable[[], float]
    # Further CPU counters (seconds, cumulative) reported per message: each process, PostgreSQL…
    extras: Callable[[], Awaitable[dict[str, float]]] | None = None
    # Each frontdesk process's message writer's batches so far (`writer_batches`).
    batches: Callable[[], Awaitable[dict[str, Batches]]] | None = None


@dataclass
class Rig:
    visitors: list[Sock]
    agents: list[Sock]
    chat_ids: list[int]
    chat_agent: list[int]


@dataclass
class Meter:
    """What one measured run saw, fed by every socket's reader."""

    pending: dict[int, tuple[float, int]] = field(default_factory=dict)  # nonce -> (t, sock id)
    sent_at: dict[int, float] = field(default_factory=dict)
    window: tuple[float, float] = (0.0, 0.0)
    sent: int = 0
    sent_in_window: int = 0
    acks: int = 0
    acks_in_window: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    frames: int = 0
    latencies: list[float] = field(default_factory=list)
    ack_latencies: list[float] = field(default_factory=list)

    def on_frame(self, sock: Sock, raw: str) -> None:
        now = time.perf_counter()
        self.frames += 1
        if raw.startswith('{"type":"ack"'):
            i = raw.find('"ref":"n')
            if i < 0:
                return
            nonce = int(raw[i + 8 : raw.index('"', i + 8)])
            sent = self.sent_at.pop(nonce, None)
            if sent is None:
                return
            self.acks += 1
            if self.window[0] <= now <= self.window[1]:
                self.acks_in_window += 1
            if self.window[0] <= sent < self.window[1]:
                self.ack_latencies.append(now - sent)
            return
        if raw.startswith('{"type":"error"'):
            self.errors += 1
            if len(self.error_samples) < 3:
                self.error_samples.append(raw[:200])
            i = raw.find('"ref":"n')
            if i >= 0:
                nonce = int(raw[i + 8 : raw.index('"', i + 8)])
                self.sent_at.pop(nonce, None)
                self.pending.pop(nonce, None)
            return
        i = raw.find('"text":"bench-')
        if i < 0:
            return
        j = i + 14
        nonce = int(raw[j : raw.index("-", j)])
        want = self.pending.get(nonce)
        if want is not None and want[1] == sock.id:
            del self.pending[nonce]
            if self.window[0] <= want[0] < self.window[1]:
                self.latencies.append(now - want[0])


@dataclass
class RunResult:
    target: str
    offered: float
    duration: float
    persisted_per_s: float
    delivered: int
    sent: int
    lost: int
    p50: float
    p99: float
    ack_p99: float
    errors: int
    frames_per_s: float
    server_cpu: float
    client_cpu: float
    cpu_ms_per_msg: float
    acked_share: float  # of the messages sent in the window, the share acked (by the drain's end)
    extra_ms_per_msg: dict[str, float] = field(default_factory=dict)
    # The message writer's batches in each frontdesk process over the run (`Batches`).
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def sustainable(self) -> bool:
        """Keeps up: (nearly) everything sent is stored and delivered, with no growing queue."""
        return (
            self.acked_share >= 0.97 and self.lost <= 0.005 * max(1, self.sent) and self.p99 < 0.5
        )

    def line(self) -> str:
        return (
            f"  {self.target:<10} offered {self.offered:>6.0f}/s  persisted {self.persisted_per_s:>7.1f}/s"
            f"  p50 {ms(self.p50):>10}  p99 {ms(self.p99):>10}  ack p99 {ms(self.ack_p99):>10}"
            f"  lost {self.lost}/{self.sent}  err {self.errors}  frames/s {self.frames_per_s:>7.0f}"
            f"  server cpu {self.server_cpu:>4.0%} ({self.cpu_ms_per_msg:.2f} ms/msg)"
            f"  client cpu {self.client_cpu:>4.0%}"
        )


def say_batches(run: RunResult) -> None:
    for process, batches in run.batches.items():
        say(f"  writer, {process}: {Batches(**batches).line()}")


_nonces = itertools.count(1)
PAD = "the quick brown fox jumps over the lazy dog"


async def load_run(
    rig: Rig, target: Target, rate: float, duration: float, drain: float = 5.0
) -> RunResult:
    """Open-loop: each chat sends rate/len(chats) msg/s, alternating visitor and agent."""
    meter = Meter()
    for sock in (*rig.visitors, *rig.agents):
        sock.on_frame = meter.on_frame
    n = len(rig.chat_ids)
    interval = n / rate
    run = uuid.uuid4().hex[:8]
    start = time.perf_counter() + 0.2
    end = start + duration
    meter.window = (start, end)

    async def sender(i: int) -> None:
        chat_id, agent = rig.chat_ids[i], rig.chat_agent[i]
        due = start + random.random() * interval
        k = i % 2
        while due < end:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            nonce = next(_nonces)
            from_visitor = k % 2 == 0
            sock = rig.visitors[i] if from_visitor else rig.agents[agent]
            other = rig.agents[agent] if from_visitor else rig.visitors[i]
            frame = (
                f'{{"type":"message","ref":"n{nonce}","chat_id":{chat_id},'
                f'"text":"bench-{nonce}- {PAD}","client_msg_id":"{run}-{nonce}"}}'
            )
            now = time.perf_counter()
            meter.pending[nonce] = (now, other.id)
            meter.sent_at[nonce] = now
            meter.sent += 1
            if now < end:
                meter.sent_in_window += 1
            await sock.ws.send(frame)
            k += 1
            due += interval

    batches0 = await target.batches() if target.batches else {}
    extras0 = await target.extras() if target.extras else {}
    cpu0, client0 = target.cpu(), time.process_time()
    frames0 = meter.frames
    tasks = [asyncio.ensure_future(sender(i)) for i in range(n)]
    # A server that stops reading blocks sends: give up on those 10 s after the window.
    _done, stuck = await asyncio.wait(tasks, timeout=duration + 10.5)
    for task in stuck:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    cpu1, client1 = target.cpu(), time.process_time()
    extras1 = await target.extras() if target.extras else {}
    frames1 = meter.frames
    elapsed = time.perf_counter() - start
    deadline = time.perf_counter() + drain
    while time.perf_counter() < deadline and (meter.pending or meter.sent_at):
        await asyncio.sleep(0.05)
    batches1 = await target.batches() if target.batches else {}
    batches = {key: (batches1[key] - batches0[key]).__dict__ for key in batches1}
    window_sent = [t for t, _ in meter.pending.values() if start <= t < end]
    lost = len(window_sent)
    latencies = meter.latencies + [float("inf")] * lost
    return RunResult(
        target=target.name,
        offered=rate,
        duration=duration,
        persisted_per_s=meter.acks_in_window / duration,
        delivered=len(meter.latencies),
        sent=meter.sent,
        lost=lost,
        p50=pct(latencies, 0.50),
        p99=pct(latencies, 0.99),
        ack_p99=pct(meter.ack_latencies, 0.99),
        errors=meter.errors,
        frames_per_s=(frames1 - frames0) / elapsed,
        server_cpu=(cpu1 - cpu0) / elapsed,
        client_cpu=(client1 - client0) / elapsed,
        cpu_ms_per_msg=1000 * (cpu1 - cpu0) / max(1, meter.acks_in_window),
        acked_share=len(meter.ack_latencies) / max(1, meter.sent_in_window),
        extra_ms_per_msg={
            key: 1000 * (extras1[key] - extras0.get(key, 0.0)) / max(1, meter.acks_in_window)
            for key in extras1
        },
        batches=batches,
    )


async def throughput_series(
    rig: Rig, target: Target, args: argparse.Namespace, results: dict[str, Any], key: str,
    on_main: Callable[[], Any] | None = None,
) -> None:  # fmt: skip
    """Ramp to the highest sustainable rate, then run it and the target rate for --duration."""
    say(f"[{key}] warm-up and ramp ({args.step}s steps)")
    await load_run(rig, target, min(args.ramp) / 2, 2.0, drain=2.0)
    best: RunResult | None = None
    for rate in args.ramp:
        step = await load_run(rig, target, rate, args.step, drain=3.0)
        say(step.line())
        if not step.sustainable:
            break
        best = step
    await asyncio.sleep(2)
    best_rate = best.offered if best else min(args.ramp) / 2
    say(f"[{key}] highest sustainable offered rate in the ramp: {best_rate:.0f} msg/s")
    main = await load_run(rig, target, best_rate, args.duration)
    say(main.line())
    await asyncio.sleep(2)
    # The profile (if asked for) covers the run at the target rate: the server at its limit.
    profiler = on_main() if on_main else None
    at_rate = await load_run(rig, target, args.rate, args.duration, drain=10.0)
    if profiler is not None:
        await profiler
    say(at_rate.line())
    say_batches(at_rate)
    results[key] = {"best": main.__dict__, "at_rate": at_rate.__dict__}
    if main.errors or at_rate.errors:
        say(f"[{key}] error frames seen (sample): {main.__dict__.get('errors')}")


async def frontdesk_rig(
    http: Any, visitor_srvs: Sequence[Server], agent_srvs: Sequence[Server], seeded: Seeded,
    agents: Sequence[tuple[int, str]], visitors: int, inbox_name: str,
) -> Rig:  # fmt: skip
    """Chat i's visitor talks to visitor_srvs[i mod len]; agent a to agent_srvs[a mod len]."""
    per_agent = -(-visitors // len(agents))
    if per_agent > 50:
        raise SystemExit("at most 50 chats per agent: raise --agents")
    base = visitor_srvs[0].base
    inbox = await make_inbox(http, base, seeded, agents, inbox_name, per_agent, base)
    agent_srv = [agent_srvs[a % len(agent_srvs)] for a in range(len(agents))]
    visitor_srv = [visitor_srvs[i % len(visitor_srvs)] for i in range(visitors)]
    desk = await bounded(20, [partial(open_desk, agent_srv[a].ws_base, t)
                              for a, (_u, t) in enumerate(agents)])  # fmt: skip
    tokens = await make_visitors(http, base, inbox["public_key"], visitors)

    async def start(i: int, token: str) -> int:
        body = ok(await http.post(f"{visitor_srv[i].base}/messenger/v1/chats",
                                  json={"name": "Bench visitor", "text": "Hello!"},
                                  headers=auth(token)))  # fmt: skip
        return int(body["id"])

    chat_ids = await bounded(8, [partial(start, i, t) for i, t in enumerate(tokens)])
    chat_agent = [i % len(agents) for i in range(visitors)]

    async def join(chat_id: int, agent: int) -> None:
        ok(await http.post(f"{agent_srv[agent].base}/api/v1/chats/{chat_id}/join",
                           headers=auth(agents[agent][1])))  # fmt: skip

    await bounded(8, [partial(join, c, a) for c, a in zip(chat_ids, chat_agent, strict=False)])
    socks = await bounded(50, [partial(open_messenger, visitor_srv[i].ws_base, t)
                               for i, t in enumerate(tokens)])  # fmt: skip
    await asyncio.sleep(1)
    return Rig(list(socks), list(desk), chat_ids, chat_agent)


async def bare_rig(bare: Server, visitors: int, agents: int) -> Rig:
    desk = await bounded(20, [lambda: open_desk(bare.ws_base, "bare")] * agents)
    chat_agent = [i % agents for i in range(visitors)]
    for index, sock in enumerate(desk):
        mine = {str(i + 1): 0 for i in range(visitors) if chat_agent[i] == index}
        await sock.ws.send(json.dumps({"type": "resume", "chats": mine}))
    socks = await bounded(
        50, [partial(open_messenger, bare.ws_base, f"c{i + 1}") for i in range(visitors)]
    )
    return Rig(list(socks), list(desk), [i + 1 for i in range(visitors)], chat_agent)


# --- desks -------------------------------------------------------------------------------------

# The old desk (before issue 11) fetched on events: which list each event refreshed.
OLD_BAR = {"chat.message_added", "chat.joined", "chat.invited", "chat.invitation_cancelled",
           "chat.left", "chat.ended", "chat.offered", "chat.withdrawn", "chat_bar.changed",
           "chat.read", "agent.availability_changed"}  # fmt: skip
OLD_ONGOING = {"chat.started", "chat.message_added", "chat.joined", "chat.invited",
               "chat.invitation_cancelled", "chat.left", "chat.labelled", "chat.ended"}  # fmt: skip
OLD_AGENTS = {"chat.joined", "chat.left", "chat.ended", "agent.availability_changed"}


class DeskTab:
    """One desk tab as web/desk behaves: the socket, the lists once `ready` came, then only the
    fetches its events call for, debounced as the desk debounces them."""

    def __init__(self, http: Any, base: str, token: str, rules: str) -> None:
        self.http, self.base, self.token, self.rules = http, base, token, rules
        self.requests = 0
        self.sock: Sock | None = None
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    async def open(self, ws_base: str) -> None:
        ws = await _connect(f"{ws_base}/api/v1/ws", auth(self.token))
        while not (await asyncio.wait_for(ws.recv(), 30)).startswith('{"type":"ready"'):
            pass
        self.sock = Sock(ws, self.on_frame)
        await asyncio.gather(self.get("/api/v1/chats/bar"), self.get("/api/v1/chats"))

    async def get(self, path: str) -> None:
        self.requests += 1
        ok(await self.http.get(f"{self.base}{path}", headers=auth(self.token)))

    def later(self, path: str, delay: float) -> None:
        if path in self.timers:
            self.timers[path].cancel()

        def fire() -> None:
            del self.timers[path]
            task = asyncio.ensure_future(self.get(path))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        self.timers[path] = asyncio.get_running_loop().call_later(delay, fire)

    def on_frame(self, _sock: Sock, raw: str) -> None:
        kind = raw[9 : raw.find('"', 9)] if raw.startswith('{"type":"') else ""
        if self.rules == "new":
            if kind == "chat_bar.changed":
                self.later("/api/v1/chats/bar", 0.12)
            return
        if kind in OLD_BAR:
            self.later("/api/v1/chats/bar", 0.12)
        if kind in OLD_ONGOING:
            self.later("/api/v1/chats", 0.25)
        if kind in OLD_AGENTS:
            self.later("/api/v1/chats/agents", 0.25)

    async def close(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.sock is not None:
            await self.sock.close()


# --- offer -------------------------------------------------------------------------------------


async def offer_series(
    http: Any, visitor_srv: Server, agent_srv: Server, seeded: Seeded,
    agents: Sequence[tuple[int, str]], trials: int, inbox_name: str,
) -> dict[str, Any]:  # fmt: skip
    inbox = await make_inbox(http, visitor_srv.base, seeded, agents, inbox_name, 3, agent_srv.base)
    seen: dict[int, list[float]] = {}
    complete: dict[int, asyncio.Event] = {}
    n = len(agents)

    def on_frame(_sock: Sock, raw: str) -> None:
        if not raw.startswith('{"type":"chat.offered"'):
            return
        now = time.perf_counter()
        chat_id = json.loads(raw)["data"]["chat"]["id"]
        times = seen.setdefault(chat_id, [])
        times.append(now)
        if len(times) == n:
            complete.setdefault(chat_id, asyncio.Event()).set()

    desk = await bounded(20, [partial(open_desk, agent_srv.ws_base, t, on_frame)
                              for _u, t in agents])  # fmt: skip
    tokens = await make_visitors(http, visitor_srv.base, inbox["public_key"], trials + 3)
    await asyncio.sleep(1)
    all_in, first, http_times, incomplete = [], [], [], 0
    for i, token in enumerate(tokens):
        t0 = time.perf_counter()
        body = ok(await http.post(f"{visitor_srv.base}/messenger/v1/chats",
                                  json={"name": "Bench visitor", "text": "Hello!"},
                                  headers=auth(token)))  # fmt: skip
        t_http = time.perf_counter() - t0
        chat_id = int(body["id"])
        done = complete.setdefault(chat_id, asyncio.Event())
        try:
            await asyncio.wait_for(done.wait(), 10)
        except TimeoutError:
            incomplete += 1
        if i < 3:  # warm-up
            continue
        times = seen.get(chat_id, [])
        http_times.append(t_http)
        if times:
            first.append(min(times) - t0)
        all_in.append(max(times) - t0 if len(times) == n else float("inf"))
        await asyncio.sleep(0.05)
    await close_all(desk)
    result = {
        "agents": n,
        "trials": len(all_in),
        "incomplete": incomplete,
        "all_p50": pct(all_in, 0.5),
        "all_p99": pct(all_in, 0.99),
        "first_p50": pct(first, 0.5),
        "http_p50": pct(http_times, 0.5),
        "http_p99": pct(http_times, 0.99),
    }
    say(
        f"  offer to {n} agents: every desk p50 {ms(result['all_p50'])} p99 {ms(result['all_p99'])}"
        f"; first desk p50 {ms(result['first_p50'])}; POST /chats p50 {ms(result['http_p50'])}"
        f" p99 {ms(result['http_p99'])}; incomplete {incomplete}"
    )
    return result


# --- chat starts -------------------------------------------------------------------------------


@dataclass
class Burst:
    """A burst of requests (chat starts, or joins): how many a second, and each one's time."""

    what: str
    count: int
    seconds: float
    times: list[float]
    # PostgreSQL: the database's backends waiting for a lock, sampled every 10 ms (mean, max).
    lock_waits: tuple[float, int] | None = None

    def line(self) -> str:
        waits = (
            f"; PostgreSQL backends waiting for a lock: {self.lock_waits[0]:.1f} on average, "
            f"{self.lock_waits[1]} at most"
            if self.lock_waits
            else ""
        )
        return (
            f"  {self.what}: {self.count} in {self.seconds:.2f} s = "
            f"{self.count / self.seconds:.0f}/s; each p50 {ms(pct(self.times, 0.5))} "
            f"p99 {ms(pct(self.times, 0.99))}{waits}"
        )


async def timed_burst(
    what: str, concurrency: int, jobs: Sequence[Callable[[], Awaitable[Any]]],
    lock_waiters: Callable[[], Awaitable[int]] | None,
) -> tuple[Burst, list[Any]]:  # fmt: skip
    times: list[float] = []
    samples: list[int] = []
    done = asyncio.Event()

    async def timed(job: Callable[[], Awaitable[Any]]) -> Any:
        t0 = time.perf_counter()
        result = await job()
        times.append(time.perf_counter() - t0)
        return result

    async def sample(count: Callable[[], Awaitable[int]]) -> None:
        while not done.is_set():
            samples.append(await count())
            await asyncio.sleep(0.01)

    sampler = asyncio.ensure_future(sample(lock_waiters)) if lock_waiters else None
    t0 = time.perf_counter()
    results = await bounded(concurrency, [partial(timed, job) for job in jobs])
    seconds = time.perf_counter() - t0
    done.set()
    if sampler is not None:
        await sampler
    waits = (sum(samples) / len(samples), max(samples)) if samples else None
    return Burst(what, len(jobs), seconds, times, waits), results


async def start_series(
    http: Any, servers: Sequence[Server], seeded: Seeded, chats: int, concurrency: int,
    lock_waiters: Callable[[], Awaitable[int]] | None,
) -> dict[str, Any]:  # fmt: skip
    """`chats` visitors of one inbox start a chat each, `concurrency` at a time, visitor i on
    servers[i mod N]; then the inbox's agents join them, chat i by agent i mod A on the next
    process. A warm-up of 20 chats started and joined one at a time goes first."""
    agents, n, warm = seeded.agents, len(servers), 20
    if -(-(chats + warm) // len(agents)) > 50:
        raise SystemExit("at most 50 chats per agent: raise --agents")
    base = servers[0].base
    inbox = await make_inbox(http, base, seeded, agents, "Starts", 50, base)
    desks = await bounded(20, [partial(open_desk, servers[i % n].ws_base, t)
                               for i, (_u, t) in enumerate(agents)])  # fmt: skip
    tokens = await make_visitors(http, base, inbox["public_key"], warm + chats)

    async def start(i: int) -> int:
        body = ok(await http.post(f"{servers[i % n].base}/messenger/v1/chats",
                                  json={"name": "Bench visitor", "text": "Hello!"},
                                  headers=auth(tokens[i])))  # fmt: skip
        return int(body["id"])

    async def join(i: int, chat_id: int) -> None:
        ok(await http.post(f"{servers[(i + 1) % n].base}/api/v1/chats/{chat_id}/join",
                           headers=auth(agents[i % len(agents)][1])))  # fmt: skip

    for i in range(warm):
        await join(i, await start(i))
    started, chat_ids = await timed_burst(
        "chat starts (POST /messenger/v1/chats)", concurrency,
        [partial(start, i) for i in range(warm, warm + chats)], lock_waiters,
    )  # fmt: skip
    say(started.line())
    joined, _ = await timed_burst(
        "joins (POST /api/v1/chats/{id}/join)", concurrency,
        [partial(join, i, c) for i, c in enumerate(chat_ids, start=warm)], lock_waiters,
    )  # fmt: skip
    say(joined.line())
    await close_all(desks)
    return {"starts": started.__dict__, "joins": joined.__dict__}


# --- idle --------------------------------------------------------------------------------------


async def idle_memory(
    pid_rss: Callable[[], int],
    ws_base: str,
    tokens: Sequence[str],
    sockets: int,
    label: str,
    concurrency: int = 50,
) -> dict[str, Any]:
    # Warm up the code paths (imports, pools, caches) before the baseline.
    warm = await bounded(50, [partial(open_messenger, ws_base, t) for t in tokens[:100]])
    await close_all(warm)
    await asyncio.sleep(2)
    before = pid_rss()
    t0 = time.perf_counter()
    socks: list[Sock] = []
    failed = 0
    batch = 1000
    for offset in range(0, sockets, batch):
        jobs = [
            lambda i=i: open_messenger(ws_base, tokens[i % len(tokens)])
            for i in range(offset, min(sockets, offset + batch))
        ]
        for got in await bounded(concurrency, jobs, return_exceptions=True):
            if isinstance(got, Sock):
                socks.append(got)
            else:
                failed += 1
    opened = time.perf_counter() - t0
    await asyncio.sleep(3)
    after = pid_rss()
    alive = sum(not s.closed for s in socks)
    say(
        f"  {label:<10} {alive} idle sockets open ({failed} failed) in {opened:.1f}s: RSS {before / 1024:.0f} MB"
        f" -> {after / 1024:.0f} MB = {(after - before) / max(1, alive):.1f} KB/socket"
    )
    await close_all(socks)
    return {
        "sockets": sockets,
        "alive": alive,
        "failed": failed,
        "open_seconds": opened,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "kb_per_socket": (after - before) / max(1, alive),
    }


# --- orchestration -----------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="frontdesk-chat-bench-"))
        self.servers: list[Server] = []
        self.results: dict[str, Any] = {}
        self.pg_databases: list[str] = []

    def frontdesk(self, name: str, database_url: str | None = None, **extra: str) -> Server:
        data_dir = self.tmp / name
        data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        url = database_url or f"sqlite+aiosqlite:///{data_dir / 'frontdesk.db'}"
        server = Server(name, [str(FRONTDESK), "run"], frontdesk_env(data_dir, port, url, **extra),
                        port, self.tmp / f"{name}.log")  # fmt: skip
        self.servers.append(server)
        return server

    def bare(self) -> Server:
        port = free_port()
        env = dict(os.environ)
        server = Server("bare", [sys.executable, str(HERE), "--serve-bare", "--port", str(port)],
                        env | {"FRONTDESK_DATA_DIR": str(self.tmp)}, port,
                        self.tmp / "bare.log")  # fmt: skip
        self.servers.append(server)
        return server

    async def stop(self, server: Server) -> None:
        await asyncio.to_thread(server.stop)

    def py_spy(self, server: Server, seconds: float) -> Any:
        if not self.args.py_spy:
            return None
        out = Path(self.args.profile_out)

        async def run() -> None:
            proc = await asyncio.create_subprocess_exec(
                self.args.py_spy, "record", "--pid", str(server.pid), "--rate", "100",
                "--duration", str(int(seconds)), "--format", "raw", "--idle", "--threads", *(["--native"] if self.args.native else []),
                "-o", str(out), stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:
                _o, err = await asyncio.wait_for(proc.communicate(), seconds + 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                return
            say(f"  py-spy: wrote {out} ({err.decode(errors='replace').strip()[-200:]})")

        return asyncio.ensure_future(run())

    async def scenario_idle(self, http: Any) -> None:
        say(f"\n== idle: {self.args.idle_sockets} idle messenger sockets ==")
        server = self.frontdesk("idle")
        seeded = await asyncio.to_thread(prepare_database, server.env, 1)
        server.start()
        await server.ready(http)
        inbox = await make_inbox(http, server.base, seeded, seeded.agents, "Idle", 3, server.base)
        tokens = await make_visitors(http, server.base, inbox["public_key"], self.args.idle_tokens)
        fd = await idle_memory(server.rss_kb, server.ws_base, tokens, self.args.idle_sockets,
                               "frontdesk", self.args.idle_concurrency)  # fmt: skip
        await self.stop(server)
        bare = self.bare()
        bare.start()
        await bare.ready(http)
        bare_tokens = [f"c{i + 1}" for i in range(self.args.idle_tokens)]
        br = await idle_memory(bare.rss_kb, bare.ws_base, bare_tokens, self.args.idle_sockets,
                               "bare", self.args.idle_concurrency)  # fmt: skip
        await self.stop(bare)
        self.results["idle"] = {"frontdesk": fd, "bare": br, "tokens": self.args.idle_tokens}

    async def scenario_throughput(self, http: Any) -> None:
        a = self.args
        say(f"\n== throughput: {a.visitors} visitors, {a.agents} agents, one process + SQLite ==")
        server = self.frontdesk("throughput")
        seeded = await asyncio.to_thread(prepare_database, server.env, a.agents)
        server.start()
        await server.ready(http)
        rig = await frontdesk_rig(http, [server], [server], seeded, seeded.agents, a.visitors,
                                  "Chat")  # fmt: skip
        target = Target("frontdesk", server.ws_base, server.ws_base, server.cpu,
                        batches=partial(all_batches, http, [server]))  # fmt: skip
        await throughput_series(rig, target, a, self.results, "throughput",
                                on_main=lambda: self.py_spy(server, a.duration))  # fmt: skip
        await close_all(rig.visitors + rig.agents)
        await self.stop(server)
        if a.no_relay:
            return

        say(f"\n== throughput: bare relay, {a.visitors} visitors, {a.agents} desks ==")
        bare = self.bare()
        bare.start()
        await bare.ready(http)
        rig = await bare_rig(bare, a.visitors, a.agents)
        target = Target("bare", bare.ws_base, bare.ws_base, bare.cpu)
        await throughput_series(rig, target, a, self.results, "throughput_bare")
        await close_all(rig.visitors + rig.agents)
        await self.stop(bare)

    async def scenario_offer(self, http: Any) -> None:
        a = self.args
        say(f"\n== offer: {a.offer_agents} agents online, {a.offer_trials} chats ==")
        server = self.frontdesk("offer")
        seeded = await asyncio.to_thread(prepare_database, server.env, a.offer_agents)
        server.start()
        await server.ready(http)
        self.results["offer"] = await offer_series(
            http, server, server, seeded, seeded.agents, a.offer_trials, "Offers"
        )
        await self.stop(server)

    async def scenario_multiprocess(self, http: Any) -> None:
        a = self.args
        # A multiple of every process count: chat i's agent (i mod agents) is then on another
        # process than its visitor (i mod N), for N = 2 and 3 alike.
        agents = -(-a.agents // 6) * 6
        for count in a.processes:
            say(f"\n== multiprocess: {count} process(es), PostgreSQL + Redis; {a.visitors} chats, "
                f"{agents} agents; visitor of chat i on process i mod {count}, its agent on the "
                "next ==")  # fmt: skip
            await self.multiprocess_run(http, count, agents)

    async def pg_servers(self, label: str, count: int) -> tuple[str, list[Server]]:
        """`count` frontdesk processes (not started) on a new PostgreSQL database and Redis."""
        import asyncpg

        name = f"frontdesk_chat_bench_{os.getpid()}_{label}"
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        self.pg_databases.append(name)
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        url = f"postgresql+asyncpg://{base.split('://', 1)[1]}/{name}"
        channel = f"frontdesk-bench-{uuid.uuid4().hex[:8]}"
        # The graces are long: seeding 200 chats under load can outlast the minute after which
        # a chat whose visitor has no socket open ends.
        # Pools sized as docs/deploy.md says, so that the processes together stay under the
        # server's 100 connections (three at the default 20 could ask for 120 in a burst).
        pool = str(min(20, 90 // (2 * count)))
        servers = [self.frontdesk(f"{label}-{i}", url, FRONTDESK_REDIS_URL=REDIS_URL,
                                  FRONTDESK_REDIS_CHANNEL=channel, FRONTDESK_VISITOR_GRACE="3600",
                                  FRONTDESK_AGENT_GRACE="3600", FRONTDESK_DATABASE_POOL_SIZE=pool)
                   for i in range(count)]  # fmt: skip
        return name, servers

    async def multiprocess_run(self, http: Any, count: int, agents: int) -> None:
        import asyncpg
        import redis

        a = self.args
        name, servers = await self.pg_servers(f"mp{count}", count)
        offer = count == 2 and a.offer_trials > 0
        seeded = await asyncio.to_thread(
            prepare_database, servers[0].env, agents + (a.offer_agents if offer else 0)
        )
        for server in servers:
            server.start()
        for server in servers:
            # Generous: on the shared 2-core machine a start under load 15 was seen past 90 s.
            await server.ready(http, timeout=300)
        if offer:
            # The offers first: an overloaded throughput run leaves a backlog behind it.
            self.results["mp_offer"] = await offer_series(
                http, servers[0], servers[1], seeded, seeded.agents[agents:], a.offer_trials,
                "Offers",
            )  # fmt: skip
        admin = await asyncpg.connect(PG_ADMIN_URL)
        broker = redis.Redis.from_url(REDIS_URL)

        async def counters() -> dict[str, float]:
            found = {f"process {i + 1}": server.cpu() for i, server in enumerate(servers)}
            pids = await admin.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
            postgres = 0.0
            for row in pids:
                with contextlib.suppress(OSError):
                    postgres += proc_cpu_seconds(row["pid"])
            found["PostgreSQL"] = postgres
            info = await asyncio.to_thread(broker.info, "cpu")
            found["Redis"] = float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
            return found

        try:
            rig = await frontdesk_rig(http, servers, [*servers[1:], servers[0]], seeded,
                                      seeded.agents[:agents], a.visitors, "Chat")  # fmt: skip
            target = Target(f"frontdesk x{count}", servers[0].ws_base, servers[-1].ws_base,
                            lambda: sum(server.cpu() for server in servers), counters,
                            partial(all_batches, http, servers))  # fmt: skip
            key = f"mp{count}"
            if a.mp_ramp:
                await throughput_series(rig, target, a, self.results, key)
            else:
                await load_run(rig, target, a.rate / 2, 3.0, drain=2.0)  # warm-up
                await asyncio.sleep(1)
                # What the processes spend with no messages (timers, heartbeats) over as long
                # as the run: taken off, so that a low rate does not inflate the per-message CPU.
                before = await counters()
                await asyncio.sleep(a.duration)
                idle = {k: v - before[k] for k, v in (await counters()).items()}
                profile = self.py_spy(servers[0], a.duration)  # the first process, with --py-spy
                run = await load_run(rig, target, a.rate, a.duration, drain=5.0)
                if profile is not None:
                    await profile
                say(run.line())
                say_batches(run)
                messages = max(1.0, run.persisted_per_s * run.duration)
                run.extra_ms_per_msg = {
                    k: v - 1000 * idle[k] / messages for k, v in run.extra_ms_per_msg.items()
                }
                self.results[key] = {"at_rate": run.__dict__, "idle_cpu_s": idle}
            at_rate = self.results[key]["at_rate"]
            say("  CPU per message (idle CPU taken off): " + ", ".join(
                f"{k} {v:.3f} ms" for k, v in at_rate["extra_ms_per_msg"].items()))  # fmt: skip
            await close_all(rig.visitors + rig.agents)
        finally:
            await admin.close()
            broker.close()
            for server in servers:
                await self.stop(server)

    async def cleanup(self) -> None:
        for server in self.servers:
            await self.stop(server)
        if self.pg_databases and not self.args.keep:
            import asyncpg

            admin = await asyncpg.connect(PG_ADMIN_URL)
            try:
                for name in self.pg_databases:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    async def scenario_starts(self, http: Any) -> None:
        """Bursts of chat starts and joins in one inbox: one process on SQLite, then --processes
        on PostgreSQL + Redis."""
        import asyncpg

        a = self.args
        say(f"\n== starts: {a.start_chats} visitors of one inbox start a chat, "
            f"{a.start_concurrency} at a time, then {a.agents} agents join them; "
            "one process + SQLite ==")  # fmt: skip
        server = self.frontdesk("starts")
        seeded = await asyncio.to_thread(prepare_database, server.env, a.agents)
        server.start()
        await server.ready(http)
        self.results["starts"] = await start_series(
            http, [server], seeded, a.start_chats, a.start_concurrency, None
        )
        await self.stop(server)
        for count in a.processes:
            say(f"\n== starts: the same on {count} process(es), PostgreSQL + Redis ==")
            name, servers = await self.pg_servers(f"starts{count}", count)
            seeded = await asyncio.to_thread(prepare_database, servers[0].env, a.agents)
            for server in servers:
                server.start()
            for server in servers:
                await server.ready(http, timeout=300)
            admin = await asyncpg.connect(PG_ADMIN_URL)

            async def lock_waiters(name: str = name, admin: Any = admin) -> int:
                return int(await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
                    "AND wait_event_type = 'Lock'", name))  # fmt: skip

            try:
                self.results[f"starts_pg{count}"] = await start_series(
                    http, servers, seeded, a.start_chats, a.start_concurrency, lock_waiters
                )
            finally:
                await admin.close()
                for server in servers:
                    await self.stop(server)

    async def scenario_desks(self, http: Any) -> None:
        a = self.args
        say(f"\n== desks: {a.desk_chats} chats of {a.desk_agents} agents at {a.desk_rate:.0f} "
            f"msg/s, without and with {a.desks} desk tabs ({a.desk_rules} desk rules) ==")  # fmt: skip
        server = self.frontdesk("desks")
        observers = a.desks - a.desk_agents
        seeded = await asyncio.to_thread(prepare_database, server.env, a.desk_agents + observers)
        server.start()
        await server.ready(http)
        chatting, others = seeded.agents[: a.desk_agents], seeded.agents[a.desk_agents :]
        rig = await frontdesk_rig(http, [server], [server], seeded, chatting, a.desk_chats,
                                  "Desks")  # fmt: skip
        target = Target("frontdesk", server.ws_base, server.ws_base, server.cpu)
        await load_run(rig, target, a.desk_rate, 3.0, drain=2.0)  # warm-up
        alone = await load_run(rig, target, a.desk_rate, a.duration)
        say(alone.line())

        owner = auth(seeded.owner_token)
        inboxes = ok(await http.get(f"{server.base}/api/v1/inboxes", headers=owner))
        inbox_id = next(inbox["id"] for inbox in inboxes if inbox["name"] == "Desks")

        async def member(user_id: int, token: str) -> None:
            ok(await http.post(f"{server.base}/api/v1/inboxes/{inbox_id}/members",
                               json={"user_id": user_id}, headers=owner))  # fmt: skip
            ok(await http.put(f"{server.base}/api/v1/me/availability",
                              json={"available": True}, headers=auth(token)))  # fmt: skip

        await bounded(8, [partial(member, u, t) for u, t in others])
        tabs = [DeskTab(http, server.base, t, a.desk_rules) for _u, t in [*chatting, *others]]
        await bounded(10, [partial(tab.open, server.ws_base) for tab in tabs])
        await asyncio.sleep(2)
        before = sum(tab.requests for tab in tabs)
        with_desks = await load_run(rig, target, a.desk_rate, a.duration)
        await asyncio.sleep(0.5)  # the last debounced fetches
        asked = sum(tab.requests for tab in tabs) - before
        say(with_desks.line())
        messages = max(1, round(with_desks.persisted_per_s * with_desks.duration))
        per_message = asked / messages / len(tabs)
        ratio = with_desks.cpu_ms_per_msg / max(alone.cpu_ms_per_msg, 1e-9)
        say(f"  desk tabs: {asked} HTTP requests for {messages} messages: "
            f"{per_message:.4f} per message per tab; server CPU per message "
            f"{alone.cpu_ms_per_msg:.2f} ms alone, {with_desks.cpu_ms_per_msg:.2f} ms with "
            f"{len(tabs)} tabs ({ratio - 1:+.0%})")  # fmt: skip
        self.results["desks"] = {"alone": alone.__dict__, "with_desks": with_desks.__dict__,
                                 "tabs": len(tabs), "requests": asked, "rules": a.desk_rules,
                                 "requests_per_message_per_tab": per_message}  # fmt: skip
        await asyncio.gather(*(tab.close() for tab in tabs))
        await close_all([*rig.visitors, *rig.agents])
        await self.stop(server)

    async def run(self) -> None:
        import httpx

        scenarios = (
            ["idle", "throughput", "offer", "desks", "multiprocess"]
            if self.args.scenario == "all"
            else [self.args.scenario]
        )
        say(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()}; temp {self.tmp}")
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            try:
                for name in scenarios:
                    await getattr(self, f"scenario_{name}")(http)
            finally:
                await self.cleanup()
        self.report()

    def report(self) -> None:
        r, a = self.results, self.args
        rows: list[tuple[str, str, str, str, str]] = []
        if "idle" in r:
            fd, br = r["idle"]["frontdesk"], r["idle"]["bare"]
            rows.append((f"idle: KB per messenger socket ({fd['sockets']} sockets)",
                         f"{fd['kb_per_socket']:.1f}", f"{br['kb_per_socket']:.1f}",
                         f"{fd['kb_per_socket'] / max(br['kb_per_socket'], 0.01):.1f}x", ""))  # fmt: skip
            rows.append(("idle: server RSS with all sockets open",
                         f"{fd['rss_after_kb'] / 1024:.0f} MB", f"{br['rss_after_kb'] / 1024:.0f} MB",
                         "", "< 1 GB"))  # fmt: skip
        series = [("throughput", "throughput_bare", "1 process + SQLite")] + [
            (f"mp{n}", None, f"{n} process(es) + PG + Redis") for n in (1, 2, 3)
        ]
        for key, bare_key, label in series:
            if key not in r:
                continue
            fd = r[key]
            br = r.get(bare_key) if bare_key else None
            for sub, what in (
                ("best", "highest sustainable rate"),
                ("at_rate", f"offered {a.rate:.0f}/s"),
            ):
                if sub not in fd:
                    continue
                f, b = fd[sub], (br[sub] if br else None)
                rows.append((f"{label}, {what}: persisted msg/s",
                             f"{f['persisted_per_s']:.0f} (of {f['offered']:.0f})",
                             f"{b['persisted_per_s']:.0f} (of {b['offered']:.0f})" if b else "",
                             f"{f['persisted_per_s'] / b['persisted_per_s']:.2f}x" if b else "",
                             "1000" if sub == "at_rate" else ""))  # fmt: skip
                rows.append((f"{label}, {what}: delivery p50 / p99",
                             f"{ms(f['p50'])} / {ms(f['p99'])}",
                             f"{ms(b['p50'])} / {ms(b['p99'])}" if b else "",
                             f"{f['p99'] / b['p99']:.1f}x (p99)" if b and b["p99"] > 0 else "",
                             "p99 < 50 ms" if sub == "at_rate" else ""))  # fmt: skip
                if f.get("extra_ms_per_msg"):
                    extra = f["extra_ms_per_msg"]
                    own = sum(v for k, v in extra.items() if k.startswith("process"))
                    rows.append((f"{label}, {what}: CPU ms per message",
                                 " + ".join(f"{v:.2f}" for k, v in extra.items()
                                            if k.startswith("process"))
                                 + f" = {own:.2f}; PostgreSQL {extra.get('PostgreSQL', 0):.2f},"
                                 f" Redis {extra.get('Redis', 0):.2f}", "", "",
                                 "summed <= 0.6 ms"))  # fmt: skip
        for key, label in (
            ("offer", "1 process + SQLite"),
            ("mp_offer", "2 processes + PG + Redis"),
        ):
            if key in r:
                o = r[key]
                rows.append((f"offer to {o['agents']} agents ({label}): p50 / p99",
                             f"{ms(o['all_p50'])} / {ms(o['all_p99'])}", "", "",
                             "p99 < 100 ms"))  # fmt: skip
        widths = [
            max(
                len(row[i])
                for row in [*rows, ("measure", "frontdesk", "bare relay", "ratio", "target")]
            )
            for i in range(5)
        ]
        say(
            "\n"
            + " | ".join(
                h.ljust(w)
                for h, w in zip(
                    ("measure", "frontdesk", "bare relay", "ratio", "target"), widths, strict=False
                )
            )
        )
        say("-+-".join("-" * w for w in widths))
        for row in rows:
            say(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)))
        if a.json:
            Path(a.json).write_text(json.dumps(r, indent=2, default=str))
            say(f"\nraw figures: {a.json}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--scenario",
                   choices=["all", "idle", "throughput", "offer", "desks", "multiprocess",
                            "starts"],
                   default="all")  # fmt: skip
    p.add_argument("--visitors", type=int, default=200, help="chats in the throughput scenario")
    p.add_argument("--agents", type=int, default=20, help="agents in the throughput scenario")
    p.add_argument("--duration", type=float, default=20, help="seconds per measured run")
    p.add_argument("--rate", type=float, default=1000, help="the target offered msg/s")
    p.add_argument("--ramp", type=lambda s: [float(x) for x in s.split(",")],
                   default=[5, 10, 20, 40, 80, 160, 320, 640, 1000, 1500],
                   help="offered rates tried to find the sustainable one")  # fmt: skip
    p.add_argument("--step", type=float, default=5, help="seconds per ramp step")
    p.add_argument("--idle-sockets", type=int, default=10_000)
    p.add_argument(
        "--idle-tokens",
        type=int,
        default=1_000,
        help="visitors behind the idle sockets (each token used by several sockets)",
    )
    p.add_argument("--idle-concurrency", type=int, default=25, help="sockets opening at once")
    p.add_argument("--desks", type=int, default=50, help="desk tabs open in the desks scenario")
    p.add_argument("--desk-agents", type=int, default=10, help="agents chatting (desks scenario)")
    p.add_argument("--desk-chats", type=int, default=40, help="busy chats (desks scenario)")
    p.add_argument("--desk-rate", type=float, default=40, help="msg/s (desks scenario)")
    p.add_argument("--desk-rules", choices=["new", "old"], default="new",
                   help="the desk's fetching rules: today's, or those before issue 11")  # fmt: skip
    p.add_argument("--processes", type=lambda s: [int(x) for x in s.split(",")],
                   default=[1, 2, 3], help="process counts of the multiprocess scenario")  # fmt: skip
    p.add_argument("--mp-ramp", action="store_true",
                   help="multiprocess: ramp to the sustainable rate first (as throughput does)")  # fmt: skip
    p.add_argument("--start-chats", type=int, default=400, help="chats of the starts scenario")
    p.add_argument("--start-concurrency", type=int, default=16,
                   help="starts scenario: requests in flight at once")  # fmt: skip
    p.add_argument("--offer-agents", type=int, default=200)
    p.add_argument("--offer-trials", type=int, default=50)
    p.add_argument(
        "--py-spy",
        default="",
        help="py-spy binary: profile the main throughput run (multiprocess: the first process)",
    )
    p.add_argument("--profile-out", default="chat-profile.txt")
    p.add_argument("--native", action="store_true", help="py-spy --native (C frames too)")
    p.add_argument(
        "--no-relay",
        action="store_true",
        help="throughput: frontdesk alone (for comparing two versions of it)",
    )
    p.add_argument("--json", default="", help="write the raw figures here")
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the temp dir (logs, SQLite files) and the PostgreSQL databases",
    )
    p.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    raise_fd_limit()
    if args.serve_bare:
        serve_bare(args.port)
        return
    import uvloop

    bench = Bench(args)
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(bench.run())


if __name__ == "__main__":
    main()
