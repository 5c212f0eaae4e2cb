"""AWS Signature Version 4 for S3 requests: the headers that prove a request was made with the
bucket's secret key. What the S3 store sends is small and known (its own keys, a few query
parameters), so the signature is computed here rather than by a whole SDK."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

# The hash of an empty body: GET, HEAD and DELETE send none.
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_UNRESERVED = "-_.~"


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """Percent-encoding as S3 signs it: everything but unreserved characters (and `/` in paths)."""
    return quote(value, safe=_UNRESERVED + ("/" if keep_slash else ""))


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{uri_encode(name)}={uri_encode(value)}" for name, value in sorted(params.items())
    )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signed_headers(
    *,
    method: str,
    host: str,
    path: str,
    query: Mapping[str, str],
    payload_sha256: str,
    access_key: str,
    secret_key: str,
    region: str,
    now: datetime,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers to send with the request: `path` already encoded (uri_encode), `host` exactly
    as sent in the Host header, `extra` headers signed as well (x-amz-*, Range)."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    headers = {
        "host": host,
        "x-amz-content-sha256": payload_sha256,
        "x-amz-date": stamp,
        **{name.lower(): value.strip() for name, value in (extra or {}).items()},
    }
    names = sorted(headers)
    canonical = "\n".join(
        [
            method,
            path,
            canonical_query(query),
            "".join(f"{name}:{headers[name]}\n" for name in names),
            ";".join(names),
            payload_sha256,
        ]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(
        _hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), "s3"), "aws4_request"
    )
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers
