"""Request body limits, enforced as the body arrives: a Content-Length over the limit is refused
before anything is kept, and a body sent in chunks is counted chunk by chunk. No request can make
the server hold more than the limit, however large the body it announces or sends. What a refused
client still sends is read and dropped (up to DRAIN_LIMIT) before the 413, so that it can read
the answer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Collection

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.http_errors import error_response

# The client may still be sending the rest: the connection is not reused.
CLOSE = {"Connection": "close"}
# How much of a refused body is read and dropped before the 413 goes out. Most clients write the
# whole body before they read any answer: refused unread, they meet a reset instead of the 413's
# message. Past this the server stops reading (and the client may see the reset after all), so a
# client announcing gigabytes cannot keep it busy.
DRAIN_LIMIT = 16 * 1024 * 1024


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit:,} bytes"


def too_large_message(limit: int) -> str:
    return (
        f"The request body is too large: this server accepts at most {_size(limit)}. "
        "Send less at a time, for example a shorter text."
    )


class BodyTooLarge(HTTPException):
    """Raised from `receive`, inside the app: FastAPI lets an HTTPException from reading the body
    through (any other error there becomes a 400), and the error handlers answer it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit), headers=CLOSE)


async def drain(receive: Receive, *, limit: int = DRAIN_LIMIT) -> None:
    """Reads what the client still sends and drops it, up to `limit` bytes."""
    drained = 0
    while drained <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class StreamedBody:
    """A request's body as chunks, remembering whether it was read to its end: after a refusal
    only a body still arriving is drained, since receive() past the end waits for the client to
    hang up, and the client waits for the answer."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.ended = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self.ended:
            message = await self.receive()
            if message["type"] != "http.request":
                raise ClientDisconnect()
            self.ended = not message.get("more_body", False)
            body: bytes = message.get("body", b"")
            if body:
                yield body

    async def drain(self) -> None:
        if not self.ended:
            await drain(self.receive)


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        unlimited: Collection[str] = (),
        unlimited_matching: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        # Paths whose endpoint reads its own body, with its own bound and its own answer: these,
        # and those the pattern matches whole (a path with a number in it).
        self.unlimited = frozenset(unlimited)
        self.unlimited_matching = unlimited_matching

    def _unlimited(self, path: str) -> bool:
        if path in self.unlimited:
            return True
        return self.unlimited_matching is not None and bool(self.unlimited_matching.fullmatch(path))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._unlimited(scope["path"]):
            await self.app(scope, receive, send)
            return
        limit = self.limit
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            body = {"code": "body_too_large", "message": too_large_message(limit)}
            await drain(receive)
            await error_response(413, body, **CLOSE)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if message.get("more_body", False):
                        await drain(receive)
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
