"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): 30-second steps, 6 digits,
HMAC-SHA-1, as every authenticator app reads them from an otpauth:// URI."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# A phone's clock a little off, or a code typed as it rolled over: one step either side.
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommended length for HMAC-SHA-1


def new_secret() -> str:
    """Base32 without padding, the form authenticator apps take (typed or from the QR code)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def secret_bytes(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.new(key, counter.to_bytes(8, "big"), digest).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, at: datetime) -> str:
    return hotp(secret_bytes(secret), time_step(at))


def normalize_code(code: str) -> str:
    """What people paste: "123 456", "123-456"."""
    return "".join(char for char in code if not char.isspace() and char != "-")


def matching_step(secret: str, code: str, *, at: datetime, after: int | None) -> int | None:
    """The time step whose code this is, within the drift allowed and later than `after` (the
    last step accepted: a code seen once is never taken again), or None."""
    code = normalize_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = secret_bytes(secret)
    now = time_step(at)
    found = None
    # Every candidate is computed and compared, so the time taken says nothing about which one.
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(key, step), code) and (after is None or step > after):
            found = step if found is None else found
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """Key URI Format as Google Authenticator defined it, which every app follows."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
