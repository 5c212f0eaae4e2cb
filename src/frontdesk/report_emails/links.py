"""The unsubscribe link of a report email: `/report-emails/unsubscribe/<id>.<signature>`.

The signature is an HMAC of the subscription's id and nonce with the app's secret (kit/ids.py
`sign`, as the rating links), so a link cannot be forged or pointed at another subscription; it
needs no login, and it works for as long as the subscription exists."""

from __future__ import annotations

import re

from frontdesk.kit.ids import same, sign

SIGNATURE_LENGTH = 32
PATH = "/report-emails/unsubscribe"
_TOKEN = re.compile(r"^(?P<id>[1-9][0-9]{0,17})\.(?P<mac>[0-9a-f]{32})$")


def link_token(secret: bytes, *, subscription_id: int, nonce: str) -> str:
    message = f"report-email:{subscription_id}:{nonce}"
    return f"{subscription_id}.{sign(secret, message, SIGNATURE_LENGTH)}"


def token_subscription_id(token: str) -> int | None:
    """The subscription a token names, before its signature is checked (None: no token)."""
    match = _TOKEN.match(token)
    return int(match["id"]) if match else None


def token_is_valid(secret: bytes, token: str, *, subscription_id: int, nonce: str) -> bool:
    return same(token, link_token(secret, subscription_id=subscription_id, nonce=nonce))


def unsubscribe_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{PATH}/{token}"
