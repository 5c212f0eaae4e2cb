"""The broker carries notifications of change between processes; the database is the record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any, Protocol

from frontdesk.realtime.envelope import Addressed


class Resync:
    """Put on a subscriber's queue when the broker may have missed events (its Redis connection
    was lost and is back): the subscriber reads from the database what it may not have heard."""

    __slots__ = ()


RESYNC = Resync()


class Subscription(Protocol):
    def add(self, topics: Iterable[str]) -> None: ...

    def remove(self, topics: Iterable[str]) -> None: ...

    async def ready(self) -> None:
        """Returns once every topic added so far is heard: what is published from then on
        arrives. A reader of the database waits for it first, so that nothing committed between
        its read and the subscription taking effect goes unheard."""

    def __aiter__(self) -> AsyncIterator[Addressed]: ...

    async def close(self) -> None: ...


class Broker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, message: Addressed) -> None: ...

    def subscribe(
        self, topics: Iterable[str], queue: asyncio.Queue[Any] | None = None
    ) -> Subscription: ...
