"""Parsing inbound mail: raw RFC 5322 bytes in, the parts a help desk needs out.

Mail in the wild is often broken: wrong or unknown charsets, 8-bit bytes in headers, bad base64,
missing boundaries, absurd dates, NUL bytes. Everything here degrades to the best readable text
rather than raising, and all text comes out storable (valid Unicode without NUL, which PostgreSQL
refuses); only a message with no usable structure at all is reported as malformed.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import quopri
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.errors import (
    MessageDefect,
    MissingHeaderBodySeparatorDefect,
    MultipartInvariantViolationDefect,
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
)
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

import nh3

from frontdesk.files.names import clean_filename
from frontdesk.kit.text import normalize_email
from frontdesk.mail.visible import html_to_text, split_reply
from frontdesk.mail.visible.flowed import unflow

# Raw size a transport accepts (base64 makes 20 MB of attachments about 27 MB on the wire).
MAX_MESSAGE_BYTES = 30 * 1024 * 1024
# Decoded size of a message's attachments together.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_HTML_CHARS = 500_000
# RFC 5321 caps an address at 254 characters; our column holds 320 (64 + @ + 255).
MAX_ADDRESS_CHARS = 320
# Message-IDs are indexed: 500 characters of 4-byte UTF-8 stay under PostgreSQL's index row
# limit (2704 bytes). Real ones are under 100; a longer one is cut, the same way every time.
MAX_MESSAGE_ID_CHARS = 500
# Message-IDs read from a plain-text bounce's quoted headers (one bounced message has one).
MAX_QUOTED_IDS = 5
# Recipients read from a DSN: a reply goes to its customer and at most 20 copies (outbound.py).
MAX_REPORTED_RECIPIENTS = 50
HEADER_SUMMARY = (
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Delivered-To",
    "X-Original-To",
    "Return-Path",
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "X-Original-From",
    "Content-Type",
)
# `Precedence: list` is not among them: it marks mail a list or group passed on, which is a
# person's mail when the list is the desk's own address (mail/lists.py decides).
_AUTO_PRECEDENCE = frozenset({"bulk", "auto_reply", "junk"})
# A list's posting address: List-Post's `<mailto:…>` (RFC 2369), and Google Groups'
# `Mailing-list: list support@example.com; contact …`.
_LIST_POST = re.compile(r"<mailto:([^>?\s]+)", re.I)
_MAILING_LIST = re.compile(r"(?:^|;)\s*list\s+([^\s;]+@[^\s;]+)", re.I)
# The subject Exchange and Outlook give an automatic reply, in the languages of their
# interfaces (the older "Out of Office AutoReply", "Abwesenheitsnotiz" … included): the words and
# a colon (French puts a space before it, Chinese and Japanese write a full-width one, U+FF1A;
# Turkish's dotless i is U+0131).
_AUTOMATIC_REPLY_SUBJECT = re.compile(
    r"\s*(?:automatic reply|auto response|out of office(?: autoreply)?|automatische antwort"
    r"|abwesenheitsnotiz|réponse automatique|respuesta automática|risposta automatica"
    r"|automatisch antwoord|resposta automática|automatiskt? svar|autosvar"
    r"|automaattinen vastaus|odpowiedź automatyczna|automatyczna odpowiedź|automatická odpověď"
    r"|automatická odpoveď|automatikus válasz|automatski odgovor|răspuns automat"
    r"|автоматический ответ|автоматична відповідь|otomatik yan\u0131t|αυτόματη απάντηση"
    r"|תשובה אוטומטית|رد تلقائي|自动回复|自動回覆|自動応答|자동 회신)\s*[:\uff1a]",
    re.I,
)
# The actions of RFC 3464 (2.3.3) that report no failure.
_NOT_FAILED = frozenset({"delayed", "delivered", "relayed", "expanded"})
# A delivery report's machine parts come unnamed: named for what they hold, as text a download
# opens ("attachment-1" with no extension did not).
_REPORT_PART_NAMES = {
    "message/delivery-status": "delivery-status.txt",
    "message/global-delivery-status": "delivery-status.txt",
    "text/rfc822-headers": "returned-headers.txt",
    "message/rfc822-headers": "returned-headers.txt",
    "message/global-headers": "returned-headers.txt",
}
_DELIVERY_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
# The parts of a report that return the message (or its headers), by which it finds its ticket.
_RETURNED_MESSAGE_TYPES = frozenset(
    {"message/rfc822", "message/rfc822-headers", "message/global", "message/global-headers"}
)
# Transfer encodings a message/* part is not read through by the parser.
_ENCODED = frozenset({"base64", "quoted-printable"})
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BASE64_NOISE = re.compile(rb"[^A-Za-z0-9+/]")
_FATAL_DEFECTS = (
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
    MultipartInvariantViolationDefect,
)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_FOLDING = re.compile(r"\r?\n(?=[ \t])")
_SURROGATES = re.compile("[\udc80-\udcff]")
_UNKNOWN_CHARSETS = frozenset({"unknown-8bit", "x-unknown", "unknown", "8bit", "default"})

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


class MalformedMail(ValueError):
    """The message has no structure we can trust; the text says what is wrong."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class RecipientStatus:
    """One per-recipient block of a delivery status notification (RFC 3464, section 2.3)."""

    recipient: str
    # failed, delayed, delivered, relayed or expanded (RFC 3464, 2.3.3); as written, lower-cased.
    action: str
    status: str
    diagnostic: str

    @property
    def failed(self) -> bool:
        """Whether the mail did not reach this recipient and never will: `Action: failed`, or
        no action of RFC 3464 with a permanent status (5.x.x)."""
        if self.action == "failed":
            return True
        return self.action not in _NOT_FAILED and self.status.startswith("5")


@dataclass(frozen=True)
class MailingList:
    """The marks of a message a mailing list or group passed on (Google Groups, Microsoft 365
    groups, Mailman): `Precedence: list`, `List-Id`, `List-Post`, `Mailing-list`."""

    # `Precedence: list`: an automatic message by RFC 3834, unless the list is the desk's own.
    precedence: bool
    # List-Id as written (`<support.example.com>`), for people to read.
    list_id: str
    # Where the list takes posts (List-Post, Mailing-list): the list's own address.
    addresses: tuple[str, ...]


@dataclass
class ParsedMail:
    message_id: str | None
    subject: str
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    delivered_to: list[str]
    date: datetime | None
    in_reply_to: list[str]
    references: list[str]
    # Message-IDs of the mail a delivery report is about: how a bounce finds its ticket.
    reported_ids: list[str]
    text: str
    html: str | None
    attachments: list[Attachment]
    auto_reason: str | None
    headers: dict[str, str]
    defects: list[str] = field(default_factory=list)
    # A report that mail we sent could not be delivered (a DSN, or a server's plain-text
    # bounce), as opposed to an out-of-office or a read receipt.
    bounce: bool = False
    # A DSN's per-recipient blocks, every one of them: a reply copied to several people can
    # fail for some, be delayed for others and reach the rest.
    recipients: list[RecipientStatus] = field(default_factory=list)
    # The list or group it came through, if any.
    mailing_list: MailingList | None = None
    # Who wrote it, where a list that rewrote From says so (`X-Original-From`), and Reply-To:
    # a list that rewrites From for the author's domain's DMARC policy moves the author there.
    original_from: tuple[str, str] | None = None
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    # The From it arrived with, when the author was found elsewhere (mail/lists.py).
    sent_as: str | None = None

    @property
    def is_auto(self) -> bool:
        return self.auto_reason is not None

    @property
    def attachment_bytes(self) -> int:
        return sum(len(attachment.content) for attachment in self.attachments)

    def split(self, *, sent: Sequence[str] = ()) -> tuple[str, str]:
        """(visible, quoted): what the sender wrote now, and the history under or above it.
        `sent`: the texts of our mails it may answer, found even when pasted without a marker."""
        visible, quoted = split_reply(self.text, sent=sent)
        if not visible.strip() and self.text.strip():
            # The extractor found nothing of the sender's own: show everything, hide nothing.
            return self.text.strip(), ""
        return visible, quoted


def parse_message(raw: bytes) -> ParsedMail:
    if not raw.strip():
        raise MalformedMail("the message is empty")
    try:
        # compat32 parses headers lazily and leaves decoding to us (header_text): several times
        # faster than policy.default, and more forgiving of broken headers.
        message = BytesParser(policy=policy.compat32).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it raises means no structure
        raise MalformedMail(readable(f"the message cannot be parsed: {exc}")) from exc
    defects = _all_defects(message)
    fatal = [defect for defect in defects if isinstance(defect, _FATAL_DEFECTS)]
    if fatal:
        raise MalformedMail(f"broken MIME structure: {_describe(fatal[0])}")
    headers = Headers(message)
    senders = headers.addresses("From")
    if not senders:
        raise MalformedMail("no sender: the From header is missing or has no usable address")
    from_name, from_address = senders[0]
    leaves = _typed_leaves(message)
    plain = _first_part(leaves, "text/plain")
    html_part = _first_part(leaves, "text/html")
    text, html = _bodies(plain, html_part)
    auto_reason = automatic_reason(message, headers)
    reported = _reported_ids(message)
    recipients = _recipient_statuses(message) if _is_dsn(message) else []
    # A DSN that says only "delayed" or "delivered" is news, not a failure; one whose blocks
    # cannot be read is taken for the failure nearly every DSN is.
    bounce = _is_dsn(message) and (
        not recipients or any(recipient.failed for recipient in recipients)
    )
    if message.get_content_type() != "multipart/report" and auto_reason and _plain_bounce(headers):
        # A server that sends no DSN (qmail, old Exim, some appliances) quotes the bounced
        # mail's headers in its text: ours are how it finds its ticket.
        reported = _quoted_message_ids(text)
        if reported:
            auto_reason, bounce = "delivery report", True
    return ParsedMail(
        message_id=_first_id(headers.text("Message-ID")),
        subject=" ".join(headers.text("Subject").split()),
        from_name=from_name,
        from_address=from_address,
        to=[address for _, address in headers.addresses("To")],
        cc=[address for _, address in headers.addresses("Cc")],
        delivered_to=[
            address
            for name in ("Delivered-To", "X-Original-To")
            for _, address in headers.addresses(name)
        ],
        date=_date(headers.text("Date")),
        in_reply_to=message_ids(headers.text("In-Reply-To")),
        references=message_ids(headers.text("References")),
        reported_ids=reported,
        text=text,
        html=html,
        attachments=_attachments(message, leaves, bodies=(plain, html_part)),
        auto_reason=auto_reason,
        bounce=bounce,
        recipients=recipients,
        headers=header_summary(headers),
        defects=[_describe(defect) for defect in defects],
        mailing_list=mailing_list(headers),
        original_from=next(iter(headers.addresses("X-Original-From")), None),
        reply_to=headers.addresses("Reply-To"),
    )


class Headers:
    """A message's top-level headers, indexed once by name and each decoded on first use:
    parsing asks for several of them more than once (From for the sender and for the auto-reply
    check, every summary header), and decoding is most of a header's cost."""

    def __init__(self, message: Message) -> None:
        self._raw: dict[str, list[Any]] = {}
        for key, value in message.raw_items():
            self._raw.setdefault(key.lower(), []).append(value)
        self._text: dict[str, str] = {}
        self._addresses: dict[str, list[tuple[str, str]]] = {}

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._raw

    def text(self, name: str) -> str:
        """All values of a header, decoded, joined by ", "; never raises on broken encodings."""
        key = name.lower()
        text = self._text.get(key)
        if text is None:
            values = (_decode_header_value(value) for value in self._raw.get(key, ()))
            text = self._text[key] = ", ".join(value for value in values if value)
        return text

    def addresses(self, name: str) -> list[tuple[str, str]]:
        key = name.lower()
        found = self._addresses.get(key)
        if found is None:
            found = self._addresses[key] = _split_then_decoded(
                self._raw.get(key, ()), decoded=lambda: self.text(key)
            )
        return found


def header_text(message: Message, name: str) -> str:
    """All values of a header, decoded, joined by ", "; never raises on broken encodings."""
    values: list[str] = []
    for key, value in message.raw_items():
        if key.lower() != name.lower():
            continue
        values.append(_decode_header_value(value))
    return ", ".join(value for value in values if value)


def readable(text: str) -> str:
    """Text fit to store and show. Raw 8-bit bytes (in a header, an SMTP envelope) come through
    the parsers as surrogates: read them as UTF-8, else Windows-1252. NUL is dropped."""
    if _SURROGATES.search(text):
        text = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    return text.replace("\x00", "")


def _decode_header_value(value: Any) -> str:
    try:
        text = readable(_FOLDING.sub("", str(value)))
    except Exception:
        return ""
    if "=?" in text:
        try:
            pieces = decode_header(text)
        except Exception:  # a broken encoded word: the raw text is still readable
            pieces = [(text, None)]
        text = "".join(
            piece if isinstance(piece, str) else decode_bytes(piece, charset)
            for piece, charset in pieces
        )
    return text.replace("\r", "").replace("\n", " ").strip()


def addresses(message: Message, name: str) -> list[tuple[str, str]]:
    raw = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    return _split_then_decoded(raw, decoded=lambda: header_text(message, name))


def _split_then_decoded(raw: Iterable[Any], *, decoded: Callable[[], str]) -> list[tuple[str, str]]:
    """The addresses of a header, split before the display names are decoded: an encoded word
    is text, so `=?utf-8?q?hanna=40example.org?= <x@evil.example>` is x@evil.example named
    "hanna@example.org", never Hanna's address. Only a header with no address outside its
    encoded words (sent that way by a few broken clients) is read decoded whole."""
    try:
        values = [readable(_FOLDING.sub("", str(value))) for value in raw]
    except Exception:
        values = []
    found = getaddresses(values) if values else []
    split = [
        (_decode_header_value(real), normalize_email(address))
        for real, address in found
        if "@" in address and "=?" not in address and len(address) <= MAX_ADDRESS_CHARS
    ]
    return split or _addresses(decoded())


def _addresses(value: str) -> list[tuple[str, str]]:
    found = getaddresses([value]) if value else []
    return [
        (real.strip(), normalize_email(address))
        for real, address in found
        if "@" in address and len(address) <= MAX_ADDRESS_CHARS
    ]


def message_ids(value: str) -> list[str]:
    found = (found[:MAX_MESSAGE_ID_CHARS] for found in _MESSAGE_ID.findall(value))
    return list(dict.fromkeys(found))


def _first_id(value: str) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else (value.strip()[:MAX_MESSAGE_ID_CHARS] or None)


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed is None or parsed.tzinfo is not None else None


def automatic_reason(message: Message, headers: Headers | None = None) -> str | None:
    """Why the message was sent by a machine (RFC 3834 and the de-facto headers), or None."""
    headers = headers or Headers(message)
    auto_submitted = headers.text("Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = headers.text("Precedence").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if name in headers:
            return name
    if _exchange_automatic_reply(headers):
        return "Exchange automatic reply"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    senders = headers.addresses("From")
    local = senders[0][1].split("@")[0] if senders else ""
    if local in ("mailer-daemon", "postmaster"):
        return "sent by a mail server"
    return None


def mailing_list(headers: Headers) -> MailingList | None:
    """The list or group the message came through, by its marks; None for one without."""
    precedence = headers.text("Precedence").strip().lower() == "list"
    list_id = headers.text("List-Id")[:300]
    found = [*_LIST_POST.findall(headers.text("List-Post"))]
    found += _MAILING_LIST.findall(headers.text("Mailing-list"))
    addresses = tuple(
        dict.fromkeys(
            normalize_email(address)
            for address in found
            if "@" in address and len(address) <= MAX_ADDRESS_CHARS
        )
    )
    if not (precedence or list_id or addresses or "List-Post" in headers):
        return None
    return MailingList(precedence=precedence, list_id=list_id, addresses=addresses)


def _exchange_automatic_reply(headers: Headers) -> bool:
    """An out-of-office or rule reply of Exchange or Outlook that carries no RFC 3834 header.

    `X-Auto-Response-Suppress` asks the recipient's server not to answer a message; Outlook puts
    it on people's own mail too ("RN, NRN", "OOF"), and applications on theirs ("All"), so alone
    it proves nothing. It counts with a mark that only Exchange's own replies carry:

    - the subject of an automatic reply ("Automatic reply: ", "Automatische Antwort: " …) before
      the subject it answers, which Outlook's `Thread-Topic` names when present: a person's mail
      whose subject merely starts with those words has them in its topic too;
    - or `X-Auto-Response-Suppress: All` with `X-MS-Exchange-Inbox-Rules-Loop`, the header the
      mailbox's rules stamp on what they send, on a message that answers another."""
    suppress = headers.text("X-Auto-Response-Suppress")
    if not suppress:
        return False
    subject = headers.text("Subject")
    prefix = _AUTOMATIC_REPLY_SUBJECT.match(subject)
    if prefix is not None:
        answered = " ".join(subject[prefix.end() :].split()).casefold()
        topic = " ".join(headers.text("Thread-Topic").split()).casefold()
        if answered.endswith(topic):
            return True
    asked = {value.strip().lower() for value in suppress.split(",")}
    return (
        "all" in asked
        and "X-MS-Exchange-Inbox-Rules-Loop" in headers
        and bool(message_ids(headers.text("In-Reply-To")))
    )


def header_summary(headers: Headers) -> dict[str, str]:
    summary: dict[str, str] = {}
    for name in HEADER_SUMMARY:
        value = headers.text(name)
        if value:
            summary[name] = value[:2000]
    return summary


def text_of(part: Message) -> str:
    """A text part's content in whatever charset it claims, or the likeliest one it has."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    return decode_bytes(payload, _charset(part))


# The email package decodes parameters when asked for them, and broken RFC 2231 values make it
# raise in several ways (a charset named with NUL, one that cannot decode, continuations numbered
# and not): such a parameter is taken as absent.


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _flowed(part: Message) -> tuple[bool, bool]:
    """(format=flowed, DelSp=yes) of a text part (RFC 3676)."""
    try:
        flowed = str(part.get_param("format") or "").strip().lower() == "flowed"
        delsp = str(part.get_param("delsp") or "").strip().lower() == "yes"
    except Exception:
        return False, False
    return flowed, delsp


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if name and "\ufffd" in name:
        # Raw 8-bit bytes in the header (`filename="caf\xe9.txt"`, older mail programs): the
        # parser hands such a header over with them replaced. Read the raw value as text first,
        # as every header's (`readable`), then its parameter.
        scratch = Message()
        for key, value in part.raw_items():
            if key.lower() in ("content-disposition", "content-type"):
                scratch[key] = readable(str(value))
        with contextlib.suppress(Exception):
            name = scratch.get_filename() or name
    return name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """The text in the charset claimed, else the likeliest one; never raises, never holds NUL."""
    return _decode(data, _codec(charset)).replace("\x00", "")


def _codec(charset: str | None) -> str | None:
    name = (charset or "").strip().lower()
    if not name or name in _UNKNOWN_CHARSETS:
        return None
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # unknown, or a name no codec could have (a NUL in it)
        return None


def _decode(data: bytes, codec: str | None) -> str:
    # Senders often say ASCII (or nothing, or a charset that does not exist) and send UTF-8 or
    # Windows-1252. A codec that is no text encoding at all (base64, zlib, rot13; idna cannot
    # even replace) raises LookupError or UnicodeError: then the claim is ignored.
    attempts = [(codec, "strict"), ("utf-8", "strict"), (codec, "replace")]
    if codec is None or codec == "ascii":
        attempts = [("utf-8", "strict")]
    for name, errors in attempts:
        if name is None:
            continue
        try:
            return data.decode(name, errors)
        except (LookupError, UnicodeError):
            continue
    return data.decode("cp1252", "replace")


def _bodies(plain: Message | None, html_part: Message | None) -> tuple[str, str | None]:
    """(plain text, html): the text body as text, else the HTML rendered to text. A blank text
    part beside the HTML (some senders write one) is no text: the HTML is read instead, or the
    desk would show the message empty."""
    html = text_of(html_part) if html_part is not None else None
    text = ""
    if plain is not None:
        text = text_of(plain)
        flowed, delsp = _flowed(plain)
        if flowed:
            text = unflow(text.replace("\r\n", "\n"), delsp=delsp)
    if not text.strip() and html is not None:
        text = html_to_text(html)
    return text.replace("\r\n", "\n").strip("\n"), html


# A leaf part with what is asked of it again and again: its content type (parsed from the header
# on every call) and whether it is an attachment.
_Leaf = tuple[Message, str, bool]


def _typed_leaves(message: Message) -> list[_Leaf]:
    return [
        (part, readable(part.get_content_type()), _is_attachment(part)) for part in _leaves(message)
    ]


def _first_part(leaves: list[_Leaf], content_type: str) -> Message | None:
    for part, part_type, attachment in leaves:
        if part_type == content_type and not attachment:
            return part
    return None


def _leaves(message: Message) -> Iterator[Message]:
    """The message's non-multipart parts in order, not descending into attached messages."""
    if message.get_content_maintype() == "multipart" and message.is_multipart():
        for part in message.get_payload():
            if isinstance(part, Message):
                yield from _leaves(part)
    else:
        yield message


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or (disposition != "inline" and _filename(part) is not None)


def _attachments(
    message: Message, leaves: list[_Leaf], *, bodies: tuple[Message | None, Message | None]
) -> list[Attachment]:
    if not message.is_multipart():
        return []
    found: list[Attachment] = []
    for part, content_type, attachment in leaves:
        if part is message or any(part is body for body in bodies):
            continue
        if content_type in ("text/plain", "text/html") and not attachment:
            continue
        if content_type == "message/rfc822" or content_type.partition("/")[0] == "message":
            content = _embedded_bytes(part)
        else:
            decoded = part.get_payload(decode=True)
            content = decoded if isinstance(decoded, bytes) else b""
        filename = _safe_filename(_filename(part), index=len(found) + 1, part=part)
        found.append(
            Attachment(
                filename=filename,
                content_type=content_type[:255],
                content=content,
                content_id=_first_id(header_text(part, "Content-ID")),
                inline=(part.get_content_disposition() or "") == "inline",
            )
        )
    return found


def _embedded_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        # A message/rfc822 part holds one message; a message/delivery-status part one item per
        # block (the per-message block, then one per recipient): every one of them is kept.
        items = [item for item in payload if isinstance(item, Message)]
        encoding = _transfer_encoding(part)
        if encoding in _ENCODED:
            return _transfer_decoded(encoding, b"\n".join(_written_back(item) for item in items))
        return b"".join(_message_bytes(item) for item in items)
    decoded = part.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else b""


def _transfer_encoding(part: Message) -> str:
    return str(part.get("Content-Transfer-Encoding") or "").strip().lower()


def _transfer_decoded(encoding: str, body: bytes) -> bytes:
    """A message/* part's body without its transfer encoding. The parser reads a delivery
    status (and any message/* part) as header blocks whatever its Content-Transfer-Encoding,
    but a gateway that re-encodes a report for a 7-bit hop, or an RFC 6533 report (which may
    be encoded), sends it in base64 or quoted-printable: the blocks then hold the encoded text,
    written back as it came (`_written_back`) and decoded here."""
    try:
        if encoding == "base64":
            # What is not of the base64 alphabet (line ends) is skipped; padding is added back
            # where the lines were cut.
            return base64.b64decode(_BASE64_NOISE.sub(b"", body) + b"==")
        return quopri.decodestring(body)
    except (binascii.Error, ValueError):
        return body


def _written_back(block: Message) -> bytes:
    """A block of a message/* part as it was in the message: its header lines (folding kept),
    then what the parser took for a body, after a blank line only if there was one (a line that
    is no header, as every base64 line is, starts the body at once)."""
    lines = "".join(f"{name}: {value}\n" for name, value in block.raw_items())
    payload = block.get_payload()
    if isinstance(payload, list):  # a message/* inside: rare, and not transfer-encoded text
        return _message_bytes(block)
    body = str(payload or "")
    separated = not any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in block.defects)
    if body and lines and separated:
        lines += "\n"
    text = (lines + body).replace("\r\n", "\n")
    return text.encode("utf-8", "surrogateescape")


def _message_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes()
    except Exception:
        return str(message).encode("utf-8", "replace")


def _safe_filename(name: str | None, *, index: int, part: Message) -> str:
    if name:
        # Only the last path component ("..\\..\\evil.exe" must not name a path anywhere),
        # shortened with its extension kept: as an upload is named.
        name = clean_filename(_decode_header_value(name), fallback="")
    if not name:
        content_type = part.get_content_type()
        name = _REPORT_PART_NAMES.get(content_type) or f"attachment-{index}" + {
            "text/plain": ".txt",
            "message/rfc822": ".eml",
        }.get(content_type, "")
    return name


def _reported_ids(message: Message) -> list[str]:
    """In a delivery report, the Message-ID of the mail that bounced."""
    if message.get_content_type() != "multipart/report":
        return []
    found: list[str] = []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in _RETURNED_MESSAGE_TYPES:
            payload = part.get_payload()
            if _transfer_encoding(part) in _ENCODED:
                # RFC 6533's returned message or headers may come in base64.
                found += _header_ids(_embedded_bytes(part))
            elif isinstance(payload, list) and payload and isinstance(payload[0], Message):
                found += message_ids(header_text(payload[0], "Message-ID"))
        elif content_type == "text/rfc822-headers":
            found += _header_ids(text_of(part).encode("utf-8", "replace"))
    return list(dict.fromkeys(found))


def _header_ids(head: bytes) -> list[str]:
    headers = BytesParser(policy=policy.compat32).parsebytes(head, headersonly=True)
    return message_ids(header_text(headers, "Message-ID"))


# What plain-text bounces are called; with a sender that is a mail server, or the headers of the
# bounced message quoted in the text, they are told from a customer's own mail.
_BOUNCE_SUBJECT = re.compile(
    r"failure notice|undeliver|undelivered|delivery (status notification|failure|has failed)"
    r"|mail delivery (failed|failure|system)|returned mail|returned to sender|nondeliver"
    r"|non-deliver|delivery problem|could not be delivered",
    re.I,
)
# A header line of the quoted message: "Message-ID: <…>", perhaps indented or quoted with ">".
_QUOTED_MESSAGE_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>)", re.I | re.M)


def _plain_bounce(headers: Headers) -> bool:
    """Whether an automatic message without a DSN reads as a bounce: sent by a mail server
    (MAILER-DAEMON, postmaster) or called one in its subject."""
    senders = headers.addresses("From")
    local = senders[0][1].split("@")[0] if senders else ""
    return local in ("mailer-daemon", "postmaster") or bool(
        _BOUNCE_SUBJECT.search(headers.text("Subject"))
    )


def _quoted_message_ids(text: str) -> list[str]:
    """The Message-IDs of the headers a plain-text bounce quotes (qmail's "Below this line is a
    copy of the message"). Only header lines count, never an ID mentioned in a sentence."""
    found = (match[:MAX_MESSAGE_ID_CHARS] for match in _QUOTED_MESSAGE_ID.findall(text))
    return list(dict.fromkeys(found))[:MAX_QUOTED_IDS]


def _recipient_statuses(message: Message) -> list[RecipientStatus]:
    """Every per-recipient block of a DSN's delivery-status part (RFC 3464; RFC 6533's
    message/global-delivery-status too), in order. The first block, about the message, names
    no recipient and is left out."""
    found: list[RecipientStatus] = []
    for part in message.walk():
        if part.get_content_type() not in _DELIVERY_STATUS_TYPES:
            continue
        text = decode_bytes(_embedded_bytes(part), "utf-8").replace("\r\n", "\n")
        for block in _BLANK_LINE.split(text):
            if len(found) == MAX_REPORTED_RECIPIENTS:
                return found
            status = _recipient_status(block)
            if status is not None:
                found.append(status)
    return found


def _recipient_status(block: str) -> RecipientStatus | None:
    fields = HeaderParser(policy=policy.compat32).parsestr(block.strip("\n") + "\n\n")
    headers = Headers(fields)
    recipient = _typed_value(headers.text("Final-Recipient")) or _typed_value(
        headers.text("Original-Recipient")
    )
    recipient = recipient.strip().strip("<>").strip()
    if "@" not in recipient or len(recipient) > MAX_ADDRESS_CHARS:
        return None
    action, status = headers.text("Action").split(), headers.text("Status").split()
    return RecipientStatus(
        recipient=normalize_email(recipient),
        action=action[0].lower()[:20] if action else "",
        status=status[0][:20] if status else "",
        diagnostic=" ".join(_typed_value(headers.text("Diagnostic-Code")).split())[:500],
    )


def _typed_value(value: str) -> str:
    """`rfc822; someone@example.org` → `someone@example.org`; `smtp; 550 …` → `550 …`."""
    kind, separator, rest = value.partition(";")
    return rest.strip() if separator and " " not in kind.strip() else value.strip()


def _is_dsn(message: Message) -> bool:
    """A delivery status notification (RFC 3464), not a read receipt (also a multipart/report)."""
    if message.get_content_type() != "multipart/report":
        return False
    try:
        kind = message.get_param("report-type")
    except Exception:  # a broken parameter is taken as absent, as everywhere here
        return False
    return isinstance(kind, str) and kind.strip().lower() == "delivery-status"


def _all_defects(message: Message) -> list[MessageDefect]:
    defects: list[MessageDefect] = []
    for part in message.walk():
        defects += list(getattr(part, "defects", []))
    return defects


def _describe(defect: MessageDefect) -> str:
    name = re.sub(r"(?<!^)(?=[A-Z])", " ", type(defect).__name__).lower().removesuffix(" defect")
    detail = readable(str(defect))
    return f"{name} ({detail})" if detail and detail != "None" else name


# Built once: setting the allowlist up costs several times more than cleaning a typical mail.
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """The mail's HTML reduced to a small safe allowlist for display beside the text."""
    cleaned: str = _CLEANER.clean(html[:MAX_HTML_CHARS])
    return cleaned.strip()


def header_section(raw: bytes, limit: int = 64 * 1024) -> bytes:
    """The header block of a raw message: what is kept of one refused for its size."""
    head = raw[:limit]
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = head.find(separator)
        if end != -1:
            return head[: end + len(separator)]
    return head
