"""The signature a receiver checks (docs/webhooks.md has the verifier):
`Frontdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.

The timestamp is signed with the body so that a captured request cannot be replayed later
than the receiver's tolerance; the secret is ours, random, shown to admins."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Frontdesk-Signature"
EVENT_ID_HEADER = "Frontdesk-Event-Id"
EVENT_TYPE_HEADER = "Frontdesk-Event-Type"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
