"""The broker carries notifications of change between processes; the database is the record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any, Protocol

from frontdesk.realtime.envelope import Addressed


class Subscription(Protocol):
    def add(self, topics: Iterable[str]) -> None: ...

    def remove(self, topics: Iterable[str]) -> None: ...

    def __aiter__(self) -> AsyncIterator[Addressed]: ...

    async def close(self) -> None: ...


class Broker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, message: Addressed) -> None: ...

    def subscribe(
        self, topics: Iterable[str], queue: asyncio.Queue[Any] | None = None
    ) -> Subscription: ...
