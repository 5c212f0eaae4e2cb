from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from frontdesk.kit.schemas import Id, ReadModel, WriteModel
from frontdesk.knowledge.languages import DEFAULT_LANGUAGE, LANGUAGES, Language
from frontdesk.knowledge.models import ArticleStatus, HelpCenterSettings
from frontdesk.knowledge.service import (
    DEFAULT_NAME,
    MAX_BODY,
    MAX_CATEGORY_NAME,
    MAX_CONTACT_URL,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_TITLE,
)

Title = Annotated[str, Field(max_length=MAX_TITLE)]
Body = Annotated[str, Field(max_length=MAX_BODY, description="Markdown (raw HTML is not kept).")]
Version = Annotated[
    int,
    Field(ge=1, description="The version your change was made on; an older one is a 409."),
]


class CategoryRead(ReadModel):
    id: int
    name: str
    description: str
    position: int
    created_at: datetime
    updated_at: datetime


class CategoryCreate(WriteModel):
    name: Annotated[str, Field(max_length=MAX_CATEGORY_NAME)]
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = ""
    position: int | None = Field(default=None, ge=0, le=1_000_000)


class CategoryUpdate(WriteModel):
    name: Annotated[str, Field(max_length=MAX_CATEGORY_NAME)] | None = None
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    position: int | None = Field(default=None, ge=0, le=1_000_000)


class ArticleSummary(ReadModel):
    id: int
    title: str
    slug: str
    language: str = Field(
        description="The language the article's own text is written in (`en`, `fr`); its "
        "translations are in the others."
    )
    category_id: int | None
    status: ArticleStatus
    version: int
    author_id: int | None
    editor_id: int | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    helpful_yes: int
    helpful_no: int
    url: str = Field(description="Its public address (a draft's answers 404 until published).")
    excerpt: str = Field(description="The body's words around the first match, or its start.")


class ArticleRead(ArticleSummary):
    body: str = Field(description="Markdown.")
    html: str = Field(description="The body rendered and sanitized, as the public sees it.")


class ArticlePage(ReadModel):
    items: list[ArticleSummary]
    next_offset: int | None = Field(description="Where the next page starts; null: the last.")


class HelpCenterRead(ReadModel):
    name: str = Field(description=f'Empty: the help center is called "{DEFAULT_NAME}".')
    contact_url: str = Field(description='Where "Contact us" leads; empty: no such link.')
    customer_portal: bool = Field(
        description="Customers can sign in to the help center (by a link emailed to them) to "
        "see their requests and answer them (docs/portal.md)."
    )
    portal_inbox_id: int | None = Field(
        description="The inbox a request a signed-in customer opens from the portal goes to; "
        'null: the portal offers no "New request" (docs/portal.md).'
    )
    languages: list[str] = Field(
        description="The languages the help center speaks (`en`, `fr`): an article is written "
        "in one of them and may be translated into the others."
    )

    @classmethod
    def of(cls, settings: HelpCenterSettings) -> HelpCenterRead:
        return cls(
            name=settings.name,
            contact_url=settings.contact_url,
            customer_portal=settings.customer_portal is not False,
            portal_inbox_id=settings.portal_inbox_id,
            languages=list(LANGUAGES),
        )


class HelpCenterUpdate(WriteModel):
    name: Annotated[str, Field(max_length=MAX_NAME)] = ""
    contact_url: Annotated[
        str,
        Field(
            max_length=MAX_CONTACT_URL,
            description="An http(s) address or a mailto: address; empty hides the link.",
        ),
    ] = ""
    customer_portal: bool | None = Field(
        default=None,
        description="Customers can sign in to see their requests; left out (or null): unchanged.",
    )
    portal_inbox_id: Id | None = Field(
        default=None,
        description='The inbox for requests opened from the portal ("New request"); null: none '
        "(the portal offers none); left out: unchanged. An id that is no inbox's: 422.",
    )


class ArticleCreate(WriteModel):
    title: Title
    body: Body = ""
    category_id: Id | None = None
    language: Language = Field(
        default=DEFAULT_LANGUAGE, description="The language the text is written in."
    )


class ArticleUpdate(WriteModel):
    version: Version
    title: Title | None = None
    body: Body | None = None
    category_id: Id | None = Field(default=None, description="null: no category.")
    language: Language | None = Field(
        default=None,
        description="The language the text is written in; 422 when the article has a "
        "translation into it. Left out: unchanged.",
    )


class TranslationRead(ReadModel):
    article_id: int
    language: str = Field(description="`en`, `fr`: one of the help center's languages.")
    title: str
    body: str = Field(description="Markdown.")
    html: str = Field(description="The body rendered and sanitized, as the public sees it.")
    status: ArticleStatus = Field(
        description="Published or a draft, on its own; the help center shows a published "
        "translation of a published article."
    )
    version: int
    outdated: bool = Field(
        description="The article's own title or body changed since this translation was last "
        "saved (saving it again, unchanged or not, makes it up to date)."
    )
    author_id: int | None
    editor_id: int | None
    created_at: datetime
    updated_at: datetime
    url: str = Field(description="Its public address (the article's, with `?lang=`).")


class TranslationWrite(WriteModel):
    version: int | None = Field(
        default=None,
        ge=1,
        description="The version your change was made on; null or left out: a new translation "
        "(409 `translation_changed` when one exists, or when yours is older).",
    )
    title: Title
    body: Body = ""
    published: bool = Field(
        default=False, description="Shown in the help center (admins and owners)."
    )


class ArticleVersion(WriteModel):
    version: Version


class PreviewRequest(WriteModel):
    body: Body


class PreviewRead(ReadModel):
    html: str


class PublicArticleSummary(ReadModel):
    id: int
    title: str
    excerpt: str
    url: str
    language: str = Field(
        description="The language of the title and excerpt: the reader's when the article "
        "has a published translation into it, else the article's own."
    )


class PublicArticleRead(ReadModel):
    id: int
    title: str
    html: str = Field(description="Sanitized HTML: safe to insert as it is.")
    url: str
    updated_at: datetime
    language: str = Field(description="The language of the title and text shown.")
    translated: bool = Field(
        description="False when the reader's language has no published translation and the "
        "article is shown in its own language."
    )


class PublicSearch(ReadModel):
    items: list[PublicArticleSummary]


class SearchTermRead(ReadModel):
    term: str = Field(description="As counted: trimmed, case-folded, spaces collapsed.")
    language: str = Field(description="The language the reader was answered in (`en`, `fr`).")
    searches: int = Field(description="Searches of the term in the period.")
    no_results: int = Field(description="How many of them found no article.")
    results: int = Field(description="Articles the latest search found (0: none).")
    last_day: date = Field(description="The latest day (UTC) it was searched.")


class SearchTermPage(ReadModel):
    items: list[SearchTermRead]
    next_offset: int | None = Field(description="Where the next page starts; null: the last.")
    since: date = Field(description="The period's first day (UTC); it ends today.")
    searches: int = Field(description="Every search of the period, all terms.")
    no_results: int = Field(description="Those that found no article.")
