"""The public help center under /help: pages for people, no login (docs/knowledge-base.md).

Each page answers with an ETag and may be cached for a minute, shared caches included: it holds
only what is published. An article's ETag is made from what its page shows (the article's id
and version, its category's and the help center's last change, the language) before anything
is rendered, so a request naming it gets a 304 for the price of two small reads. Searches,
article views and votes count against the messenger's per-address limit (429 past it); a vote
from a page of another website is not counted. A browser votes once per article: its first vote
gives it a random voter cookie, and its votes after that change its answer."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, BackgroundTasks, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.messenger_deps import IpLimited
from frontdesk.deps import SessionDep
from frontdesk.errors import NotFound
from frontdesk.kit.ids import new_token, token_digest
from frontdesk.kit.schemas import MAX_ID
from frontdesk.knowledge import pages, search, search_log, service
from frontdesk.knowledge.links import PATH, article_path
from frontdesk.knowledge.models import Article, ArticleStatus
from frontdesk.knowledge.rendering import rendered

router = APIRouter(prefix=PATH, include_in_schema=False)

# `12-how-to-return-an-order`, or the id alone.
_REFERENCE = re.compile(r"(\d{1,10})(?:-([a-z0-9-]*))?")
MAX_FORM_BYTES = 1024
CACHE = "public, max-age=60"
SEARCH_RESULTS = 50
# The browser's voter token: random, first-party, sent only to /help. Long-lived (about the
# 400 days browsers keep a cookie at most): a browser's vote stays its own for that long.
VOTER_COOKIE = "frontdesk_voter"
VOTER_LIFETIME = 400 * 24 * 3600
_VOTER = re.compile(r"[A-Za-z0-9_-]{32,64}")
_QUALITY = re.compile(r"^\s*([a-zA-Z]{1,8})(?:-[a-zA-Z0-9]{1,8})*\s*(?:;\s*q=([0-9.]{1,5}))?\s*$")


def language(request: Request) -> pages.Language:
    """`?lang=fr` or `?lang=en` first, else the best of Accept-Language we speak, else English."""
    asked = request.query_params.get("lang", "").lower()
    if asked in pages.LANGUAGES:
        return asked
    best: tuple[float, pages.Language] = (0.0, "en")
    for part in request.headers.get("accept-language", "")[:200].split(","):
        matched = _QUALITY.match(part)
        if matched is None:
            continue
        code = matched.group(1).lower()
        try:
            quality = float(matched.group(2) or 1)
        except ValueError:
            continue
        if code in pages.LANGUAGES and quality > best[0]:
            best = (quality, code)
    return best[1]


async def _site(request: Request, session: AsyncSession) -> tuple[pages.Site, str]:
    """The page's frame, and what of it the ETag must change with."""
    settings = await service.help_center(session)
    site = pages.Site(
        name=service.shown_name(settings),
        contact_url=settings.contact_url,
        language=language(request),
        public_url=request.app.state.settings.public_url,
        portal=settings.customer_portal is not False,
    )
    return site, f"{settings.updated_at.isoformat()}:{site.language}:{pages.REVISION}"


def _tag(text: str) -> str:
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _headers(tag: str) -> dict[str, str]:
    return {**pages.PAGE_HEADERS, "ETag": tag, "Cache-Control": CACHE}


def _fresh(request: Request, tag: str) -> bool:
    return tag in request.headers.get("if-none-match", "")


def _page(request: Request, html: str, status: int = 200) -> Response:
    tag = _tag(html)
    headers = _headers(tag)
    if status == 200 and _fresh(request, tag):
        return Response(status_code=304, headers=headers)
    if status != 200:
        headers["Cache-Control"] = "no-cache"
    return HTMLResponse(html, status_code=status, headers=headers)


def _not_found(request: Request, site: pages.Site) -> Response:
    return _page(request, pages.not_found_page(site), 404)


async def _article(session: AsyncSession, reference: str) -> Article | None:
    matched = _REFERENCE.fullmatch(reference)
    # Past MAX_ID no row can exist, and PostgreSQL refuses the number outright.
    if matched is None or not 1 <= int(matched.group(1)) <= MAX_ID:
        return None
    try:
        return await service.published_article(session, int(matched.group(1)))
    except NotFound:
        return None


def _redirect(path: str) -> Response:
    # Permanent, but checked again by a cache: the title (so the address) may change again.
    return RedirectResponse(path, status_code=301, headers={"Cache-Control": "no-cache"})


@router.get("")
async def help_center(request: Request, session: SessionDep) -> Response:
    site, _version = await _site(request, session)
    categories = await service.list_categories(session)
    articles = await service.published_articles(session, site.language)
    shown = [pages.Shown(item.article, "", item.title, item.language) for item in articles]
    return _page(request, pages.home_page(site, categories, shown))


@router.get("/search")
async def search_articles(
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    background: BackgroundTasks,
    q: str = "",
) -> Response:
    """A longer query is cut to search.MAX_QUERY characters rather than refused; one with no
    word (punctuation only) shows the empty search page. The search is counted for the desk's
    Searches view after the answer is sent (knowledge/search_log.py)."""
    site, _version = await _site(request, session)
    query = q[: search.MAX_QUERY].strip()
    if not search.parsed(query):
        return _page(request, pages.search_page(site, "", [], cut=False))
    found = await service.list_articles(
        session,
        status=ArticleStatus.published,
        q=query,
        limit=SEARCH_RESULTS,
        language=site.language,
    )
    shown = [
        pages.Shown(item.article, item.excerpt, item.title, item.language) for item in found.items
    ]
    search_log.record(request, background, query=query, language=site.language, results=len(shown))
    html = pages.search_page(site, query, shown, cut=found.next_offset is not None)
    return _page(request, html)


@router.get("/articles/{reference}")
async def article(
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    reference: Annotated[str, Path(max_length=200)],
    thanks: str = "",
) -> Response:
    """A draft, or no such article: 404. The address with another slug (the title changed
    since the link was made) redirects to the current one."""
    site, version = await _site(request, session)
    found = await _article(session, reference)
    if found is None:
        return _not_found(request, site)
    path = article_path(found.id, found.slug)
    if reference != f"{found.id}-{found.slug}":
        return _redirect(path)
    category = (
        await service.get_category(session, found.category_id)
        if found.category_id is not None
        else None
    )
    changed = category.updated_at.isoformat() if category is not None else "-"
    thanked = bool(thanks)
    # The languages it can be read in (its own first): their versions are part of the tag, so
    # a translation's change reaches cached pages as the article's does.
    editions = await service.editions(session, found)
    languages = [edition.language for edition in editions]
    translated = ",".join(f"{each.language}.{each.version}" for each in editions[1:])
    tag = _tag(f"article:{found.id}:{found.version}:{changed}:{version}:{thanked}:{translated}")
    if _fresh(request, tag):
        return Response(status_code=304, headers=_headers(tag))
    translation = await service.published_translation(session, found, site.language)
    if translation is not None:
        source, text = (
            translation.body,
            pages.Text(
                translation.title,
                await rendered(translation.body),
                translation.language,
                translation.updated_at,
            ),
        )
    else:
        source, text = (
            found.body,
            pages.Text(
                found.title,
                await rendered(found.body),
                found.language,
                found.updated_at,
                fallback=site.language != found.language,
            ),
        )
    html = pages.article_page(
        site,
        found,
        text,
        category,
        thanked=thanked,
        description=search.excerpt(source, []),
        languages=languages,
    )
    return HTMLResponse(html, headers=_headers(tag))


def _same_site(request: Request) -> bool:
    """Whether the vote comes from one of this server's pages: its Origin (or, without one, its
    Referer) names the public address's host, or the host the request was sent to (a browser
    posting from another website sends that website's origin, whatever the host). Browsers
    send an Origin with every cross-site form, so a page elsewhere cannot make its visitors
    vote; a request naming neither is let through as the messenger's endpoints let it (a script
    sending it could name anything)."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent:
        return True
    theirs = urlsplit(sent).netloc.lower()
    ours = {
        urlsplit(request.app.state.settings.public_url).netloc.lower(),
        request.headers.get("host", "").lower(),
    }
    return bool(theirs) and theirs in ours


# The customer portal's forms are checked alike (portal/api.py).
same_site = _same_site


@router.post("/articles/{reference}/feedback")
async def feedback(
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    reference: Annotated[str, Path(max_length=200)],
) -> Response:
    """The page's Yes and No buttons (a form, no script): counted once per browser (its voter
    cookie; a later answer replaces its earlier one), then back to the article. A browser
    without the cookie gets it first, and its vote comes back with it (307)."""
    found = await _article(session, reference)
    if found is None:
        site, _version = await _site(request, session)
        return _not_found(request, site)
    path = article_path(found.id, found.slug)
    if not _same_site(request):
        return RedirectResponse(path, status_code=303)
    form = parse_qs((await request.body())[:MAX_FORM_BYTES].decode(errors="replace"))
    answer = form.get("helpful", [""])[0]
    thanks = RedirectResponse(f"{path}?thanks=1", status_code=303)
    if answer not in ("yes", "no"):
        return thanks
    token = request.cookies.get(VOTER_COOKIE, "")
    if not _VOTER.fullmatch(token):
        token = new_token()
        if request.query_params.get("voter") != "new":
            # A browser's first vote counts once it holds its token: it is given one and sends
            # the vote again with it (307 keeps the method and the form). Two clicks at once
            # before it had one then count once: the browser follows only its last navigation,
            # with the cookie it holds by then. A browser back without it refuses cookies: its
            # vote counts, as a voter of its own.
            again = RedirectResponse(f"{path}/feedback?voter=new", status_code=307)
            _give_voter_cookie(request, again, token)
            return again
    voter = service.Voter(browser=token_digest(token))
    await service.record_feedback(
        session, article_id=found.id, helpful=answer == "yes", voter=voter
    )
    return thanks


def _give_voter_cookie(request: Request, response: Response, token: str) -> None:
    """Given with a vote, never with a page: the pages are cached, shared caches included, and
    must not carry one browser's cookie to another."""
    response.set_cookie(
        VOTER_COOKIE,
        token,
        max_age=VOTER_LIFETIME,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )


@router.get("/{rest:path}")
async def elsewhere(request: Request, session: SessionDep, rest: str) -> Response:
    """`/help/` is the home page; any other address under /help is the "not found" page, in
    HTML as the rest of the help center (not the API's JSON)."""
    if not rest:
        return _redirect(PATH)
    site, _version = await _site(request, session)
    return _not_found(request, site)
