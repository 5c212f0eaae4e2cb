"""A sign-in under way, kept in the browser between the redirect to the provider and the callback:
state, nonce and PKCE verifier in a short-lived HttpOnly cookie signed with the installation's
secret. Nothing is stored server-side, and a callback without the cookie of the browser that
started it (another browser, a forged link) is refused by its state."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

from frontdesk.kit.ids import same, sign
from frontdesk.sso.oidc import Attempt

ATTEMPT_COOKIE = "frontdesk_sso"
ATTEMPT_LIFETIME = timedelta(minutes=10)
SIGNATURE_LENGTH = 64


def seal(secret: bytes, attempt: Attempt, *, now: datetime) -> str:
    body = {
        "state": attempt.state,
        "nonce": attempt.nonce,
        "verifier": attempt.verifier,
        "until": int((now + ATTEMPT_LIFETIME).timestamp()),
    }
    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    return f"{payload}.{sign(secret, 'sso:' + payload, SIGNATURE_LENGTH)}"


def unseal(secret: bytes, cookie: str | None, *, now: datetime) -> Attempt | None:
    """The attempt, or None when the cookie is missing, tampered with or expired."""
    if not cookie or "." not in cookie:
        return None
    payload, signature = cookie.rsplit(".", 1)
    if not same(signature, sign(secret, "sso:" + payload, SIGNATURE_LENGTH)):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        attempt = Attempt(state=body["state"], nonce=body["nonce"], verifier=body["verifier"])
        until = int(body["until"])
    except (ValueError, KeyError, TypeError):
        return None
    if until < now.timestamp():
        return None
    return attempt
