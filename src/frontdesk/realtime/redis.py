"""Redis pub/sub broker for several server processes: each process hears only the topics its own
sockets follow.

Every topic (`chat:12`, `inbox:3`, `agent:7` …) is a Redis channel of its own, `{prefix}:{topic}`.
A process is subscribed in Redis to exactly the topics its local sockets follow: the first local
follower of a topic subscribes it, the last one to go unsubscribes it. So an event costs only the
processes that hold a socket wanting it, and more processes do not each pay for every event.

An event goes to Redis once per topic it names, serialised once: a header line (the publishing
broker, the event's topics) and the envelope's JSON, which receivers hand to their sockets as it
came. The publishing process routes to its own sockets directly and drops its own messages when
Redis echoes them. A socket following two of an event's topics hears it on both channels; it
takes it from the first of the event's topics it follows, so it gets it once.

redis-py's PubSub must not be driven by several tasks at once, so one task owns the subscriber
connection: it takes the changes of the local routes and sends SUBSCRIBE / UNSUBSCRIBE followed by
a PING; a reader task, the only one reading that connection, confirms the routes' generation that
PING closed when its answer comes (Redis answers in order, so those subscriptions are in effect).
`Subscription.ready` waits for that before a socket reads the database, so nothing committed
between the read and the subscription goes unheard.

Redis is an accelerator: on a lost connection the owner connects again, subscribes every topic
again, and then asks every local socket to read from the database what it may have missed
(`RESYNC`). Publishes are sent by one writer task, in the order they were made, on a connection
of their own (kit/redis_line.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import uuid
from collections.abc import Iterable
from typing import Any

from redis.asyncio import ConnectionPool
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from frontdesk.kit.failures import FailureLog
from frontdesk.kit.redis_line import Arg, LineError, RedisLine, ReplyError
from frontdesk.realtime.broker import RESYNC
from frontdesk.realtime.envelope import Addressed, Envelope
from frontdesk.realtime.memory import MemoryBroker, MemorySubscription

logger = logging.getLogger(__name__)
RECONNECT_DELAY = 1.0
# How long a socket's read of the database waits for Redis to confirm its subscriptions: with
# Redis away it goes ahead, and the resync after the reconnection covers what it missed.
SETTLE_TIMEOUT = 5.0
# How long Redis may take to take a batch of publishes before the connection is given up (and
# made again for the next batch): other processes' sockets get its events from the database.
PUBLISH_TIMEOUT = 5.0


class TopicRoutes(MemoryBroker):
    """This process's sockets by topic; every change of the routed topics goes on to Redis."""

    def __init__(self, owner: RedisBroker) -> None:
        super().__init__()
        self._owner = owner

    def changed(self) -> None:
        super().changed()
        self._owner.routes_changed()

    async def settled(self, generation: int) -> None:
        await self._owner.confirmed(generation)


class RedisBroker:
    def __init__(self, url: str, *, channel: str = "frontdesk:events") -> None:
        # Publishes go on one connection of their own, in order (kit/redis_line.py).
        self._publisher = RedisLine(url, timeout=PUBLISH_TIMEOUT)
        self._prefix = f"{channel}:"
        self._prefix_length = len(self._prefix.encode())
        # Tells this broker's messages apart when Redis echoes them (several brokers may share a
        # process in tests, so not the process id).
        self._origin = uuid.uuid4().hex[:16].encode()
        self.client_name = f"{channel}:{self._origin.decode()}"
        # RESP2: messages come as replies to read; RESP3 would hand them to a push handler.
        self._subscriber_pool = ConnectionPool.from_url(
            url, client_name=self.client_name, protocol=2
        )
        self._local = TopicRoutes(self)
        self._outbox: list[Addressed] = []
        self._outbox_ready = asyncio.Event()
        self._routes_dirty = asyncio.Event()
        # The routes' generation Redis has confirmed, and the waiters for the next confirmation.
        self._confirmed = 0
        self._confirmation = asyncio.Event()
        self._pings: dict[int, int] = {}  # PING token -> the generation its answer confirms
        self._tokens = itertools.count(1)
        self._resync_token = 0
        self._on_redis: set[str] = set()
        self._ready = asyncio.Event()
        self._unpublished = FailureLog(logger, "redis broker: publishing events")
        self._tasks: list[asyncio.Task[None]] = []
        # What this process read from Redis, and how much of it some local socket wanted.
        self.received = 0
        self.decoded = 0

    @property
    def subscribed_topics(self) -> frozenset[str]:
        """The topics this process is subscribed to in Redis (or is subscribing to)."""
        return frozenset(self._on_redis)

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._own(), name="redis-broker-subscriber"),
            asyncio.create_task(self._write(), name="redis-broker-publisher"),
        ]
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._outbox:
            await self._send(self._outbox)
            self._outbox = []
        await self._local.stop()
        self._confirmation.set()
        await self._publisher.close()
        await self._subscriber_pool.disconnect()

    async def publish(self, message: Addressed) -> None:
        self._local.route(message)
        self._outbox.append(message)
        self._outbox_ready.set()

    def subscribe(
        self, topics: Iterable[str], queue: asyncio.Queue[Any] | None = None
    ) -> MemorySubscription:
        return self._local.subscribe(topics, queue)

    def routes_changed(self) -> None:
        self._routes_dirty.set()

    async def synced(self) -> None:
        """Returns once Redis has confirmed the local routes as they are now."""
        await self.confirmed(self._local.generation)

    async def confirmed(self, generation: int) -> None:
        """Returns once Redis has confirmed the routes as they were at `generation`."""
        if self._confirmed >= generation:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_TIMEOUT):
                while self._confirmed < generation and self._tasks:
                    await self._confirmation.wait()

    # --- publishing ----------------------------------------------------------------------------

    async def _write(self) -> None:
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            batch, self._outbox = self._outbox, []
            try:
                await self._send(batch)
            except asyncio.CancelledError:
                # Stopping: `stop` sends what is left (a repeat is dropped by seq downstream).
                self._outbox[:0] = batch
                raise

    async def _send(self, batch: list[Addressed]) -> None:
        commands: list[tuple[Arg, ...]] = []
        for message in batch:
            payload = b"%s %s\n%s" % (
                self._origin,
                " ".join(message.topics).encode(),
                message.envelope.json_text().encode(),
            )
            commands.extend(("PUBLISH", self._prefix + topic, payload) for topic in message.topics)
        try:
            try:
                await self._publisher.call_all(commands)
            except LineError:
                # The connection was lost under the batch: sent once more on a new one (Redis may
                # have published part of it; a repeat is dropped by seq downstream).
                await self._publisher.call_all(commands)
        except (ReplyError, OSError) as exc:
            # Sockets elsewhere get these from the database on their next event or resync.
            self._unpublished.failed(exc)
        else:
            self._unpublished.succeeded()

    # --- subscribing ---------------------------------------------------------------------------

    async def _own(self) -> None:
        """The only task that writes to the subscriber connection."""
        connected_before = False
        lost = FailureLog(logger, "redis broker subscriber connection")
        while True:
            connection: AbstractConnection | None = None
            reader: asyncio.Task[None] | None = None
            wake: asyncio.Future[Any] | None = None
            try:
                connection = await self._subscriber_pool.get_connection()  # type: ignore[no-untyped-call]
                self._on_redis = set()
                self._pings.clear()
                reader = asyncio.create_task(self._read(connection), name="redis-broker-reader")
                await self._sync(connection, resync=connected_before)
                connected_before = True
                lost.succeeded()
                while True:
                    wake = asyncio.ensure_future(self._routes_dirty.wait())
                    await asyncio.wait((reader, wake), return_when=asyncio.FIRST_COMPLETED)
                    if reader.done():
                        reader.result()
                        raise RedisConnectionError("the subscriber connection closed")
                    await self._sync(connection)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                lost.failed(exc)
            finally:
                if wake is not None:
                    wake.cancel()
                if reader is not None:
                    reader.cancel()
                    with contextlib.suppress(BaseException):
                        await reader
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.disconnect()
                        await self._subscriber_pool.release(connection)
            await asyncio.sleep(RECONNECT_DELAY)

    async def _sync(self, connection: AbstractConnection, *, resync: bool = False) -> None:
        """Brings the connection's subscriptions in line with the local routes."""
        self._routes_dirty.clear()
        generation = self._local.generation
        wanted = set(self._local.routes)
        added, dropped = wanted - self._on_redis, self._on_redis - wanted
        self._on_redis = wanted
        token = next(self._tokens)
        self._pings[token] = generation
        if resync:
            self._resync_token = token
        commands: list[tuple[str, ...]] = []
        if added:
            commands.append(("SUBSCRIBE", *(self._prefix + topic for topic in added)))
        if dropped:
            commands.append(("UNSUBSCRIBE", *(self._prefix + topic for topic in dropped)))
        commands.append(("PING", str(token)))
        if not connection.is_connected:
            # Sending would connect again silently, without the subscriptions.
            raise RedisConnectionError("the subscriber connection closed")
        await connection.send_packed_command(connection.pack_commands(commands), False)

    async def _read(self, connection: AbstractConnection) -> None:
        """The only task that reads the subscriber connection."""
        while True:
            response = await connection.read_response(timeout=math.inf)
            if isinstance(response, list):
                if response[0] == b"message":
                    self._received(response[1], response[2])
                elif response[0] == b"pong":
                    self._pong(response[1])
            elif isinstance(response, bytes):
                # A PING's answer when no channel is subscribed.
                self._pong(response)

    def _pong(self, token: bytes) -> None:
        with contextlib.suppress(ValueError):
            number = int(token)
            generation = self._pings.pop(number, None)
            if generation is None:
                return
            if generation > self._confirmed:
                self._confirmed = generation
            self._confirmation.set()
            self._confirmation = asyncio.Event()
            if number == self._resync_token:
                for subscription in list(self._local.subscriptions):
                    subscription.deliver(RESYNC)
            self._ready.set()

    def _received(self, channel: bytes, data: bytes) -> None:
        self.received += 1
        head, _, body = data.partition(b"\n")
        origin, _, named = head.partition(b" ")
        if origin == self._origin:
            return
        topic = channel[self._prefix_length :].decode()
        followers = self._local.routes.get(topic)
        if not followers:
            return
        topics = named.decode().split(" ")
        if topics[0] == topic:
            recipients: Iterable[MemorySubscription] = list(followers)
        else:
            # Those following an earlier topic of the event take it from that topic's channel.
            earlier = topics[: topics.index(topic)] if topic in topics else []
            recipients = [s for s in followers if s.topics.isdisjoint(earlier)]
            if not recipients:
                return
        self.decoded += 1
        message = Addressed(topics=topics, envelope=Envelope.from_json(body.decode()))
        for subscription in recipients:
            subscription.deliver(message)
