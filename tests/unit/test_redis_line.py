"""The one connection to Redis that a process's rate-limit counts share (kit/redis_line.py):
replies go to the commands that asked for them, and a connection that fails or falls silent
fails its commands at once and is made again for the next one."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from frontdesk.errors import TooManyRequests
from frontdesk.kit.ratelimit import RateLimiter
from frontdesk.kit.redis_counts import RedisCounts
from frontdesk.kit.redis_line import LineError, RedisLine, ReplyError


@pytest.fixture
async def line(redis_url: str) -> AsyncIterator[RedisLine]:
    line = RedisLine(redis_url, timeout=2.0)
    yield line
    await line.close()


async def test_many_commands_at_once_each_get_their_own_reply(line: RedisLine) -> None:
    replies = await asyncio.gather(*(line.call("ECHO", f"n{i}") for i in range(300)))
    assert replies == [f"n{i}".encode() for i in range(300)]


async def test_an_error_reply_fails_its_command_only(line: RedisLine) -> None:
    before = line.call("ECHO", "before")
    wrong = line.call("INCRBY", "fd-test-line-wrong", "not a number")
    after = line.call("ECHO", "after")
    assert await before == b"before"
    with pytest.raises(ReplyError, match="not an integer"):
        await wrong
    assert await after == b"after"


async def blocked_in_redis(client: Redis, client_id: int) -> None:
    """Until Redis shows the connection `client_id` blocked in a command (BLPOP)."""
    async with asyncio.timeout(10):
        while True:
            connections = await client.client_list()
            if any(c["id"] == str(client_id) and "b" in c["flags"] for c in connections):
                return
            await asyncio.sleep(0.01)


async def test_a_closed_connection_fails_what_waits_and_the_next_command_connects(
    line: RedisLine, redis_url: str
) -> None:
    own_id = await line.call("CLIENT", "ID")
    client = Redis.from_url(redis_url)
    try:
        # Redis drops the connection while a command waits on it (BLPOP would hold it 5 s).
        waiting = asyncio.ensure_future(line.call("BLPOP", f"fd-test-{uuid.uuid4().hex}", 5))
        await blocked_in_redis(client, own_id)
        await client.client_kill_filter(_id=own_id)
        # The closed connection's own failure, not the line's 2 s timeout (which would fail the
        # command too, later, were the loss of the connection missed).
        with pytest.raises(LineError, match="connection to Redis closed"):
            await waiting
    finally:
        await client.aclose()
    assert await line.call("ECHO", "again") == b"again"
    assert await line.call("CLIENT", "ID") != own_id


async def test_the_database_of_the_url_is_selected(redis_url: str) -> None:
    key = f"fd-test-{uuid.uuid4().hex}"
    line = RedisLine(redis_url.rsplit("/", 1)[0] + "/5", timeout=2.0)
    client = Redis.from_url(redis_url.rsplit("/", 1)[0] + "/5")
    try:
        await line.call("SET", key, "in five")
        assert await client.get(key) == b"in five"
    finally:
        await client.delete(key)
        await client.aclose()
        await line.close()


async def test_a_refused_login_is_a_line_error(redis_url: str) -> None:
    """This Redis has no password: AUTH is refused, and the caller hears it as a failed line."""
    host = redis_url.split("://", 1)[1]
    line = RedisLine(f"redis://:wrong@{host}", timeout=2.0)
    try:
        with pytest.raises(LineError, match="refused"):
            await line.call("PING")
    finally:
        await line.close()


async def test_a_silent_server_fails_the_command_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Redis that accepts the connection but never answers (a hung server, a black-holed
    network) costs each command at most the timeout, and the rate limit counts per process."""
    # The two hits below must fall in one of the limiter's minutes, which the wall clock cuts:
    # with each waiting out Redis's timeout, a real minute could end between them.
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    connections: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    line = RedisLine(f"redis://127.0.0.1:{port}", timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(LineError, match="did not answer"):
            await line.call("PING")
        assert 0.25 < time.monotonic() - started < 2.0

        counts = RedisCounts(f"redis://127.0.0.1:{port}", prefix="fd-test:")
        limiter = RateLimiter(limit=1, what="you", name="visitor", shared=counts)
        try:
            await limiter.hit("v1")  # counted in this process once Redis failed to answer
            with pytest.raises(TooManyRequests):
                await limiter.hit("v1")
        finally:
            await counts.close()
    finally:
        await line.close()
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()
