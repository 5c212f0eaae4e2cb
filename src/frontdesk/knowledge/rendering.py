"""Articles' HTML for the public: rendered once per body, off the event loop when it is long.

Rendering is the costly part of showing an article (markdown-it is superlinear on some
inputs: a 100,000-character body of `![` takes about two seconds), and anonymous visitors
ask for articles. So the HTML is kept in a bounded least-recently-used cache keyed by the
body's digest (a new version with a new body is a new key; an old one ages out), two requests
for the same body not yet rendered wait for one rendering, and a body longer than
THREAD_FROM is rendered in a worker thread so that other requests go on meanwhile
(docs/knowledge-base.md#performance).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict

from frontdesk.knowledge.markdown import render

MAX_ENTRIES = 512
# About 40 MB of HTML at most (a character of a Python str is 1 to 4 bytes).
MAX_CHARS = 20_000_000
# Shorter bodies render in well under a millisecond: a thread would cost more than it saves.
THREAD_FROM = 5_000


class _Cache:
    def __init__(self) -> None:
        self._html: OrderedDict[bytes, str] = OrderedDict()
        self._chars = 0

    def get(self, key: bytes) -> str | None:
        html = self._html.get(key)
        if html is not None:
            self._html.move_to_end(key)
        return html

    def put(self, key: bytes, html: str) -> None:
        if key in self._html:
            return
        self._html[key] = html
        self._chars += len(html)
        while len(self._html) > MAX_ENTRIES or self._chars > MAX_CHARS:
            _old, dropped = self._html.popitem(last=False)
            self._chars -= len(dropped)


_CACHE = _Cache()
# Renderings under way, so that a crowd asking for one new article renders it once.
_PENDING: dict[bytes, asyncio.Future[str]] = {}


async def off_loop(body: str) -> str:
    """The body rendered, in a worker thread when it is long (the desk's preview: not kept)."""
    if len(body) < THREAD_FROM:
        return render(body)
    return await asyncio.to_thread(render, body)


async def rendered(body: str) -> str:
    """The body's sanitized HTML, from the cache when this body was rendered before."""
    key = hashlib.sha256(body.encode()).digest()
    html = _CACHE.get(key)
    if html is not None:
        return html
    pending = _PENDING.get(key)
    if pending is not None and pending.get_loop() is asyncio.get_running_loop():
        return await asyncio.shield(pending)
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    _PENDING[key] = future
    try:
        html = await off_loop(body)
    except Exception as error:
        future.set_exception(error)
        # Retrieved, so that no "exception never retrieved" is logged when nobody waited.
        future.exception()
        raise
    except BaseException:
        future.cancel()
        raise
    finally:
        if _PENDING.get(key) is future:
            del _PENDING[key]
    future.set_result(html)
    _CACHE.put(key, html)
    return html
