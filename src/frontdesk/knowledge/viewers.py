"""Who has a knowledge base article open in the desk's editor, and who holds unsaved changes in
it ("edit"): the tickets' collision detection (realtime/viewers.py keeps the rows, one per desk
socket, gone with it, and numbers each change of a list) applied to articles. Every agent may
read every article, so each list goes to every agent, whole."""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.knowledge.models import Article, ArticleViewer, ArticleViewersVersion
from frontdesk.realtime.catalogue import ArticleEvent, ArticleViewers
from frontdesk.realtime.catalogue import ArticleViewer as ViewerItem
from frontdesk.realtime.envelope import ALL_AGENTS
from frontdesk.realtime.publisher import record
from frontdesk.realtime.viewers import ViewedKind
from frontdesk.users.models import User

Composing = Literal["edit"]

ARTICLES = ViewedKind(
    rows=ArticleViewer, versions=ArticleViewersVersion, key="article_id", composing=("edit",)
)


async def _list(session: AsyncSession, *, article_id: int, version: int) -> ArticleViewers:
    viewers = cast(list[ViewerItem], await ARTICLES.viewers_of(session, article_id))
    return ArticleViewers(article_id=article_id, viewers=viewers, version=version)


async def set_presence(
    session: AsyncSession,
    *,
    article: Article,
    user: User,
    connection_id: str,
    viewing: bool,
    composing: Composing | None = None,
) -> ArticleViewers:
    """What one desk socket shows of `article`. Publishes only when something changed; answers
    the list either way."""
    version = await ARTICLES.set(
        session,
        subject_id=article.id,
        user_id=user.id,
        connection_id=connection_id,
        viewing=viewing,
        composing=composing,
    )
    if version is None:
        # Read first: the list is no older than its number.
        version = await ARTICLES.version_of(session, article.id)
        return await _list(session, article_id=article.id, version=version)
    return _publish(session, await _list(session, article_id=article.id, version=version))


def _publish(session: AsyncSession, data: ArticleViewers) -> ArticleViewers:
    record(session, type=ArticleEvent.viewers, topics=[ALL_AGENTS], data=data)
    return data


async def connection_left(session: AsyncSession, *, connection_id: str) -> None:
    """A desk socket closed (or its process died): its articles lose it as a viewer."""
    for article_id, version in await ARTICLES.connection_left(session, connection_id=connection_id):
        _publish(session, await _list(session, article_id=article_id, version=version))
