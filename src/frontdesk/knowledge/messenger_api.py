"""The help center inside the messenger, under /messenger/v1/help: search the published
articles, open one (its sanitized HTML), and say whether it helped.

Public, as /messenger/v1/status is: named by the inbox's public key, answered only to the
websites the inbox accepts, limited per address. A search is counted for the desk's Searches
view (knowledge/search_log.py) unless it says it was sent as the visitor types (`typing`): the
messenger asks again without it once the visitor settled on a query. Searching and reading
take no visitor token:
they must not create a visitor (one is made when a chat starts). A vote does take one: the
visitor is the voter, one vote per article (the messenger lives in other websites' pages, where
no cookie of ours can be relied on). There is one help center per installation: every inbox's
messenger searches the same published articles (docs/knowledge-base.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.auth import ensure_origin
from frontdesk.chats.messenger_deps import CurrentVisitor, IpLimited, VisitorFirst
from frontdesk.deps import SessionDep
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.schemas import Id
from frontdesk.knowledge import search, search_log, service
from frontdesk.knowledge.links import article_url
from frontdesk.knowledge.models import ArticleStatus
from frontdesk.knowledge.pages_api import language
from frontdesk.knowledge.rendering import rendered
from frontdesk.knowledge.schemas import (
    PublicArticleRead,
    PublicArticleSummary,
    PublicSearch,
)

router = APIRouter(prefix="/messenger/v1/help", tags=["messenger"], route_class=VisitorFirst)
MAX_RESULTS = 8
InboxKey = Annotated[str, Query(max_length=40, description="The inbox's public key")]


async def _ensure_website(session: AsyncSession, request: Request, inbox: str) -> None:
    found = await inboxes_service.get_inbox_by_public_key(session, public_key=inbox)
    ensure_origin(found, request.headers.get("origin"))


@router.get("/articles", response_model=PublicSearch)
async def search_articles(
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    inbox: InboxKey,
    background: BackgroundTasks,
    q: Annotated[str, Query(max_length=200, description="What the visitor typed")] = "",
    typing: Annotated[
        bool,
        Query(
            description="True for a search sent as the visitor types: not counted in the "
            "desk's Searches view. Ask again without it once the visitor settled on a query."
        ),
    ] = False,
    lang: Annotated[
        str, Query(max_length=8, description="The messenger's language (`en`, `fr`)")
    ] = "",
) -> PublicSearch:
    """The published articles that match, best first (titles weigh more than bodies); the
    most recently changed ones when `q` is empty. Each in `lang` (else the browser's
    language) when it has a published translation into it, else in its own; the search looks in
    those translations too. A settled search (`typing` false) with a word
    in it is counted, in `lang` (else the browser's language), after the answer is sent."""
    await _ensure_website(session, request, inbox)
    reader = language(request)
    found = await service.list_articles(
        session, status=ArticleStatus.published, q=q, limit=MAX_RESULTS, language=reader
    )
    if not typing and search.parsed(q):
        search_log.record(request, background, query=q, language=reader, results=len(found.items))
    public_url = request.app.state.settings.public_url
    return PublicSearch(
        items=[
            PublicArticleSummary(
                id=item.article.id,
                title=item.title,
                excerpt=item.excerpt,
                language=item.language,
                url=article_url(public_url, item.article.id, item.article.slug),
            )
            for item in found.items
        ]
    )


@router.get("/articles/{article_id}", response_model=PublicArticleRead)
async def read_article(
    request: Request,
    article_id: Id,
    session: SessionDep,
    _limit: IpLimited,
    inbox: InboxKey,
    lang: Annotated[
        str, Query(max_length=8, description="The messenger's language (`en`, `fr`)")
    ] = "",
) -> PublicArticleRead:
    """404 for a draft, as for an article that does not exist. In `lang` (else the browser's
    language) when the article has a published translation into it, else in its own language
    (`translated` false then, and `language` says which)."""
    await _ensure_website(session, request, inbox)
    article = await service.published_article(session, article_id)
    reader = language(request)
    url = article_url(request.app.state.settings.public_url, article.id, article.slug)
    translation = await service.published_translation(session, article, reader)
    if translation is not None:
        return PublicArticleRead(
            id=article.id,
            title=translation.title,
            html=await rendered(translation.body),
            url=f"{url}?lang={translation.language}",
            updated_at=translation.updated_at,
            language=translation.language,
            translated=True,
        )
    return PublicArticleRead(
        id=article.id,
        title=article.title,
        html=await rendered(article.body),
        url=url,
        updated_at=article.updated_at,
        language=article.language,
        translated=article.language == reader,
    )


@router.post("/articles/{article_id}/feedback", status_code=status.HTTP_204_NO_CONTENT)
async def give_feedback(
    request: Request,
    article_id: Id,
    session: SessionDep,
    _limit: IpLimited,
    inbox: InboxKey,
    helpful: Annotated[bool, Query(description="The visitor's answer: true for Yes")],
    visitor: CurrentVisitor,
) -> None:
    """The messenger's "Was this helpful?", with the visitor's token: one vote per visitor and
    article, a later answer replacing the earlier one. No body."""
    await _ensure_website(session, request, inbox)
    await service.record_feedback(
        session, article_id=article_id, helpful=helpful, voter=service.Voter(visitor_id=visitor.id)
    )
