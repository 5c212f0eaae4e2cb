"""Asking an OAuth 2.0 token endpoint for a new access token with the refresh_token grant
(RFC 6749 §6). No database here: mail/tokens.py decides when to ask and records the answer.

The client authenticates with its id and secret in the form body (`client_secret_post`), which
Google, Microsoft and every common identity provider accept; a public client (no secret) sends
its id alone."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

TIMEOUT = 30.0
# Answers that mean the grant or the client is wrong: asking again cannot help, a person must
# (RFC 6749 §5.2). Anything else (unreachable, 5xx, temporarily_unavailable) may pass.
REFUSALS = frozenset(
    {
        "invalid_grant",
        "invalid_client",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "invalid_request",
    }
)


@dataclass(frozen=True)
class Grant:
    access_token: str
    # Seconds the access token lasts, when the provider says.
    expires_in: int | None
    # A new refresh token, when the provider rotates them: the old one may no longer work.
    refresh_token: str | None


class TokenRefused(Exception):
    """The provider refused the refresh for good (revoked or expired grant, wrong client)."""


class TokenUnavailable(Exception):
    """The provider could not be asked or did not answer usefully; trying later may work."""


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error_text(body: object, status: int) -> tuple[str, str]:
    if isinstance(body, dict):
        code = str(body.get("error") or f"HTTP {status}")
        description = body.get("error_description")
        return code, f"{code}: {description}" if description else code
    return f"HTTP {status}", f"HTTP {status}"


async def refresh_access_token(
    token_url: str,
    *,
    client_id: str,
    client_secret: str | None,
    refresh_token: str,
    scope: str | None = None,
) -> Grant:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    if client_secret:
        form["client_secret"] = client_secret
    if scope:
        form["scope"] = scope
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
            response = await client.post(
                token_url, data=form, headers={"Accept": "application/json"}
            )
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise TokenUnavailable(f"cannot reach the token endpoint: {reason}") from exc
    try:
        body: object = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        code, text = _error_text(body, response.status_code)
        if code in REFUSALS:
            raise TokenRefused(text)
        raise TokenUnavailable(f"the token endpoint answered {text}")
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise TokenUnavailable("the token endpoint answered without an access token")
    expires_in = body.get("expires_in")
    try:
        lifetime = int(expires_in) if expires_in is not None else None
    except (TypeError, ValueError):
        lifetime = None
    rotated = body.get("refresh_token")
    return Grant(
        access_token=body["access_token"],
        expires_in=lifetime,
        refresh_token=rotated if isinstance(rotated, str) and rotated else None,
    )
