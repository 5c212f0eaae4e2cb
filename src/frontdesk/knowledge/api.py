"""The knowledge base for agents: articles, categories, the Markdown preview, and what readers
searched for."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.knowledge import searches, service
from frontdesk.knowledge.links import article_url
from frontdesk.knowledge.models import Article, ArticleStatus, ArticleTranslation
from frontdesk.knowledge.rendering import off_loop, rendered
from frontdesk.knowledge.schemas import (
    ArticleCreate,
    ArticlePage,
    ArticleRead,
    ArticleSummary,
    ArticleUpdate,
    ArticleVersion,
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    HelpCenterRead,
    HelpCenterUpdate,
    PreviewRead,
    PreviewRequest,
    SearchTermPage,
    SearchTermRead,
    TranslationRead,
    TranslationWrite,
)
from frontdesk.knowledge.search import excerpt

router = APIRouter(prefix="/knowledge", tags=["knowledge base"], route_class=AuthenticateFirst)


def _url(request: Request, article: Article) -> str:
    return article_url(request.app.state.settings.public_url, article.id, article.slug)


def _summary(request: Request, found: service.Found) -> ArticleSummary:
    article = found.article
    return ArticleSummary.model_validate(
        {**_columns(article), "url": _url(request, article), "excerpt": found.excerpt}
    )


def _columns(article: Article) -> dict[str, object]:
    return {
        name: getattr(article, name)
        for name in ArticleSummary.model_fields
        if hasattr(article, name)
    }


async def _read(request: Request, article: Article) -> ArticleRead:
    return ArticleRead.model_validate(
        {
            **_columns(article),
            "url": _url(request, article),
            "excerpt": excerpt(article.body, []),
            "body": article.body,
            "html": await rendered(article.body),
        }
    )


@router.get("/articles", response_model=ArticlePage)
async def list_articles(
    request: Request,
    _user: CurrentAgent,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200, description="Searches titles and bodies")] = "",
    status: ArticleStatus | None = None,
    category_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[
        int, Query(ge=0, le=100_000, description="The `next_offset` of the page before.")
    ] = 0,
) -> ArticlePage:
    """Every article, drafts included, a page at a time (no bodies); with `q`, the best match
    first (titles weigh more). `next_offset` is null on the last page."""
    found = await service.list_articles(
        session, status=status, category_id=category_id, q=q, limit=limit, offset=offset
    )
    return ArticlePage(
        items=[_summary(request, item) for item in found.items], next_offset=found.next_offset
    )


@router.post("/articles", response_model=ArticleRead, status_code=status.HTTP_201_CREATED)
async def create_article(
    request: Request, body: ArticleCreate, user: CurrentAgent, session: SessionDep
) -> ArticleRead:
    """A draft; any agent may write one."""
    article = await service.create_article(
        session,
        user=user,
        title=body.title,
        body=body.body,
        category_id=body.category_id,
        language=body.language,
    )
    return await _read(request, article)


@router.get("/articles/{article_id}", response_model=ArticleRead)
async def get_article(
    request: Request, article_id: Id, _user: CurrentAgent, session: SessionDep
) -> ArticleRead:
    return await _read(request, await service.get_article(session, article_id))


@router.patch("/articles/{article_id}", response_model=ArticleRead)
async def update_article(
    request: Request, article_id: Id, body: ArticleUpdate, user: CurrentAgent, session: SessionDep
) -> ArticleRead:
    """A draft by any agent, a published article by admins and owners (403 otherwise).
    409 `article_changed` when `version` is not the article's: someone saved meanwhile."""
    article = await service.update_article(
        session,
        user=user,
        article_id=article_id,
        version=body.version,
        title=body.title,
        body=body.body,
        language=body.language,
        **({"category_id": body.category_id} if "category_id" in body.model_fields_set else {}),
    )
    return await _read(request, article)


@router.post("/articles/{article_id}/publish", response_model=ArticleRead)
async def publish_article(
    request: Request, article_id: Id, body: ArticleVersion, user: CurrentAgent, session: SessionDep
) -> ArticleRead:
    """Admins and owners; it appears in the help center at once."""
    article = await service.set_published(
        session, user=user, article_id=article_id, version=body.version, published=True
    )
    return await _read(request, article)


@router.post("/articles/{article_id}/unpublish", response_model=ArticleRead)
async def unpublish_article(
    request: Request, article_id: Id, body: ArticleVersion, user: CurrentAgent, session: SessionDep
) -> ArticleRead:
    """Admins and owners; back to a draft, gone from the help center."""
    article = await service.set_published(
        session, user=user, article_id=article_id, version=body.version, published=False
    )
    return await _read(request, article)


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_article(
    article_id: Id,
    user: CurrentAgent,
    session: SessionDep,
    version: Annotated[
        int | None,
        Query(
            ge=1,
            description="Required: the version you read. 409 `article_changed` when someone "
            "changed the article since; nothing is deleted then.",
        ),
    ] = None,
) -> None:
    """Admins and owners, at the version they read (`?version=N`, as PATCH's `version`)."""
    await service.delete_article(session, user=user, article_id=article_id, version=version)


LanguageCode = Annotated[
    str, Path(max_length=8, description="The translation's language: `en`, `fr`.")
]


async def _translation(
    request: Request, article: Article, translation: ArticleTranslation
) -> TranslationRead:
    return TranslationRead(
        article_id=article.id,
        language=translation.language,
        title=translation.title,
        body=translation.body,
        html=await rendered(translation.body),
        status=translation.status,
        version=translation.version,
        outdated=service.outdated(article, translation),
        author_id=translation.author_id,
        editor_id=translation.editor_id,
        created_at=translation.created_at,
        updated_at=translation.updated_at,
        url=f"{_url(request, article)}?lang={translation.language}",
    )


@router.get("/articles/{article_id}/translations", response_model=list[TranslationRead])
async def list_translations(
    request: Request, article_id: Id, _user: CurrentAgent, session: SessionDep
) -> list[TranslationRead]:
    """The article's translations, drafts included, by language; each says whether it is
    `outdated` (the article's own text changed since it was saved)."""
    article = await service.get_article(session, article_id)
    return [
        await _translation(request, article, each)
        for each in await service.list_translations(session, article.id)
    ]


@router.get("/articles/{article_id}/translations/{language}", response_model=TranslationRead)
async def get_translation(
    request: Request,
    article_id: Id,
    language: LanguageCode,
    _user: CurrentAgent,
    session: SessionDep,
) -> TranslationRead:
    translation = await service.get_translation(session, article_id, language)
    article = await service.get_article(session, article_id)
    return await _translation(request, article, translation)


@router.put("/articles/{article_id}/translations/{language}", response_model=TranslationRead)
async def put_translation(
    request: Request,
    article_id: Id,
    language: LanguageCode,
    body: TranslationWrite,
    user: CurrentAgent,
    session: SessionDep,
) -> TranslationRead:
    """Adds the translation (no `version`) or changes it (`version` as read). Who may: who may
    edit the article, and admins and owners to publish, unpublish or change a published
    translation (403 `knowledge_admins_only`). 409 `translation_changed` when someone saved it
    meanwhile. Saving it (even unchanged) makes it up to date with the article's text."""
    translation = await service.save_translation(
        session,
        user=user,
        article_id=article_id,
        language=language,
        title=body.title,
        body=body.body,
        published=body.published,
        version=body.version,
    )
    article = await service.get_article(session, article_id)
    return await _translation(request, article, translation)


@router.delete(
    "/articles/{article_id}/translations/{language}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_translation(
    article_id: Id,
    language: LanguageCode,
    user: CurrentAgent,
    session: SessionDep,
    version: Annotated[
        int | None,
        Query(
            ge=1,
            description="Required: the translation's version you read. 409 "
            "`translation_changed` when someone changed it since; nothing is deleted then.",
        ),
    ] = None,
) -> None:
    """At the version read (`?version=N`); who may: as for a change."""
    await service.delete_translation(
        session, user=user, article_id=article_id, language=language, version=version
    )


@router.get("/searches", response_model=SearchTermPage)
async def list_searches(
    user: CurrentAgent,
    session: SessionDep,
    days: Annotated[
        int, Query(ge=1, le=searches.KEEP_DAYS, description="The period: the last N days (UTC).")
    ] = 30,
    no_results: Annotated[
        bool, Query(description="Only the terms whose latest search found nothing.")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[
        int, Query(ge=0, le=100_000, description="The `next_offset` of the page before.")
    ] = 0,
) -> SearchTermPage:
    """What readers searched for in the help center and the messenger, most searched first,
    with how many found nothing. Admins and owners (`403 knowledge_admins_only`)."""
    found = await searches.top_terms(
        session, user=user, days=days, only_no_results=no_results, limit=limit, offset=offset
    )
    return SearchTermPage(
        items=[SearchTermRead.model_validate(item, from_attributes=True) for item in found.items],
        next_offset=found.next_offset,
        since=found.since,
        searches=found.searches,
        no_results=found.no_results,
    )


@router.post("/preview", response_model=PreviewRead)
async def preview(body: PreviewRequest, _user: CurrentAgent) -> PreviewRead:
    """The Markdown as the help center will show it: rendered and sanitized."""
    return PreviewRead(html=await off_loop(body.body))


@router.get("/settings", response_model=HelpCenterRead)
async def get_help_center(_user: CurrentAgent, session: SessionDep) -> HelpCenterRead:
    """The help center's name and "Contact us" address; every agent may read them."""
    return HelpCenterRead.of(await service.help_center(session))


@router.put("/settings", response_model=HelpCenterRead)
async def update_help_center(
    body: HelpCenterUpdate, user: CurrentAgent, session: SessionDep
) -> HelpCenterRead:
    """Admins and owners. An empty `contact_url` hides the "Contact us" link."""
    settings = await service.update_help_center(
        session,
        user=user,
        name=body.name,
        contact_url=body.contact_url,
        customer_portal=body.customer_portal,
        portal_inbox_id=(
            body.portal_inbox_id
            if "portal_inbox_id" in body.model_fields_set
            else service.UNCHANGED
        ),
    )
    return HelpCenterRead.of(settings)


@router.get("/categories", response_model=list[CategoryRead])
async def list_categories(_user: CurrentAgent, session: SessionDep) -> list[CategoryRead]:
    return [CategoryRead.model_validate(c) for c in await service.list_categories(session)]


@router.post("/categories", response_model=CategoryRead, status_code=status.HTTP_201_CREATED)
async def create_category(
    body: CategoryCreate, user: CurrentAgent, session: SessionDep
) -> CategoryRead:
    """Admins and owners."""
    category = await service.create_category(
        session, user=user, name=body.name, description=body.description, position=body.position
    )
    return CategoryRead.model_validate(category)


@router.patch("/categories/{category_id}", response_model=CategoryRead)
async def update_category(
    category_id: Id, body: CategoryUpdate, user: CurrentAgent, session: SessionDep
) -> CategoryRead:
    """Admins and owners."""
    category = await service.get_category(session, category_id)
    await service.update_category(
        session,
        user=user,
        category=category,
        name=body.name,
        description=body.description,
        position=body.position,
    )
    return CategoryRead.model_validate(category)


@router.delete("/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_category(category_id: Id, user: CurrentAgent, session: SessionDep) -> None:
    """Admins and owners; its articles stay, without a category."""
    category = await service.get_category(session, category_id)
    await service.delete_category(session, user=user, category=category)
