"""The visitor behind a messenger request: bearer token, per-visitor and per-IP limits, and the
inbox's allowed origins."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from frontdesk.auth import authenticate_visitor, bearer_token
from frontdesk.chats.errors import UnconfirmedEmailLimit
from frontdesk.chats.models import Visitor
from frontdesk.deps import AuthenticateFirst, SessionDep, client_ip
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.ratelimit import RateLimiter


def limiters(connection: HTTPConnection) -> tuple[RateLimiter, RateLimiter]:
    state = connection.app.state
    if not hasattr(state, "visitor_limiter"):
        settings = state.settings
        state.visitor_limiter = RateLimiter(
            limit=settings.visitor_rate_per_minute, what="this visitor"
        )
        state.ip_limiter = RateLimiter(
            limit=settings.ip_rate_per_minute, what="your network address"
        )
    return state.visitor_limiter, state.ip_limiter


def limit_unconfirmed_email(request: Request) -> None:
    """Counts a chat that will mail an address nobody confirmed, per network address (visitor
    tokens cost nothing to make, so a per-visitor limit would stop no one)."""
    state = request.app.state
    if not hasattr(state, "unconfirmed_email_limiter"):
        state.unconfirmed_email_limiter = RateLimiter(
            limit=state.settings.unconfirmed_email_rate_per_hour,
            what="your network address",
            window=3600,
        )
    retry = state.unconfirmed_email_limiter.wait(client_ip(request))
    if retry:
        raise UnconfirmedEmailLimit(retry)


async def limit_ip(request: Request) -> None:
    limiters(request)[1].hit(client_ip(request))


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
        limiters(request)[0].hit(str(visitor.id))
    return visitor


async def visitor_inbox(session: AsyncSession, visitor: Visitor) -> Inbox:
    return await inboxes_service.get_inbox_by_id(session, inbox_id=visitor.inbox_id)


class VisitorFirst(AuthenticateFirst):
    checks = {current_visitor: visitor_of}


CurrentVisitor = Annotated[Visitor, Depends(current_visitor)]
IpLimited = Annotated[None, Depends(limit_ip)]
