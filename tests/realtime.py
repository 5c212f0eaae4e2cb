"""A live server on a loopback port, and a WebSocket client that collects frames for assertions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import socketserver
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import uvicorn
import websockets
from fastapi import FastAPI
from starlette.types import ASGIApp

from frontdesk.config import Settings
from frontdesk.realtime.gateway import MAX_FRAME_CHARS
from frontdesk.server import server_config

DEFAULT_TIMEOUT = 10.0


class _Server(uvicorn.Server):
    """uvicorn's server, stopped as soon as it is told. uvicorn notices `should_exit` at its
    next tick (every 0.1 s), then sleeps 0.1 s before it looks whether the connections it asked
    to close are closed: 0.15-0.25 s of every test's teardown that served the app. Here the
    tick is cut short by `stop`, and the wait lasts until the connections are closed (an idle
    HTTP connection is within a turn of the loop; a WebSocket's closing handshake is waited
    for as uvicorn waits for it)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self.should_exit = True
        self._stopping.set()

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's Server.shutdown, but for its fixed sleep.
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        for _ in range(20):  # uvicorn's own wait here: 0.1 s
            if not self.server_state.connections:
                break
            await asyncio.sleep(0.005)
        try:
            await asyncio.wait_for(
                self._wait_tasks_to_complete(), timeout=self.config.timeout_graceful_shutdown
            )
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()


@contextlib.asynccontextmanager
async def serve(app: ASGIApp, settings: Settings | None = None) -> AsyncIterator[str]:
    """Runs `app` under uvicorn on a free port in this event loop; yields the base URL. With
    `settings` (and the FastAPI app itself), the server is configured as `frontdesk run`
    configures it; without, `app` may also be a wrapper that watches the app's traffic."""
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on a socket that names its
    # protocol. Without it a response written in two parts (head, then body) waits for the
    # client's delayed ACK, 40 ms a request on a kept-alive connection: a browser test or the
    # fuzzer waited that on nearly every request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    for_tests: dict[str, Any] = {
        "lifespan": "off",
        "log_level": "warning",
        "ws_ping_interval": None,
    }
    if settings is not None:
        assert isinstance(app, FastAPI), "server_config configures the app itself"
        config = server_config(app, settings, **for_tests)
    else:
        config = uvicorn.Config(
            app,
            ws="websockets-sansio",
            ws_per_message_deflate=False,
            ws_max_size=4 * MAX_FRAME_CHARS,
            **for_tests,
        )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()
        await task
        sock.close()


class Socket:
    """One WebSocket: every frame received is kept, so tests can wait for what they expect."""

    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection
        self.frames: list[dict[str, Any]] = []
        self._arrived = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())
        self.closed_code: int | None = None
        self._refs = 0

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                frame = json.loads(raw)
                if frame.get("type") == "ping":
                    await self.connection.send(json.dumps({"type": "pong"}))
                    continue
                async with self._arrived:
                    self.frames.append(frame)
                    self._arrived.notify_all()
        except websockets.ConnectionClosed:
            pass
        self.closed_code = self.connection.close_code
        async with self._arrived:
            self._arrived.notify_all()

    async def send(self, frame: dict[str, Any]) -> str:
        self._refs += 1
        ref = frame.setdefault("ref", f"r{self._refs}")
        await self.connection.send(json.dumps(frame))
        return str(ref)

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = DEFAULT_TIMEOUT
    ) -> dict[str, Any]:
        async def found() -> dict[str, Any]:
            async with self._arrived:
                while True:
                    for frame in self.frames:
                        if predicate(frame):
                            return frame
                    if self.closed_code is not None:
                        raise AssertionError(f"socket closed ({self.closed_code}) while waiting")
                    await self._arrived.wait()

        return await asyncio.wait_for(found(), timeout)

    async def event(
        self, type: str, timeout: float = DEFAULT_TIMEOUT, **data: Any
    ) -> dict[str, Any]:
        def matches(frame: dict[str, Any]) -> bool:
            if frame.get("type") != type:
                return False
            return all(
                frame.get(key, frame.get("data", {}).get(key)) == value
                for key, value in data.items()
            )

        return await self.wait_for(matches, timeout)

    async def reply(self, ref: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        return await self.wait_for(lambda frame: frame.get("ref") == ref, timeout)

    async def request(self, frame: dict[str, Any]) -> dict[str, Any]:
        return await self.reply(await self.send(frame))

    def of_type(self, type: str) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame.get("type") == type]

    async def wait_closed(self, timeout: float = DEFAULT_TIMEOUT) -> int | None:
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.closed_code

    async def close(self) -> None:
        await self.connection.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader


async def connect(url: str, **headers: str) -> Socket:
    connection = await websockets.connect(url, additional_headers=headers or None, open_timeout=15)
    return Socket(connection)


def session_cookie(client: Any) -> str:
    value = client.cookies.get("frontdesk_session")
    return f"frontdesk_session={value}"


async def desk_socket(live: str, agent: Any, resume: dict[int, int] | None = None) -> Socket:
    """The desk's socket of a signed-in agent, resuming `resume` (chat id -> last seq held); back
    once the server said `ready` (replays queued, subscriptions in place)."""
    query = ",".join(f"{chat}:{seq}" for chat, seq in (resume or {}).items())
    sock = await connect(
        f"ws://{live}/api/v1/ws" + (f"?resume={query}" if query else ""),
        Cookie=session_cookie(agent.client),
        Origin="http://desk.test",
    )
    await sock.event("ready")
    return sock


async def messenger_socket(live: str, visitor: Any, chats: dict[int, int] | None = None) -> Socket:
    """The messenger's socket of a visitor, after a hello resuming `chats` (id -> last seq held)."""
    sock = await connect(f"ws://{live}/messenger/v1/ws")
    ack = await sock.request({"type": "hello", "token": visitor.token, "chats": chats or {}})
    assert ack["type"] == "ack", ack
    return sock


def serve_in_thread(server: socketserver.BaseServer, *, start: bool = True) -> threading.Thread:
    """A test's standard-library server (HTTP, a scripted IMAP) served from a daemon thread.
    Its `shutdown()` waits for the serving loop's next look at its flag: every 10 ms here, not
    the default 0.5 s, which was a quarter of a second of every such test's tear-down."""
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    if start:
        thread.start()
    return thread
