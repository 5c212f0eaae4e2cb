"""The API's rate limits: requests per credential and minute, an API token's and a desk
session's counted apart (docs/api.md "Rate limits"). Counted once the caller is authenticated
(deps.py), by every process together when Redis is set (kit/ratelimit.py); each answer of the API
says where its credential stands (`RateLimit-*` headers, added by `RateLimitHeaders`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.config import Settings
from frontdesk.errors import TooManyRequests
from frontdesk.kit.ratelimit import RateLimiter, SharedCounts, Taken

API_PREFIX = "/api/v1/"
_TAKEN = "frontdesk.rate_limit"


@dataclass(frozen=True)
class ApiLimits:
    token: RateLimiter
    desk: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings, shared: SharedCounts | None) -> ApiLimits:
        return cls(
            token=RateLimiter(
                limit=settings.api_rate_per_minute,
                what="this API token",
                name="api-token",
                shared=shared,
            ),
            desk=RateLimiter(
                limit=settings.desk_rate_per_minute,
                what="this desk session",
                name="api-session",
                shared=shared,
            ),
        )


async def count(request: Request, *, credential: str, by_cookie: bool) -> None:
    """Counts the request against its credential's limit; 429 `rate_limited` past it."""
    limits: ApiLimits | None = getattr(request.app.state, "api_limits", None)
    if limits is None:
        return
    limiter = limits.desk if by_cookie else limits.token
    taken = await limiter.take(credential)
    holder = request.scope.get(_TAKEN)
    if isinstance(holder, list):
        holder.append(taken)
    if taken.retry:
        raise TooManyRequests(
            f"Too many requests with {limiter.what}: {limiter.limit} a minute. Wait "
            f"{taken.retry} seconds and try again (Retry-After).",
            retry_after=taken.retry,
        )


def _headers(taken: Taken) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(taken.limit).encode()),
        (b"ratelimit-remaining", str(taken.remaining).encode()),
        (b"ratelimit-reset", str(taken.reset).encode()),
    ]


class RateLimitHeaders:
    """Adds `RateLimit-Limit`, `-Remaining` and `-Reset` to each answer of the API whose request
    was counted (an unauthenticated one is not)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        taken: list[Taken] = []
        scope[_TAKEN] = taken

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and taken:
                headers: list[Any] = list(message.get("headers", []))
                headers.extend(_headers(taken[-1]))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
