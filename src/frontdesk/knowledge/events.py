"""`article.changed`: every desk hears that an article was created, saved, published,
unpublished or deleted (docs/knowledge-base.md, "Editing together"): the article list follows,
and an editor open on it says who changed it at once rather than at its own save. Every agent
reads every article, drafts included (knowledge/service.py), so every agent hears every change.
Published after the commit, as every event."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.knowledge.models import Article
from frontdesk.realtime.catalogue import (
    ArticleChanged,
    ArticleChangeName,
    ArticleEvent,
    ArticleStatusName,
    UserRef,
)
from frontdesk.realtime.envelope import ALL_AGENTS
from frontdesk.realtime.publisher import record
from frontdesk.users.models import User


def record_changed(
    session: AsyncSession, article: Article, *, change: ArticleChangeName, by: User
) -> None:
    status: ArticleStatusName = "published" if article.status.value == "published" else "draft"
    record(
        session,
        type=ArticleEvent.changed,
        topics=[ALL_AGENTS],
        data=ArticleChanged(
            article_id=article.id,
            change=change,
            version=article.version,
            status=status,
            title=article.title,
            by=UserRef(id=by.id, name=by.name),
        ),
    )
