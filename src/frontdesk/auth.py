"""Who is calling, decided once for HTTP and WebSockets: an agent by API token or login session,
a visitor by the token their messenger holds. Each edge reads the credential from where its
transport carries it, and turns a refusal into its own answer (an error response, or a socket
closed with a code)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import service as chats_service
from frontdesk.chats.models import Visitor
from frontdesk.errors import Forbidden, Unauthorized
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.users import service as users_service
from frontdesk.users import two_factor
from frontdesk.users.events import Credential
from frontdesk.users.models import AuthSession, TokenAccess, User

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenReadOnly(Forbidden):
    code = "token_read_only"

    def __init__(self) -> None:
        super().__init__(
            "This API token can only read (GET and HEAD requests). To change anything, create "
            "a token with write access under Preferences → API tokens (or frontdesk "
            "create-token --access write)."
        )


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True)
class AgentAuth:
    user: User
    # What a socket closes on when it ends (users/events.py `ends`).
    credential: Credential
    # The login session when the agent came with its cookie: its CSRF token and expiry.
    login: AuthSession | None
    # Their role must use two-factor authentication and they have not set it up: the session
    # may only do that (deps.current_login), nothing else.
    must_enrol: bool = False
    # Came with an API token that may only read: the edge refuses anything else
    # (`ensure_may`), and its socket is no desk (chats/availability.py `agent_connected`).
    read_only: bool = False
    # Came with an API token that runs out then: a socket opened with it closes then, as one
    # opened with a login closes when the login does.
    token_expires_at: datetime | None = None

    def ensure_may(self, method: str) -> None:
        """A read-only token reads (GET, HEAD; OPTIONS changes nothing either) and nothing
        more."""
        if self.read_only and method.upper() not in READ_METHODS:
            raise TokenReadOnly

    @property
    def by_cookie(self) -> bool:
        """A browser sends the cookie with any site's request: such a request must also prove
        it comes from the desk (its CSRF token, or the socket's origin)."""
        return self.login is not None

    @property
    def expires_at(self) -> datetime | None:
        """When the credential stops being valid: the login's expiry, or the API token's (None
        for a token that never expires)."""
        return self.login.expires_at if self.login is not None else self.token_expires_at


async def authenticate_agent(
    session: AsyncSession,
    *,
    authorization: str | None,
    cookie: str | None,
    enrolling: bool = False,
) -> AgentAuth:
    """A bearer API token wins over the session cookie. A user whose role must use two-factor
    authentication and who has not set it up is refused (403 `two_factor_required`), unless
    `enrolling` (what they may do: read who they are, set it up, log out); by API token, always:
    a script cannot set it up. An expired token is refused as such (401 `token_expired`)."""
    token = bearer_token(authorization)
    if token is not None:
        found = await users_service.resolve_api_token(session, token=token)
        if found is None:
            raise Unauthorized("This API token is not valid, or was revoked.", code="bad_token")
        api_token, user = found
        if await two_factor.must_enrol(session, user):
            raise two_factor.TwoFactorRequired
        return AgentAuth(
            user,
            Credential(token_id=api_token.id),
            None,
            read_only=api_token.access == TokenAccess.read,
            token_expires_at=api_token.expires_at,
        )
    resolved = await users_service.resolve_session(session, token=cookie) if cookie else None
    if resolved is None:
        raise Unauthorized("Log in first.")
    login, user = resolved
    must_enrol = await two_factor.must_enrol(session, user)
    if must_enrol and not enrolling:
        raise two_factor.TwoFactorRequired
    return AgentAuth(user, Credential(session_id=login.id), login, must_enrol)


def ensure_origin(inbox: Inbox, origin: str | None) -> None:
    """An inbox with allowed origins only answers messengers embedded on those sites."""
    if origin is None or not inbox.allowed_origins:
        return
    if origin.rstrip("/").lower() not in inbox.allowed_origins:
        raise Forbidden(
            "This website is not allowed to use this messenger; add its origin to the inbox.",
            code="origin_not_allowed",
        )


async def authenticate_visitor(
    session: AsyncSession, *, token: str | None, origin: str | None
) -> tuple[Visitor, Inbox]:
    """The visitor and their inbox, from a messenger on a site the inbox allows."""
    visitor = await chats_service.resolve_visitor(session, token=token) if token else None
    if visitor is None:
        raise Unauthorized(
            "Unknown visitor: create one with POST /messenger/v1/visitors.",
            code="bad_visitor_token",
        )
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=visitor.inbox_id)
    ensure_origin(inbox, origin)
    return visitor, inbox
