"""The help center's tables: categories, articles and their votes, the settings, and what
readers searched for (docs/knowledge-base.md).

An article's text is its Markdown source (`body`); the HTML shown is rendered from it when read
(knowledge/markdown.py) and kept in a bounded cache by the body's digest (knowledge/rendering.py),
never stored, so a change of the sanitizer reaches every article at the next start.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    true,
)
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
    # The language the text (title and body) is written in: its translations are in the help
    # center's other languages (article_translations). Articles written before migration 0091
    # are taken to be in English (knowledge/languages.py).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
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
    # The "Was this helpful?" answers: one per voter (article_votes), kept here to list them
    # without counting.
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)


class ArticleTranslation(Timestamped, Base):
    """An article's text in another of the help center's languages: its own title and Markdown
    body, published or a draft on its own (docs/knowledge-base.md, "Languages"). One per article
    and language; gone with the article.

    `source_digest` is the digest of the original's title and body when the translation was last
    saved (or marked up to date): when the original's text differs since, the translation is
    outdated. A digest rather than the article's version, which also grows when it is published
    or unpublished: only a change of its words makes a translation out of date, and undoing that
    change makes it current again."""

    __tablename__ = "article_translations"
    __table_args__ = (
        UniqueConstraint("article_id", "language"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique key's first column: it serves the article's lookups too.
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ArticleStatus] = mapped_column(
        enum_column(ArticleStatus), default=ArticleStatus.draft
    )
    # Optimistic concurrency, as the article's: a save naming another version is refused (409).
    version: Mapped[int] = mapped_column(default=1)
    source_digest: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class ArticleVote(Timestamped, Base):
    """One voter's "Was this helpful?" answer to an article: a help center browser (the digest
    of its voter cookie) or a messenger visitor. Voting again changes the answer; the keys make
    a second row impossible, even from two clicks at once."""

    __tablename__ = "article_votes"
    __table_args__ = (
        CheckConstraint("(browser IS NULL) <> (visitor_id IS NULL)", name="one_voter"),
        UniqueConstraint("article_id", "browser"),
        UniqueConstraint("article_id", "visitor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # sha256 of the help center's voter cookie: the cookie alone says which row is its own.
    browser: Mapped[str | None] = mapped_column(String(64))
    # Deleted with the visitor (an erasure deletes visitors).
    visitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    helpful: Mapped[bool]


class ArticleViewer(Base):
    """An agent's desk socket showing an article in the editor, and whether it holds unsaved
    changes ("edit"). Removed with the socket (chats/presence.py), so nobody lingers after a tab
    closes or a process dies; gone with the article too (realtime/viewers.py keeps them)."""

    __tablename__ = "article_viewers"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # "edit" while the agent's editor holds unsaved changes, else None.
    composing: Mapped[str | None] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleViewersVersion(Base):
    """How many times an article's viewer list changed: the number a published list carries
    (the higher the newer), and the lock that makes two changes of one list take turns."""

    __tablename__ = "article_viewers_versions"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)


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
    # "Customers can sign in to see their requests" (portal/, docs/portal.md): off, the
    # portal's pages are the "not found" page and its sessions stop working.
    customer_portal: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Where a request a signed-in customer opens from the portal goes ("New request"); None (never
    # chosen, or its inbox deleted since): the portal offers none.
    portal_inbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("inboxes.id", ondelete="SET NULL")
    )
    # Part of every public page's ETag: a change of name reaches cached pages at once.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeSearch(Base):
    """What readers searched for on one day (UTC), in one language: how many searches, how many
    of them found nothing, and how many articles the latest one found (knowledge/searches.py).
    A count per term and day, never a row per search: no reader, no address, no time of day
    (docs/knowledge-base.md, "What readers searched for"). The key leads with the day: the
    desk reads a range of days, and the retention pass deletes the oldest."""

    __tablename__ = "knowledge_searches"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # Trimmed, case-folded, spaces collapsed (searches.normalised): "Refund  Policy" is "refund
    # policy".
    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The language the reader was answered in ("en", "fr").
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    searches: Mapped[int] = mapped_column(default=0)
    no_results: Mapped[int] = mapped_column(default=0)
    results: Mapped[int] = mapped_column(default=0)
