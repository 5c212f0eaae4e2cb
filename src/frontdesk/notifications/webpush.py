"""Web Push on the wire, without a database: a payload encrypted for one browser (RFC 8291,
aes128gcm of RFC 8188) and the VAPID token that says the push comes from us (RFC 8292).

Written on `cryptography` alone: the Python libraries for this send with a blocking HTTP client,
and the rest of the work (HKDF, ECDH, AES-GCM, ES256) is a page of code.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# One record holds the whole payload: push services accept at least 4096 bytes of body.
RECORD_SIZE = 4096
MAX_PAYLOAD = 3000
TOKEN_LIFETIME = 12 * 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hkdf(*, salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed point (65 bytes), as browsers and VAPID write a P-256 key."""
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def encrypt(
    payload: bytes,
    *,
    p256dh: str,
    auth: str,
    salt: bytes | None = None,
    sender_key: ec.EllipticCurvePrivateKey | None = None,
) -> bytes:
    """The request body for one subscription: header (salt, record size, our ephemeral public
    key) and one aes128gcm record. `salt` and `sender_key` are fresh for every message unless
    a test fixes them."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("a push payload is at most 3000 bytes")
    ua_public_bytes = b64url_decode(p256dh)
    ua_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public_bytes)
    auth_secret = b64url_decode(auth)
    salt = salt if salt is not None else os.urandom(16)
    sender_key = sender_key if sender_key is not None else ec.generate_private_key(ec.SECP256R1())
    as_public = public_bytes(sender_key.public_key())
    ecdh_secret = sender_key.exchange(ec.ECDH(), ua_public)
    key_info = b"WebPush: info\x00" + ua_public_bytes + as_public
    ikm = _hkdf(salt=auth_secret, ikm=ecdh_secret, info=key_info, length=32)
    cek = _hkdf(salt=salt, ikm=ikm, info=b"Content-Encoding: aes128gcm\x00", length=16)
    nonce = _hkdf(salt=salt, ikm=ikm, info=b"Content-Encoding: nonce\x00", length=12)
    # 0x02: the last (and only) record, no padding after it.
    record = AESGCM(cek).encrypt(nonce, payload + b"\x02", None)
    header = salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(as_public)]) + as_public
    return header + record


@dataclass(frozen=True)
class Vapid:
    """The desk's application server key."""

    private_key: ec.EllipticCurvePrivateKey
    subject: str

    @classmethod
    def from_pem(cls, pem: str, *, subject: str) -> Vapid:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the VAPID key must be an EC P-256 key")
        return cls(key, subject)

    @property
    def public_key(self) -> str:
        """What the browser's `pushManager.subscribe` takes as `applicationServerKey`."""
        return b64url(public_bytes(self.private_key.public_key()))

    def token(self, endpoint: str, *, now: float | None = None) -> str:
        """An ES256 JWT for the push service that owns `endpoint` (its origin is the audience)."""
        parts = urlsplit(endpoint)
        claims = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int((now if now is not None else time.time()) + TOKEN_LIFETIME),
            "sub": self.subject,
        }
        header = b64url(json.dumps({"typ": "JWT", "alg": "ES256"}).encode())
        body = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{body}".encode()
        r, s = decode_dss_signature(self.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return f"{header}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def headers(self, endpoint: str, *, ttl: int, urgency: str = "high") -> dict[str, str]:
        return {
            "Authorization": f"vapid t={self.token(endpoint)}, k={self.public_key}",
            "TTL": str(ttl),
            "Urgency": urgency,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
        }


def new_private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
