"""Small text helpers shared by services."""

from __future__ import annotations


def like_pattern(text: str) -> str:
    """A `%…%` LIKE pattern matching `text` literally (use with escape='\\')."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
