"""The one-click links of a rating email: `/rate/<request id>.<signature>/<score>`.

The signature is an HMAC of the request's id and nonce with the app's secret, so a link cannot be
forged or pointed at another ticket, and a later request for the same ticket (new nonce) retires
the old links. Whether a link still works (expiry, the change window) is the database's say.
"""

from __future__ import annotations

import re

from frontdesk.kit.ids import same, sign

SIGNATURE_LENGTH = 32
PATH = "/rate"
_TOKEN = re.compile(r"^(?P<id>[1-9][0-9]{0,17})\.(?P<mac>[0-9a-f]{32})$")


def link_token(secret: bytes, *, request_id: int, nonce: str) -> str:
    return f"{request_id}.{sign(secret, f'rating:{request_id}:{nonce}', SIGNATURE_LENGTH)}"


def token_request_id(token: str) -> int | None:
    """The request a token names, before its signature is checked (None: not a token at all)."""
    match = _TOKEN.match(token)
    return int(match["id"]) if match else None


def token_is_valid(secret: bytes, token: str, *, request_id: int, nonce: str) -> bool:
    return same(token, link_token(secret, request_id=request_id, nonce=nonce))


def rating_url(public_url: str, token: str, score: str | None = None) -> str:
    base = f"{public_url.rstrip('/')}{PATH}/{token}"
    return f"{base}/{score}" if score else base
