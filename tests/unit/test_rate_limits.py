"""Rate limits counted in Redis by every process of a desk, and what happens without Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from frontdesk.errors import TooManyRequests
from frontdesk.kit.ratelimit import RateLimiter
from frontdesk.kit.redis_counts import RedisCounts
from tests.mail.support import free_port


async def test_limiters_sharing_redis_count_together(redis_url: str) -> None:
    prefix = f"fd-test-{uuid.uuid4().hex}:"
    counts = [RedisCounts(redis_url, prefix=prefix) for _ in range(2)]
    # Two processes' limiters: the same name and limit, each with its own connection.
    first, second = (RateLimiter(limit=3, what="you", name="visitor", shared=c) for c in counts)
    other_limit = RateLimiter(limit=3, what="you", name="ip", shared=counts[0])
    try:
        await first.hit("v1")
        await second.hit("v1")
        await first.hit("v1")
        with pytest.raises(TooManyRequests) as refused:
            await second.hit("v1")
        assert 0 < refused.value.retry_after <= 61
        await second.hit("v2")  # another key has its own count
        await other_limit.hit("v1")  # and so has another limit
    finally:
        for c in counts:
            await c.close()


async def test_without_redis_each_process_still_counts() -> None:
    unreachable = RedisCounts(f"redis://127.0.0.1:{free_port()}", prefix="fd-test:")
    limiter = RateLimiter(limit=2, what="you", name="visitor", shared=unreachable)
    try:
        await limiter.hit("v1")
        await limiter.hit("v1")
        with pytest.raises(TooManyRequests):
            await limiter.hit("v1")
    finally:
        await unreachable.close()


async def test_a_burst_of_requests_all_count_in_redis(redis_url: str) -> None:
    """Many requests at once share the process's one connection to Redis: every one is counted
    there, none fails over to counting per process."""
    prefix = f"fd-test-{uuid.uuid4().hex}:"
    counts = RedisCounts(redis_url, prefix=prefix)
    burst = 500
    limiter = RateLimiter(limit=burst, what="you", name="visitor", shared=counts)
    client = Redis.from_url(redis_url)
    try:
        await asyncio.gather(*(limiter.hit("v1") for _ in range(burst)))
        # Every request is in Redis's counts (of one window, or two if the burst crossed one).
        keys = [key async for key in client.scan_iter(match=f"{prefix}visitor:*:v1")]
        assert sum([int(await client.get(key) or 0) for key in keys]) == burst
    finally:
        for key in [key async for key in client.scan_iter(match=f"{prefix}*")]:
            await client.delete(key)
        await client.aclose()
        await counts.close()


async def test_every_count_expires_with_its_window_even_after_redis_restarts(
    redis_url: str,
) -> None:
    """A count without an expiry would refuse its key for good. A Redis restart also forgets the
    counting script: the next count loads it again instead of failing over."""
    prefix = f"fd-test-{uuid.uuid4().hex}:"
    counts = RedisCounts(redis_url, prefix=prefix)
    client = Redis.from_url(redis_url)
    try:
        assert await counts.increment("k", ttl=30) == 1
        await client.script_flush()
        assert await counts.increment("k", ttl=30) == 2
        assert 0 < await client.ttl(f"{prefix}k") <= 30
    finally:
        await client.delete(f"{prefix}k")
        await client.aclose()
        await counts.close()
