"""Turning outbox rows into MIME and handing them to an SMTP server.

No database here: the timer claims rows, this module sends them and reports what happened, and
the mail service records the outcome.
"""

from __future__ import annotations

import contextlib
import hashlib
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from frontdesk.files.contents import StoreUnavailable
from frontdesk.mail.models import OutboxMessage

SMTP_TIMEOUT = 60.0
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
# Headers the row may carry beyond the ones every message has.
THREAD_HEADERS = (
    "Cc",
    "Reply-To",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool
    # SASL XOAUTH2 with this access token instead of a password (a provider's SMTP, per inbox).
    oauth_token: str | None = None
    # The mailbox whose OAuth token mail/tokens.py renews (None: the token is used as saved).
    renewable_mailbox: int | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """smtp:// (plain), smtp+starttls:// (STARTTLS required), smtps:// (TLS from the start);
    user:pass@ when the relay wants authentication (percent-encode special characters)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("the SMTP URL must look like smtp+starttls://user:pass@host:587")
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=parts.scheme == "smtps",
        starttls=parts.scheme == "smtp+starttls",
    )


def one_line(value: str) -> str:
    """A line break typed into a name or a subject would end its header early: the email package
    refuses such a value, so the message could be neither shown nor sent."""
    return " ".join(value.splitlines())


def sender_header(sender: str) -> Address | str:
    """The From header as an address whose display name the email package encodes itself. The
    row keeps `formataddr`'s text, an encoded word when the name is not ASCII; written back as
    text, the package folded it anew and could cut a "(" out of the word, so that the comment
    swallowed the address ("Ada (Kundendienst München)" reached readers with no address)."""
    name, address = parseaddr(one_line(sender))
    if "=?" in name:
        try:
            name = str(make_header(decode_header(name)))
        except (HeaderParseError, UnicodeDecodeError, LookupError):
            return one_line(sender)
    try:
        return Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        return one_line(sender)


@dataclass(frozen=True)
class FilePart:
    filename: str
    content_type: str
    content: bytes


def build_message(row: OutboxMessage, files: Sequence[FilePart] = ()) -> EmailMessage:
    """The message of an outbox row, with the files it sends (read from the store by the
    caller) as attachments. Boundaries come from the Message-ID: a retry is the same bytes."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender_header(row.sender)
    # Rows that copy someone name their To header: the envelope (`recipients`) also holds the Cc
    # and the Bcc, and a Bcc must never show. Older rows had the To as their only recipients.
    message["To"] = one_line(row.headers.get("To") or ", ".join(row.recipients))
    message["Subject"] = one_line(row.subject)
    # The row's time, not the send time: a retry is byte-for-byte the same message.
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    for name in THREAD_HEADERS:
        value = row.headers.get(name)
        if value:
            message[name] = value
    # Quoted-printable keeps the message 7-bit clean for relays without 8BITMIME.
    message.set_content(row.text, cte="quoted-printable")
    digest = hashlib.sha256(row.message_id.encode()).hexdigest()
    if row.html:
        message.add_alternative(row.html, subtype="html", cte="quoted-printable")
        message.set_boundary(f"=_fd_{digest[:24]}")
    for part in files:
        maintype, _, subtype = part.content_type.partition("/")
        message.add_attachment(
            part.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=part.filename,
        )
    if files:
        message.set_boundary(f"=_fd_{digest[24:48]}")
    return message


@dataclass(frozen=True)
class Outcome:
    row: OutboxMessage
    error: str | None = None
    # The server refused for good (5xx on the recipient or the data): retrying cannot help.
    permanent: bool = False
    # The server refused the login (a renewed OAuth token may do).
    login_refused: bool = False


def _describe(exc: Exception) -> tuple[str, bool]:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        text = "; ".join(f"{r.code} {r.message} ({r.recipient})" for r in exc.recipients)
        return text or str(exc), bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return f"{exc.code} {exc.message}", exc.code >= 500
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}", False
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, False


FileLoader = Callable[[OutboxMessage], Awaitable[Sequence[FilePart]]]


async def _no_files(row: OutboxMessage) -> Sequence[FilePart]:
    return ()


async def send_all(
    server: SmtpServer, rows: Sequence[OutboxMessage], files: FileLoader = _no_files
) -> list[Outcome]:
    """Sends the rows over one connection, each with its files, read by `files` just before it
    is sent (one message's files in memory at a time); every row gets an outcome, none raises."""
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        username=server.username if server.oauth_token is None else None,
        password=server.password if server.oauth_token is None else None,
        use_tls=server.implicit_tls,
        # smtp:// means plain text: no opportunistic upgrade that a test relay cannot do.
        start_tls=server.starttls,
        timeout=SMTP_TIMEOUT,
        tls_context=ssl.create_default_context()
        if server.implicit_tls or server.starttls
        else None,
    )
    outcomes: list[Outcome] = []
    try:
        await client.connect()
        if server.oauth_token is not None and server.username:
            await client.auth_xoauth2(server.username, server.oauth_token)
    except (aiosmtplib.SMTPException, OSError) as exc:
        error, _ = _describe(exc)
        if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            refused = f"the server refused the login: {error}"
            return [Outcome(row, refused, login_refused=True) for row in rows]
        return [Outcome(row, f"cannot reach {server.host}:{server.port}: {error}") for row in rows]
    try:
        for row in rows:
            try:
                parts = await files(row)
            except FileNotFoundError as exc:
                # Sent without its attachment the mail would say something untrue: an admin
                # decides.
                outcomes.append(Outcome(row, f"an attachment is missing: {exc}", permanent=True))
                continue
            except StoreUnavailable as exc:
                # The bucket is down for now: tried again with back-off, like a refused send.
                outcomes.append(Outcome(row, f"the file store is out of reach: {exc.detail}"))
                continue
            try:
                await client.send_message(
                    build_message(row, parts),
                    sender=parseaddr(row.sender)[1],
                    recipients=list(row.recipients),
                )
            except aiosmtplib.SMTPServerDisconnected as exc:
                outcomes.append(Outcome(row, _describe(exc)[0]))
                await _reconnect(client, server)
            except (aiosmtplib.SMTPException, OSError) as exc:
                error, permanent = _describe(exc)
                outcomes.append(Outcome(row, error, permanent))
                if client.is_connected:
                    # A refused transaction leaves the session mid-way; start the next cleanly.
                    try:
                        await client.rset()
                    except (aiosmtplib.SMTPException, OSError):
                        await _reconnect(client, server)
                else:
                    await _reconnect(client, server)
            else:
                outcomes.append(Outcome(row))
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
    return outcomes


async def _reconnect(client: aiosmtplib.SMTP, server: SmtpServer) -> None:
    client.close()
    # If this fails, the next send fails with "not connected" and is retried like any error.
    with contextlib.suppress(aiosmtplib.SMTPException, OSError):
        await client.connect()
        if server.oauth_token is not None and server.username:
            await client.auth_xoauth2(server.username, server.oauth_token)
