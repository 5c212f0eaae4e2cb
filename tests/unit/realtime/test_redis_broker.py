"""The Redis broker: a process is subscribed in Redis to exactly the topics its sockets follow,
hears what another process publishes on them once, and subscribes again after losing Redis."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from frontdesk.realtime.broker import RESYNC
from frontdesk.realtime.envelope import Addressed, Envelope
from frontdesk.realtime.memory import MemorySubscription
from frontdesk.realtime.redis import RedisBroker

pytestmark = pytest.mark.integration


@pytest.fixture
async def brokers(redis_url: str) -> AsyncIterator[tuple[RedisBroker, RedisBroker, str]]:
    """Two brokers on one channel prefix of their own, as two processes would be."""
    prefix = f"fd-test-{uuid.uuid4().hex}"
    one, other = RedisBroker(redis_url, channel=prefix), RedisBroker(redis_url, channel=prefix)
    await one.start()
    await other.start()
    yield one, other, prefix
    await one.stop()
    await other.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def event(*topics: str, type: str = "typing", text: str = "") -> Addressed:
    return Addressed(topics=list(topics), envelope=Envelope(type=type, data={"text": text}))


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


def drained(subscription: MemorySubscription) -> list[object]:
    items = []
    while not subscription.queue.empty():
        items.append(subscription.queue.get_nowait())
    return items


async def channels(redis: Redis, prefix: str) -> dict[str, int]:
    """Each channel of the prefix with its number of subscribers, as Redis sees them."""
    names = [text(name) for name in await redis.pubsub_channels(f"{prefix}:*")]
    counts = await redis.pubsub_numsub(*names) if names else []
    return {text(name).removeprefix(f"{prefix}:"): count for name, count in counts}


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def test_an_event_named_by_two_followed_topics_arrives_once(
    brokers: tuple[RedisBroker, RedisBroker, str],
) -> None:
    one, other, _prefix = brokers
    socket = one.subscribe(["inbox:2", "chat:1"])
    await socket.ready()
    await other.publish(event("chat:1", "inbox:2", text="both"))
    await other.publish(event("inbox:2", text="inbox only"))
    await until(lambda: _true(one.received >= 3))
    await asyncio.sleep(0.1)
    texts = [item.envelope.data["text"] for item in drained(socket) if isinstance(item, Addressed)]
    assert texts == ["both", "inbox only"]
    # Redis carried the first event on both channels; only one copy was decoded.
    assert one.received == 3
    assert one.decoded == 2


async def _true(value: bool) -> bool:
    return value


async def test_a_process_without_followers_of_a_topic_hears_nothing_of_it(
    brokers: tuple[RedisBroker, RedisBroker, str], redis: Redis
) -> None:
    one, other, prefix = brokers
    following = one.subscribe(["chat:7"])
    elsewhere = other.subscribe(["chat:8"])
    await following.ready()
    await elsewhere.ready()
    assert await channels(redis, prefix) == {"chat:7": 1, "chat:8": 1}
    for n in range(5):
        await one.publish(event("chat:7", text=f"m{n}"))
    await other.publish(event("chat:7", text="from the other"))
    await until(lambda: _true(following.queue.qsize() == 6))
    await asyncio.sleep(0.1)
    # The other process follows nothing of chat 7: Redis sent it none of those events.
    assert other.received == 0
    assert other.subscribed_topics == {"chat:8"}
    # Its own events reached its own socket directly: their echoes from Redis are not decoded.
    assert one.decoded == 1

    await following.close()
    await one.synced()
    assert await channels(redis, prefix) == {"chat:8": 1}


async def test_subscriptions_match_the_local_followers_after_many_join_and_leave_at_once(
    brokers: tuple[RedisBroker, RedisBroker, str], redis: Redis
) -> None:
    one, other, prefix = brokers
    topics = [f"chat:{n}" for n in range(12)]
    rng = random.Random(19)
    sockets = [one.subscribe(()) for _ in range(60)]

    async def churn(socket: MemorySubscription, pool: list[str]) -> None:
        for _ in range(15):
            picked = rng.sample(pool, 3)
            if rng.random() < 0.5:
                socket.add(picked)
            else:
                socket.remove(picked)
            if rng.random() < 0.5:
                await socket.ready()
            else:
                await asyncio.sleep(rng.random() / 200)

    async def leave(socket: MemorySubscription) -> None:
        for topic in topics[:6]:
            socket.remove([topic])
            await asyncio.sleep(rng.random() / 200)

    await asyncio.gather(*(churn(socket, topics) for socket in sockets))
    # Everyone leaves half of the topics at once while others close and churn on.
    await asyncio.gather(
        *(leave(socket) for socket in sockets),
        *(sockets[n].close() for n in range(0, 60, 3)),
        *(churn(sockets[n], topics[6:]) for n in range(1, 60, 7)),
    )
    await one.synced()
    followed = {topic for socket in sockets for topic in socket.topics}
    assert followed  # the churn left some topics followed and some not
    assert followed != set(topics)
    assert one.subscribed_topics == followed
    assert await channels(redis, prefix) == dict.fromkeys(followed, 1)

    # And each followed topic is heard by exactly its local followers.
    for topic in topics:
        await other.publish(event(topic, text=topic))
    await until(lambda: _true(one.received >= len(followed)))
    await asyncio.sleep(0.1)
    for socket in sockets:
        items = [item for item in drained(socket) if isinstance(item, Addressed)]
        heard = {item.envelope.data["text"] for item in items}
        assert heard == socket.topics


async def test_what_is_published_right_after_ready_is_heard(
    brokers: tuple[RedisBroker, RedisBroker, str],
) -> None:
    one, other, _prefix = brokers
    socket = one.subscribe(())
    for n in range(20):
        socket.add([f"visitor:{n}"])
        await socket.ready()
        await other.publish(event(f"visitor:{n}", text=str(n)))
    await until(lambda: _true(socket.queue.qsize() == 20))


async def test_a_killed_connection_subscribes_again_and_asks_sockets_to_resync(
    brokers: tuple[RedisBroker, RedisBroker, str], redis: Redis
) -> None:
    one, other, prefix = brokers
    socket = one.subscribe(["chat:3", "inbox:1"])
    await socket.ready()
    killed = 0
    for client in await redis.client_list():
        if client["name"] == one.client_name:
            killed += await redis.client_kill_filter(_id=client["id"])
    assert killed == 1
    await until(lambda: _true(RESYNC in drained(socket)))
    assert await channels(redis, prefix) == {"chat:3": 1, "inbox:1": 1}
    await other.publish(event("chat:3", text="after"))
    await until(lambda: _true(socket.queue.qsize() == 1))


async def test_a_batch_whose_connection_is_lost_is_published_on_a_new_one(
    redis_url: str,
) -> None:
    """The publisher's connection dies with a batch sent and unanswered: the batch goes again
    on a new connection, so the other process hears it without waiting for a resync."""
    host, port = redis_url.split("://", 1)[1].split("/", 1)[0].split(":")
    dropped: list[bytes] = []

    async def relay(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                target.write(data)
                await target.drain()
        target.close()

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream = await asyncio.open_connection(host, int(port))
        first = await reader.read(65536)
        if b"PUBLISH" in first and b"lost-once" in first and not dropped:
            dropped.append(first)  # never reaches Redis: the connection just dies
            writer.close()
            upstream.close()
            return
        upstream.write(first)
        await asyncio.gather(relay(reader, upstream), relay(upstream_reader, writer))

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    via_proxy = f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    prefix = f"fd-test-{uuid.uuid4().hex}"
    publisher = RedisBroker(via_proxy, channel=prefix)
    listener = RedisBroker(redis_url, channel=prefix)
    await publisher.start()
    await listener.start()
    try:
        socket = listener.subscribe(["chat:3"])
        await socket.ready()
        await publisher.publish(event("chat:3", text="lost-once"))
        await until(lambda: _true(socket.queue.qsize() == 1))
        assert dropped, "the proxy did not drop the first connection's batch"
        [heard] = drained(socket)
        assert isinstance(heard, Addressed)
        assert heard.envelope.data["text"] == "lost-once"
    finally:
        await publisher.stop()
        await listener.stop()
        server.close()
        await server.wait_closed()
