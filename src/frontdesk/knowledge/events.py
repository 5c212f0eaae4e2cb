"""`article.changed`: every desk hears that an article was created, saved, published,
unpublished or deleted (docs/knowledge-base.md, "Editing together"): the article list follows,
and an editor open on it says who changed it at once rather than at its own save. Every agent
reads every article, drafts included (knowledge/service.py), so every agent hears every change.
Published after the commit, as every event.

`article.translation_changed`: the same of one of its translations (docs/knowledge-base.md,
"Languages"), naming the language, the translation's version and status, and who; its words
are read over the API by the editors open on the article."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.knowledge.models import Article, ArticleTranslation
from frontdesk.realtime.catalogue import (
    ArticleChanged,
    ArticleChangeName,
    ArticleEvent,
    ArticleStatusName,
    ArticleTranslationChanged,
    TranslationChangeName,
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


def record_translation_changed(
    session: AsyncSession,
    translation: ArticleTranslation,
    *,
    change: TranslationChangeName,
    by: User,
) -> None:
    status: ArticleStatusName = "published" if translation.status.value == "published" else "draft"
    record(
        session,
        type=ArticleEvent.translation_changed,
        topics=[ALL_AGENTS],
        data=ArticleTranslationChanged(
            article_id=translation.article_id,
            language=translation.language,
            change=change,
            version=translation.version,
            status=status,
            by=UserRef(id=by.id, name=by.name),
        ),
    )
