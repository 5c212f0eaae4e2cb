"""SQLite on the event loop's own thread.

aiosqlite runs every statement on a helper thread. Each round trip then waits for the GIL to come
back from a busy event loop (up to the interpreter's 5 ms switch interval), so a transaction of a
few statements costs tens of milliseconds under load, which is most of a chat message's latency.
SQLite statements of a help desk take microseconds, so we run them inline instead, and give the
engine a single connection: transactions of one process queue for it asynchronously rather than
blocking the loop on SQLite's file lock. (Other processes, such as the CLI, still meet the lock,
and wait for it with the busy timeout.)
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite

BUSY_TIMEOUT_SECONDS = 30


class _InlineQueue:
    """Stands in for aiosqlite's queue to its worker thread: runs each call at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _InlineQueue()  # type: ignore[assignment]

    def __await__(self) -> Any:
        # The base class starts its worker thread here; nothing to start.
        return self._connect().__await__()


def inline_creator(path: str) -> Callable[[], Any]:
    async def connect() -> InlineConnection:
        connection = InlineConnection(partial(sqlite3.connect, path, timeout=BUSY_TIMEOUT_SECONDS))
        await connection._connect()
        return connection

    return connect


def database_path(url: str) -> str:
    path = url.split(":///", 1)[-1]
    return path or ":memory:"
