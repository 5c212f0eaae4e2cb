"""POSTing one delivery: signed, with timeouts, never following a redirect, never raising. No
database here: the loop claims rows, this sends them, the service records what happened."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from frontdesk.kit.clock import utcnow
from frontdesk.webhooks.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    signature,
)

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
# What of a receiver's answer is kept for the log: enough to read an error page's first lines.
EXCERPT_BYTES = 1024
USER_AGENT = "frontdesk-webhooks/1"


@dataclass(frozen=True)
class Attempt:
    status: int | None
    error: str | None
    excerpt: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


async def post(
    client: httpx.AsyncClient, *, url: str, secrets: Sequence[str], payload: dict[str, Any]
) -> Attempt:
    """`secrets`: the webhook's, the current one first (signing.py)."""
    body = body_of(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        # The log keeps the answer's first bytes as they came: ask for them uncompressed
        # (httpx asks for gzip by default, and the raw bytes would be unreadable).
        "Accept-Encoding": "identity",
        EVENT_ID_HEADER: str(payload["id"]),
        EVENT_TYPE_HEADER: str(payload["type"]),
        SIGNATURE_HEADER: signature(secrets, int(utcnow().timestamp()), body),
    }
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        async with asyncio.timeout(TOTAL_TIMEOUT):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                excerpt = bytearray()
                async for chunk in response.aiter_raw():
                    excerpt.extend(chunk)
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
    except TimeoutError:
        return Attempt(None, f"no answer within {TOTAL_TIMEOUT:g} s", None, took())
    except httpx.TimeoutException as exc:
        return Attempt(None, f"timed out: {type(exc).__name__}", None, took())
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        named = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Attempt(None, named, None, took())
    text = readable(bytes(excerpt), response.headers.get("Content-Encoding", ""))
    status = response.status_code
    error: str | None = None
    if not 200 <= status < 300:
        error = f"HTTP {status}"
        if 300 <= status < 400:
            error += " (redirects are not followed: save the final URL)"
    return Attempt(status, error, text, took())


def readable(raw: bytes, encoding: str) -> str:
    """The start of an answer as text, for the log. A receiver that compresses although we asked
    it not to is decoded (gzip or deflate), to EXCERPT_BYTES at most whatever the compressed
    bytes expand to (a small answer can unpack to gigabytes); another encoding is named, not
    shown."""
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return raw[:EXCERPT_BYTES].decode("utf-8", "replace")
    windows = {"gzip": [16 + zlib.MAX_WBITS], "x-gzip": [16 + zlib.MAX_WBITS]}
    # "deflate" is zlib-wrapped by the standard, raw deflate from some servers.
    windows["deflate"] = [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    for wbits in windows.get(coding, []):
        try:
            plain = zlib.decompressobj(wbits).decompress(raw, EXCERPT_BYTES)
        except zlib.error:
            continue
        return plain.decode("utf-8", "replace")
    return f"(an answer compressed as {encoding.strip()[:40]}: not shown)"


def client(transport: httpx.AsyncHTTPTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        timeout=httpx.Timeout(TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT),
    )
