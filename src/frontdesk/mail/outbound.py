"""Outbound mail: a reply or a chat's transcript becomes an outbox row in the caller's
transaction, threaded per ticket (Reply-To address, Message-ID, References) so that the customer's
answer continues the ticket. Sending it is the outbox's job (mail/outbox.py, mail/sender.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, formataddr
from html import escape
from typing import Any, NamedTuple, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.config import Settings
from frontdesk.customers import service as customers_service
from frontdesk.customers.models import ContactKind, CustomerContact
from frontdesk.db.context import settings_of
from frontdesk.files import service as files_service
from frontdesk.files.models import StoredFile
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.kit.text import normalize_domain, normalize_email
from frontdesk.knowledge import service as knowledge_service
from frontdesk.knowledge.links import requests_url
from frontdesk.mail.addresses import default_sender, new_message_id, reply_address
from frontdesk.mail.models import MailAttachment, OutboxMessage, OutboxState
from frontdesk.mail.words import ENGLISH, Wording
from frontdesk.tickets.models import Ticket, TicketEntry
from frontdesk.users.models import User

MAX_REFERENCES = 20
# The line above a signature (inboxes/signatures.py): dash, dash, space.
SIGNATURE_DELIMITER = "-- "
# Recipients of one agent's mail besides the customer (Cc and Bcc together, or a forward's To
# and Cc): a reply to a conversation, not a mailing.
MAX_EXTRA_RECIPIENTS = 20
# Chat notices one unverified customer (in practice: one typed address) receives in a day.
NOTICES_PER_DAY = 3
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|antw|vs|ref|fw|fwd|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)


async def recipient_for(session: AsyncSession, *, ticket: Ticket) -> str | None:
    """Where the ticket's mail to its customer goes: the address the conversation is with
    (`Ticket.reply_address`) while it is still one of the customer's, an address merged in from
    another record included; else (removed from them, or the ticket now someone else's) their
    primary. None when they have no address."""
    customer = await customers_service.get_customer_by_id(session, customer_id=ticket.customer_id)
    emails = await _emails_of(session, customer_ids={customer.id})
    return _recipient(emails.get(customer.id, []), ticket.reply_address)


class TicketAddresses(NamedTuple):
    # By customer id: their primary address (their first, as `customers_service.primary_email`).
    primary: dict[int, str]
    # By ticket id: `recipient_for` the ticket.
    recipient: dict[int, str]


async def addresses_by_ticket(
    session: AsyncSession, *, tickets: Sequence[Ticket]
) -> TicketAddresses:
    """The customers' primary addresses and each ticket's recipient, in one statement whatever
    their number (a list's page, a webhook's tickets); a customer without an address is left
    out of both. By the customer the ticket names: a merge moves the tickets too."""
    emails = await _emails_of(session, customer_ids={ticket.customer_id for ticket in tickets})
    recipients = {
        ticket.id: _recipient(emails.get(ticket.customer_id, []), ticket.reply_address)
        for ticket in tickets
    }
    return TicketAddresses(
        primary={customer_id: theirs[0] for customer_id, theirs in emails.items()},
        recipient={id: to for id, to in recipients.items() if to is not None},
    )


async def _emails_of(session: AsyncSession, *, customer_ids: set[int]) -> dict[int, list[str]]:
    """Each customer's email addresses, the primary first."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(CustomerContact.customer_id, CustomerContact.value)
        .where(
            CustomerContact.customer_id.in_(customer_ids),
            CustomerContact.kind == ContactKind.email,
        )
        .order_by(CustomerContact.id)
    )
    emails: dict[int, list[str]] = {}
    for customer_id, value in rows:
        emails.setdefault(customer_id, []).append(value)
    return emails


def _recipient(theirs: list[str], address: str | None) -> str | None:
    return address if address in theirs else next(iter(theirs), None)


def inbox_sender(inbox: Inbox, *, mail_domain: str, display_name: str | None = None) -> str:
    address = inbox.email_address or default_sender(mail_domain)
    return formataddr((display_name or inbox.name, address))


async def send_unsent_from(session: AsyncSession, *, ticket: Ticket, inbox: Inbox) -> int:
    """The ticket's mail not sent yet goes out from `inbox`, where the ticket just moved: the
    server that sends a row is chosen by its ticket's inbox when it is claimed (mail/timers.py),
    and a provider refuses a `From` it does not own. An agent's mail keeps their name, now with
    the new inbox's. A row being sent at this moment was claimed with the old inbox's server
    and goes out as it was (its row must keep saying what was sent). How many rows changed."""
    settings = settings_of(session)
    rows = (
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.ticket_id == ticket.id,
                OutboxMessage.state == OutboxState.queued,
            )
        )
    ).all()
    authors = {
        user.id: user
        for user in await session.scalars(
            select(User).where(User.id.in_({row.data.get("author_id") for row in rows} - {None}))
        )
    }
    for row in rows:
        author = authors.get(row.data.get("author_id") or 0)
        row.sender = inbox_sender(
            inbox,
            mail_domain=settings.mail_domain,
            display_name=f"{author.name} ({inbox.name})" if author is not None else None,
        )
    await session.flush()
    return len(rows)


async def thread_message_ids(session: AsyncSession, *, ticket: Ticket) -> Sequence[str]:
    """Message-IDs of the ticket's emails, oldest first: the References of the next reply.
    Forwards are left out: they went to someone else, and the customer never saw them."""
    rows = await session.execute(
        select(TicketEntry.message_id, TicketEntry.data)
        .where(TicketEntry.ticket_id == ticket.id, TicketEntry.message_id.is_not(None))
        .order_by(TicketEntry.created_at, TicketEntry.id)
    )
    return [
        message_id for message_id, data in rows if message_id and not (data or {}).get("forward_of")
    ]


def references_header(ids: Sequence[str]) -> str:
    """The chain, trimmed like mail clients do: the root stays, then the most recent ones."""
    chain = list(dict.fromkeys(ids))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return " ".join(chain)


def reply_subject(subject: str, *, number: int) -> str:
    base = _REPLY_PREFIX.sub("", subject).strip() or "Your request"
    tag = f"[#{number}]"
    return f"Re: {base}" if tag in base else f"Re: {base} {tag}"


def signed_text(text: str, signature: str | None) -> str:
    """The text part: the agent's text, then the signature below the standard "-- " line (RFC
    3676), which mail clients and our own reply trimming (mail/visible) recognise."""
    if not signature:
        return text
    return f"{text.rstrip()}\n\n{SIGNATURE_DELIMITER}\n{signature}"


def text_to_html(text: str, *, language: str | None = None, signature: str | None = None) -> str:
    paragraphs = [
        escape(block).replace("\n", "<br>\n") for block in text.replace("\r\n", "\n").split("\n\n")
    ]
    lang = f' lang="{language}"' if language else ""
    signed = ""
    if signature:
        # The same "-- " line opens it, so that an HTML reader trims it as a text one does.
        lines = escape(f"{SIGNATURE_DELIMITER}\n{signature}").replace("\n", "<br>\n")
        signed = f'<p class="signature" style="color:#475569">{lines}</p>'
    return (
        f'<div{lang} style="font-family:system-ui,sans-serif;font-size:15px;color:#0f172a">'
        + "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs if paragraph.strip())
        + signed
        + "</div>"
    )


def outbox_file(stored: StoredFile) -> dict[str, str | int]:
    """What an outbox row keeps of a file it sends: enough to read it from the store."""
    return {
        "key": stored.key,
        "filename": stored.filename,
        "content_type": stored.content_type,
        "size": stored.size,
    }


def is_own_address(settings: Settings, address: str, *, inbox_addresses: Sequence[str]) -> bool:
    """Mail to one of our own addresses (a reply address, an inbox) would come back to the desk
    as a new message: never a Cc, Bcc or forward recipient, never remembered as a Cc."""
    address = normalize_email(address)
    return address.rpartition("@")[2] == normalize_domain(settings.mail_domain) or any(
        address == normalize_email(own) for own in inbox_addresses
    )


async def queue_reply(
    session: AsyncSession,
    *,
    ticket: Ticket,
    entry: TicketEntry,
    author: User | None,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    files: Sequence[StoredFile] = (),
    signature: str | None = None,
) -> OutboxMessage:
    """`cc` is shown to every recipient, `bcc` to none: Bcc addresses are envelope recipients
    only, never in a header of the message. `files` go as attachments, read from the file store
    when the message is sent. Without an author (a rule's reply) the inbox alone signs it.
    `signature` (filled already) ends both parts, below a "-- " line."""
    settings = settings_of(session)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    recipient = await recipient_for(session, ticket=ticket)
    if recipient is None:
        raise ValueError("queue_reply needs a customer with an email address")
    references = list(await thread_message_ids(session, ticket=ticket))
    message_id = new_message_id(
        mail_domain=settings.mail_domain, hint=f"t{ticket.number}.e{entry.id}"
    )
    entry.message_id = message_id
    headers = {
        "To": recipient,
        "Reply-To": reply_address(
            settings.secret, ticket_id=ticket.id, mail_domain=settings.mail_domain
        ),
    }
    if cc:
        headers["Cc"] = ", ".join(cc)
    if author is None:
        # A rule's reply (an acknowledgement, an out-of-hours notice) is an automatic response:
        # said so (RFC 3834), an auto-responder or another help desk does not answer it, and
        # the two never answer each other for ever.
        headers["Auto-Submitted"] = "auto-replied"
        # Exchange and Outlook read this one instead: no out-of-office or rule answers it.
        headers["X-Auto-Response-Suppress"] = "All"
    subject = reply_subject(ticket.subject, number=ticket.number)
    if references:
        # The latest message of the thread is the one this answers, usually the customer's.
        headers["In-Reply-To"] = references[-1]
        headers["References"] = references_header(references)
    else:
        # The first mail of a thread answers nothing: an agent starting the conversation
        # (tickets/starting.py) writes `Your refund [#12]`, not `Re: …`.
        subject = subject.removeprefix("Re: ")
    message = OutboxMessage(
        ticket_id=ticket.id,
        entry_id=entry.id,
        message_id=message_id,
        sender=inbox_sender(
            inbox,
            mail_domain=settings.mail_domain,
            display_name=f"{author.name} ({inbox.name})" if author is not None else None,
        ),
        recipients=[recipient, *cc, *bcc],
        subject=subject,
        headers=headers,
        text=signed_text(entry.text, signature),
        html=text_to_html(entry.text, signature=signature),
        state=OutboxState.queued,
        data={
            "kind": "reply",
            "author_id": author.id if author is not None else None,
            "cc": list(cc),
            "bcc": list(bcc),
            "attachments": [outbox_file(stored) for stored in files],
        },
    )
    session.add(message)
    await session.flush()
    return message


@dataclass(frozen=True)
class ForwardedFiles:
    """The files of a forwarded email: what goes with the forward (`sent`: the entry's
    summaries; `outbox`: what the outbox row reads them by) and what is over the limit."""

    sent: list[dict[str, Any]]
    outbox: list[dict[str, Any]]
    left_out: list[dict[str, Any]]


async def forwarded_files(
    session: AsyncSession, *, original: TicketEntry, limit: int
) -> ForwardedFiles:
    """The files the email carried, as its entry lists them (`data.attachments`): a received
    email's attachments (kept with the raw mail), the files an agent sent, or what an earlier
    forward carried. In the message's order, files before inline parts (a pasted image, a
    signature's logo). They go along while all together fit `limit`, the size one mail may
    carry; the rest are named in the forward instead."""
    listed = [item for item in (original.data or {}).get("attachments") or [] if "id" in item]
    received = {
        item.id: item
        for item in await session.scalars(
            select(MailAttachment).where(
                MailAttachment.ticket_id == original.ticket_id,
                MailAttachment.id.in_([i["id"] for i in listed if not i.get("stored")]),
            )
        )
    }
    uploaded = {
        item.id: item
        for item in await session.scalars(
            select(StoredFile).where(
                StoredFile.ticket_id == original.ticket_id,
                StoredFile.id.in_([i["id"] for i in listed if i.get("stored")]),
            )
        )
    }
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for item in sorted(listed, key=lambda item: bool(item.get("inline"))):
        if item.get("stored") and item["id"] in uploaded:
            stored = uploaded[item["id"]]
            found.append((files_service.summaries([stored])[0], outbox_file(stored)))
        elif not item.get("stored") and item["id"] in received:
            attachment = received[item["id"]]
            summary: dict[str, Any] = {
                "id": attachment.id,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "inline": attachment.inline,
            }
            reference: dict[str, Any] = {
                "mail_attachment_id": attachment.id,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
            }
            found.append((summary, reference))
    files = ForwardedFiles(sent=[], outbox=[], left_out=[])
    total = 0
    for summary, reference in found:
        if total + summary["size"] > limit:
            files.left_out.append(summary)
            continue
        total += summary["size"]
        files.sent.append(summary)
        files.outbox.append(reference)
    return files


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(size // 1024, 1)} KB"


def forwarded_text(
    *,
    note: str,
    original: TicketEntry,
    ticket: Ticket,
    sender: str,
    left_out: Sequence[dict[str, Any]] = (),
    limit: int = 0,
) -> str:
    """The agent's note, then the forwarded message the way mail clients quote one."""
    data = original.data or {}
    sent_at = original.created_at
    if data.get("date"):
        sent_at = datetime.fromisoformat(data["date"])
    head = [
        f"From: {data.get('from') or sender}",
        f"Date: {format_datetime(sent_at)}",
        f"Subject: {data.get('subject') or ticket.subject}",
    ]
    if data.get("to"):
        head.append(f"To: {', '.join(data['to'])}")
    block = "\n".join(["---------- Forwarded message ---------", *head, "", original.text])
    if left_out:
        # The recipient should know a file existed, and the agent sees it on the entry.
        names = "\n".join(f"- {item['filename']} ({_size(item['size'])})" for item in left_out)
        block += (
            f"\n\nNot attached (the files of one email may be at most {_size(limit)} "
            f"together):\n{names}"
        )
    return f"{note.strip()}\n\n{block}" if note.strip() else block


async def queue_forward(
    session: AsyncSession,
    *,
    ticket: Ticket,
    entry: TicketEntry,
    original: TicketEntry,
    author: User,
    to: Sequence[str],
    cc: Sequence[str] = (),
    files: Sequence[dict[str, Any]] = (),
) -> OutboxMessage:
    """A ticket's message sent on to someone else, in a thread of its own (no In-Reply-To: they
    never saw the conversation). Its Reply-To is still the ticket's, so their answer comes back
    to the ticket, marked as from an unexpected sender. `files` (from `forwarded_files`) go as
    attachments, read when the mail is sent."""
    settings = settings_of(session)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    message_id = new_message_id(
        mail_domain=settings.mail_domain, hint=f"t{ticket.number}.e{entry.id}.fwd"
    )
    entry.message_id = message_id
    headers = {
        "To": ", ".join(to),
        "Reply-To": reply_address(
            settings.secret, ticket_id=ticket.id, mail_domain=settings.mail_domain
        ),
    }
    if cc:
        headers["Cc"] = ", ".join(cc)
    message = OutboxMessage(
        ticket_id=ticket.id,
        entry_id=entry.id,
        message_id=message_id,
        sender=inbox_sender(
            inbox, mail_domain=settings.mail_domain, display_name=f"{author.name} ({inbox.name})"
        ),
        recipients=[*to, *cc],
        subject="Fwd: " + reply_subject(ticket.subject, number=ticket.number).removeprefix("Re: "),
        headers=headers,
        text=entry.text,
        html=text_to_html(entry.text),
        state=OutboxState.queued,
        data={
            "kind": "forward",
            "author_id": author.id,
            "forward_of": original.id,
            "attachments": list(files),
        },
    )
    session.add(message)
    await session.flush()
    return message


class TranscriptLineLike(Protocol):
    """A transcript line, written as chats/closing.py (`TranscriptLine`) writes it."""

    def email_text(self, words: Wording) -> str: ...
    def email_html(self, words: Wording) -> str: ...


async def queue_transcript(
    session: AsyncSession,
    *,
    ticket: Ticket,
    entry: TicketEntry,
    lines: Sequence[TranscriptLineLike],
    answered: bool,
    words: Wording = ENGLISH,
) -> bool:
    """The chat transcript for the customer, threaded so that their reply continues the ticket.

    Only a verified customer gets the conversation itself: anyone can type any address into the
    messenger, and a transcript would carry their words to it from our address. An unverified
    customer gets a short notice written by us alone (at most NOTICES_PER_DAY a day), which
    their reply answers like a transcript. Either is in the chat's language and on the
    visitor's clock (`words`, mail/words.py). Returns whether the transcript was queued.
    """
    settings = settings_of(session)
    customer = await customers_service.get_customer_by_id(session, customer_id=ticket.customer_id)
    recipient = await recipient_for(session, ticket=ticket)
    if recipient is None:
        return False
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    outro = words("outro", number=ticket.number)
    if customer.verified:
        intro = words("thanks_transcript" if answered else "missed_transcript")
        subject = words("transcript_subject", inbox=inbox.name, number=ticket.number)
        portal = await _portal_url(session)
        ending = [outro, words("portal", url=portal)] if portal else [outro]
        text = "\n\n".join([intro, *(line.email_text(words) for line in lines), "-- ", *ending])
        html = render_transcript_html(
            intro=intro,
            lines=lines,
            outro=outro,
            ticket_number=ticket.number,
            words=words,
            portal_url=portal,
        )
        kind = "transcript"
    elif await _notices_today(session, customer_id=customer.id) < NOTICES_PER_DAY:
        text = _notice_text(inbox_name=inbox.name, answered=answered, outro=outro, words=words)
        html = text_to_html(text, language=words.language)
        subject = words("notice_subject", inbox=inbox.name, number=ticket.number)
        kind = "notice"
    else:
        return False
    message_id = new_message_id(mail_domain=settings.mail_domain, hint=f"t{ticket.number}.chat")
    entry.message_id = message_id
    session.add(
        OutboxMessage(
            ticket_id=ticket.id,
            entry_id=entry.id,
            message_id=message_id,
            sender=inbox_sender(inbox, mail_domain=settings.mail_domain),
            recipients=[recipient],
            subject=subject,
            headers={
                "Reply-To": reply_address(
                    settings.secret, ticket_id=ticket.id, mail_domain=settings.mail_domain
                ),
                # Sent by the system, not a person: auto-responders must not answer it (RFC 3834).
                "Auto-Submitted": "auto-generated",
            },
            text=text,
            html=html,
            state=OutboxState.queued,
            data={
                "kind": kind,
                "answered": answered,
                "language": words.language,
                "time_zone": words.zone,
            },
        )
    )
    await session.flush()
    return kind == "transcript"


async def _portal_url(session: AsyncSession) -> str | None:
    """The customer portal's list while customers may sign in to it (docs/portal.md): the
    transcript leads there. Only the verified customer's transcript: a link is only ever
    mailed to a verified address, so the notice to an unconfirmed one would lead nowhere."""
    settings = await knowledge_service.help_center(session)
    if settings.customer_portal is False:
        return None
    return requests_url(settings_of(session).public_url)


def _notice_text(*, inbox_name: str, answered: bool, outro: str, words: Wording) -> str:
    """Nothing in it comes from the visitor: not their words, not even the name they typed."""
    what = words("thanks_notice" if answered else "missed_notice")
    return "\n\n".join([what, words("notice", inbox=inbox_name), "-- ", outro])


async def _notices_today(session: AsyncSession, *, customer_id: int) -> int:
    """Mail sent about this customer's tickets in the last day: for an unverified customer, only
    notices (an agent's reply makes them verified)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Ticket, Ticket.id == OutboxMessage.ticket_id)
            .where(
                Ticket.customer_id == customer_id,
                OutboxMessage.created_at > utcnow() - timedelta(days=1),
            )
        )
        or 0
    )


def render_transcript_html(
    *,
    intro: str,
    lines: Sequence[TranscriptLineLike],
    outro: str,
    ticket_number: int,
    words: Wording = ENGLISH,
    portal_url: str | None = None,
) -> str:
    rows = [line.email_html(words) for line in lines]
    portal = ""
    if portal_url:
        link = f'<a href="{escape(portal_url)}">{escape(portal_url)}</a>'
        line = escape(words("portal", url="\0")).replace("\0", link)
        portal = f'<p style="color:#64748b;font-size:13px">{line}</p>'

    return (
        f'<div lang="{words.language}" '
        'style="font-family:system-ui,sans-serif;font-size:15px;color:#0f172a">'
        f'<p style="color:#64748b;font-size:13px">'
        f"{escape(words('ticket', number=ticket_number))}</p>"
        f"<p>{escape(intro)}</p>{''.join(rows)}"
        f'<hr><p style="color:#64748b;font-size:13px">{escape(outro)}</p>{portal}'
        "</div>"
    )
