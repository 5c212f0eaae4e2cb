"""One WebSocket connection: its subscription, ordered delivery with resume, heartbeats, and the
dispatch of command frames to handlers (which call the same service functions as HTTP routes).

Ordering: a single pump task is the only sender of events. Live events and resume requests go
through one queue, so replayed history and live traffic can never interleave out of order; per
chat the pump remembers the highest seq sent, drops anything at or below it, and fills any gap
from the database before sending what comes after.

A client's resume is an anchor, not a hint: it says exactly what the client holds, so the replay
starts right after it even when this socket already sent later events (which the client then gets
again, in order). Callers queue a connection's first resume before subscribing it to any topic, so
that no live event of a resumed chat can overtake its replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from frontdesk.db.session import database_unreachable, unit_of_work
from frontdesk.errors import DatabaseUnavailable, FrontdeskError, validation_fields
from frontdesk.kit.clock import utcnow
from frontdesk.kit.frames import compact_json
from frontdesk.realtime.broker import Broker, Resync, Subscription
from frontdesk.realtime.envelope import Addressed, Envelope

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_HELLO_TIMEOUT = 4408
CLOSE_HEARTBEAT_LOST = 4000
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
# The server cannot take the connection just now (its database restarting): the reason says
# `retry_after=N`, the seconds to wait before connecting again (docs/realtime.md).
CLOSE_TRY_AGAIN = 1013
# A frame carries at most one message (100,000 characters at the very most) and a little JSON.
MAX_FRAME_CHARS = 256 * 1024
# Frames are flat; the deepest (resume) nests 2 levels. Past Python's recursion limit (~1,000
# levels) the JSON parser fails in a way that used to drop the socket.
MAX_FRAME_DEPTH = 32


@dataclass(frozen=True)
class Fill:
    """Send a chat's stored events after `after_seq`: a client's resume (`anchor`: the client holds
    exactly up to `after_seq`), or a gap in live traffic (only what was not sent yet)."""

    chat_id: int
    after_seq: int
    anchor: bool = False


@dataclass(frozen=True)
class Say:
    """A frame sent in order with the events queued before it (a resume's ack)."""

    frame: dict[str, Any]


# Loads the stored envelopes of a chat after a seq, already filtered for this audience.
HistoryLoader = Callable[[AsyncSession, int, int], Awaitable[Sequence[Envelope]]]


class Connection:
    def __init__(
        self,
        websocket: WebSocket,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        broker: Broker,
        history: HistoryLoader,
        heartbeat_interval: float,
        on_event: Callable[[Connection, Envelope], Awaitable[bool]] | None = None,
        follows: Callable[[Connection, int], bool] | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        # Sees every event first (to follow chats, or to close on revoked credentials); an event
        # goes on to the client only when it answers True.
        self.on_event = on_event
        # Whether every event of a chat is owed to this socket (so a gap means a loss to fill),
        # or only some of them (a desk hears a chat it does not follow in part, by design).
        self.follows = follows or (lambda _connection, _chat_id: True)
        self.topics: set[str] = set()
        self.websocket = websocket
        self.sessionmaker = sessionmaker
        self.history = history
        self.heartbeat_interval = heartbeat_interval
        self.queue: asyncio.Queue[Addressed | Fill | Say | Resync | None] = asyncio.Queue()
        self.subscription: Subscription = broker.subscribe((), self.queue)
        self.sent_seq: dict[int, int] = {}
        self.last_heard = asyncio.get_running_loop().time()
        self._send_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    def subscribe(self, topics: Iterable[str]) -> None:
        topics = list(topics)
        self.topics.update(topics)
        self.subscription.add(topics)

    def unsubscribe(self, topics: Iterable[str]) -> None:
        topics = list(topics)
        self.topics.difference_update(topics)
        self.subscription.remove(topics)

    def start(self, *, expires_at: datetime | None = None) -> None:
        self._tasks = [
            asyncio.create_task(self._pump(), name=f"ws-pump-{self.id}"),
            asyncio.create_task(self._heartbeat(), name=f"ws-heartbeat-{self.id}"),
        ]
        if expires_at is not None:
            self._tasks.append(asyncio.create_task(self._expire(expires_at)))

    async def stop(self) -> None:
        await self.subscription.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def request_fill(self, chat_id: int, after_seq: int) -> None:
        self.queue.put_nowait(Fill(chat_id, after_seq))

    def resume(self, chats: dict[int, int]) -> None:
        """Replays each chat after the seq the client holds, before anything queued later."""
        for chat_id, seq in chats.items():
            self.queue.put_nowait(Fill(chat_id, seq, anchor=True))

    def say_in_order(self, frame: dict[str, Any]) -> None:
        self.queue.put_nowait(Say(frame))

    async def send(self, frame: dict[str, Any]) -> None:
        text = compact_json(frame, str)
        async with self._send_lock:
            if self.websocket.client_state is WebSocketState.CONNECTED:
                await self.websocket.send_text(text)

    async def send_envelope(self, envelope: Envelope) -> None:
        async with self._send_lock:
            if self.websocket.client_state is WebSocketState.CONNECTED:
                await self.websocket.send_text(envelope.json_text())

    async def close(self, code: int, reason: str = "") -> None:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await self.websocket.close(code=code, reason=reason)

    async def _pump(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            try:
                if isinstance(item, Addressed):
                    await self._deliver(item.envelope)
                    continue
                # What was queued before this is now heard: with several processes a
                # subscription takes effect only once Redis confirms it (realtime/redis.py).
                await self.subscription.ready()
                if isinstance(item, Fill):
                    await self._fill(item.chat_id, item.after_seq, anchor=item.anchor)
                elif isinstance(item, Say):
                    await self.send(item.frame)
                else:
                    await self._resync()
            except (WebSocketDisconnect, RuntimeError):
                return
            except Exception:
                logger.exception("websocket delivery failed")

    async def _deliver(self, envelope: Envelope) -> None:
        if self.on_event is not None and not await self.on_event(self, envelope):
            return
        if envelope.chat_id is None or envelope.seq is None:
            await self.send_envelope(envelope)
            return
        last = self.sent_seq.get(envelope.chat_id)
        if last is not None and envelope.seq <= last:
            return
        if last is not None and envelope.seq > last + 1 and self.follows(self, envelope.chat_id):
            await self._fill(envelope.chat_id, last)
            if envelope.seq <= self.sent_seq[envelope.chat_id]:
                return
        self.sent_seq[envelope.chat_id] = envelope.seq
        await self.send_envelope(envelope)

    async def _fill(self, chat_id: int, after_seq: int, *, anchor: bool = False) -> None:
        after = after_seq if anchor else max(after_seq, self.sent_seq.get(chat_id, after_seq))
        async with unit_of_work(self.sessionmaker) as session:
            envelopes = await self.history(session, chat_id, after)
        # Even when nothing is stored after it, the client's seq is now the floor for live events.
        self.sent_seq[chat_id] = after
        for envelope in envelopes:
            if envelope.seq is not None and envelope.seq > self.sent_seq[chat_id]:
                self.sent_seq[chat_id] = envelope.seq
                await self.send_envelope(envelope)

    async def _resync(self) -> None:
        """The broker may have missed events: each chat this socket follows is read again from
        the database after what it last sent."""
        for chat_id, seq in list(self.sent_seq.items()):
            if self.follows(self, chat_id):
                await self._fill(chat_id, seq)

    async def _expire(self, at: datetime) -> None:
        """A socket lives no longer than the session it authenticated with."""
        await asyncio.sleep(max(0.0, (at - utcnow()).total_seconds()))
        await self.close(CLOSE_UNAUTHENTICATED, "session expired")

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        # Silence counts from when the server starts listening, not from the socket's setup (which
        # can take a while on a busy server), and a client is never dropped without a ping first.
        self.last_heard = max(self.last_heard, loop.time())
        pinged_at = float("-inf")
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            now = loop.time()
            silent = now - self.last_heard > 2 * self.heartbeat_interval
            if silent and pinged_at > self.last_heard:
                await self.close(CLOSE_HEARTBEAT_LOST, "heartbeat lost")
                return
            try:
                await self.send({"type": "ping"})
            except (WebSocketDisconnect, RuntimeError):
                return
            pinged_at = now


# --- command frames ----------------------------------------------------------------------------


class CommandError(FrontdeskError):
    code = "bad_frame"


@dataclass(frozen=True)
class Context:
    connection: Connection
    ref: str | None


# A handler returns the ack's data, None for no ack, or DEFERRED when it queued its own ack.
DEFERRED: dict[str, Any] = {}
CommandHandler = Callable[[AsyncSession, Any, Context], Awaitable[dict[str, Any] | None]]


DirectHandler = Callable[[Any, Context], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class Command:
    """A frame handled in a transaction of its own."""

    model: type[BaseModel]
    handler: CommandHandler


@dataclass(frozen=True)
class DirectCommand:
    """A frame whose handler sees to its own storage: message frames join the process's writer,
    which stores many in one transaction."""

    model: type[BaseModel]
    handler: DirectHandler


Commands = dict[str, Command | DirectCommand]


def error_frame(ref: str | None, error: FrontdeskError) -> dict[str, Any]:
    body = error.to_dict()
    if error.retry_after is not None:
        body["retry_after"] = error.retry_after
    return {"type": "error", "ref": ref, "error": body}


def _too_deep(value: Any) -> bool:
    level = [value]
    for _ in range(MAX_FRAME_DEPTH):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return True


def _nested_too_deep() -> CommandError:
    return CommandError(f"Frames may nest at most {MAX_FRAME_DEPTH} levels deep.")


def parse_frame(raw: str | bytes) -> tuple[dict[str, Any], str | None]:
    if isinstance(raw, bytes):
        raise CommandError("Frames must be text frames holding JSON, not binary frames.")
    try:
        frame = json.loads(raw)
    except RecursionError:
        raise _nested_too_deep() from None
    except ValueError:
        raise CommandError("Frames must be JSON objects.") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise CommandError('Frames must be JSON objects with a "type".')
    if _too_deep(frame):
        raise _nested_too_deep()
    ref = frame.get("ref")
    return frame, ref if isinstance(ref, str) and len(ref) <= 64 else None


async def dispatch(connection: Connection, commands: Commands, raw: str | bytes) -> None:
    """Runs one command (in a transaction of its own, unless it is a DirectCommand) and answers
    with an ack or an error frame. A socket's frames are handled one after the other, in order."""
    ref: str | None = None
    try:
        frame, ref = parse_frame(raw)
        command = commands.get(frame["type"])
        if command is None:
            raise CommandError(
                f"Unknown frame type {frame['type']!r}; "
                f"expected one of {', '.join(sorted(commands))}."
            )
        try:
            payload = command.model.model_validate(
                {k: v for k, v in frame.items() if k not in ("type", "ref")}
            )
        except ValidationError as exc:
            fields = validation_fields(exc.errors())
            raise CommandError(
                "; ".join(f"{f['field']}: {f['message']}" for f in fields), fields=fields
            ) from None
        if isinstance(command, DirectCommand):
            data = await command.handler(payload, Context(connection, ref))
        else:
            async with unit_of_work(connection.sessionmaker) as session:
                data = await command.handler(session, payload, Context(connection, ref))
        if data is DEFERRED:
            return
        if data is not None or ref is not None:
            await connection.send({"type": "ack", "ref": ref, "data": data or {}})
    except FrontdeskError as exc:
        await connection.send(error_frame(ref, exc))
    except (WebSocketDisconnect, RuntimeError):
        raise
    except Exception as exc:
        if database_unreachable(exc):
            # Rolled back whole: the same frame (a message with its client id) can be sent again.
            logger.warning("websocket command: database unavailable: %s", exc)
            await connection.send(error_frame(ref, DatabaseUnavailable()))
            return
        logger.exception("websocket command failed")
        await connection.send(
            {
                "type": "error",
                "ref": ref,
                "error": {"code": "internal", "message": "Something went wrong on our side."},
            }
        )


async def receive_frame(websocket: WebSocket) -> str | bytes | None:
    """The next frame: its text, or its bytes for a binary frame (refused by parse_frame, the
    socket going on); None when it was over the size limit and the socket is closed."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text: str | None = message.get("text")
    raw: str | bytes = text if text is not None else message.get("bytes") or b""
    if len(raw) > MAX_FRAME_CHARS:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(
                CLOSE_TOO_BIG, f"frames may be at most {MAX_FRAME_CHARS:,} characters"
            )
        return None
    return raw


async def receive_loop(connection: Connection, commands: Commands) -> None:
    loop = asyncio.get_running_loop()
    while (raw := await receive_frame(connection.websocket)) is not None:
        connection.last_heard = loop.time()
        await dispatch(connection, commands, raw)
