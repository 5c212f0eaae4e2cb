"""Rate-limit counts kept in Redis, shared by every process of a desk."""

from __future__ import annotations

import time

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from frontdesk.kit.ratelimit import CountsUnavailable

# A request waits at most this long for Redis: a limit is not worth a slow answer.
TIMEOUT = 0.5
# After a failure, Redis is left alone this long: a request must not pay TIMEOUT each time
# while Redis is down.
PAUSE_AFTER_FAILURE = 5.0
# Connections of one process to Redis for its counts. A request holds one for a round trip; a
# burst of more waits its turn (up to TIMEOUT). redis-py's default pool refused the 101st at once
# ("Too many connections"), which sent every limit to counting per process for PAUSE_AFTER_FAILURE
# under exactly the load the limits are for.
MAX_CONNECTIONS = 32


class RedisCounts:
    def __init__(self, url: str, *, prefix: str) -> None:
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=TIMEOUT,
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
        )
        self._redis: Redis = Redis.from_pool(pool)
        self._prefix = prefix
        self._paused_until = 0.0

    async def increment(self, key: str, *, ttl: int) -> int:
        if time.monotonic() < self._paused_until:
            raise CountsUnavailable("Redis failed a moment ago")
        name = self._prefix + key
        try:
            # One round trip: the key is created with its expiry only if it is new, so a busy
            # key still expires when its window is over.
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(name, 0, ex=ttl, nx=True)
                pipe.incr(name)
                _created, count = await pipe.execute()
        except (RedisError, OSError) as exc:
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            raise CountsUnavailable(str(exc) or type(exc).__name__) from exc
        return int(count)

    async def close(self) -> None:
        await self._redis.aclose()
