"""Secrets the server must read back (a TOTP seed), sealed at rest: AES-256-GCM under a key
derived from the app's secret key (FRONTDESK_SECRET_KEY or the generated one) with HKDF, one key
per purpose. A copy of the database alone does not give them away; the key is never stored
beside them. Changing the secret key makes what was sealed under the old one unreadable
(docs/security.md says what that means for two-factor authentication)."""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
NONCE_BYTES = 12


class Unreadable(Exception):
    """Sealed under another key (the secret key changed), or tampered with."""


def _key(secret: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"frontdesk:{purpose}".encode()
    ).derive(secret)


def seal(secret: bytes, purpose: str, plaintext: str) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_key(secret, purpose)).encrypt(nonce, plaintext.encode(), purpose.encode())
    return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(secret: bytes, purpose: str, stored: str) -> str:
    version, _, payload = stored.partition(":")
    if version != VERSION:
        raise Unreadable(f"unknown format {version!r}")
    try:
        raw = base64.urlsafe_b64decode(payload)
        opened = AESGCM(_key(secret, purpose)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise Unreadable("sealed under another key, or changed") from exc
    return opened.decode()
