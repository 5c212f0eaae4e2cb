"""The help center's public addresses (docs/knowledge-base.md#public-addresses)."""

from __future__ import annotations

PATH = "/help"


def article_path(article_id: int, slug: str) -> str:
    return f"{PATH}/articles/{article_id}-{slug}"


def article_url(public_url: str, article_id: int, slug: str) -> str:
    return public_url.rstrip("/") + article_path(article_id, slug)


def requests_url(public_url: str) -> str:
    """The customer portal's list, "My requests" (docs/portal.md)."""
    return public_url.rstrip("/") + f"{PATH}/requests"
