"""The knowledge base's rules: who writes, publishes and deletes articles and categories,
optimistic versions, what the public sees, search, and the "Was this helpful?" counts.

Who may do what (docs/knowledge-base.md): every agent reads every article (the knowledge base
is the installation's, not an inbox's), writes new ones and edits drafts. Publishing,
unpublishing, editing a published article (that is publishing a change) and deleting are for
admins and owners, as are categories, which shape the public site.

Each article has a `version`: a change names the version it was made on, and one made on an
older version is refused (409 `article_changed`, naming who changed it) rather than overwrite
a colleague's words. Deleting names its version too: nobody deletes a change they have not
seen. The row is locked while it is checked and written, so of two agents saving (or one
saving, one deleting) at once one wins and the other is told.

"Was this helpful?": one vote per voter and article (a help center browser, a messenger
visitor); voting again changes the answer rather than adding one.

Every change is heard live by every agent's desk (`article.changed`, knowledge/events.py); who
has an article open in the editor is knowledge/viewers.py's.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer

from frontdesk.audit import service as audit
from frontdesk.audit.service import Target
from frontdesk.db.unique import insert_once
from frontdesk.errors import Conflict, Forbidden, Invalid, NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.knowledge import search
from frontdesk.knowledge.events import record_changed, record_translation_changed
from frontdesk.knowledge.languages import DEFAULT_LANGUAGE, LANGUAGES, NAMES, Language, known
from frontdesk.knowledge.markdown import slugify
from frontdesk.knowledge.models import (
    SETTINGS_ID,
    Article,
    ArticleCategory,
    ArticleStatus,
    ArticleTranslation,
    ArticleVote,
    HelpCenterSettings,
)
from frontdesk.realtime.catalogue import TranslationChangeName
from frontdesk.users.models import User

MAX_TITLE = 200
MAX_BODY = 100_000
MAX_CATEGORY_NAME = 100
MAX_DESCRIPTION = 500
MAX_NAME = 100
MAX_CONTACT_URL = 500
DEFAULT_NAME = "Help center"
# Lists never load bodies: their excerpts are made from this many first characters, cut by the
# database (docs/knowledge-base.md#search).
EXCERPT_SOURCE = search.EXCERPT_SOURCE
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class ArticleChanged(Conflict):
    code = "article_changed"


class AdminsOnly(Forbidden):
    code = "knowledge_admins_only"


class TranslationChanged(Conflict):
    code = "translation_changed"


# --- the help center -----------------------------------------------------------------------------


class Unchanged(enum.Enum):
    """A setting the caller did not name: left as it is (None is a value: "none")."""

    unchanged = "unchanged"


UNCHANGED = Unchanged.unchanged


async def help_center(session: AsyncSession) -> HelpCenterSettings:
    """The settings row; the defaults (no name, no contact link) when none was ever saved."""
    found = await session.get(HelpCenterSettings, SETTINGS_ID)
    return found or HelpCenterSettings(
        id=SETTINGS_ID, name="", contact_url="", customer_portal=True, updated_at=_NEVER
    )


def shown_name(settings: HelpCenterSettings) -> str:
    return settings.name or DEFAULT_NAME


def _contact_url(value: str) -> str:
    """An http(s) address or a mailto: link; anything else (javascript:, a bare word) is refused
    here rather than be put in every public page."""
    value = value.strip()
    if not value:
        return ""
    if len(value) > MAX_CONTACT_URL:
        raise Invalid(
            "contact_url",
            f"Use at most {MAX_CONTACT_URL} characters.",
            field_code="too_long",
            limit=MAX_CONTACT_URL,
        )
    parts = urlsplit(value)
    web = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    mail = parts.scheme.lower() == "mailto" and "@" in parts.path
    if not (web or mail) or any(char.isspace() or ord(char) < 32 for char in value):
        raise Invalid(
            "contact_url",
            "Give a full web address (https://example.com/contact) or a mailto: address.",
            field_code="invalid",
        )
    return value


async def _settings_locked(session: AsyncSession) -> HelpCenterSettings:
    row = await session.get(
        HelpCenterSettings, SETTINGS_ID, with_for_update=True, populate_existing=True
    )
    if row is None:  # the rival's row, refused to us by its key, cannot be gone: nothing deletes it
        raise Conflict("The help center's settings changed meanwhile; save again.")
    return row


async def update_help_center(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    contact_url: str,
    customer_portal: bool | None = None,
    portal_inbox_id: int | Literal[Unchanged.unchanged] | None = UNCHANGED,
) -> HelpCenterSettings:
    """Admins and owners. The row is locked while written (or made: one row, id 1).
    `customer_portal` None leaves it as it was (a client that does not know it), and so does
    `portal_inbox_id` UNCHANGED; None there: the portal offers no "New request"."""
    _ensure_admin(user, "change the help center's settings")
    name = _text("name", name, limit=MAX_NAME, required=None)
    contact_url = _contact_url(contact_url)
    if isinstance(portal_inbox_id, int):
        await _ensure_inbox(session, portal_inbox_id)
    row = await session.get(HelpCenterSettings, SETTINGS_ID, with_for_update=True)
    if row is None:
        # Two admins' first saves at once: the key lets one row in; the other waits for it
        # and locks it.
        blank = HelpCenterSettings(
            id=SETTINGS_ID, name="", contact_url="", customer_portal=True, updated_at=utcnow()
        )
        row = blank if await insert_once(session, blank) else await _settings_locked(session)
    row.name = name
    row.contact_url = contact_url
    if customer_portal is not None:
        row.customer_portal = customer_portal
    if portal_inbox_id is not UNCHANGED:
        row.portal_inbox_id = portal_inbox_id
    row.updated_at = utcnow()
    await session.flush()
    return row


# --- checks --------------------------------------------------------------------------------------


async def _ensure_inbox(session: AsyncSession, inbox_id: int) -> None:
    """A request from the portal needs an inbox that exists: 422 for any other id."""
    try:
        await inboxes_service.get_inbox_by_id(session, inbox_id=inbox_id)
    except NotFound:
        raise Invalid(
            "portal_inbox_id",
            "No inbox has this id. Choose one of your inboxes for new requests, or none.",
            field_code="invalid",
        ) from None


def _ensure_admin(user: User, what: str) -> None:
    if not user.is_admin:
        raise AdminsOnly(f"Only admins and owners may {what}. Ask one of them to do it.")


def _text(field: str, value: str, *, limit: int, required: str | None) -> str:
    value = value.strip()
    if required is not None and not value:
        raise Invalid(field, required, field_code="required")
    if len(value) > limit:
        raise Invalid(field, f"Use at most {limit} characters.", field_code="too_long", limit=limit)
    return value


def _title(title: str) -> str:
    return _text("title", title, limit=MAX_TITLE, required="Give the article a title.")


def _body(body: str) -> str:
    if len(body) > MAX_BODY:
        raise Invalid(
            "body", f"Use at most {MAX_BODY} characters.", field_code="too_long", limit=MAX_BODY
        )
    return body


async def _category(session: AsyncSession, category_id: int | None) -> int | None:
    """The category, held (FOR KEY SHARE on PostgreSQL) until the article naming it is written,
    so that an admin deleting it meanwhile waits rather than leave a dangling id."""
    if category_id is None:
        return None
    held = await session.scalar(
        select(ArticleCategory.id)
        .where(ArticleCategory.id == category_id)
        .with_for_update(key_share=True)
    )
    if held is None:
        raise Invalid(
            "category_id",
            "There is no such category: choose another one.",
            field_code="unavailable",
        )
    return category_id


# --- categories ----------------------------------------------------------------------------------


async def list_categories(session: AsyncSession) -> Sequence[ArticleCategory]:
    query = select(ArticleCategory).order_by(ArticleCategory.position, ArticleCategory.id)
    return (await session.scalars(query)).all()


async def get_category(session: AsyncSession, category_id: int) -> ArticleCategory:
    category = await session.get(ArticleCategory, category_id)
    if category is None:
        raise NotFound("No such category.")
    return category


async def create_category(
    session: AsyncSession, *, user: User, name: str, description: str, position: int | None
) -> ArticleCategory:
    _ensure_admin(user, "manage categories")
    if position is None:
        last = await session.scalar(select(func.max(ArticleCategory.position)))
        position = (last or 0) + 1
    category = ArticleCategory(
        name=_text("name", name, limit=MAX_CATEGORY_NAME, required="Give the category a name."),
        description=_text("description", description, limit=MAX_DESCRIPTION, required=None),
        position=position,
    )
    session.add(category)
    await session.flush()
    audit.record(session, action="article_category.created", target=_category_target(category))
    return category


async def update_category(
    session: AsyncSession,
    *,
    user: User,
    category: ArticleCategory,
    name: str | None,
    description: str | None,
    position: int | None,
) -> ArticleCategory:
    _ensure_admin(user, "manage categories")
    changes: dict[str, Any] = {}
    if name is not None:
        new = _text("name", name, limit=MAX_CATEGORY_NAME, required="Give the category a name.")
        if new != category.name:
            changes["name"] = [category.name, new]
        category.name = new
    if description is not None:
        new = _text("description", description, limit=MAX_DESCRIPTION, required=None)
        if new != category.description:
            changes["description"] = "changed"
        category.description = new
    if position is not None:
        if position != category.position:
            changes["position"] = [category.position, position]
        category.position = position
    await session.flush()
    audit.record(
        session,
        action="article_category.updated",
        target=_category_target(category),
        changes=changes or None,
    )
    return category


async def delete_category(session: AsyncSession, *, user: User, category: ArticleCategory) -> None:
    """Its articles stay, without a category (the foreign key's SET NULL)."""
    _ensure_admin(user, "manage categories")
    audit.record(session, action="article_category.deleted", target=_category_target(category))
    await session.delete(category)
    await session.flush()


def _category_target(category: ArticleCategory) -> Target:
    return Target("article_category", category.id, category.name)


# --- articles ------------------------------------------------------------------------------------


@dataclass
class Found:
    # Its body is not loaded (deferred: reading it raises).
    article: Article
    # The words around the first match in the body's first EXCERPT_SOURCE characters (a
    # search), or its start.
    excerpt: str
    # The title shown and the language of the text shown: the reader's language's published
    # translation's when the list was asked in a language and the article has one, else the
    # article's own.
    title: str = ""
    language: str = DEFAULT_LANGUAGE


@dataclass
class FoundPage:
    items: list[Found]
    # Where the next page starts; None on the last page.
    next_offset: int | None


def _in_language(language: str) -> Any:
    """The article's published translation into `language`, to join on (outer)."""
    return aliased(ArticleTranslation, name=f"shown_{language}")


async def list_articles(
    session: AsyncSession,
    *,
    status: ArticleStatus | None = None,
    category_id: int | None = None,
    q: str = "",
    limit: int = 100,
    offset: int = 0,
    language: str | None = None,
) -> FoundPage:
    """Newest change first; with `q`, the best match first (titles above bodies). Bodies stay
    in the database: only their first EXCERPT_SOURCE characters are read, for the excerpts.

    `language` (the public side: the reader's): each article is shown by its published
    translation into it when it has one (title, excerpt), and a search looks in the articles'
    own texts and in their published translations into that language. Without it (the desk),
    the articles' own titles, and a search looks in every translation, drafts included."""
    terms = search.parsed(q)
    start: Any
    query: Select[Any]
    if language is not None:
        shown = _in_language(language)
        title = func.coalesce(shown.title, Article.title)
        start = func.coalesce(
            func.substr(shown.body, 1, EXCERPT_SOURCE), func.substr(Article.body, 1, EXCERPT_SOURCE)
        )
        query = select(Article, start, title, shown.language).outerjoin(
            shown,
            and_(
                shown.article_id == Article.id,
                shown.language == language,
                shown.status == ArticleStatus.published,
            ),
        )
    else:
        start = func.substr(Article.body, 1, EXCERPT_SOURCE)
        query = select(Article, start, Article.title, Article.language)
    query = query.options(defer(Article.body, raiseload=True))
    if status is not None:
        query = query.where(Article.status == status)
    if category_id is not None:
        query = query.where(Article.category_id == category_id)
    if terms:
        found = search.ranked(
            session, terms, language=language, published=language is not None
        ).subquery()
        query = query.join(found, found.c.id == Article.id).order_by(found.c.rank.desc())
    query = query.order_by(Article.updated_at.desc(), Article.id.desc())
    rows = (await session.execute(query.offset(offset).limit(limit + 1))).all()
    items = [
        Found(
            article,
            search.excerpt(body or "", terms),
            shown_title,
            shown_language or article.language,
        )
        for article, body, shown_title, shown_language in rows[:limit]
    ]
    return FoundPage(items, offset + limit if len(rows) > limit else None)


async def get_article(session: AsyncSession, article_id: int) -> Article:
    article = await session.get(Article, article_id)
    if article is None:
        raise NotFound("No such article.")
    return article


_SAVE_AGAIN = "Copy your changes, reload the article and apply them again."
_DELETE_AGAIN = (
    "Nothing was deleted: reload the article to see the change, then delete it again if you "
    "still mean to."
)


async def _locked(
    session: AsyncSession, article_id: int, version: int, *, then: str = _SAVE_AGAIN
) -> Article:
    article = await session.scalar(
        select(Article)
        .where(Article.id == article_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if article is None:
        raise NotFound("No such article: someone may have deleted it.")
    if article.version != version:
        editor = await session.get(User, article.editor_id) if article.editor_id else None
        who = editor.name if editor is not None else "Someone"
        raise ArticleChanged(
            f"{who} changed this article since you opened it (it is now at version "
            f"{article.version}). {then}"
        )
    return article


def _changed(article: Article, user: User) -> None:
    article.version += 1
    article.editor_id = user.id
    article.updated_at = utcnow()


def _target(article: Article) -> Target:
    return Target("article", article.id, article.title)


def _language(field: str, value: str) -> Language:
    found = known(value)
    if found is None:
        names = ", ".join(f"{code} ({NAMES[code]})" for code in LANGUAGES)
        raise Invalid(
            field,
            f"The help center speaks {names}: choose one of these codes.",
            field_code="invalid",
        )
    return found


async def create_article(
    session: AsyncSession,
    *,
    user: User,
    title: str,
    body: str,
    category_id: int | None,
    language: str = DEFAULT_LANGUAGE,
) -> Article:
    """A draft; every agent may write one."""
    title = _title(title)
    article = Article(
        title=title,
        slug=slugify(title),
        body=_body(body),
        language=_language("language", language),
        category_id=await _category(session, category_id),
        status=ArticleStatus.draft,
        version=1,
        author_id=user.id,
        editor_id=user.id,
    )
    session.add(article)
    await session.flush()
    audit.record(session, action="article.created", target=_target(article))
    record_changed(session, article, change="created", by=user)
    return article


_UNSET: Any = object()


async def update_article(
    session: AsyncSession,
    *,
    user: User,
    article_id: int,
    version: int,
    title: str | None = None,
    body: str | None = None,
    category_id: int | None = _UNSET,
    language: str | None = None,
) -> Article:
    article = await _locked(session, article_id, version)
    if article.status is ArticleStatus.published:
        _ensure_admin(user, "change a published article (unpublish it first to edit it as a draft)")
    changes: dict[str, Any] = {}
    new_language = _language("language", language) if language is not None else None
    if new_language is not None and new_language != article.language:
        taken = await session.scalar(
            select(ArticleTranslation.id).where(
                ArticleTranslation.article_id == article.id,
                ArticleTranslation.language == new_language,
            )
        )
        if taken is not None:
            raise Invalid(
                "language",
                f"This article already has a translation into {NAMES[new_language]}: delete "
                "that translation first, or choose the language its own text is written in.",
                field_code="taken",
            )
        changes["language"] = [article.language, new_language]
        article.language = new_language
    if title is not None:
        new_title = _title(title)
        if new_title != article.title:
            changes["title"] = [article.title, new_title]
            article.title, article.slug = new_title, slugify(new_title)
    if body is not None and _body(body) != article.body:
        changes["body"] = "changed"
        article.body = body
    if category_id is not _UNSET and category_id != article.category_id:
        changes["category_id"] = [article.category_id, await _category(session, category_id)]
        article.category_id = category_id
    if changes:
        _changed(article, user)
        await session.flush()
        audit.record(session, action="article.updated", target=_target(article), changes=changes)
        record_changed(session, article, change="updated", by=user)
    return article


async def set_published(
    session: AsyncSession, *, user: User, article_id: int, version: int, published: bool
) -> Article:
    _ensure_admin(user, "publish or unpublish articles")
    article = await _locked(session, article_id, version)
    wanted = ArticleStatus.published if published else ArticleStatus.draft
    if article.status is wanted:
        return article
    article.status = wanted
    # The first publication's time stays: unpublishing to fix a typo does not make an old
    # article look new (its "Updated" date says when it last changed).
    if published and article.published_at is None:
        article.published_at = utcnow()
    _changed(article, user)
    await session.flush()
    action = "article.published" if published else "article.unpublished"
    audit.record(session, action=action, target=_target(article))
    record_changed(session, article, change="published" if published else "unpublished", by=user)
    return article


async def delete_article(
    session: AsyncSession, *, user: User, article_id: int, version: int | None
) -> None:
    """Only at the version the deleter read: a colleague's change since is a 409 naming them,
    and nothing is deleted. Locked, so that a save holding the row finishes (or this waits for
    it) first, and is then seen."""
    _ensure_admin(user, "delete articles")
    if version is None:
        raise Invalid(
            "version",
            "Say which version of the article you are deleting: add ?version=N, N being the "
            "`version` of the article as you last read it.",
            field_code="required",
        )
    article = await _locked(session, article_id, version, then=_DELETE_AGAIN)
    audit.record(session, action="article.deleted", target=_target(article))
    record_changed(session, article, change="deleted", by=user)
    await session.delete(article)
    await session.flush()


# --- translations --------------------------------------------------------------------------------
#
# An article's text in another of the help center's languages (docs/knowledge-base.md,
# "Languages"). Who may write one is who may edit the article: any agent a draft translation of
# a draft article; admins and owners when the article is published, and to publish, unpublish,
# change or delete a published translation (that is publishing a change). Each translation has
# its own version: a save names it (none: a new translation), and a save made on another is
# refused with 409 `translation_changed`, naming who saved meanwhile.


def source_digest(article: Article) -> str:
    """What a translation was made from: the original's title and body, as a digest."""
    return hashlib.sha256(f"{article.title}\0{article.body}".encode()).hexdigest()


def outdated(article: Article, translation: ArticleTranslation) -> bool:
    """The original's words changed since the translation was last saved or marked up to
    date."""
    return translation.source_digest != source_digest(article)


async def list_translations(session: AsyncSession, article_id: int) -> Sequence[ArticleTranslation]:
    query = (
        select(ArticleTranslation)
        .where(ArticleTranslation.article_id == article_id)
        .order_by(ArticleTranslation.language)
    )
    return (await session.scalars(query)).all()


def _translation_language(article: Article, language: str) -> Language:
    found = known(language)
    if found is None:
        names = ", ".join(f"{code} ({NAMES[code]})" for code in LANGUAGES)
        raise NotFound(f"The help center has no such language; it speaks {names}.")
    if found == article.language:
        raise Invalid(
            "language",
            f"The article itself is written in {NAMES[found]}: edit the article, or translate "
            "it into another language.",
            field_code="original",
        )
    return found


async def get_translation(
    session: AsyncSession, article_id: int, language: str
) -> ArticleTranslation:
    article = await get_article(session, article_id)
    wanted = _translation_language(article, language)
    found = await session.scalar(
        select(ArticleTranslation).where(
            ArticleTranslation.article_id == article.id, ArticleTranslation.language == wanted
        )
    )
    if found is None:
        raise NotFound(f"This article has no translation into {NAMES[wanted]}.")
    return found


def _ensure_may_translate(
    user: User, article: Article, translation: ArticleTranslation | None, *, publish: bool
) -> None:
    if article.status is ArticleStatus.published:
        _ensure_admin(user, "change the translations of a published article")
    if translation is not None and translation.status is ArticleStatus.published:
        _ensure_admin(user, "change a published translation (unpublish it first)")
    if publish:
        _ensure_admin(user, "publish translations")


async def _translated_article(session: AsyncSession, article_id: int) -> Article:
    """The article, held (FOR KEY SHARE on PostgreSQL) while its translation is written: a
    delete waits, and a save of the original (FOR UPDATE) finishes first, so the digest read
    here is the text the translation is saved against."""
    article = await session.scalar(
        select(Article)
        .where(Article.id == article_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if article is None:
        raise NotFound("No such article: someone may have deleted it.")
    return article


async def _locked_translation(
    session: AsyncSession, article: Article, language: Language, version: int, *, then: str
) -> ArticleTranslation:
    translation = await session.scalar(
        select(ArticleTranslation)
        .where(ArticleTranslation.article_id == article.id, ArticleTranslation.language == language)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if translation is None:
        raise NotFound(
            f"This article has no translation into {NAMES[language]}: someone may have deleted it."
        )
    if translation.version != version:
        editor = await session.get(User, translation.editor_id) if translation.editor_id else None
        who = editor.name if editor is not None else "Someone"
        raise TranslationChanged(
            f"{who} changed the {NAMES[language]} translation since you opened it (it is now at "
            f"version {translation.version}). {then}"
        )
    return translation


def _translation_target(article: Article) -> Target:
    return Target("article", article.id, article.title)


async def save_translation(
    session: AsyncSession,
    *,
    user: User,
    article_id: int,
    language: str,
    title: str,
    body: str,
    published: bool,
    version: int | None,
) -> ArticleTranslation:
    """Adds the translation (`version` None) or changes it (`version` the one it was read at).
    A save makes it up to date with the original; saving it unchanged is how the desk's "Mark
    up to date" does so."""
    article = await _translated_article(session, article_id)
    wanted = _translation_language(article, language)
    title, body = _title(title), _body(body)
    status = ArticleStatus.published if published else ArticleStatus.draft
    digest = source_digest(article)
    if version is None:
        _ensure_may_translate(user, article, None, publish=published)
        translation = ArticleTranslation(
            article_id=article.id,
            language=wanted,
            title=title,
            body=body,
            status=status,
            version=1,
            source_digest=digest,
            author_id=user.id,
            editor_id=user.id,
        )
        if not await insert_once(session, translation):
            raise TranslationChanged(
                f"Someone added the {NAMES[wanted]} translation meanwhile. Copy your text, "
                "reload the article and apply it to theirs."
            )
        action = "article.translation_published" if published else "article.translation_created"
        audit.record(
            session,
            action=action,
            target=_translation_target(article),
            changes={"language": wanted},
        )
        record_translation_changed(session, translation, change="created", by=user)
        return translation
    translation = await _locked_translation(session, article, wanted, version, then=_SAVE_AGAIN)
    publishing = status is not translation.status
    _ensure_may_translate(user, article, translation, publish=publishing and published)
    if publishing and not published:
        _ensure_admin(user, "unpublish translations")
    changes: dict[str, Any] = {"language": wanted}
    if title != translation.title:
        changes["title"] = [translation.title, title]
        translation.title = title
    if body != translation.body:
        changes["body"] = "changed"
        translation.body = body
    if digest != translation.source_digest:
        changes["up_to_date"] = True
        translation.source_digest = digest
    translation.status = status
    if len(changes) == 1 and not publishing:
        return translation
    translation.version += 1
    translation.editor_id = user.id
    translation.updated_at = utcnow()
    await session.flush()
    action = (
        ("article.translation_published" if published else "article.translation_unpublished")
        if publishing
        else "article.translation_updated"
    )
    audit.record(session, action=action, target=_translation_target(article), changes=changes)
    change: TranslationChangeName = (
        ("published" if published else "unpublished") if publishing else "updated"
    )
    record_translation_changed(session, translation, change=change, by=user)
    return translation


async def delete_translation(
    session: AsyncSession, *, user: User, article_id: int, language: str, version: int | None
) -> None:
    """At the version the deleter read, as an article's delete."""
    if version is None:
        raise Invalid(
            "version",
            "Say which version of the translation you are deleting: add ?version=N, N being "
            "the `version` of the translation as you last read it.",
            field_code="required",
        )
    article = await _translated_article(session, article_id)
    wanted = _translation_language(article, language)
    translation = await _locked_translation(session, article, wanted, version, then=_DELETE_AGAIN)
    _ensure_may_translate(user, article, translation, publish=False)
    audit.record(
        session,
        action="article.translation_deleted",
        target=_translation_target(article),
        changes={"language": wanted},
    )
    record_translation_changed(session, translation, change="deleted", by=user)
    await session.delete(translation)
    await session.flush()


@dataclass(frozen=True)
class Edition:
    """A language a published article can be read in: its own, or a published translation's
    (no body: the page's links and ETag need only these)."""

    language: str
    version: int
    title: str


async def editions(session: AsyncSession, article: Article) -> list[Edition]:
    """The languages the published article exists in, its own first."""
    query = (
        select(ArticleTranslation.language, ArticleTranslation.version, ArticleTranslation.title)
        .where(
            ArticleTranslation.article_id == article.id,
            ArticleTranslation.status == ArticleStatus.published,
        )
        .order_by(ArticleTranslation.language)
    )
    rows = (await session.execute(query)).all()
    return [
        Edition(article.language, article.version, article.title),
        *(Edition(language, version, title) for language, version, title in rows),
    ]


async def published_translation(
    session: AsyncSession, article: Article, language: str
) -> ArticleTranslation | None:
    """The article's published translation into the reader's language, if it has one."""
    if language == article.language:
        return None
    found: ArticleTranslation | None = await session.scalar(
        select(ArticleTranslation).where(
            ArticleTranslation.article_id == article.id,
            ArticleTranslation.language == language,
            ArticleTranslation.status == ArticleStatus.published,
        )
    )
    return found


# --- the public side -----------------------------------------------------------------------------


async def published_article(session: AsyncSession, article_id: int) -> Article:
    """A draft is as unknown to the public as a deleted article."""
    article = await session.get(Article, article_id)
    if article is None or article.status is not ArticleStatus.published:
        raise NotFound("No such article.")
    return article


async def published_articles(
    session: AsyncSession, language: str = DEFAULT_LANGUAGE
) -> list[Found]:
    """Titles and addresses for the home page, in the reader's `language` where a published
    translation has it (ordered by the title shown): bodies are not loaded."""
    shown = _in_language(language)
    title = func.coalesce(shown.title, Article.title)
    query = (
        select(Article, title, shown.language)
        .outerjoin(
            shown,
            and_(
                shown.article_id == Article.id,
                shown.language == language,
                shown.status == ArticleStatus.published,
            ),
        )
        .options(defer(Article.body, raiseload=True))
        .where(Article.status == ArticleStatus.published)
        .order_by(title, Article.id)
    )
    rows = (await session.execute(query)).all()
    return [
        Found(article, "", shown_title, shown_language or article.language)
        for article, shown_title, shown_language in rows
    ]


@dataclass(frozen=True)
class Voter:
    """Who votes: a help center browser (the digest of its voter cookie) or a messenger
    visitor; exactly one of the two."""

    browser: str | None = None
    visitor_id: int | None = None


async def record_feedback(
    session: AsyncSession, *, article_id: int, helpful: bool, voter: Voter
) -> None:
    """The voter's answer: a first vote counts one more yes or no; the same answer again
    changes nothing; the other answer moves their vote from one count to the other.

    The article's row is held (FOR NO KEY UPDATE on PostgreSQL) from the start, so the votes on
    one article are counted one after the other: a second click waits for the first, then finds
    its row. The unique keys stand behind it: a second row for a voter cannot be written. A
    vote is not a change: `updated_at` (the page's "Updated" date, the desk's order) stays."""
    held = await session.scalar(
        select(Article.id)
        .where(Article.id == article_id, Article.status == ArticleStatus.published)
        .with_for_update(key_share=True)
    )
    if held is None:
        raise NotFound("No such article.")
    vote = ArticleVote(
        article_id=article_id, browser=voter.browser, visitor_id=voter.visitor_id, helpful=helpful
    )
    if await insert_once(session, vote):
        yes, no = (1, 0) if helpful else (0, 1)
    else:
        mine = (
            ArticleVote.browser == voter.browser
            if voter.browser is not None
            else ArticleVote.visitor_id == voter.visitor_id
        )
        changed = await session.execute(
            update(ArticleVote)
            .where(ArticleVote.article_id == article_id, mine, ArticleVote.helpful != helpful)
            .values(helpful=helpful, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0) == 0:
            return  # the same answer as before
        yes, no = (1, -1) if helpful else (-1, 1)
    await session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(
            helpful_yes=Article.helpful_yes + yes,
            helpful_no=Article.helpful_no + no,
            updated_at=Article.updated_at,
        )
        .execution_options(synchronize_session=False)
    )
