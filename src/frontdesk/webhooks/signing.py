"""The signature a receiver checks (docs/webhooks.md has the verifier):
`Frontdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.

The timestamp is signed with the body so that a captured request cannot be replayed later
than the receiver's tolerance; the secret is ours, random, shown to admins. While a rotated
secret's overlap lasts, the header carries one `v1=` per secret, the new one first and the one
it replaced last (`t=…,v1=<new>,v1=<old>`): a receiver that checks every `v1` accepts either,
and one written to the first verifier we published (which kept the last `v1`) goes on working
with the old secret until it switches."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

SIGNATURE_HEADER = "Frontdesk-Signature"
EVENT_ID_HEADER = "Frontdesk-Event-Id"
EVENT_TYPE_HEADER = "Frontdesk-Event-Type"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature(secret: str | Sequence[str], timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    keys = [secret] if isinstance(secret, str) else list(secret)
    digests = (hmac.new(key.encode(), signed, hashlib.sha256).hexdigest() for key in keys)
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])
