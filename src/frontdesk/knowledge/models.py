"""The help center's tables: categories and articles (docs/knowledge-base.md).

An article's text is its Markdown source (`body`); the HTML shown is rendered from it when read
(knowledge/markdown.py) and kept in a bounded cache by the body's digest (knowledge/rendering.py),
never stored, so a change of the sanitizer reaches every article at the next start.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, Timestamped, enum_column
from frontdesk.kit.clock import utcnow


class ArticleStatus(enum.StrEnum):
    draft = "draft"
    published = "published"


class ArticleCategory(Timestamped, Base):
    __tablename__ = "article_categories"
    # Ids are in public addresses' history and audit entries: never given again.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)


class Article(Timestamped, Base):
    __tablename__ = "articles"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # Made from the title at each save; the public address names it, an old one redirects.
    slug: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_categories.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ArticleStatus] = mapped_column(
        enum_column(ArticleStatus), default=ArticleStatus.draft, index=True
    )
    # Optimistic concurrency: every change adds one; a write naming an older one is refused.
    version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    published_at: Mapped[datetime | None]
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)


# The one row of help_center_settings: one help center per installation.
SETTINGS_ID = 1


class HelpCenterSettings(Base):
    """The help center's name and where its "Contact us" leads; no row: the defaults."""

    __tablename__ = "help_center_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty: "Help center".
    name: Mapped[str] = mapped_column(String(100), default="")
    # An http(s) address; empty: no "Contact us" link.
    contact_url: Mapped[str] = mapped_column(String(500), default="")
    # Part of every public page's ETag: a change of name reaches cached pages at once.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
