"""The customer portal's HTML, in the help center's frame and style sheet (knowledge/pages.py):
the sign-in form, the page a link opens, the list of requests, one request with its reply
form and the form of a new request, in English or French. No script. Every text a person wrote
(subjects, messages, names, file names, the address typed) is escaped; every form that changes
something carries the session's CSRF token."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from urllib.parse import quote
from zoneinfo import ZoneInfo

from frontdesk.files.thumbnails import MAX_PIXELS, THUMBNAIL_SIDE
from frontdesk.knowledge.links import PATH
from frontdesk.knowledge.pages import MONTHS, Site, document
from frontdesk.portal.service import Attachment, Message, RequestPage
from frontdesk.tickets.models import Ticket, TicketState

HOME = f"{PATH}/requests"
# The organisation's requests (docs/portal.md, "Your organisation's requests").
SHARED = f"{HOME}/organisation"
# The longest side of an image's thumbnail on a request's page, in CSS pixels: half the drawn
# thumbnail's, so that it stays sharp on high-density screens.
SHOWN_SIDE = THUMBNAIL_SIDE // 2

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "My requests",
        "ask_lead": "Sign in with your email address to see the requests you sent us and "
        "answer them. We email you a link: no password needed.",
        "email": "Email address",
        "send_link": "Email me a link",
        "sent": "If this address is one we know, we've sent a link to it. It works once, for "
        "30 minutes. Check your inbox (and your spam folder).",
        "sign_in_title": "Sign in",
        "sign_in_lead": "Sign in to see your requests.",
        "sign_in": "Sign in",
        "link_gone_title": "This link no longer works",
        "link_gone": "It was used already, or it is more than 30 minutes old. "
        '<a href="{home}">Ask for a new link</a>.',
        "signed_in_as": "Signed in as {name}",
        "signed_in": "Signed in",
        "sign_out": "Sign out",
        "none": "You have no requests yet.",
        "number": "Number",
        "subject": "Subject",
        "state": "State",
        "activity": "Last activity",
        "open": "Open",
        "solved": "Solved",
        "older": "Older requests",
        "newest": "Newest requests",
        "back": "All my requests",
        "request": "Request #{number}",
        "you": "You",
        "support": "Support",
        "via_chat": "in the chat",
        "via_email": "by email",
        "via_form": "with the contact form",
        "via_portal": "from the help center",
        "reply": "Your answer",
        "send": "Send",
        "nothing_yet": "Nothing to show yet.",
        "empty": "Write your message first.",
        "too_long": "Your message is too long: at most {limit} characters.",
        "solved_note": "This request is solved. Answering opens it again.",
        "opened": "We have your request. We will answer here and by email.",
        "files": "Files",
        "images": "Images",
        "at": "{day}, {time} {zone}",
        "bad_form": "This form is out of date. Reload the page and try again.",
        "new_request": "New request",
        "new_lead": "Tell us what you need. We answer here and by email, at {email}.",
        "new_lead_plain": "Tell us what you need. We answer here and by email.",
        "message": "Message",
        "send_request": "Send request",
        "no_subject": "Say in a few words what it is about.",
        "subject_too_long": "Your subject is too long: at most {limit} characters.",
        "too_many": "You have opened several requests in the last hour. Answer one of them "
        "from your list, or try again later.",
        "shared_title": "{organisation}'s requests",
        "shared_none": "Nobody at {organisation} has a request yet.",
        "opened_by": "Opened by",
        "someone": "A colleague",
        "requests_tabs": "Requests",
        "colleague_note": "This is {name}'s request. You can read it; only they can answer it "
        "or mark it solved.",
        "solve": "This is solved",
        "solve_lead": "Nothing more needed? Tell us, and we close the request.",
        "already_solved": "This request is solved already.",
        "attach": "Attach files",
        "attach_hint": "Optional: up to {files} files, {each} each and {together} together "
        "(a screenshot, an invoice). Programs and scripts are not accepted.",
        "file_too_large": "{name} is too large: each file may be at most {limit}.",
        "files_too_large": "Your files are too large together: at most {limit} in one message.",
        "too_many_files": "Too many files: at most {limit} in one message.",
        "file_type_refused": "{name} was not sent: programs and scripts are not accepted.",
        "file_disguised": "{name} says it is an image or a PDF, but its content is not one.",
        "file_empty": "{name} is empty.",
        "image_unreadable": "{name} could not be read as an image: it may be damaged. Send it "
        "in another format.",
        "image_too_large": "{name} is too large an image: at most {limit} million pixels.",
        "file_refused": "{name} cannot be sent.",
        "files_again": "Nothing was sent: your text is kept, choose your files again.",
        "choose_again": "Choose your files again.",
    },
    "fr": {
        "title": "Mes demandes",
        "ask_lead": "Connectez-vous avec votre adresse e-mail pour voir les demandes que vous "
        "nous avez envoyées et y répondre. Nous vous envoyons un lien : pas de mot de passe.",
        "email": "Adresse e-mail",
        "send_link": "Recevoir un lien",
        "sent": "Si nous connaissons cette adresse, nous y avons envoyé un lien. Il fonctionne "
        "une fois, pendant 30 minutes. Regardez votre boîte de réception (et vos indésirables).",
        "sign_in_title": "Connexion",
        "sign_in_lead": "Connectez-vous pour voir vos demandes.",
        "sign_in": "Se connecter",
        "link_gone_title": "Ce lien ne fonctionne plus",
        "link_gone": "Il a déjà servi, ou il a plus de 30 minutes. "
        '<a href="{home}">Demandez un nouveau lien</a>.',
        "signed_in_as": "Connecté en tant que {name}",
        "signed_in": "Connecté",
        "sign_out": "Se déconnecter",
        "none": "Vous n'avez pas encore de demande.",
        "number": "Numéro",
        "subject": "Sujet",
        "state": "État",
        "activity": "Dernière activité",
        "open": "En cours",
        "solved": "Résolue",
        "older": "Demandes plus anciennes",
        "newest": "Demandes les plus récentes",
        "back": "Toutes mes demandes",
        "request": "Demande n° {number}",
        "you": "Vous",
        "support": "Support",
        "via_chat": "dans la conversation",
        "via_email": "par e-mail",
        "via_form": "avec le formulaire de contact",
        "via_portal": "depuis le centre d'aide",
        "reply": "Votre réponse",
        "send": "Envoyer",
        "nothing_yet": "Rien à afficher pour l'instant.",
        "empty": "Écrivez d'abord votre message.",
        "too_long": "Votre message est trop long : {limit} caractères au plus.",
        "solved_note": "Cette demande est résolue. Y répondre la rouvre.",
        "opened": "Nous avons bien reçu votre demande. Nous y répondrons ici et par e-mail.",
        "files": "Fichiers",
        "images": "Images",
        "at": "{day}, {time} {zone}",
        "bad_form": "Ce formulaire n'est plus à jour. Rechargez la page et réessayez.",
        "new_request": "Nouvelle demande",
        "new_lead": "Dites-nous ce dont vous avez besoin. Nous répondons ici et par e-mail, "
        "à {email}.",
        "new_lead_plain": "Dites-nous ce dont vous avez besoin. Nous répondons ici et par e-mail.",
        "message": "Message",
        "send_request": "Envoyer la demande",
        "no_subject": "Dites en quelques mots de quoi il s'agit.",
        "subject_too_long": "Votre sujet est trop long : {limit} caractères au plus.",
        "too_many": "Vous avez ouvert plusieurs demandes dans la dernière heure. Répondez à "
        "l'une d'elles depuis votre liste, ou réessayez plus tard.",
        "shared_title": "Les demandes de {organisation}",
        "shared_none": "Personne chez {organisation} n'a encore de demande.",
        "opened_by": "Ouverte par",
        "someone": "Un collègue",
        "requests_tabs": "Demandes",
        "colleague_note": "Cette demande est celle de {name}. Vous pouvez la lire ; seule cette "
        "personne peut y répondre ou la marquer résolue.",
        "solve": "C'est résolu",
        "solve_lead": "Plus besoin d'aide ? Dites-le-nous, et nous fermons la demande.",
        "already_solved": "Cette demande est déjà résolue.",
        "attach": "Joindre des fichiers",
        "attach_hint": "Facultatif : jusqu'à {files} fichiers, {each} chacun et {together} en "
        "tout (une capture d'écran, une facture). Les programmes et les scripts ne sont pas "
        "acceptés.",
        "file_too_large": "{name} est trop volumineux : {limit} au plus par fichier.",
        "files_too_large": "Vos fichiers sont trop volumineux ensemble : {limit} au plus par "
        "message.",
        "too_many_files": "Trop de fichiers : {limit} au plus par message.",
        "file_type_refused": "{name} n'a pas été envoyé : les programmes et les scripts ne sont "
        "pas acceptés.",
        "file_disguised": "{name} se présente comme une image ou un PDF, mais son contenu n'en "
        "est pas un.",
        "file_empty": "{name} est vide.",
        "image_unreadable": "{name} n'a pas pu être lu comme une image : il est peut-être abîmé. "
        "Envoyez-le dans un autre format.",
        "image_too_large": "{name} est une image trop grande : {limit} millions de pixels au plus.",
        "file_refused": "{name} ne peut pas être envoyé.",
        "files_again": "Rien n'a été envoyé : votre texte est conservé, choisissez à nouveau vos "
        "fichiers.",
        "choose_again": "Choisissez à nouveau vos fichiers.",
    },
}


def _words(site: Site, key: str, **values: str) -> str:
    return WORDS[site.language][key].format(**values)


def _when(site: Site, moment: datetime, zone: str = "UTC") -> str:
    """On the customer's clock when known (`zone`, portal/service.py `time_zone_of`), named."""
    moment = moment.astimezone(ZoneInfo(zone))
    day = f"{moment.day} {MONTHS[site.language][moment.month - 1]} {moment.year}"
    shown = "UTC" if zone == "UTC" else f"({zone.replace('_', ' ')})"
    return _words(site, "at", day=day, time=f"{moment:%H:%M}", zone=shown)


def _megabytes(site: Site, size: int) -> str:
    """A limit in megabytes, as the chat's sentences say them ("10 MB"; in French "10 Mo")."""
    unit = "Mo" if site.language == "fr" else "MB"
    return f"{size / (1024 * 1024):.3g} {unit}"


def _file_field(
    site: Site, field_id: str, limits: tuple[int, int, int], *, invalid: str = ""
) -> str:
    """The files of a message: any number chosen at once, the limits said under it. `invalid`:
    the id of the sentence saying why they were refused."""
    most, each, together = limits
    hint = _words(
        site,
        "attach_hint",
        files=str(most),
        each=_megabytes(site, each),
        together=_megabytes(site, together),
    )
    described = f"{field_id}-hint {invalid}" if invalid else f"{field_id}-hint"
    marked = ' aria-invalid="true"' if invalid else ""
    return (
        f'<label for="{field_id}">{_words(site, "attach")}</label>'
        f'<input id="{field_id}" name="files" type="file" multiple '
        f'aria-describedby="{described}"{marked}>'
        f'<p class="meta hint" id="{field_id}-hint">{escape(hint)}</p>'
    )


def _page(site: Site, title: str, body: str) -> str:
    return document(
        site, f"{title} - {site.name}", f'<section class="category portal">{body}</section>'
    )


def ask_page(site: Site, *, sent: bool = False, email: str = "") -> str:
    """The sign-in form; once sent, the same answer whoever the address is."""
    notice = f'<p class="notice" role="status">{_words(site, "sent")}</p>' if sent else ""
    body = (
        f"<h1>{_words(site, 'title')}</h1>{notice}"
        f'<p class="lead">{_words(site, "ask_lead")}</p>'
        f'<form class="stacked" method="post" action="{HOME}">'
        f'<label for="portal-email">{_words(site, "email")}</label>'
        f'<input id="portal-email" name="email" type="email" required maxlength="320" '
        f'autocomplete="email" value="{escape(email)}">'
        f'<button class="primary" type="submit">{_words(site, "send_link")}</button></form>'
    )
    return _page(site, _words(site, "title"), body)


def link_page(site: Site, *, token: str, usable: bool) -> str:
    """What a link opens: a button that signs in (a mail scanner fetching the link uses
    nothing up), or why it no longer works."""
    if not usable:
        body = (
            f"<h1>{_words(site, 'link_gone_title')}</h1>"
            f"<p>{_words(site, 'link_gone', home=HOME)}</p>"
        )
        return _page(site, _words(site, "link_gone_title"), body)
    action = f"{HOME}/sign-in/{quote(token, safe='')}"
    body = (
        f"<h1>{_words(site, 'sign_in_title')}</h1>"
        f'<p class="lead">{_words(site, "sign_in_lead")}</p>'
        f'<form class="stacked" method="post" action="{escape(action)}">'
        f'<button class="primary" type="submit">{_words(site, "sign_in")}</button></form>'
    )
    return _page(site, _words(site, "sign_in_title"), body)


def _account_line(site: Site, name: str, csrf: str) -> str:
    who = _words(site, "signed_in_as", name=escape(name)) if name else _words(site, "signed_in")
    return (
        f'<div class="account-line"><span>{who}</span>'
        f'<form class="inline" method="post" action="{HOME}/sign-out">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<button class="link" type="submit">{_words(site, "sign_out")}</button></form></div>'
    )


def _state(site: Site, ticket: Ticket) -> str:
    solved = ticket.state is TicketState.closed
    key = "solved" if solved else "open"
    return f'<span class="state {key}">{_words(site, key)}</span>'


def older_key(before: tuple[datetime, int]) -> str:
    """The "Older" link's position: microseconds since the epoch and the id."""
    moment, ticket_id = before
    return f"{int(moment.timestamp() * 1_000_000)}-{ticket_id}"


def _tabs(site: Site, organisation: str, shared: bool) -> str:
    """ "My requests" and "{Organisation}'s requests", while the organisation shares them."""
    if not organisation:
        return ""
    mine = _words(site, "title")
    theirs = escape(_words(site, "shared_title", organisation=organisation))
    current = ' aria-current="page"'
    links = (
        f'<a href="{HOME}"{"" if shared else current}>{mine}</a>'
        f'<a href="{SHARED}"{current if shared else ""}>{theirs}</a>'
    )
    return f'<nav class="tabs" aria-label="{_words(site, "requests_tabs")}">{links}</nav>'


def list_page(
    site: Site,
    *,
    name: str,
    csrf: str,
    page: RequestPage,
    first: bool,
    can_open: bool = False,
    zone: str = "UTC",
    organisation: str = "",
    shared: bool = False,
) -> str:
    """`can_open`: the help center has an inbox for new requests (the button leads there).
    `organisation`: the name of the customer's organisation while it shares its requests (the
    tabs); `shared`: this is its list, with who opened each request."""

    def opener(ticket: Ticket) -> str:
        if not shared:
            return ""
        who = page.names.get(ticket.customer_id) or _words(site, "someone")
        return f'<td class="opener">{escape(who)}</td>'

    rows = "".join(
        "<tr>"
        f'<td class="number">#{ticket.number}</td>'
        f'<td><a href="{HOME}/{ticket.number}">{escape(ticket.subject) or "&mdash;"}</a></td>'
        f"{opener(ticket)}"
        f"<td>{_state(site, ticket)}</td>"
        f'<td class="when">{_when(site, ticket.updated_at, zone)}</td>'
        "</tr>"
        for ticket in page.tickets
    )
    opened_by = f'<th scope="col">{_words(site, "opened_by")}</th>' if shared else ""
    none = (
        escape(_words(site, "shared_none", organisation=organisation))
        if shared
        else _words(site, "none")
    )
    table = (
        '<table class="requests"><thead><tr>'
        f'<th scope="col">{_words(site, "number")}</th>'
        f'<th scope="col">{_words(site, "subject")}</th>{opened_by}'
        f'<th scope="col">{_words(site, "state")}</th>'
        f'<th scope="col">{_words(site, "activity")}</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if page.tickets
        else f"<p>{none}</p>"
    )
    here = SHARED if shared else HOME
    links: list[str] = []
    if not first:
        links.append(f'<a href="{here}">{_words(site, "newest")}</a>')
    if page.older is not None:
        links.append(f'<a href="{here}?older={older_key(page.older)}">{_words(site, "older")}</a>')
    pages = f'<p class="pages">{" · ".join(links)}</p>' if links else ""
    title = (
        _words(site, "shared_title", organisation=organisation) if shared else _words(site, "title")
    )
    heading = f"<h1>{escape(title)}</h1>"
    if can_open:
        heading = (
            f'<div class="heading-row">{heading}'
            f'<a class="button" href="{HOME}/new">{_words(site, "new_request")}</a></div>'
        )
    tabs = _tabs(site, organisation, shared)
    body = f"{heading}{_account_line(site, name, csrf)}{tabs}{table}{pages}"
    return _page(site, title, body)


def new_request_page(
    site: Site,
    *,
    name: str,
    csrf: str,
    email: str | None,
    subject_limit: int,
    text_limit: int,
    subject: str = "",
    text: str = "",
    problem: str = "",
    problem_field: str = "",
    file_limits: tuple[int, int, int] = (5, 10 * 1024 * 1024, 25 * 1024 * 1024),
) -> str:
    """The form of a new request: a subject and a message, both required, and files. A refusal
    shows it again with the sentence and what was typed; `problem_field` ("subject", "text",
    "files" or "") is the field the sentence is about. `file_limits`: (files, bytes each, bytes
    together), portal/service.py `file_limits`."""
    error = (
        f'<p class="problem" role="alert" id="new-problem">{escape(problem)}</p>' if problem else ""
    )

    def marked(field: str) -> str:
        if problem and problem_field == field:
            return ' aria-describedby="new-problem" aria-invalid="true"'
        return ""

    lead = (
        _words(site, "new_lead", email=escape(email)) if email else _words(site, "new_lead_plain")
    )
    body = (
        f'<nav class="crumbs"><a href="{HOME}">{_words(site, "back")}</a></nav>'
        f"<h1>{_words(site, 'new_request')}</h1>"
        f"{_account_line(site, name, csrf)}"
        f'<p class="lead">{lead}</p>{error}'
        f'<form class="stacked" method="post" action="{HOME}/new" '
        'enctype="multipart/form-data">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<label for="portal-subject">{_words(site, "subject")}</label>'
        f'<input id="portal-subject" name="subject" type="text" required '
        f'maxlength="{subject_limit}" value="{escape(subject)}"{marked("subject")}>'
        f'<label for="portal-message">{_words(site, "message")}</label>'
        f'<textarea id="portal-message" name="text" required maxlength="{text_limit}"'
        f"{marked('text')}>{escape(text)}</textarea>"
        # After the text: the fields a body cut for its size still holds (portal/forms.py).
        + _file_field(
            site,
            "portal-files",
            file_limits,
            invalid="new-problem" if problem and problem_field == "files" else "",
        )
        + f'<button class="primary" type="submit">{_words(site, "send_request")}</button></form>'
    )
    return _page(site, _words(site, "new_request"), body)


def too_many_page(site: Site, *, name: str, csrf: str) -> str:
    """Past the hourly limit of new requests: why, and the way back to the list."""
    body = (
        f'<nav class="crumbs"><a href="{HOME}">{_words(site, "back")}</a></nav>'
        f"<h1>{_words(site, 'new_request')}</h1>{_account_line(site, name, csrf)}"
        f'<p class="problem" role="alert">{_words(site, "too_many")}</p>'
    )
    return _page(site, _words(site, "new_request"), body)


def _shown_size(width: int, height: int) -> tuple[int, int]:
    """The thumbnail's size on the page, in CSS pixels: within SHOWN_SIDE, the image's shape, never
    larger than the image (the width and height attributes: the page does not move as it loads)."""
    scale = min(1.0, SHOWN_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _thumbnail(number: int, file: Attachment) -> str:
    """An image: its thumbnail (drawn by the server from its pixels), linking to the image."""
    link = f"{HOME}/{number}/files/{file.kind}-{file.id}"
    width, height = _shown_size(*(file.image or (SHOWN_SIDE, SHOWN_SIDE)))
    return (
        f'<li><a href="{link}"><img src="{link}/thumbnail" alt="{escape(file.filename)}" '
        f'width="{width}" height="{height}" loading="lazy"></a></li>'
    )


def _files(site: Site, number: int, files: Sequence[Attachment]) -> str:
    """A message's files: its images as thumbnails first, then every other file as a download
    with its name and size."""
    images = "".join(_thumbnail(number, file) for file in files if file.image is not None)
    items = "".join(
        f'<li><a href="{HOME}/{number}/files/{file.kind}-{file.id}">'
        f"{escape(file.filename)}</a> ({_size(file.size)})</li>"
        for file in files
        if file.image is None
    )
    shown = (
        f'<ul class="thumbnails" aria-label="{_words(site, "images")}">{images}</ul>'
        if images
        else ""
    )
    if items:
        shown += f'<ul class="files" aria-label="{_words(site, "files")}">{items}</ul>'
    return shown


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def _message(site: Site, number: int, message: Message, zone: str) -> str:
    if message.side == "customer" and message.colleague:
        # A colleague's request: its customer by name, never "You".
        who = message.author or _words(site, "someone")
        via = f" · {_words(site, 'via_' + message.channel)}" if message.channel else ""
    elif message.side == "customer":
        who = _words(site, "you")
        via = f" · {_words(site, 'via_' + message.channel)}" if message.channel else ""
    else:
        who = message.author or _words(site, "support")
        via = ""
    stamp = message.at.isoformat()
    return (
        f'<li class="{message.side}"><span class="who">{escape(who)}</span> '
        f'<time class="when" datetime="{stamp}">{_when(site, message.at, zone)}</time>'
        f'<span class="when">{via}</span>'
        f'<p class="text">{escape(message.text)}</p>{_files(site, number, message.files)}</li>'
    )


def request_page(
    site: Site,
    *,
    name: str,
    csrf: str,
    ticket: Ticket,
    messages: Sequence[Message],
    problem: str = "",
    text: str = "",
    limit: int,
    opened: bool = False,
    zone: str = "UTC",
    colleague: str | None = None,
    file_limits: tuple[int, int, int] = (5, 10 * 1024 * 1024, 25 * 1024 * 1024),
) -> str:
    """`colleague`: the name of the request's customer when it is a colleague's (the shared
    view): read only, no answer form and no "This is solved". `file_limits`: the answer's files
    (portal/service.py `file_limits`)."""
    number = ticket.number
    received = f'<p class="notice" role="status">{_words(site, "opened")}</p>' if opened else ""
    thread = (
        f'<ol class="thread">{"".join(_message(site, number, m, zone) for m in messages)}</ol>'
        if messages
        else f"<p>{_words(site, 'nothing_yet')}</p>"
    )
    closed = ticket.state is TicketState.closed
    solved = f'<p class="notice">{_words(site, "solved_note")}</p>' if closed else ""
    error = (
        f'<p class="problem" role="alert" id="reply-problem">{escape(problem)}</p>'
        if problem
        else ""
    )
    described = ' aria-describedby="reply-problem" aria-invalid="true"' if problem else ""
    form = (
        f'<form class="stacked" method="post" action="{HOME}/{number}/reply" '
        'enctype="multipart/form-data">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<label for="portal-reply">{_words(site, "reply")}</label>{error}'
        f'<textarea id="portal-reply" name="text" maxlength="{limit}"{described}>'
        f"{escape(text)}</textarea>"
        + _file_field(site, "portal-reply-files", file_limits)
        + f'<button class="primary" type="submit">{_words(site, "send")}</button></form>'
    )
    solve = (
        f'<form class="stacked solve" method="post" action="{HOME}/{number}/solve">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f"<p>{_words(site, 'solve_lead')}</p>"
        f'<button type="submit">{_words(site, "solve")}</button></form>'
        if not closed
        else ""
    )
    back = f'<a href="{HOME}">{_words(site, "back")}</a>'
    if colleague is not None:
        # Read only: answering stays with the request's own customer (docs/portal.md).
        who = colleague or _words(site, "someone")
        solved = ""
        form = f'<p class="notice">{escape(_words(site, "colleague_note", name=who))}</p>'
        solve = ""
        back = f'<a href="{SHARED}">{_words(site, "back")}</a>'
    body = (
        f'<nav class="crumbs">{back}</nav>'
        f"<h1>{escape(ticket.subject) or _words(site, 'request', number=str(number))}</h1>"
        f'<p class="meta">{_words(site, "request", number=str(number))} · {_state(site, ticket)}'
        f"</p>{received}{_account_line(site, name, csrf)}{thread}{solved}{form}{solve}"
    )
    return _page(site, ticket.subject or _words(site, "request", number=str(number)), body)


# The reasons a file is refused (portal/service.py `FileProblem.code`, the chat's codes), each
# with its sentence; any other: "file_refused".
_FILE_REASONS = frozenset(
    {
        "file_too_large",
        "files_too_large",
        "too_many_files",
        "file_type_refused",
        "file_disguised",
        "file_empty",
        "image_unreadable",
        "image_too_large",
    }
)


def file_problem_words(site: Site, code: str, *, filename: str = "", limit: int = 0) -> str:
    """Why a message's files were refused, naming the file and the limit, then that nothing was
    sent (`choose_again` alone: a refused text whose files must be chosen again)."""
    if code == "choose_again":
        return _words(site, "choose_again")
    key = code if code in _FILE_REASONS else "file_refused"
    if key == "too_many_files":
        shown = str(limit)
    elif key == "image_too_large":
        shown = f"{MAX_PIXELS // 1_000_000}"
    else:
        shown = _megabytes(site, limit)
    reason = _words(site, key, name=filename, limit=shown)
    return f"{reason} {_words(site, 'files_again')}"


def problem_words(site: Site, code: str, *, limit: int) -> str:
    """A refused form's sentence: empty, too long, or a stale form (a new request's subject:
    `no_subject`, `subject_too_long`)."""
    if code == "no_subject":
        return _words(site, "no_subject")
    if code == "subject_too_long":
        return _words(site, "subject_too_long", limit=str(limit))
    if code == "too_long":
        return _words(site, "too_long", limit=str(limit))
    if code == "bad_form":
        return _words(site, "bad_form")
    if code == "already_solved":
        return _words(site, "already_solved")
    return _words(site, "empty")
