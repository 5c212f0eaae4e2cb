"""The customer portal's pages under /help/requests (docs/portal.md): forms without script,
answered in the help center's frame. Registered before the help center's router, whose
catch-all would otherwise answer these addresses with its "not found" page.

Every page that shows a customer's requests is `Cache-Control: no-store`; every POST is checked
for coming from this site (as the help center's votes are), and each POST of a signed-in
customer carries the CSRF token of their session. The setting off, every address here is the
help center's "not found" page, signed in or not."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.messenger_deps import IpLimited
from frontdesk.deps import SessionDep
from frontdesk.errors import Invalid, NotFound
from frontdesk.files.downloads import NO_STORE as FILE_NO_STORE
from frontdesk.files.downloads import (
    file_response,
    received_file_response,
    stored_thumbnail_response,
    thumbnail_response,
)
from frontdesk.files.models import StoredFile
from frontdesk.files.store import file_store
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.body_limit import StreamedBody
from frontdesk.kit.methods import is_head
from frontdesk.knowledge import pages as help_pages
from frontdesk.knowledge import service as knowledge_service
from frontdesk.knowledge.links import PATH
from frontdesk.knowledge.pages_api import language, same_site
from frontdesk.mail.models import MailAttachment
from frontdesk.portal import forms, pages, service
from frontdesk.portal.service import NoSuchRequest, Viewer

router = APIRouter(prefix=f"{PATH}/requests", include_in_schema=False)

COOKIE = "frontdesk_portal"
# A sign-in form and a sign-out hold an address or a token: small.
MAX_SMALL_FORM = 2048
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_OLDER = re.compile(r"(\d{1,19})-(\d{1,10})")
_FILE = re.compile(r"(file|mail)-(\d{1,10})")
NO_STORE = {"Cache-Control": "no-store", "Vary": "Cookie, Accept-Language"}
# The forms that take files read their own bodies, within their own bounds (forms.py): app.py's
# BodyLimit lets these addresses through.
FILE_FORMS = re.compile(rf"{re.escape(PATH)}/requests/(?:new|\d{{1,12}}/reply)")
# Room in a form-data body for its parts' headers, beside the files and the text.
PART_ROOM = 64 * 1024


async def _site(request: Request, session: AsyncSession) -> help_pages.Site:
    settings = await knowledge_service.help_center(session)
    return help_pages.Site(
        name=knowledge_service.shown_name(settings),
        contact_url=settings.contact_url,
        language=language(request),
        public_url=request.app.state.settings.public_url,
        portal=settings.customer_portal is not False,
    )


def _html(html: str, status: int = 200) -> Response:
    return HTMLResponse(html, status_code=status, headers={**help_pages.PAGE_HEADERS, **NO_STORE})


def _not_found(site: help_pages.Site) -> Response:
    return _html(help_pages.not_found_page(site), 404)


async def _form(request: Request, limit: int) -> dict[str, str] | None:
    """The urlencoded form's first values, or None when the body is larger than `limit`."""
    body = await request.body()
    if len(body) > limit:
        return None
    return {
        key: values[0]
        for key, values in parse_qs(body.decode(errors="replace"), keep_blank_values=True).items()
    }


async def _viewer(request: Request, session: AsyncSession) -> Viewer | None:
    return await service.viewer_of(session, token=request.cookies.get(COOKIE, ""))


def _forget_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )


def _csrf(request: Request, viewer: Viewer) -> str:
    return service.csrf_token(request.app.state.settings.secret, viewer)


def _checked(request: Request, viewer: Viewer, form: dict[str, str] | None) -> bool:
    """A signed-in customer's POST: from this site, with their session's CSRF token."""
    sent = (form or {}).get("csrf", "")
    return (
        same_site(request)
        and form is not None
        and service.csrf_valid(request.app.state.settings.secret, viewer, sent)
    )


def _refused(site: help_pages.Site) -> Response:
    """A POST without its CSRF token, or from another site: 403, and the way back."""
    body = (
        f'<section class="category portal"><h1>{escape(pages.WORDS[site.language]["title"])}'
        f"</h1><p>{pages.problem_words(site, 'bad_form', limit=0)} "
        f'<a href="{pages.HOME}">{pages.WORDS[site.language]["back"]}</a></p></section>'
    )
    return _html(help_pages.document(site, site.name, body), 403)


@router.get("")
async def requests_page(request: Request, session: SessionDep, older: str = "") -> Response:
    """Signed in: the customer's requests, newest activity first; else the sign-in form."""
    site = await _site(request, session)
    if not site.portal:
        return _not_found(site)
    viewer = await _viewer(request, session)
    if viewer is None:
        response = _html(pages.ask_page(site))
        if COOKIE in request.cookies:
            _forget_cookie(request, response)
        return response
    return await _list(request, session, site, viewer, older, shared=False)


def _before(older: str) -> tuple[datetime, int] | None:
    """The "Older requests" link's position, or None (the first page)."""
    matched = _OLDER.fullmatch(older)
    if matched is None:
        return None
    try:
        moment = datetime.fromtimestamp(int(matched.group(1)) / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return (moment, int(matched.group(2)))


async def _list(
    request: Request,
    session: AsyncSession,
    site: help_pages.Site,
    viewer: Viewer,
    older: str,
    *,
    shared: bool,
) -> Response:
    before = _before(older)
    try:
        page = await service.list_requests(session, viewer=viewer, before=before, shared=shared)
    except NoSuchRequest:
        return _not_found(site)
    html = pages.list_page(
        site,
        name=viewer.name,
        csrf=_csrf(request, viewer),
        page=page,
        first=before is None,
        can_open=await service.request_inbox(session) is not None,
        zone=await service.time_zone_of(session, customer_id=viewer.customer_id),
        organisation=viewer.organisation_name if viewer.shared_organisation_id else "",
        shared=shared,
    )
    return _html(html)


@router.post("")
async def ask_for_link(request: Request, session: SessionDep, _limit: IpLimited) -> Response:
    """The same page whoever the address is: known or not, limited or not, mailed or not."""
    site = await _site(request, session)
    if not site.portal:
        return _not_found(site)
    form = await _form(request, MAX_SMALL_FORM)
    email = (form or {}).get("email", "").strip()
    if form is not None and same_site(request) and email:
        await service.request_link(
            session, email=email, language=site.language, site_name=site.name
        )
    return _html(pages.ask_page(site, sent=True, email=email[:320]))


@router.get("/sign-in/{token}")
async def link_opened(
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    token: Annotated[str, Path(max_length=200)],
) -> Response:
    """A button, nothing used up: mail scanners fetch the links they find."""
    site = await _site(request, session)
    if not site.portal:
        return _not_found(site)
    usable = bool(_TOKEN.fullmatch(token)) and await service.link_is_usable(session, token=token)
    html = pages.link_page(site, token=token, usable=usable)
    return _html(html, 200 if usable else 410)


@router.post("/sign-in/{token}")
async def sign_in(
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    token: Annotated[str, Path(max_length=200)],
) -> Response:
    site = await _site(request, session)
    if not site.portal:
        return _not_found(site)
    if not same_site(request):
        # A page elsewhere signing the browser in to someone's session: refused.
        return _refused(site)
    opened = await service.sign_in(session, token=token) if _TOKEN.fullmatch(token) else None
    if opened is None:
        return _html(pages.link_page(site, token=token, usable=False), 410)
    response = RedirectResponse(pages.HOME, status_code=303, headers=NO_STORE)
    response.set_cookie(
        COOKIE,
        opened,
        max_age=int(service.SESSION_LIFETIME.total_seconds()),
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: SessionDep) -> Response:
    site = await _site(request, session)
    if not site.portal:
        return _not_found(site)
    viewer = await _viewer(request, session)
    if viewer is None:
        return RedirectResponse(pages.HOME, status_code=303, headers=NO_STORE)
    if not _checked(request, viewer, await _form(request, MAX_SMALL_FORM)):
        return _refused(site)
    await service.sign_out(session, viewer=viewer)
    response = RedirectResponse(pages.HOME, status_code=303, headers=NO_STORE)
    _forget_cookie(request, response)
    return response


def _new_page(
    request: Request,
    site: help_pages.Site,
    viewer: Viewer,
    *,
    subject: str = "",
    text: str = "",
    problem: str = "",
    problem_field: str = "",
    status: int = 200,
) -> Response:
    html = pages.new_request_page(
        site,
        name=viewer.name,
        csrf=_csrf(request, viewer),
        email=viewer.email if viewer.email in viewer.emails else None,
        subject_limit=service.MAX_SUBJECT,
        text_limit=request.app.state.settings.max_text_length,
        subject=subject,
        text=text,
        problem=problem,
        problem_field=problem_field,
        file_limits=service.file_limits(request.app.state.settings),
    )
    return _html(html, status)


# Before "/{number}": "organisation" is no number.
@router.get("/organisation")
async def organisation_requests(request: Request, session: SessionDep, older: str = "") -> Response:
    """The requests of every customer of the viewer's organisation, while it shares them; else
    the "not found" page."""
    site = await _site(request, session)
    viewer = await _viewer(request, session) if site.portal else None
    if site.portal and viewer is None:
        return RedirectResponse(pages.HOME, status_code=303, headers=NO_STORE)
    if viewer is None:
        return _not_found(site)
    return await _list(request, session, site, viewer, older, shared=True)


# Before "/{number}": "new" is no number.
@router.get("/new")
async def new_request_form(request: Request, session: SessionDep) -> Response:
    """Signed in only, and only while the help center has an inbox for new requests."""
    site = await _site(request, session)
    viewer = await _viewer(request, session) if site.portal else None
    if site.portal and viewer is None:
        return RedirectResponse(pages.HOME, status_code=303, headers=NO_STORE)
    if viewer is None or await service.request_inbox(session) is None:
        return _not_found(site)
    return _new_page(request, site, viewer)


async def _ignored(request: Request, response: Response) -> Response:
    """An answer given before the body of a form that takes files was read: what the browser
    still sends is dropped (up to kit/body_limit.DRAIN_LIMIT), so that it reads the answer."""
    await StreamedBody(request.receive).drain()
    return response


async def _posted(request: Request, *, text_chars: int) -> forms.Posted | None:
    """A form that may take files, read within its bounds: room for `text_chars` characters of
    text (percent-encoded, up to 12 bytes each; in form-data, 4), and the files of one message
    (service.file_limits)."""
    settings = request.app.state.settings
    _most, _each, together = service.file_limits(settings)
    content_type = request.headers.get("content-type", "").lower()
    per_char = 4 if content_type.startswith("multipart/") else 12
    return await forms.read_form(
        request,
        text_room=text_chars * per_char + MAX_SMALL_FORM + PART_ROOM,
        files_room=together,
    )


def _file_problem(site: help_pages.Site, problem: service.FileProblem) -> str:
    return pages.file_problem_words(
        site, problem.code, filename=problem.filename, limit=problem.limit
    )


def _choose_again(site: help_pages.Site, problem: str, posted: forms.Posted) -> str:
    """A refused text with files chosen: the page shown again has no files (a browser never
    fills a file field in), so it says to choose them again."""
    if any(upload.filename for upload in posted.files):
        return f"{problem} {pages.file_problem_words(site, 'choose_again')}"
    return problem


def _too_large(request: Request) -> service.FileProblem:
    """A body past the form's bound: its files were too large together."""
    _most, _each, together = service.file_limits(request.app.state.settings)
    return service.FileProblem("files_too_large", status_code=413, limit=together)


def _too_many(request: Request) -> service.FileProblem:
    most, _each, _together = service.file_limits(request.app.state.settings)
    return service.FileProblem("too_many_files", status_code=422, limit=most)


async def _checked_files(
    request: Request, session: AsyncSession, posted: forms.Posted
) -> list[service.CheckedFile]:
    """The form's files, checked (service.check_files); FileProblem when refused, and for a body
    that was too large or held more parts than a page sends."""
    if posted.too_large:
        raise _too_large(request)
    if posted.overflow:
        raise _too_many(request)
    return await service.check_files(session, request.app.state.settings, posted.files)


@router.post("/new")
async def new_request(request: Request, session: SessionDep, _limit: IpLimited) -> Response:
    site = await _site(request, session)
    viewer = await _viewer(request, session) if site.portal else None
    inbox = await service.request_inbox(session) if viewer is not None else None
    if viewer is None or inbox is None:
        return await _ignored(request, _not_found(site))
    if not same_site(request):
        return await _ignored(request, _refused(site))
    limit = request.app.state.settings.max_text_length
    # As a reply's form, with room for the subject.
    posted = await _posted(request, text_chars=limit + service.MAX_SUBJECT)
    form = posted.fields if posted is not None else None
    if posted is None or not _checked(request, viewer, form):
        return _refused(site)
    subject = posted.fields.get("subject", "")
    text = posted.fields.get("text", "").replace("\r\n", "\n")

    def again(problem: str, problem_field: str, status: int) -> Response:
        return _new_page(
            request,
            site,
            viewer,
            subject=subject[: service.MAX_SUBJECT * 2],
            text=text,
            problem=problem,
            problem_field=problem_field,
            status=status,
        )

    try:
        files = await _checked_files(request, session, posted)
        ticket = await service.new_request(
            session,
            viewer=viewer,
            inbox=inbox,
            subject=subject,
            text=text,
            files=files,
            store=file_store(request.app.state.settings),
        )
    except service.FileProblem as refused_files:
        return again(_file_problem(site, refused_files), "files", refused_files.status_code)
    except service.TooManyNewRequests as refused:
        html = pages.too_many_page(site, name=viewer.name, csrf=_csrf(request, viewer))
        response = _html(html, 429)
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    except Invalid as refused:
        named = refused.fields[0] if refused.fields else None
        on_subject = named is not None and named["field"] == "subject"
        too_long = named is not None and named["code"] == "too_long"
        if on_subject:
            code = "subject_too_long" if too_long else "no_subject"
        else:
            code = "too_long" if too_long else "empty"
        problem = pages.problem_words(
            site, code, limit=service.MAX_SUBJECT if on_subject else limit
        )
        problem = _choose_again(site, problem, posted)
        return again(problem, "subject" if on_subject else "text", 422)
    # `?opened`: the page says the request was received (a reload says it again, harmlessly).
    return RedirectResponse(
        f"{pages.HOME}/{ticket.number}?opened", status_code=303, headers=NO_STORE
    )


async def _request_page(
    request: Request,
    session: AsyncSession,
    site: help_pages.Site,
    viewer: Viewer,
    number: int,
    *,
    problem: str = "",
    text: str = "",
    status: int = 200,
) -> Response:
    try:
        ticket = await service.get_request(session, viewer=viewer, number=number)
    except NoSuchRequest:
        return _not_found(site)
    if ticket.number != number:
        # Merged into another of their requests: that one.
        return RedirectResponse(f"{pages.HOME}/{ticket.number}", status_code=303, headers=NO_STORE)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    messages = await service.conversation(
        session, viewer=viewer, ticket=ticket, inbox_name=inbox.name
    )
    colleague = None
    if not service.is_own(viewer, ticket):
        colleague = await service.customer_name(session, ticket=ticket)
    html = pages.request_page(
        site,
        name=viewer.name,
        csrf=_csrf(request, viewer),
        ticket=ticket,
        messages=messages,
        problem=problem,
        text=text,
        limit=request.app.state.settings.max_text_length,
        opened="opened" in request.query_params,
        zone=await service.time_zone_of(session, customer_id=viewer.customer_id),
        colleague=colleague,
        file_limits=service.file_limits(request.app.state.settings),
    )
    return _html(html, status)


@router.get("/{number}")
async def request_page(
    request: Request, session: SessionDep, number: Annotated[str, Path(max_length=12)]
) -> Response:
    site = await _site(request, session)
    viewer = await _viewer(request, session) if site.portal else None
    if viewer is None:
        if site.portal and number.isdigit():
            # Signed out (or never in): the sign-in form, which leads back to the list.
            return RedirectResponse(pages.HOME, status_code=303, headers=NO_STORE)
        return _not_found(site)
    if not number.isdigit():
        return _not_found(site)
    return await _request_page(request, session, site, viewer, int(number))


@router.post("/{number}/reply")
async def reply(
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    number: Annotated[str, Path(max_length=12)],
) -> Response:
    site = await _site(request, session)
    viewer = await _viewer(request, session) if site.portal else None
    if viewer is None or not number.isdigit():
        return await _ignored(request, _not_found(site))
    if not same_site(request):
        return await _ignored(request, _refused(site))
    limit = request.app.state.settings.max_text_length
    posted = await _posted(request, text_chars=limit)
    if posted is None or not _checked(request, viewer, posted.fields):
        return _refused(site)
    text = posted.fields.get("text", "").replace("\r\n", "\n")
    try:
        ticket = await service.get_request(session, viewer=viewer, number=int(number))
        files = await _checked_files(request, session, posted)
        await service.reply(
            session,
            viewer=viewer,
            ticket=ticket,
            text=text,
            files=files,
            store=file_store(request.app.state.settings),
        )
    except NoSuchRequest:
        return _not_found(site)
    except service.FileProblem as refused_files:
        problem = _file_problem(site, refused_files)
        return await _request_page(
            request,
            session,
            site,
            viewer,
            int(number),
            problem=problem,
            text=text,
            status=refused_files.status_code,
        )
    except Invalid:
        code = "too_long" if len(text) > limit else "empty"
        problem = _choose_again(site, pages.problem_words(site, code, limit=limit), posted)
        return await _request_page(
            request, session, site, viewer, int(number), problem=problem, text=text, status=422
        )
    return RedirectResponse(
        f"{pages.HOME}/{ticket.number}#reply", status_code=303, headers=NO_STORE
    )


@router.post("/{number}/solve")
async def mark_solved(
    request: Request, session: SessionDep, number: Annotated[str, Path(max_length=12)]
) -> Response:
    """ "This is solved": the customer closes their own request (not a colleague's: 404)."""
    site = await _site(request, session)
    viewer = await _viewer(request, session) if site.portal else None
    if viewer is None or not number.isdigit():
        return _not_found(site)
    if not _checked(request, viewer, await _form(request, MAX_SMALL_FORM)):
        return _refused(site)
    try:
        ticket = await service.get_request(session, viewer=viewer, number=int(number))
        await service.mark_solved(session, viewer=viewer, ticket=ticket)
    except NoSuchRequest:
        return _not_found(site)
    except service.AlreadySolved:
        problem = pages.problem_words(site, "already_solved", limit=0)
        return await _request_page(
            request, session, site, viewer, int(number), problem=problem, status=409
        )
    return RedirectResponse(f"{pages.HOME}/{ticket.number}", status_code=303, headers=NO_STORE)


async def _listed_file(
    request: Request,
    session: AsyncSession,
    number: str,
    reference: str,
    *,
    thumbnail: bool = False,
) -> StoredFile | MailAttachment | Response:
    """A file the request's page lists, for its signed-in customer (service.visible_file, the one
    rule for the file and its thumbnail alike); anything else: the "not found" page."""
    site = await _site(request, session)
    viewer = await _viewer(request, session) if site.portal else None
    matched = _FILE.fullmatch(reference)
    if viewer is None or not number.isdigit() or matched is None:
        return _not_found(site)
    try:
        ticket = await service.get_request(session, viewer=viewer, number=int(number))
        return await service.visible_file(
            session,
            viewer=viewer,
            ticket=ticket,
            kind=matched.group(1),
            file_id=int(matched.group(2)),
            thumbnail=thumbnail,
        )
    except NoSuchRequest:
        return _not_found(site)


def _not_kept(response: Response) -> Response:
    """A file or a thumbnail: kept by no cache, as the desk's files are (files/downloads.py)."""
    response.headers["Cache-Control"] = FILE_NO_STORE["Cache-Control"]
    return response


@router.get("/{number}/files/{reference}")
async def download(
    request: Request,
    session: SessionDep,
    number: Annotated[str, Path(max_length=12)],
    reference: Annotated[str, Path(max_length=20)],
) -> Response:
    """A file the request's page lists, for its signed-in customer only: an image decoded when
    it came (it has a thumbnail) shown in the browser with the type its bytes say, anything else
    a download."""
    found = await _listed_file(request, session, number, reference)
    if isinstance(found, Response):
        return found
    if isinstance(found, StoredFile):
        response = await file_response(
            file_store(request.app.state.settings),
            found,
            range_header=request.headers.get("range"),
            head=is_head(request.scope),
            inline=True,
        )
    else:
        # Only a part decoded as an image on receipt is shown, as the desk shows it.
        response = received_file_response(
            found.content, filename=found.filename, decoded=found.width is not None, show=True
        )
    return _not_kept(response)


@router.get("/{number}/files/{reference}/thumbnail")
async def thumbnail(
    request: Request,
    session: SessionDep,
    number: Annotated[str, Path(max_length=12)],
    reference: Annotated[str, Path(max_length=20)],
) -> Response:
    """The thumbnail the server drew of a listed image, to whoever may have the image itself;
    a file that is no image has none (the "not found" page)."""
    found = await _listed_file(request, session, number, reference, thumbnail=True)
    if isinstance(found, Response):
        return found
    try:
        if isinstance(found, StoredFile):
            if found.thumbnail_key is None:
                raise NotFound("Not an image.")
            response = await stored_thumbnail_response(
                file_store(request.app.state.settings),
                found.thumbnail_key,
                filename=found.filename,
            )
        else:
            if found.thumbnail is None:
                raise NotFound("Not an image.")
            response = thumbnail_response(found.thumbnail, filename=found.filename)
    except NotFound:
        return _not_found(await _site(request, session))
    return _not_kept(response)
