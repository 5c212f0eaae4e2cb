"""Compact JSON text for what goes out on sockets and through the realtime broker.

Every chat message is encoded three times or more (its envelope, once for any number of sockets;
the sender's ack), and the standard library's encoder was a tenth of a busy server's event loop
(docs/performance.md). orjson writes the same JSON several times faster.

The text is the standard encoder's `separators=(",", ":")` output but for one thing: characters
beyond ASCII are written as themselves (UTF-8 on the wire), not as `\\u` escapes; both are the
same JSON. Datetimes, and anything else orjson does not know, go through the caller's `default`,
so a value is written exactly as before. A string orjson refuses (a lone UTF-16 surrogate, which
no stored text holds, as it cannot be encoded to UTF-8) falls back to the standard encoder, and
reading such text back falls back to the standard decoder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

# Non-string keys as the standard encoder writes them (1 -> "1"); datetimes to `default`.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def compact_json(value: Any, default: Callable[[Any], Any]) -> str:
    try:
        return orjson.dumps(value, default=default, option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), default=default)


def read_json(text: str) -> Any:
    """Reads what `compact_json` wrote, the rare fallback's escapes included."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
