"""Opaque tokens and their stored form: we keep only a digest, so a leaked table grants nothing."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str = "", nbytes: int = 32) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign(secret: bytes, message: str, length: int = 20) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:length]


def same(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
