"""CORS for the messenger's API, which is called from the companies' own websites, and for nothing
else. A browser is let read the answers only on a website some inbox accepts: one that lists it
among its allowed origins, or one that lists none (it takes any site). Which inbox a request is
for is unknown here (a preflight carries no token); the messenger's dependencies then hold each
request to its own inbox's origins. No credentials: visitors authenticate with a bearer token."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.db.session import unit_of_work
from frontdesk.http_errors import error_response
from frontdesk.inboxes import service as inboxes_service

PREFIX = "/messenger/"
ALLOW_HEADERS = "authorization, content-type"
ALLOW_METHODS = "GET, POST, DELETE, OPTIONS"
MAX_AGE = "600"
REFUSED = (
    "This website is not allowed to use the messenger; add its origin to an inbox's allowed "
    "origins."
)


async def accepted(scope: Scope, origin: str) -> bool:
    sessionmaker: async_sessionmaker[AsyncSession] = scope["app"].state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        return await inboxes_service.accepts_origin(session, origin=origin)


class MessengerCORS:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        granted = await accepted(scope, origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if granted:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 204,
                        "headers": [
                            (b"access-control-allow-origin", origin.encode()),
                            (b"access-control-allow-methods", ALLOW_METHODS.encode()),
                            (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                            (b"access-control-max-age", MAX_AGE.encode()),
                            (b"vary", b"Origin"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
            else:
                refusal = error_response(403, {"code": "origin_not_allowed", "message": REFUSED})
                refusal.headers["Vary"] = "Origin"
                await refusal(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.append("Vary", "Origin")
                # A website no inbox accepts may read its refusal and nothing else: the
                # messenger then stays hidden and says why on the browser's console.
                if granted or message["status"] == 403:
                    response_headers["Access-Control-Allow-Origin"] = origin
                    response_headers["Access-Control-Expose-Headers"] = "Retry-After"
            await send(message)

        await self.app(scope, receive, send_with_cors)
