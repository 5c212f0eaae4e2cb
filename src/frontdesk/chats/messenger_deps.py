"""The visitor behind a messenger request: bearer token, per-visitor and per-IP limits, and the
inbox's allowed origins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from frontdesk.auth import authenticate_visitor, bearer_token
from frontdesk.chats.errors import UnconfirmedEmailLimit
from frontdesk.chats.models import Visitor
from frontdesk.config import Settings
from frontdesk.deps import AuthenticateFirst, SessionDep, client_ip
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.ratelimit import RateLimiter, SharedCounts


@dataclass(frozen=True)
class MessengerLimits:
    """The public endpoints' limits, one set per app (counted together by every process of the
    desk when Redis is configured)."""

    visitor: RateLimiter
    ip: RateLimiter
    unconfirmed_email: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings, shared: SharedCounts | None) -> MessengerLimits:
        return cls(
            visitor=RateLimiter(
                limit=settings.visitor_rate_per_minute,
                what="this visitor",
                name="visitor",
                shared=shared,
            ),
            ip=RateLimiter(
                limit=settings.ip_rate_per_minute,
                what="your network address",
                name="ip",
                shared=shared,
            ),
            unconfirmed_email=RateLimiter(
                limit=settings.unconfirmed_email_rate_per_hour,
                what="your network address",
                window=3600,
                name="unconfirmed-email",
                shared=shared,
            ),
        )


def limits(connection: HTTPConnection) -> MessengerLimits:
    found: MessengerLimits = connection.app.state.messenger_limits
    return found


async def limit_unconfirmed_email(request: Request) -> None:
    """Counts a chat that will mail an address nobody confirmed, per network address (visitor
    tokens cost nothing to make, so a per-visitor limit would stop no one)."""
    retry = await limits(request).unconfirmed_email.wait(client_ip(request))
    if retry:
        raise UnconfirmedEmailLimit(retry)


async def limit_ip(request: Request) -> None:
    await limits(request).ip.hit(client_ip(request))


async def visitor_of(request: Request, session: AsyncSession) -> Visitor:
    visitor, _inbox = await authenticate_visitor(
        session,
        token=bearer_token(request.headers.get("authorization")),
        origin=request.headers.get("origin"),
    )
    return visitor


async def current_visitor(
    request: Request, session: SessionDep, _limit: Annotated[None, Depends(limit_ip)]
) -> Visitor:
    visitor = await visitor_of(request, session)
    if request.method != "GET":
        await limits(request).visitor.hit(str(visitor.id))
    return visitor


async def visitor_inbox(session: AsyncSession, visitor: Visitor) -> Inbox:
    return await inboxes_service.get_inbox_by_id(session, inbox_id=visitor.inbox_id)


class VisitorFirst(AuthenticateFirst):
    checks = {current_visitor: visitor_of}


CurrentVisitor = Annotated[Visitor, Depends(current_visitor)]
IpLimited = Annotated[None, Depends(limit_ip)]
