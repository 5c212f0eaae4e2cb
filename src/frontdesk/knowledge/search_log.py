"""Counting a reader's search without slowing or failing it (docs/knowledge-base.md, "What
readers searched for").

The count is written after the answer is sent (a background task of the request), in a
transaction of its own: the reader never waits for it, and a failure to write it is logged,
not shown. A reader repeating a search (reloading the page, going back, searching again) counts
once per REPEAT_WINDOW: each process remembers, in memory only, a keyed digest of (reader,
term, language), the reader being the network address and browser name the request came with.
The key is random per process and never stored, so the digests name nobody once the process
ends; with several processes a repeat reaching another one counts again, which is rare enough
for counts that only rank terms."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import BackgroundTasks, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.session import unit_of_work
from frontdesk.deps import client_ip
from frontdesk.knowledge import searches

logger = logging.getLogger(__name__)

REPEAT_WINDOW = 600.0
# Readers' searches remembered at most (each a 16-byte digest and a time): the oldest go first.
REMEMBERED = 20_000


class Repeats:
    """Which (reader, term, language) were counted within the window, as digests under a key of
    this process's own."""

    def __init__(
        self,
        *,
        window: float = REPEAT_WINDOW,
        size: int = REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window
        self._size = size
        self._clock = clock
        self._key = secrets.token_bytes(32)
        # Digest -> when it was counted; oldest first (a repeat does not move it).
        self._seen: OrderedDict[bytes, float] = OrderedDict()

    def first(self, reader: str, term: str, language: str) -> bool:
        """True when this reader's search counts: not counted within the window."""
        now = self._clock()
        while self._seen:
            oldest = next(iter(self._seen.values()))
            if oldest > now - self._window and len(self._seen) < self._size:
                break
            self._seen.popitem(last=False)
        digest = hmac.digest(self._key, f"{reader}\0{term}\0{language}".encode(), "sha256")[:16]
        if digest in self._seen:
            return False
        self._seen[digest] = now
        return True


def _repeats(app: FastAPI) -> Repeats:
    """The app's memory of recent searches, made with its first search."""
    found: Repeats | None = getattr(app.state, "knowledge_search_repeats", None)
    if found is None:
        found = Repeats()
        app.state.knowledge_search_repeats = found
    return found


def record(
    request: Request, background: BackgroundTasks, *, query: str, language: str, results: int
) -> None:
    """Counts the search once the answer is sent, unless its term is empty or the same reader
    searched it within the window."""
    term = searches.normalised(query)
    if not term:
        return
    reader = f"{client_ip(request)}\0{request.headers.get('user-agent', '')[:200]}"
    if not _repeats(request.app).first(reader, term, language):
        return
    background.add_task(_count, request.app.state.sessionmaker, term, language, results)


async def _count(
    sessionmaker: async_sessionmaker[AsyncSession], term: str, language: str, results: int
) -> None:
    try:
        async with unit_of_work(sessionmaker) as session:
            await searches.count_search(
                session, term=term, language=language, results=results, day=searches.today()
            )
    except Exception:
        # The reader has their answer already: a lost count is only logged.
        logger.warning("A help center search was not counted", exc_info=True)
