"""What the log stores of a value: JSON as it would be shown, secrets as "changed"."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

# What a secret's before and after are replaced by: that it changed, never what it was.
REDACTED = "changed"


def plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return str(value)


def change(before: Any, after: Any) -> list[Any]:
    return [plain(before), plain(after)]
