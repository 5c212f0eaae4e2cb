"""In-process broker: the default for the one-process install, and the local routing of the
Redis broker (which subscribes in Redis to the topics its routes name)."""

from __future__ import annotations

import asyncio
import contextlib
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
        # The broker's generation when a topic was last added: `ready` waits for it.
        self._since = 0
        self.add(topics)

    def add(self, topics: Iterable[str]) -> None:
        routes, changed = self._broker.routes, False
        for topic in topics:
            if topic in self.topics:
                continue
            self.topics.add(topic)
            followers = routes.get(topic)
            if followers is None:
                followers = routes[topic] = set()
                changed = True
            followers.add(self)
        if changed:
            self._broker.changed()
        # Even with nothing new in the routes, a topic another subscriber added may still wait
        # for its confirmation: waiting for the broker's latest generation covers it.
        self._since = self._broker.generation

    def remove(self, topics: Iterable[str]) -> None:
        routes, changed = self._broker.routes, False
        for topic in topics:
            if topic not in self.topics:
                continue
            self.topics.discard(topic)
            followers = routes.get(topic)
            if followers is None:
                continue
            followers.discard(self)
            if not followers:
                del routes[topic]
                changed = True
        if changed:
            self._broker.changed()

    async def ready(self) -> None:
        await self._broker.settled(self._since)

    def deliver(self, message: object) -> None:
        # A reader this far behind resumes from the database by sequence number anyway.
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(message)

    async def __aiter__(self) -> AsyncIterator[Addressed]:
        while True:
            message = await self.queue.get()
            if message is None:
                return
            if isinstance(message, Addressed):
                yield message

    async def close(self) -> None:
        self.remove(list(self.topics))
        self._broker.subscriptions.discard(self)
        self.queue.put_nowait(None)


class MemoryBroker:
    def __init__(self) -> None:
        # Only topics with at least one follower have a route.
        self.routes: dict[str, set[MemorySubscription]] = {}
        self.subscriptions: set[MemorySubscription] = set()
        # Counts the changes to the set of routed topics (a topic's first follower came, or its
        # last one went); a broker that forwards them elsewhere confirms them by generation.
        self.generation = 0

    def changed(self) -> None:
        self.generation += 1

    async def settled(self, generation: int) -> None:
        """In one process a route takes effect at once."""
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self.routes.clear()

    async def publish(self, message: Addressed) -> None:
        self.route(message)

    def route(self, message: Addressed) -> None:
        topics = message.topics
        if len(topics) == 1:
            for subscription in list(self.routes.get(topics[0], ())):
                subscription.deliver(message)
            return
        seen: set[int] = set()
        for topic in topics:
            for subscription in list(self.routes.get(topic, ())):
                if id(subscription) not in seen:
                    seen.add(id(subscription))
                    subscription.deliver(message)

    def subscribe(
        self, topics: Iterable[str], queue: asyncio.Queue[Any] | None = None
    ) -> MemorySubscription:
        subscription = MemorySubscription(self, topics, queue)
        self.subscriptions.add(subscription)
        return subscription
