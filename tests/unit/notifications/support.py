"""Reading an agent's bell over HTTP; a browser's push subscription (its keys, and decrypting
what arrives for it) and a push service on loopback."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tests.realtime import serve_in_thread


async def bell(agent: Any, **params: Any) -> dict[str, Any]:
    response = await agent.client.get("/api/v1/notifications", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def kinds(agent: Any) -> list[str]:
    return [item["kind"] for item in (await bell(agent))["items"]]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """What a browser keeps of its subscription: the private key and the auth secret."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8291 §3.4 and RFC 8188 §2, the receiving side."""
        salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        sender_public = body[21 : 21 + idlen]
        ciphertext = body[21 + idlen :]
        assert len(ciphertext) <= rs
        shared = self.key.exchange(
            ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
        )
        info = b"WebPush: info\x00" + self.p256dh + sender_public
        ikm = HKDF(hashes.SHA256(), 32, self.auth, info).derive(shared)
        cek = HKDF(hashes.SHA256(), 16, salt, b"Content-Encoding: aes128gcm\x00").derive(ikm)
        nonce = HKDF(hashes.SHA256(), 12, salt, b"Content-Encoding: nonce\x00").derive(ikm)
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
        content = padded.rstrip(b"\x00")
        assert content[-1:] == b"\x02", "the last record ends with the 0x02 delimiter"
        return content[:-1]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """A push service on loopback: records each POST and answers with its endpoint's status, or
    the next queued one."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []
        # An answer by endpoint, for pushes sent at once (their order is not known).
        self.by_path: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                service.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = service.by_path.get(self.path) or (
                    service.statuses.pop(0) if service.statuses else 201
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = serve_in_thread(self.server, start=False)

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


async def subscribe(agent: Any, browser: Browser, endpoint: str) -> dict[str, Any]:
    response = await agent.client.post(
        "/api/v1/push/subscriptions",
        json={
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64(browser.p256dh), "auth": b64(browser.auth)},
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
