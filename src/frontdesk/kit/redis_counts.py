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
# One command, run whole by Redis: the key gets its expiry when it is created, so a busy key
# still expires when its window is over, and no crash between two commands can leave a count
# that never expires. A script costs a third less client CPU than a pipeline of SET NX EX and
# INCR (redis-py's pipeline machinery), and the message path counts every message.
_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


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
        self._increment = self._redis.register_script(_INCREMENT)
        self._prefix = prefix
        self._paused_until = 0.0

    async def increment(self, key: str, *, ttl: int) -> int:
        if time.monotonic() < self._paused_until:
            raise CountsUnavailable("Redis failed a moment ago")
        name = self._prefix + key
        try:
            count = await self._increment(keys=[name], args=[ttl])
        except (RedisError, OSError) as exc:
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            raise CountsUnavailable(str(exc) or type(exc).__name__) from exc
        return int(count)

    async def close(self) -> None:
        await self._redis.aclose()
