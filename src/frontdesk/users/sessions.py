"""Opening a desk session once someone proved who they are: the login policy from the settings,
and the session and CSRF cookies. Shared by the password login (users/api.py) and single sign-on
(sso/api.py), so both sign people in the same way."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.config import Settings
from frontdesk.deps import CSRF_COOKIE, SESSION_COOKIE, client_ip
from frontdesk.users import devices, service
from frontdesk.users.models import AuthSession, User


def login_policy(settings: Settings) -> service.LoginPolicy:
    return service.LoginPolicy(
        max_failures_per_account=settings.login_max_failures_per_account,
        max_failures_per_ip=settings.login_max_failures_per_ip,
        window=timedelta(seconds=settings.login_throttle_window),
        session_lifetime=timedelta(days=settings.session_lifetime_days),
    )


async def sign_in(
    session: AsyncSession,
    *,
    user: User,
    request: Request,
    response: Response,
    settings: Settings,
    method: str = "password",
) -> AuthSession:
    """Opens a desk session for a user who proved who they are (single sign-on; a password goes
    through two_factor.second_step first): the session cookie and the CSRF cookie on
    `response`."""
    policy = login_policy(settings)
    auth, token = await service.start_session(
        session,
        user=user,
        policy=policy,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        method=method,
    )
    set_session_cookies(response, settings, policy, auth=auth, token=token)
    return auth


def set_session_cookies(
    response: Response,
    settings: Settings,
    policy: service.LoginPolicy,
    *,
    auth: AuthSession,
    token: str,
) -> None:
    max_age = int(policy.session_lifetime.total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    # Readable by the desk's script, which echoes it in X-CSRF-Token; useless to another site.
    response.set_cookie(
        CSRF_COOKIE,
        auth.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def device_cookie(request: Request) -> str | None:
    return request.cookies.get(devices.DEVICE_COOKIE)


def remember_device(
    request: Request, response: Response, settings: Settings, *, user: User
) -> None:
    """After a password login: this browser now vouches for the user (users/devices.py). Kept
    past logout, which is the point: it lets the browser sign in while guesses from elsewhere
    have locked the account."""
    response.set_cookie(
        devices.DEVICE_COOKIE,
        devices.remembered(device_cookie(request), secret=settings.secret, user=user),
        max_age=int(devices.LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        # Only the login routes read it.
        path="/api/v1/auth/login",
    )
