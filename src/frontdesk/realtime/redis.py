"""Redis pub/sub broker for several server processes.

Every process publishes each event once to one channel and routes what it receives to its own
local subscribers, so a message reaches each socket once whatever the number of topics it names.
Redis is an accelerator: a socket that missed something while Redis was away resumes from the
database by sequence number.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis

from frontdesk.realtime.envelope import Addressed
from frontdesk.realtime.memory import MemoryBroker, MemorySubscription

logger = logging.getLogger(__name__)
RECONNECT_DELAY = 1.0


class RedisBroker:
    def __init__(self, url: str, *, channel: str = "frontdesk:events") -> None:
        self._redis: Redis = Redis.from_url(url)
        self._channel = channel
        self._local = MemoryBroker()
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="redis-broker")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._local.stop()
        await self._redis.aclose()

    async def publish(self, message: Addressed) -> None:
        await self._redis.publish(self._channel, message.to_json())

    def subscribe(
        self, topics: Iterable[str], queue: asyncio.Queue[Any] | None = None
    ) -> MemorySubscription:
        return self._local.subscribe(topics, queue)

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._ready.set()
                    async for raw in pubsub.listen():
                        if raw.get("type") != "message":
                            continue
                        await self._local.publish(Addressed.from_json(raw["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("redis broker connection lost; reconnecting")
                await asyncio.sleep(RECONNECT_DELAY)
