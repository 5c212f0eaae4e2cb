"""The customer portal's rules (docs/portal.md): sign-in links by email, the sessions they open,
and what a signed-in customer may read and write. Every read here is filtered by the session's
customer: a ticket of anyone else is "no such request", exactly as an unknown number is.

- A link is asked for by address; the answer never says whether the address is known. A link
  goes only to a customer who exists, is verified (an address a visitor only typed proves
  nothing, docs/email.md), is not being erased and whose address is not a blocked sender; at
  most LINKS_PER_WINDOW in LINK_WINDOW per customer, the rest silently not sent.
- A link's token and a session's are random; only their SHA-256 digests are stored. A link works
  once (a guarded UPDATE: two clicks at once open one session), for LINK_LIFETIME. A session
  lasts SESSION_LIFETIME, or until "Sign out"; the CSRF token of its forms is an HMAC of its
  digest, nothing stored.
- A session of a customer merged into another ends (their addresses now lead to the other
  record: signing in again shows its requests), and so does one of a customer whose address
  (or its domain) was blocked since; an erasure deletes the customer's sessions and links as it
  starts (`forget_customers`).
- A new request (signed in only: the link proved the address; docs/portal.md, "New request")
  goes to the help center's "Inbox for new requests" and takes the path of a message left with
  the messenger's contact form (chats/visitors.py `submit_contact_form`): `create_ticket` (its
  number, SLA, `ticket.created` for the desk and webhooks, the rules that answer a creation,
  auto-assignment's next round) and the customer's first entry (`add_entry`), with the email
  path's metric moment; answered at the address the customer signed in with. At most
  REQUESTS_PER_WINDOW in REQUEST_WINDOW per customer, counted under the customer's row lock.
- A reply goes the way a customer's email answer continuing the ticket goes
  (mail/receiving.py `_receive`): an inbound reply entry by the customer, its metric moment,
  a closed, held or snoozed ticket reopened, its assignee given back to the team when away, the
  assignee and followers told; the entry says it came by the help center (`data.portal`).
- An organisation that shares its requests (`organisations.shared_requests`, docs/portal.md,
  "Your organisation's requests") lets each of its customers read the requests of all its
  customers, as their own customer sees them; read only: a colleague neither answers nor marks
  solved. The setting and the customer's organisation are read with the session on every page,
  so turning it off, or the customer leaving, takes the view away at once.
- "This is solved": the customer closes their own open request (`mark_solved`), a timeline line
  saying so, nothing mailed.
- Files with a new request or an answer (docs/portal.md, "Files"): the chat visitor's rules, as a
  customer is as untrusted as a visitor (`check_files`: each file's size, the sniffed type, a
  program or a disguised file refused, an image decoded), at most MAX_FILES and the chat
  message's size together; all checked before anything is stored, then stored and kept as the
  ticket's files of the customer's entry (`_keep_files`), as a chat's files are; a refusal
  after they were stored deletes them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, undefer

from frontdesk.assignment import out_of_office as away_tickets
from frontdesk.chats.models import Chat
from frontdesk.config import Settings
from frontdesk.customers import service as customers_service
from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.db.context import settings_of
from frontdesk.db.session import release_before_waiting
from frontdesk.errors import Conflict, FrontdeskError, Invalid, NotFound, TooManyRequests
from frontdesk.files import service as files_service
from frontdesk.files.models import StoredFile
from frontdesk.files.sniff import HEAD_BYTES, FileRefused, check
from frontdesk.files.store import FileStore
from frontdesk.files.thumbnails import THUMBNAIL_SIDE, thumbnail_of
from frontdesk.hours.models import BusinessHours
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.kit.ids import new_token, same, sign, token_digest
from frontdesk.kit.schemas import MAX_ID
from frontdesk.kit.zones import is_place
from frontdesk.knowledge import service as knowledge_service
from frontdesk.mail.addresses import new_message_id
from frontdesk.mail.models import MailAttachment, OutboxMessage, OutboxState
from frontdesk.mail.receiving import REOPENED_BY_REPLY
from frontdesk.metrics import record as metrics
from frontdesk.organisations import queries as organisations_queries
from frontdesk.organisations.models import Organisation
from frontdesk.portal import mail as portal_mail
from frontdesk.portal.forms import Upload
from frontdesk.portal.models import PortalLink, PortalRequest, PortalSession
from frontdesk.privacy.models import Erasure
from frontdesk.spam import senders
from frontdesk.spam.models import BlockedSender
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import (
    Direction,
    EntryKind,
    Ticket,
    TicketEntry,
    TicketState,
    TicketType,
)
from frontdesk.users.models import User

LINK_LIFETIME = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(days=30)
LINKS_PER_WINDOW = 3
LINK_WINDOW = timedelta(minutes=15)
PAGE_SIZE = 25
REQUESTS_PER_WINDOW = 5
REQUEST_WINDOW = timedelta(hours=1)
# A ticket's subject, as the tickets' API and column take it.
MAX_SUBJECT = 300
# RFC 5321's longest address, and the column's.
MAX_ADDRESS = 320
# Files one message (a new request, an answer) may carry; never more than a chat message may.
MAX_FILES = 5


class NoSuchRequest(NotFound):
    """Another customer's ticket, an unknown number, spam: the same answer."""

    def __init__(self) -> None:
        super().__init__("No such request.")


class TooManyNewRequests(TooManyRequests):
    """More than REQUESTS_PER_WINDOW new requests from one customer in REQUEST_WINDOW."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "You have opened several requests in the last hour. Answer one of them, or try "
            "again later.",
            retry_after=retry_after,
        )


class AlreadySolved(Conflict):
    """ "This is solved" on a request that is solved already."""

    code = "already_solved"

    def __init__(self) -> None:
        super().__init__("This request is solved already.")


# The desk's timeline line of a request its customer marked solved here.
SOLVED_LINE = "The customer marked it solved from the help center"


# --- the setting ------------------------------------------------------------------------------


async def enabled(session: AsyncSession) -> bool:
    """ "Customers can sign in to see their requests" (the help center's settings)."""
    settings = await knowledge_service.help_center(session)
    return settings.customer_portal is not False


async def request_inbox(session: AsyncSession) -> Inbox | None:
    """The help center's "Inbox for new requests", or None: not chosen (or its inbox deleted,
    which empties the setting): the portal offers no "New request"."""
    settings = await knowledge_service.help_center(session)
    if settings.portal_inbox_id is None:
        return None
    try:
        return await inboxes_service.get_inbox_by_id(session, inbox_id=settings.portal_inbox_id)
    except NotFound:
        return None


# --- signing in -------------------------------------------------------------------------------


async def request_link(session: AsyncSession, *, email: str, language: str, site_name: str) -> bool:
    """Mails a sign-in link to `email` when it is a customer's who may have one; True when one
    was queued. The caller answers the same page either way."""
    address = customers_service.normalize_contact(ContactKind.email, email)
    if not address or "@" not in address or len(address) > MAX_ADDRESS:
        return False
    found = await customers_service.find_by_email(session, email=address)
    if found is None:
        return False
    customer = await customers_service.get_customer_by_id(session, customer_id=found.id)
    if not customer.verified or await _being_erased(session, customer.id):
        return False
    if await senders.is_blocked(session, address=address):
        return False
    now = utcnow()
    # Lock the customer's row: two requests at once count each other's link.
    await session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    await session.execute(
        delete(PortalLink)
        .where(PortalLink.customer_id == customer.id, PortalLink.expires_at < now)
        .execution_options(synchronize_session=False)
    )
    recent = await session.scalar(
        select(func.count())
        .select_from(PortalLink)
        .where(PortalLink.customer_id == customer.id, PortalLink.created_at > now - LINK_WINDOW)
    )
    if (recent or 0) >= LINKS_PER_WINDOW:
        return False
    token = new_token()
    session.add(
        PortalLink(
            customer_id=customer.id,
            digest=token_digest(token),
            email=address,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    settings = settings_of(session)
    words = portal_mail.compose(
        language=await _language_of(session, customer.id) or language,
        site_name=site_name,
        link=portal_mail.link_url(settings.public_url, token),
        minutes=int(LINK_LIFETIME.total_seconds() // 60),
    )
    session.add(
        OutboxMessage(
            ticket_id=None,
            entry_id=None,
            message_id=new_message_id(mail_domain=settings.mail_domain, hint="portal"),
            sender=formataddr((site_name, f"notifications@{settings.mail_domain}")),
            recipients=[address],
            subject=words.subject,
            headers={"Auto-Submitted": "auto-generated"},
            text=words.text,
            html=words.html,
            state=OutboxState.queued,
            data={"kind": "portal_link", "customer_id": customer.id},
        )
    )
    await session.flush()
    return True


async def _being_erased(session: AsyncSession, customer_id: int) -> bool:
    running = await session.scalar(
        select(Erasure.id)
        .where(Erasure.finished_at.is_(None), Erasure.customer_id == customer_id)
        .limit(1)
    )
    return running is not None


async def _latest_chat_said(
    session: AsyncSession, customer_id: int, said: InstrumentedAttribute[str | None]
) -> str | None:
    """What the customer's latest chat that said it said (its browser's locale or time zone)."""
    value: str | None = await session.scalar(
        select(said)
        .join(Ticket, Ticket.id == Chat.ticket_id)
        .where(Ticket.customer_id == customer_id, said.is_not(None))
        .order_by(Chat.id.desc())
        .limit(1)
    )
    return value


async def _language_of(session: AsyncSession, customer_id: int) -> str | None:
    """The language of the customer's latest chat that said one ("fr-CA" is "fr"), if any."""
    locale = await _latest_chat_said(session, customer_id, Chat.visitor_locale)
    return locale.split("-")[0].lower() if locale else None


async def time_zone_of(session: AsyncSession, *, customer_id: int) -> str:
    """The time zone the customer's latest chat said (their browser's); else the business hours'
    zone of the inbox of their latest ticket (the team's clock, which a customer who only wrote
    by email most often shares); else UTC. The portal's pages have no script to ask the browser."""
    zone = await _latest_chat_said(session, customer_id, Chat.visitor_time_zone)
    if zone and is_place(zone):
        return zone
    team_zone = await session.scalar(
        select(BusinessHours.time_zone)
        .join(Ticket, Ticket.inbox_id == BusinessHours.inbox_id)
        .where(Ticket.customer_id == customer_id)
        .order_by(Ticket.id.desc())
        .limit(1)
    )
    return team_zone if team_zone and is_place(team_zone) else "UTC"


def _usable_link(digest: str, now: datetime) -> ColumnElement[bool]:
    return (
        (PortalLink.digest == digest) & PortalLink.used_at.is_(None) & (PortalLink.expires_at > now)
    )


async def link_is_usable(session: AsyncSession, *, token: str) -> bool:
    """For the page a link opens (GET: nothing is used up, mail scanners fetch links)."""
    found = await session.scalar(
        select(PortalLink.id).where(_usable_link(token_digest(token), utcnow()))
    )
    return found is not None


async def sign_in(session: AsyncSession, *, token: str) -> str | None:
    """Uses the link up and opens a session: its token (the cookie's value), or None when the
    link is unknown, used or expired. The guarded UPDATE lets exactly one of two uses at once
    through (the other matches no row once the first commits)."""
    now = utcnow()
    used = await session.execute(
        update(PortalLink)
        .where(_usable_link(token_digest(token), now))
        .values(used_at=now)
        .returning(PortalLink.customer_id, PortalLink.email)
        .execution_options(synchronize_session=False)
    )
    found = used.one_or_none()
    if found is None:
        return None
    customer_id, email = found
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.merged_into_id is not None:
        return None
    await session.execute(
        delete(PortalSession)
        .where(PortalSession.customer_id == customer_id, PortalSession.expires_at < now)
        .execution_options(synchronize_session=False)
    )
    opened = new_token()
    session.add(
        PortalSession(
            customer_id=customer_id,
            digest=token_digest(opened),
            email=email,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return opened


@dataclass(frozen=True)
class Viewer:
    """A signed-in customer: who, and their session's digest (what the CSRF token signs)."""

    customer_id: int
    digest: str
    name: str
    # The customer and the records merged into them: whose messages are "theirs".
    customer_ids: frozenset[int] = field(default_factory=frozenset)
    emails: frozenset[str] = field(default_factory=frozenset)
    # The address the link that opened this session was mailed to (None: a session opened
    # before 0089 kept it): where a request opened here is answered.
    email: str | None = None
    # Their organisation while it shares its requests (else None), and its name.
    shared_organisation_id: int | None = None
    organisation_name: str = ""


async def viewer_of(session: AsyncSession, *, token: str) -> Viewer | None:
    """The customer behind a session cookie, or None: unknown, expired, signed out, or the
    customer merged into another since."""
    if not token or len(token) > 100:
        return None
    digest = token_digest(token)
    row = (
        await session.execute(
            select(
                PortalSession.customer_id,
                PortalSession.email,
                Customer.name,
                Customer.merged_into_id,
                Organisation.id.label("organisation_id"),
                Organisation.name.label("organisation_name"),
            )
            .join(Customer, Customer.id == PortalSession.customer_id)
            # Read with the session every time: the setting off, or the customer gone from
            # the organisation, and the shared view is gone with the next page.
            .outerjoin(
                Organisation,
                (Organisation.id == Customer.organisation_id) & Organisation.shared_requests,
            )
            .where(PortalSession.digest == digest, PortalSession.expires_at > utcnow())
        )
    ).one_or_none()
    if row is None or row.merged_into_id is not None:
        return None
    merged = set(
        await session.scalars(select(Customer.id).where(Customer.merged_into_id == row.customer_id))
    )
    ids = frozenset({row.customer_id, *merged})
    emails = frozenset(
        await session.scalars(
            select(CustomerContact.value).where(
                CustomerContact.customer_id == row.customer_id,
                CustomerContact.kind == ContactKind.email,
            )
        )
    )
    if emails and await _blocked(session, emails):
        # Blocked since they signed in: their mail goes to Spam, their session is over.
        return None
    return Viewer(
        row.customer_id,
        digest,
        row.name,
        ids,
        emails,
        row.email,
        row.organisation_id,
        row.organisation_name or "",
    )


async def _blocked(session: AsyncSession, emails: Collection[str]) -> bool:
    patterns = sorted({pattern for email in emails for pattern in senders.patterns_of(email)})
    found = await session.scalar(
        select(BlockedSender.id).where(BlockedSender.pattern.in_(patterns)).limit(1)
    )
    return found is not None


async def sign_out(session: AsyncSession, *, viewer: Viewer) -> None:
    await session.execute(
        delete(PortalSession)
        .where(PortalSession.digest == viewer.digest)
        .execution_options(synchronize_session=False)
    )


def csrf_token(secret: bytes, viewer: Viewer) -> str:
    return sign(secret, f"portal-csrf:{viewer.digest}", 32)


def csrf_valid(secret: bytes, viewer: Viewer, sent: str) -> bool:
    return bool(sent) and same(sent, csrf_token(secret, viewer))


async def forget_customers(session: AsyncSession, *, customer_ids: Collection[int]) -> None:
    """An erasure starts: their sessions end and their links stop working at once (the rows
    would go with the customer at its end anyway, by the cascade)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    for model in (PortalSession, PortalLink):
        await session.execute(
            delete(model)
            .where(model.customer_id.in_(ids))
            .execution_options(synchronize_session=False)
        )


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestPage:
    tickets: Sequence[Ticket]
    # Where the next (older) page starts: (updated_at, id) of the last ticket shown; None: none.
    older: tuple[datetime, int] | None
    # The organisation's list: who opened each (their customer's name), by customer id.
    names: dict[int, str] = field(default_factory=dict)


def _theirs(viewer: Viewer) -> ColumnElement[bool]:
    """The customer's requests: their tickets, not spam, not merged away (a ticket merged into
    another of theirs is shown as that one)."""
    return (
        (Ticket.customer_id == viewer.customer_id)
        & (Ticket.state != TicketState.spam)
        & Ticket.merged_into_id.is_(None)
    )


def _organisations(organisation_id: int) -> ColumnElement[bool]:
    """The requests of every customer of the organisation, as each sees their own."""
    return (
        Ticket.customer_id.in_(organisations_queries.members(organisation_id))
        & (Ticket.state != TicketState.spam)
        & Ticket.merged_into_id.is_(None)
    )


async def list_requests(
    session: AsyncSession,
    *,
    viewer: Viewer,
    before: tuple[datetime, int] | None = None,
    shared: bool = False,
) -> RequestPage:
    """Newest activity first, PAGE_SIZE a page, the next page after `before` (keyset: the
    (customer, updated) index, whatever the page's depth). `shared`: their organisation's
    requests, with who opened each (NoSuchRequest when it does not share them)."""
    if shared and viewer.shared_organisation_id is None:
        raise NoSuchRequest
    where = _organisations(viewer.shared_organisation_id or 0) if shared else _theirs(viewer)
    query = select(Ticket).where(where)
    if before is not None:
        query = query.where(tuple_(Ticket.updated_at, Ticket.id) < tuple_(*before))
    rows = list(
        await session.scalars(
            query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(PAGE_SIZE + 1)
        )
    )
    older = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        older = (rows[-1].updated_at, rows[-1].id)
    names: dict[int, str] = {}
    if shared and rows:
        found = await session.execute(
            select(Customer.id, Customer.name).where(
                Customer.id.in_({ticket.customer_id for ticket in rows})
            )
        )
        names = {int(customer_id): str(name) for customer_id, name in found}
    return RequestPage(rows, older, names)


async def get_request(session: AsyncSession, *, viewer: Viewer, number: int) -> Ticket:
    """The customer's request by its number (or, while their organisation shares its requests,
    a colleague's). A number merged into another request they may read answers that one (the
    caller redirects); anything else, NoSuchRequest."""
    if not 1 <= number <= MAX_ID:
        raise NoSuchRequest
    readable = Ticket.customer_id == viewer.customer_id
    if viewer.shared_organisation_id is not None:
        readable = readable | Ticket.customer_id.in_(
            organisations_queries.members(viewer.shared_organisation_id)
        )
    ticket = await session.scalar(select(Ticket).where(Ticket.number == number, readable))
    seen: set[int] = set()
    while ticket is not None and ticket.merged_into_id is not None and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = await session.get(Ticket, ticket.merged_into_id)
    if ticket is None:
        raise NoSuchRequest
    if ticket.state is TicketState.spam or ticket.merged_into_id is not None:
        raise NoSuchRequest
    if not await _may_read(session, viewer, ticket):
        # Merged into a ticket of someone they may not read.
        raise NoSuchRequest
    return ticket


def is_own(viewer: Viewer, ticket: Ticket) -> bool:
    """Their own request (answered and marked solved by them), not a colleague's."""
    return ticket.customer_id == viewer.customer_id


async def customer_name(session: AsyncSession, *, ticket: Ticket) -> str:
    """Who opened a request, as a colleague reads it: its customer's name."""
    name = await session.scalar(select(Customer.name).where(Customer.id == ticket.customer_id))
    return name or ""


async def _may_read(session: AsyncSession, viewer: Viewer, ticket: Ticket) -> bool:
    if is_own(viewer, ticket):
        return True
    if viewer.shared_organisation_id is None:
        return False
    organisation_id = await session.scalar(
        select(Customer.organisation_id).where(Customer.id == ticket.customer_id)
    )
    return organisation_id == viewer.shared_organisation_id


# --- a request's conversation -----------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    # "file" (a stored file: an agent's reply, a chat's) or "mail" (an email's attachment).
    kind: str
    id: int
    filename: str
    size: int
    # An image decoded when it came (it has a thumbnail): its size in pixels, upright; the page
    # shows its thumbnail at that shape. None: any other file, shown as a download.
    image: tuple[int, int] | None = None


@dataclass(frozen=True)
class Message:
    at: datetime
    # "customer" or "agent".
    side: str
    author: str
    text: str
    files: tuple[Attachment, ...] = ()
    # "chat", "email", "form" or "portal": how it came.
    channel: str = ""
    # A customer's message on a colleague's request (the shared view): shown by `author`, the
    # customer's name, never as "You".
    colleague: bool = False


@dataclass(frozen=True)
class _Side:
    """The customer whose side of a request is shown: the records merged into them, their
    addresses, and their name when it is a colleague's request."""

    customer_ids: frozenset[int]
    emails: frozenset[str]
    colleague_name: str | None = None


async def _side_of(session: AsyncSession, viewer: Viewer, ticket: Ticket) -> _Side:
    if is_own(viewer, ticket):
        return _Side(viewer.customer_ids, viewer.emails)
    merged = set(
        await session.scalars(
            select(Customer.id).where(Customer.merged_into_id == ticket.customer_id)
        )
    )
    emails = frozenset(
        await session.scalars(
            select(CustomerContact.value).where(
                CustomerContact.customer_id == ticket.customer_id,
                CustomerContact.kind == ContactKind.email,
            )
        )
    )
    name = await session.scalar(select(Customer.name).where(Customer.id == ticket.customer_id))
    return _Side(frozenset({ticket.customer_id, *merged}), emails, name or "")


async def conversation(
    session: AsyncSession, *, viewer: Viewer, ticket: Ticket, inbox_name: str
) -> list[Message]:
    """The request as the customer had it, oldest first: their messages (chat lines, emails,
    the contact form, answers from here) and the agents' replies and chat lines sent to them.
    Never a note, a timeline line, an automatic mail, a forward to someone else, nor what
    another customer wrote or was sent on a ticket merged into theirs. A colleague's request
    (the shared view) is its own customer's side exactly, their messages under their name."""
    if not await _may_read(session, viewer, ticket):
        raise NoSuchRequest
    side = await _side_of(session, viewer, ticket)
    entries = list(
        await session.scalars(
            select(TicketEntry)
            .where(
                TicketEntry.ticket_id == ticket.id,
                TicketEntry.kind.in_((EntryKind.transcript, EntryKind.reply)),
            )
            .order_by(TicketEntry.created_at, TicketEntry.id)
        )
    )
    shown = [entry for entry in entries if _is_theirs(entry, side)]
    files = await _files_of(session, ticket_id=ticket.id, entry_ids=[e.id for e in shown])
    names = await _agent_names(session, shown)
    messages: list[Message] = []
    for entry in shown:
        if entry.kind is EntryKind.transcript:
            messages.extend(_chat_lines(entry, side))
            continue
        attached = tuple(files.get(entry.id, ()))
        if entry.direction is Direction.inbound:
            channel = "portal" if entry.data.get("portal") else _channel(entry)
            messages.append(
                Message(
                    entry.created_at,
                    "customer",
                    side.colleague_name or "",
                    entry.text,
                    attached,
                    channel,
                    side.colleague_name is not None,
                )
            )
        else:
            author = names.get(entry.author_user_id or 0) or inbox_name
            messages.append(Message(entry.created_at, "agent", author, entry.text, attached))
    return await _chat_images(session, ticket_id=ticket.id, messages=messages)


def _is_theirs(entry: TicketEntry, viewer: _Side) -> bool:
    data = entry.data or {}
    if entry.kind is EntryKind.transcript:
        return entry.author_customer_id in viewer.customer_ids
    if entry.direction is Direction.inbound:
        return entry.author_customer_id in viewer.customer_ids and not data.get("auto")
    if data.get("forward_of") is not None:
        return False
    sent_to = data.get("to")
    # Sent to one of their addresses: not a reply to another customer on a ticket merged in.
    return isinstance(sent_to, list) and any(
        isinstance(a, str) and a.lower() in viewer.emails for a in sent_to
    )


def _channel(entry: TicketEntry) -> str:
    data = entry.data or {}
    if "page_url" in data:
        return "form"
    return "email"


def _chat_lines(entry: TicketEntry, side: _Side) -> list[Message]:
    """A chat's lines the customer had: their messages and the agents' (not who joined or
    left); files by the ids the ticket keeps them under."""
    lines = (entry.data or {}).get("lines") or []
    found: list[Message] = []
    for line in lines:
        if not isinstance(line, dict) or line.get("kind") not in ("visitor", "agent"):
            continue
        try:
            at = datetime.fromisoformat(str(line.get("at")))
        except ValueError:
            at = entry.created_at
        files = tuple(
            Attachment("file", int(item["id"]), str(item.get("filename", "")), int(item["size"]))
            for item in line.get("files") or []
            if isinstance(item, dict) and isinstance(item.get("id"), int)
        )
        visitor = line["kind"] == "visitor"
        found.append(
            Message(
                at,
                "customer" if visitor else "agent",
                (side.colleague_name or "") if visitor else str(line.get("author") or ""),
                str(line.get("text") or ""),
                files,
                "chat" if visitor else "",
                visitor and side.colleague_name is not None,
            )
        )
    return found


async def _chat_images(
    session: AsyncSession, *, ticket_id: int, messages: list[Message]
) -> list[Message]:
    """The images among the chat lines' files, which the transcript names by id: by the ticket's
    own rows, whose thumbnail is the one served (portal/api.py `thumbnail`)."""
    chat_ids = {f.id for m in messages for f in m.files if f.kind == "file" and f.image is None}
    if not chat_ids:
        return messages
    rows = await session.execute(
        select(StoredFile.id, StoredFile.width, StoredFile.height).where(
            StoredFile.ticket_id == ticket_id,
            StoredFile.id.in_(chat_ids),
            StoredFile.thumbnail_key.is_not(None),
        )
    )
    sizes = {int(file_id): _pixels(width, height) for file_id, width, height in rows}
    if not sizes:
        return messages
    return [
        replace(
            message,
            files=tuple(
                replace(f, image=sizes[f.id]) if f.kind == "file" and f.id in sizes else f
                for f in message.files
            ),
        )
        for message in messages
    ]


def _pixels(width: int | None, height: int | None) -> tuple[int, int]:
    """An image's size; one kept without it shows as a square of the thumbnail's size."""
    if not width or not height:
        return (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    return (width, height)


async def _agent_names(session: AsyncSession, entries: Sequence[TicketEntry]) -> dict[int, str]:
    ids = {entry.author_user_id for entry in entries if entry.author_user_id is not None}
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {int(user_id): str(name) for user_id, name in rows}


async def _files_of(
    session: AsyncSession, *, ticket_id: int, entry_ids: Sequence[int]
) -> dict[int, list[Attachment]]:
    """The files of the entries shown: an agent's reply's, an email's (not its inline images)."""
    found: dict[int, list[Attachment]] = {}
    if not entry_ids:
        return found
    stored = await session.execute(
        select(
            StoredFile.id,
            StoredFile.entry_id,
            StoredFile.filename,
            StoredFile.size,
            StoredFile.thumbnail_key.is_not(None),
            StoredFile.width,
            StoredFile.height,
        )
        .where(StoredFile.ticket_id == ticket_id, StoredFile.entry_id.in_(entry_ids))
        .order_by(StoredFile.id)
    )
    for file_id, entry_id, filename, size, image, width, height in stored:
        if entry_id is not None:
            found.setdefault(entry_id, []).append(
                Attachment(
                    "file", file_id, filename, size, _pixels(width, height) if image else None
                )
            )
    mailed = await session.execute(
        select(
            MailAttachment.id,
            MailAttachment.entry_id,
            MailAttachment.filename,
            MailAttachment.size,
            # Whether it has a thumbnail, not the thumbnail's bytes.
            MailAttachment.thumbnail.is_not(None),
            MailAttachment.width,
            MailAttachment.height,
        )
        .where(
            MailAttachment.ticket_id == ticket_id,
            MailAttachment.entry_id.in_(entry_ids),
            MailAttachment.inline.is_(False),
        )
        .order_by(MailAttachment.id)
    )
    for file_id, entry_id, filename, size, image, width, height in mailed:
        if entry_id is not None:
            found.setdefault(entry_id, []).append(
                Attachment(
                    "mail", file_id, filename, size, _pixels(width, height) if image else None
                )
            )
    return found


async def visible_file(
    session: AsyncSession,
    *,
    viewer: Viewer,
    ticket: Ticket,
    kind: str,
    file_id: int,
    thumbnail: bool = False,
) -> StoredFile | MailAttachment:
    """A file the customer's page lists, or NoSuchRequest: one of a note, of another
    customer's message, of another ticket, is not there for them. `thumbnail`: an email's
    attachment comes with its thumbnail's bytes rather than its own (the thumbnail's route)."""
    if not 1 <= file_id <= MAX_ID:
        raise NoSuchRequest
    messages = await conversation(session, viewer=viewer, ticket=ticket, inbox_name="")
    listed = {(f.kind, f.id) for message in messages for f in message.files}
    if (kind, file_id) not in listed:
        raise NoSuchRequest
    if kind == "file":
        stored = await session.get(StoredFile, file_id)
        if stored is None or stored.ticket_id != ticket.id:
            raise NoSuchRequest
        return stored
    attachment = await session.scalar(
        select(MailAttachment)
        .options(undefer(MailAttachment.thumbnail if thumbnail else MailAttachment.content))
        .where(MailAttachment.id == file_id)
    )
    if attachment is None or attachment.ticket_id != ticket.id:
        raise NoSuchRequest
    return attachment


# --- files with a message ----------------------------------------------------------------------


class FileProblem(FrontdeskError):
    """A message's files refused, before anything is stored: `code` says why (the page's words,
    portal/pages.py `file_problem_words`), `filename` which file and `limit` the limit it broke
    (bytes, or files)."""

    def __init__(self, code: str, *, status_code: int, filename: str = "", limit: int = 0) -> None:
        super().__init__(f"{filename or 'The files'}: {code}", code=code, status_code=status_code)
        self.filename = filename
        self.limit = limit


@dataclass(frozen=True)
class CheckedFile:
    """A file a customer sends, checked: its clean name, the sniffed type, its bytes, and an
    image's thumbnail (width, height, the thumbnail's bytes), drawn from its decoded pixels."""

    filename: str
    content_type: str
    content: bytes
    thumbnail: tuple[int, int, bytes] | None = None


def file_limits(settings: Settings) -> tuple[int, int, int]:
    """(files in one message, bytes each, bytes together): the chat visitor's limits."""
    return (
        min(MAX_FILES, settings.max_chat_message_files),
        settings.max_chat_file_bytes,
        settings.max_chat_message_bytes,
    )


async def check_files(
    session: AsyncSession, settings: Settings, uploads: Sequence[Upload]
) -> list[CheckedFile]:
    """The files of a message, checked by the rules of a chat visitor's files (files/sniff.py
    `check`: a program, an empty file, a file whose name or type says image or PDF but whose
    bytes are not, refused; an image decoded, one that does not decode refused), at most
    `file_limits` of them; FileProblem naming the first refused. An empty file field (no file
    chosen: no name, no bytes) is no file. Nothing is stored, and no transaction waits while an
    image waits its turn to be decoded (SQLite's one connection)."""
    most, each, together = file_limits(settings)
    chosen = [upload for upload in uploads if upload.filename or upload.content]
    if len(chosen) > most:
        raise FileProblem("too_many_files", status_code=422, limit=most)
    named = [(files_service.clean_filename(upload.filename), upload) for upload in chosen]
    for name, upload in named:
        if len(upload.content) > each:
            raise FileProblem("file_too_large", status_code=413, filename=name, limit=each)
    if sum(len(upload.content) for upload in chosen) > together:
        raise FileProblem("files_too_large", status_code=413, limit=together)
    checked: list[CheckedFile] = []
    if named:
        await release_before_waiting(session)
    for name, upload in named:
        try:
            sniffed = check(
                upload.content[:HEAD_BYTES], filename=name, claimed_type=upload.claimed_type
            )
            thumbnail = await thumbnail_of(upload.content) if sniffed.is_image else None
        except FileRefused as refused:
            raise FileProblem(refused.code, status_code=422, filename=name) from None
        checked.append(CheckedFile(name, sniffed.content_type, upload.content, thumbnail))
    return checked


async def _one(content: bytes) -> AsyncIterator[bytes]:
    yield content


@dataclass(frozen=True)
class _Kept:
    """A checked file's bytes in the store, and its thumbnail's."""

    file: CheckedFile
    key: str
    thumbnail_key: str | None


async def _store(
    session: AsyncSession, store: FileStore | None, files: Sequence[CheckedFile]
) -> list[_Kept]:
    """The files' bytes stored, before the rows that name them are written (a refusal after
    this deletes them: `_forget`). No transaction waits on the store: SQLite's one connection."""
    if not files:
        return []
    if store is None:
        raise ValueError("Files need a store to be kept in.")
    await release_before_waiting(session)
    kept: list[_Kept] = []
    try:
        for checked in files:
            key, _ = await store.save(_one(checked.content), limit=len(checked.content))
            kept.append(_Kept(checked, key, None))
            if checked.thumbnail is not None:
                thumbnail = checked.thumbnail[2]
                thumbnail_key, _ = await store.save(_one(thumbnail), limit=len(thumbnail))
                kept[-1] = _Kept(checked, key, thumbnail_key)
    except BaseException:
        await _forget(store, kept)
        raise
    return kept


async def _forget(store: FileStore | None, kept: Sequence[_Kept]) -> None:
    if store is None:
        return
    for item in kept:
        await store.delete(item.key)
        if item.thumbnail_key is not None:
            await store.delete(item.thumbnail_key)


async def _file_rows(
    session: AsyncSession, *, ticket: Ticket, kept: Sequence[_Kept]
) -> list[StoredFile]:
    """The ticket's files, not yet sent by an entry (`files_service.attach` says which): a
    customer's, so no agent uploaded them, as a chat visitor's carried to the ticket."""
    rows: list[StoredFile] = []
    for item in kept:
        thumbnail = item.file.thumbnail
        rows.append(
            await files_service.add_carried_file(
                session,
                key=item.key,
                filename=item.file.filename,
                content_type=item.file.content_type,
                size=len(item.file.content),
                ticket_id=ticket.id,
                uploaded_by=None,
                thumbnail_key=item.thumbnail_key,
                width=thumbnail[0] if thumbnail else None,
                height=thumbnail[1] if thumbnail else None,
            )
        )
    return rows


# --- a new request ---------------------------------------------------------------------------


async def new_request(
    session: AsyncSession,
    *,
    viewer: Viewer,
    inbox: Inbox,
    subject: str,
    text: str,
    files: Sequence[CheckedFile] = (),
    store: FileStore | None = None,
) -> Ticket:
    """A request the signed-in customer opens: a ticket in `inbox` (the setting's, read by the
    caller), its first entry their message, with `files` (checked: `check_files`; stored in
    `store`). Invalid on `subject` or `text` (empty, too long), TooManyNewRequests past the
    hourly limit; nothing is written then, and no file's bytes are kept.

    A blocked sender never gets here: their link is refused and their session ends
    (`viewer_of`), as the messenger refuses a blocked visitor; the contact form's Spam filing is
    for a typed address, which the portal never takes."""
    subject = subject.strip()
    limit = settings_of(session).max_text_length
    if not subject:
        raise Invalid("subject", "Say in a few words what it is about.", field_code="required")
    if len(subject) > MAX_SUBJECT:
        raise Invalid(
            "subject",
            f"At most {MAX_SUBJECT} characters.",
            field_code="too_long",
            limit=MAX_SUBJECT,
        )
    if not text.strip():
        raise Invalid("text", "Write your message first.", field_code="required")
    if len(text) > limit:
        raise Invalid("text", f"At most {limit} characters.", field_code="too_long", limit=limit)
    kept = await _store(session, store, files)
    try:
        return await _open_request(
            session, viewer=viewer, inbox=inbox, subject=subject, text=text, kept=kept
        )
    except BaseException:
        await _forget(store, kept)
        raise


async def _open_request(
    session: AsyncSession,
    *,
    viewer: Viewer,
    inbox: Inbox,
    subject: str,
    text: str,
    kept: Sequence[_Kept],
) -> Ticket:
    now = utcnow()
    # Locked: two requests at once each count the other.
    await session.execute(
        select(Customer.id).where(Customer.id == viewer.customer_id).with_for_update()
    )
    await session.execute(
        delete(PortalRequest)
        .where(
            PortalRequest.customer_id == viewer.customer_id,
            PortalRequest.created_at <= now - REQUEST_WINDOW,
        )
        .execution_options(synchronize_session=False)
    )
    recent = list(
        await session.scalars(
            select(PortalRequest.created_at)
            .where(PortalRequest.customer_id == viewer.customer_id)
            .order_by(PortalRequest.created_at)
        )
    )
    if len(recent) >= REQUESTS_PER_WINDOW:
        wait = recent[len(recent) - REQUESTS_PER_WINDOW] + REQUEST_WINDOW - now
        raise TooManyNewRequests(max(1, int(wait.total_seconds()) + 1))
    customer = await customers_service.get_customer_by_id(session, customer_id=viewer.customer_id)
    # The address the link went to, while it is still theirs; else their primary (recipient_for).
    address = viewer.email if viewer.email in viewer.emails else None
    ticket = await tickets_service.create_ticket(
        session,
        inbox=inbox,
        customer=customer,
        subject=subject,
        type=TicketType.web,
        reply_address=address,
    )
    rows = await _file_rows(session, ticket=ticket, kept=kept)
    data: dict[str, Any] = {"portal": True, "auto": False, "email": address, "verified": True}
    if rows:
        data["attachments"] = files_service.summaries(rows)
    entry = await tickets_service.add_entry(
        session,
        ticket=ticket,
        kind=EntryKind.reply,
        direction=Direction.inbound,
        text=text,
        author_customer=customer,
        data=data,
    )
    await files_service.attach(session, files=rows, entry_id=entry.id)
    await metrics.customer_replied(session, ticket=ticket, at=ticket.updated_at)
    session.add(PortalRequest(customer_id=viewer.customer_id, created_at=now))
    await session.flush()
    return ticket


# --- answering --------------------------------------------------------------------------------


async def reply(
    session: AsyncSession,
    *,
    viewer: Viewer,
    ticket: Ticket,
    text: str,
    files: Sequence[CheckedFile] = (),
    store: FileStore | None = None,
) -> None:
    """The customer's answer from the help center, on the path of their email answer
    (mail/receiving.py), with `files` (checked: `check_files`; stored in `store`): Invalid on
    `text` when longer than an email reply may be, or empty without a file. Refused, nothing is
    written and no file's bytes are kept."""
    limit = settings_of(session).max_text_length
    if not text.strip() and not files:
        raise Invalid("text", "Write your message first.", field_code="required")
    if len(text) > limit:
        raise Invalid("text", f"At most {limit} characters.", field_code="too_long", limit=limit)
    if not is_own(viewer, ticket):
        # A colleague's request is read only (checked again under the lock): nothing stored.
        raise NoSuchRequest
    kept = await _store(session, store, files)
    try:
        await _answer(session, viewer=viewer, ticket=ticket, text=text, kept=kept)
    except BaseException:
        await _forget(store, kept)
        raise


async def _answer(
    session: AsyncSession, *, viewer: Viewer, ticket: Ticket, text: str, kept: Sequence[_Kept]
) -> None:
    # Locked, as an email answer's ticket is (mail/matching.py): reopening must see the state an
    # agent's change at the same moment leaves, not the one read before it.
    locked = await tickets_service.lock_ticket(session, ticket_id=ticket.id)
    if (
        locked is None
        or locked.customer_id != viewer.customer_id
        or locked.state is TicketState.spam
        or locked.merged_into_id is not None
    ):
        raise NoSuchRequest
    ticket = locked
    rows = await _file_rows(session, ticket=ticket, kept=kept)
    data: dict[str, Any] = {"portal": True, "auto": False}
    if rows:
        data["attachments"] = files_service.summaries(rows)
    entry = await tickets_service.append_entry(
        session,
        ticket=ticket,
        kind=EntryKind.reply,
        direction=Direction.inbound,
        text=text,
        author_customer_id=viewer.customer_id,
        data=data,
    )
    await files_service.attach(session, files=rows, entry_id=entry.id)
    await metrics.customer_replied(session, ticket=ticket, at=ticket.updated_at)
    if ticket.state in REOPENED_BY_REPLY:
        await tickets_service.update_ticket(
            session, actor=None, ticket=ticket, state=TicketState.open
        )
    await away_tickets.customer_answered(
        session, ticket=ticket, away=away_tickets.AwayAssignees(utcnow())
    )
    # Files alone: the assignee is told their names, as a chat's list shows them.
    told = text if text.strip() else "📎 " + ", ".join(row.filename for row in rows)
    await tickets_service.tell_customer_replied(session, replies=[(ticket, told)])


# --- "This is solved" -------------------------------------------------------------------------


async def mark_solved(session: AsyncSession, *, viewer: Viewer, ticket: Ticket) -> None:
    """The customer closes their own request: the desk's timeline says so (SOLVED_LINE), the
    rules see the state change, webhooks name the customer as who changed it; nothing is
    mailed. NoSuchRequest on anything not their own (a colleague's shared request included),
    AlreadySolved on a closed one. Answering later opens it again, as any answer does."""
    locked = await tickets_service.lock_ticket(session, ticket_id=ticket.id)
    if (
        locked is None
        or locked.customer_id != viewer.customer_id
        or locked.state is TicketState.spam
        or locked.merged_into_id is not None
    ):
        raise NoSuchRequest
    if locked.state is TicketState.closed:
        raise AlreadySolved
    # Who changed it, for `ticket.updated`'s actor: the customer (tickets/changes.py).
    ticket_changes.customer_wrote(
        session, ticket_id=locked.id, customer_id=viewer.customer_id, email=None
    )
    await tickets_service.update_ticket(
        session, actor=None, ticket=locked, state=TicketState.closed, state_line=SOLVED_LINE
    )
