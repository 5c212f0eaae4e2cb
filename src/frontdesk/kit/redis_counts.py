"""Rate-limit counts kept in Redis, shared by every process of a desk."""

from __future__ import annotations

import hashlib
import time

from frontdesk.kit.ratelimit import CountsUnavailable
from frontdesk.kit.redis_line import RedisLine, ReplyError

# A request waits at most this long for Redis: a limit is not worth a slow answer.
TIMEOUT = 0.5
# After a failure, Redis is left alone this long: a request must not pay TIMEOUT each time
# while Redis is down.
PAUSE_AFTER_FAILURE = 5.0
# One command, run whole by Redis: the key gets its expiry when it is created, so a busy key
# still expires when its window is over, and no crash between two commands can leave a count
# that never expires.
_INCREMENT = b"""
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_INCREMENT_SHA = hashlib.sha1(_INCREMENT).hexdigest()  # noqa: S324 - Redis names scripts so


class RedisCounts:
    def __init__(self, url: str, *, prefix: str) -> None:
        # Every count of the process goes on one connection, in order: the message path counts
        # every message, so a count must cost little (kit/redis_line.py).
        self._line = RedisLine(url, timeout=TIMEOUT)
        self._prefix = prefix
        self._paused_until = 0.0

    async def increment(self, key: str, *, ttl: int) -> int:
        if time.monotonic() < self._paused_until:
            raise CountsUnavailable("Redis failed a moment ago")
        name = self._prefix + key
        try:
            try:
                count = await self._line.call("EVALSHA", _INCREMENT_SHA, 1, name, ttl)
            except ReplyError as exc:
                if not str(exc).startswith("NOSCRIPT"):
                    raise
                # Redis forgot the script (a restart, SCRIPT FLUSH): sending it whole loads it.
                count = await self._line.call("EVAL", _INCREMENT, 1, name, ttl)
        except (ReplyError, OSError) as exc:
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            raise CountsUnavailable(str(exc) or type(exc).__name__) from exc
        return int(count)

    async def close(self) -> None:
        await self._line.close()
