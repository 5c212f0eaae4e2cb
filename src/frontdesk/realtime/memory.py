"""In-process broker: the default for the one-process install."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from typing import Any

from frontdesk.realtime.envelope import Addressed

QUEUE_LIMIT = 10_000


class MemorySubscription:
    def __init__(
        self,
        broker: MemoryBroker,
        topics: Iterable[str],
        queue: asyncio.Queue[Any] | None = None,
    ) -> None:
        self._broker = broker
        self.topics: set[str] = set()
        # A gateway passes its own queue so that live events and its other work share one order.
        self.queue: asyncio.Queue[Any] = queue if queue is not None else asyncio.Queue(QUEUE_LIMIT)
        self.add(topics)

    def add(self, topics: Iterable[str]) -> None:
        for topic in topics:
            self.topics.add(topic)
            self._broker.routes[topic].add(self)

    def remove(self, topics: Iterable[str]) -> None:
        for topic in topics:
            self.topics.discard(topic)
            self._broker.routes[topic].discard(self)

    def deliver(self, message: Addressed) -> None:
        # A reader this far behind resumes from the database by sequence number anyway.
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(message)

    async def __aiter__(self) -> AsyncIterator[Addressed]:
        while True:
            message = await self.queue.get()
            if message is None:
                return
            yield message

    async def close(self) -> None:
        self.remove(list(self.topics))
        self.queue.put_nowait(None)


class MemoryBroker:
    def __init__(self) -> None:
        self.routes: defaultdict[str, set[MemorySubscription]] = defaultdict(set)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self.routes.clear()

    async def publish(self, message: Addressed) -> None:
        seen: set[int] = set()
        for topic in message.topics:
            for subscription in list(self.routes.get(topic, ())):
                if id(subscription) not in seen:
                    seen.add(id(subscription))
                    subscription.deliver(message)

    def subscribe(
        self, topics: Iterable[str], queue: asyncio.Queue[Any] | None = None
    ) -> MemorySubscription:
        return MemorySubscription(self, topics, queue)
