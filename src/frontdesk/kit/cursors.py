"""Page cursors that remember which list they continue.

A cursor is URL-safe base64 of the JSON list `[kind, digest, *position]`: `kind` is the sort it
continues (or a mode such as a sync), `digest` a short hash of the list's filters, `position`
where the last page ended. A cursor sent with another sort or other filters would continue a
different list from a place that means nothing there: it is refused (422) rather than answered
with a page that looks right and is not.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontdesk.errors import Invalid

NOT_A_CURSOR = "This cursor is not valid; start again from the first page."


@dataclass(frozen=True)
class Cursor:
    kind: str
    digest: str
    position: tuple[Any, ...]


def digest(filters: Mapping[str, Any]) -> str:
    """A short hash of a list's filters; the same filters give the same digest in any order."""
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode(kind: str, filters_digest: str, *position: Any) -> str:
    raw = json.dumps([kind, filters_digest, *position], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> Cursor:
    """The cursor's parts, or 422 on `cursor` for anything this module did not make."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        raise Invalid("cursor", NOT_A_CURSOR) from None
    if (
        not isinstance(value, list)
        or len(value) < 3
        or not isinstance(value[0], str)
        or not isinstance(value[1], str)
    ):
        raise Invalid("cursor", NOT_A_CURSOR)
    return Cursor(kind=value[0], digest=value[1], position=tuple(value[2:]))


def ensure_continues(cursor: Cursor, *, kind: str, filters_digest: str) -> None:
    """422 on `cursor` when it was made for another sort (or mode) or other filters."""
    if cursor.kind != kind:
        raise Invalid(
            "cursor",
            f"This cursor continues a list sorted by {cursor.kind}, not {kind}: ask with "
            f"sort={cursor.kind} (or leave sort out), or start again without a cursor.",
        )
    if cursor.digest != filters_digest:
        raise Invalid(
            "cursor",
            "This cursor continues a list with other filters: ask with the same filters as the "
            "request that gave it, or start again without a cursor.",
        )
