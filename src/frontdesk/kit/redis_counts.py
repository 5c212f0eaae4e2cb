"""Rate-limit counts kept in Redis, shared by every process of a desk."""

from __future__ import annotations

import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from frontdesk.kit.ratelimit import CountsUnavailable

# A request waits at most this long for Redis: a limit is not worth a slow answer.
TIMEOUT = 0.5
# After a failure, Redis is left alone this long: a request must not pay TIMEOUT each time
# while Redis is down.
PAUSE_AFTER_FAILURE = 5.0


class RedisCounts:
    def __init__(self, url: str, *, prefix: str) -> None:
        self._redis: Redis = Redis.from_url(
            url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
        )
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
