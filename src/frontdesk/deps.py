"""Request dependencies: the transaction, the settings, the current agent, the CSRF guard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.errors import Forbidden, Unauthorized
from frontdesk.kit.ids import same
from frontdesk.users import service as users_service
from frontdesk.users.models import AuthSession, User

SESSION_COOKIE = "frontdesk_session"
CSRF_COOKIE = "frontdesk_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the transaction commits before the response is sent, so a client never sees
# a success whose data is not yet durable.
SessionDep = Annotated[AsyncSession, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def current_auth(request: Request, session: SessionDep) -> tuple[User, AuthSession | None]:
    token = bearer_token(request.headers.get("authorization"))
    if token is not None:
        found = await users_service.resolve_api_token(session, token=token)
        if found is None:
            raise Unauthorized("This API token is not valid, or was revoked.", code="bad_token")
        return found[1], None
    cookie = request.cookies.get(SESSION_COOKIE)
    resolved = await users_service.resolve_session(session, token=cookie) if cookie else None
    if resolved is None:
        raise Unauthorized("Log in first.")
    auth, user = resolved
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not same(sent, auth.csrf_token):
            raise Forbidden(
                f"Missing or wrong {CSRF_HEADER} header; reload the page and try again.",
                code="csrf_failed",
            )
    return user, auth


async def current_agent(
    auth: Annotated[tuple[User, AuthSession | None], Depends(current_auth)],
) -> User:
    return auth[0]


async def current_admin(user: Annotated[User, Depends(current_agent)]) -> User:
    if not user.is_admin:
        raise Forbidden("Only owners and admins can do this.")
    return user


CurrentAuth = Annotated[tuple[User, AuthSession | None], Depends(current_auth)]
CurrentAgent = Annotated[User, Depends(current_agent)]
CurrentAdmin = Annotated[User, Depends(current_admin)]
