"""Request dependencies: the transaction, the settings, the current agent, the CSRF guard; and
the route class that authenticates a large request before reading its body."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk import api_limits
from frontdesk.audit import context as audit_context
from frontdesk.auth import AgentAuth, authenticate_agent
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.errors import Forbidden
from frontdesk.idempotency import edge as idempotency
from frontdesk.kit.ids import same
from frontdesk.ops.prometheus import route_templates
from frontdesk.users import light_agents
from frontdesk.users.models import AuthSession, User

SESSION_COOKIE = "frontdesk_session"
CSRF_COOKIE = "frontdesk_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set by a proxy in front to tie its log lines to ours; kept in the audit log.
REQUEST_ID_HEADER = "X-Request-ID"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    # Anonymous until the request authenticates: what it writes is recorded as from here.
    actor = audit_context.request_actor(
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        request_id=request.headers.get(REQUEST_ID_HEADER),
    )
    with audit_context.acting(actor):
        async with unit_of_work(sessionmaker) as session:
            yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the transaction commits before the response is sent, so a client never sees
# a success whose data is not yet durable.
SessionDep = Annotated[AsyncSession, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _authenticate(
    request: Request, session: AsyncSession, *, enrolling: bool, admit: bool = True
) -> tuple[User, AuthSession | None]:
    """`admit`: the request itself, not AuthenticateFirst's look before its body; counted and
    its Idempotency-Key claimed (`_admit`)."""
    auth = await authenticate_agent(
        session,
        authorization=request.headers.get("authorization"),
        cookie=request.cookies.get(SESSION_COOKIE),
        enrolling=enrolling,
    )
    auth.ensure_may(request.method)
    # Only a light agent's request needs its route's template (the gate of users/light_agents.py).
    if auth.user.is_light_agent:
        light_agents.ensure_route(auth.user, request.method, route_template(request))
    if auth.login is not None and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not same(sent, auth.login.csrf_token):
            raise Forbidden(
                f"Missing or wrong {CSRF_HEADER} header; reload the page and try again.",
                code="csrf_failed",
            )
    audit_context.identify(auth.user, by_token=auth.login is None)
    if admit:
        await _admit(request, session, auth)
    return auth.user, auth.login


def route_template(request: Request) -> str | None:
    """The whole template of the route the request matched (`/api/v1/tickets/{ticket_id}`),
    its included routers' prefixes and all; None when it matched none."""
    route = request.scope.get("route")
    if route is None:
        return None
    templates: dict[int, str] | None = getattr(request.app.state, "route_templates", None)
    if templates is None:
        templates = route_templates(request.app.routes)
        request.app.state.route_templates = templates
    return templates.get(id(route), getattr(route, "path", None))


async def _admit(request: Request, session: AsyncSession, auth: AgentAuth) -> None:
    """Every authenticated API request: counted against its credential's rate limit, then, when
    it carries one, its Idempotency-Key claimed in its transaction (idempotency/edge.py), which
    may answer it with what the key answered before."""
    found = auth.credential
    credential = (
        f"session:{found.session_id}" if found.session_id is not None else f"token:{found.token_id}"
    )
    await api_limits.count(request, credential=credential, by_cookie=auth.by_cookie)
    await idempotency.claim(request, session, user_id=auth.user.id, credential=credential)


async def current_auth(request: Request, session: SessionDep) -> tuple[User, AuthSession | None]:
    return await _authenticate(request, session, enrolling=False)


async def current_login(request: Request, session: SessionDep) -> tuple[User, AuthSession | None]:
    """Also a user who must still set up two-factor authentication: for the few things they may
    do before (who am I, set it up, log out)."""
    return await _authenticate(request, session, enrolling=True)


async def current_agent(
    auth: Annotated[tuple[User, AuthSession | None], Depends(current_auth)],
) -> User:
    return auth[0]


async def current_admin(user: Annotated[User, Depends(current_agent)]) -> User:
    if not user.is_admin:
        raise Forbidden("Only owners and admins can do this.")
    return user


async def _check_auth(request: Request, session: AsyncSession) -> object:
    return await _authenticate(request, session, enrolling=False, admit=False)


async def _check_login(request: Request, session: AsyncSession) -> object:
    return await _authenticate(request, session, enrolling=True, admit=False)


# A body up to this size is read before its sender is known (FastAPI reads it first); anything
# larger, or of unknown size, only once the sender is authenticated.
READ_BEFORE_AUTHENTICATING = 64 * 1024

CredentialCheck = Callable[[Request, AsyncSession], Awaitable[object]]


def _small_body(request: Request) -> bool:
    declared = request.headers.get("content-length", "")
    return declared.isascii() and declared.isdigit() and int(declared) <= READ_BEFORE_AUTHENTICATING


class AuthenticateFirst(APIRoute):
    """FastAPI reads and parses a request's body before it runs the dependencies that check who
    sent it. For a large body that is work anyone could make us do, so such a request is
    authenticated first, in a short transaction of its own, and refused before its body is read.
    `checks`: what each authenticating dependency checks, without its side effects."""

    checks: ClassVar[dict[Callable[..., Any], CredentialCheck]] = {
        current_auth: _check_auth,
        current_login: _check_login,
    }

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        check = self._check(self.dependant)
        if (self.methods or set()) & idempotency.METHODS:
            # Inside the look before the body: a key is claimed by the request itself, once an
            # agent's credential authenticates it; a route that none does refuses keys.
            wrap = idempotency.refusing if check is None else idempotency.idempotent
            handler = wrap(handler)  # type: ignore[assignment]
        if self.body_field is None or check is None:
            return handler

        async def authenticated_first(request: Request) -> Response:
            if not _small_body(request):
                async with unit_of_work(request.app.state.sessionmaker) as session:
                    await check(request, session)
            return await handler(request)

        return authenticated_first

    def _check(self, dependant: Dependant) -> CredentialCheck | None:
        for dependency in dependant.dependencies:
            check = self.checks.get(dependency.call) if dependency.call else None
            if check is None:
                check = self._check(dependency)
            if check is not None:
                return check
        return None


CurrentAuth = Annotated[tuple[User, AuthSession | None], Depends(current_auth)]
CurrentLogin = Annotated[tuple[User, AuthSession | None], Depends(current_login)]
CurrentAgent = Annotated[User, Depends(current_agent)]
CurrentAdmin = Annotated[User, Depends(current_admin)]
