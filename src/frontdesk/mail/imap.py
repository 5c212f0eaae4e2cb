"""Talking IMAP to a mail provider's mailbox. No database here: mail/fetching.py decides what to
fetch and records it; this module only speaks the protocol.

Built on the standard library's imaplib, run in worker threads (mail/fetching.py gives each
mailbox one). Why not an asyncio client such as aioimaplib: imaplib is maintained with Python
itself, does IMAPS, STARTTLS and any SASL mechanism (XOAUTH2 included) without a new dependency,
and a mailbox is a long, mostly idle conversation in which a thread costs nothing worth saving.
Python 3.11's imaplib has no IDLE, so `Mailbox.idle` speaks it itself (RFC 2177, a few lines).
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import re
import select
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass

from frontdesk.mail.models import MailboxAuth, MailboxSecurity, ProcessedAction

TIMEOUT = 60.0
_UID = re.compile(rb"UID (\d+)")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_UIDNEXT = re.compile(rb"UIDNEXT (\d+)")


class ImapFailure(Exception):
    """What went wrong, in words an admin can act on (shown in the inbox's settings)."""


class LoginRefused(ImapFailure):
    """The server refused the password or token (an OAuth token may just have run out)."""


@dataclass(frozen=True)
class MailboxLogin:
    host: str
    port: int
    security: MailboxSecurity
    username: str
    auth: MailboxAuth
    secret: str
    folder: str = "INBOX"
    timeout: float = TIMEOUT


@dataclass(frozen=True)
class Opened:
    uidvalidity: int
    # The UID the next message will get (RFC 3501): everything below it is already there.
    uidnext: int


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def xoauth2(username: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial response (Google's and Microsoft's documented format)."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01".encode()


class XOAuth2Answers:
    """The client's side of an XOAUTH2 exchange for imaplib: the credentials once, then an empty
    line. A server refusing the token sends its error as one more challenge (a JSON document) and
    waits for that empty line before its NO; Gmail and Microsoft 365 document it so, and answering
    the credentials again is a protocol error there (a BAD instead of the NO that says why)."""

    def __init__(self, username: str, token: str) -> None:
        self._answer = xoauth2(username, token)

    def __call__(self, challenge: bytes) -> bytes:
        answer, self._answer = self._answer, b""
        return answer


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value if item is not None)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def uid_set(uids: Sequence[int]) -> str:
    """1,2,3,7,8 → "1:3,7:8": a short command line for thousands of UIDs."""
    parts: list[str] = []
    start = previous = uids[0]
    for uid in uids[1:]:
        if uid != previous + 1:
            parts.append(f"{start}:{previous}" if start != previous else str(start))
            start = uid
        previous = uid
    parts.append(f"{start}:{previous}" if start != previous else str(start))
    return ",".join(parts)


class Mailbox:
    """One IMAP connection to one folder. Blocking: call it from a worker thread."""

    def __init__(self, login: MailboxLogin, *, allow_plain: bool = False) -> None:
        self.login = login
        self.allow_plain = allow_plain
        self._imap: imaplib.IMAP4 | None = None

    @property
    def imap(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise ImapFailure("not connected")
        return self._imap

    def open(self) -> Opened:
        login = self.login
        if (
            login.security is MailboxSecurity.plain
            and not self.allow_plain
            and not is_loopback(login.host)
        ):
            raise ImapFailure(
                "IMAP without TLS is refused for a server that is not on this machine: choose "
                "TLS or STARTTLS (or set FRONTDESK_IMAP_ALLOW_PLAIN on a trusted network)."
            )
        context = ssl.create_default_context()
        try:
            if login.security is MailboxSecurity.tls:
                self._imap = imaplib.IMAP4_SSL(
                    login.host, login.port, ssl_context=context, timeout=login.timeout
                )
            else:
                self._imap = imaplib.IMAP4(login.host, login.port, timeout=login.timeout)
                if login.security is MailboxSecurity.starttls:
                    self._imap.starttls(ssl_context=context)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
            self.close()
            raise ImapFailure(f"cannot reach {login.host}:{login.port}: {_describe(exc)}") from exc
        try:
            if login.auth is MailboxAuth.xoauth2:
                self.imap.authenticate("XOAUTH2", XOAuth2Answers(login.username, login.secret))
            else:
                self.imap.login(login.username, login.secret)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise LoginRefused(f"the server refused the login: {_describe(exc)}") from exc
        # Servers announce more once logged in (MOVE, UIDPLUS); imaplib keeps the first list.
        status, data = self.imap.capability()
        if status == "OK" and data and isinstance(data[-1], bytes):
            self.imap.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
        status, data = self.imap.select(_quote(login.folder))
        if status != "OK":
            raise ImapFailure(f"cannot open folder {login.folder!r}: {_text(data)}")
        validity = self.imap.untagged_responses.get("UIDVALIDITY", [])
        uidnext = self.imap.untagged_responses.get("UIDNEXT", [])
        if not validity or not uidnext:
            # Every IMAP4rev1 server sends both on SELECT; ask again rather than guess.
            status, data = self.imap.status(_quote(login.folder), "(UIDVALIDITY UIDNEXT)")
            line = data[0] if data and isinstance(data[0], bytes) else b""
            found_validity, found_next = _UIDVALIDITY.search(line), _UIDNEXT.search(line)
            if status != "OK" or not found_validity or not found_next:
                raise ImapFailure(f"the server names no UIDVALIDITY for {login.folder!r}")
            return Opened(int(found_validity.group(1)), int(found_next.group(1)))
        return Opened(int(_text(validity[-1])), int(_text(uidnext[-1])))

    def search(self, criteria: str) -> list[int]:
        status, data = self.imap.uid("SEARCH", criteria)
        if status != "OK":
            raise ImapFailure(f"UID SEARCH failed: {_text(data)}")
        return sorted({int(uid) for line in data if line for uid in _text(line).split()})

    def uids_after(self, last_uid: int, *, history_uid: int) -> list[int]:
        """UIDs above `last_uid`, skipping read mail up to `history_uid` (the mailbox's history
        when it was connected)."""
        found: list[int] = []
        if last_uid < history_uid:
            found += self.search(f"UID {last_uid + 1}:{history_uid} UNSEEN")
        # "n:*" always matches the highest UID, even below n (RFC 3501 §6.4.8): filter.
        start = max(last_uid, history_uid) + 1
        found += [uid for uid in self.search(f"UID {start}:*") if uid >= start]
        return sorted(set(found))

    def fetch(self, uids: Sequence[int]) -> list[tuple[int, bytes]]:
        """The raw messages, in UID order. BODY.PEEK leaves \\Seen alone until we are done."""
        status, data = self.imap.uid("FETCH", uid_set(uids), "(UID BODY.PEEK[])")
        if status != "OK":
            raise ImapFailure(f"UID FETCH failed: {_text(data)}")
        found: dict[int, bytes] = {}
        for index, item in enumerate(data):
            if not isinstance(item, tuple):
                continue
            head, raw = item
            match = _UID.search(head)
            after = data[index + 1] if index + 1 < len(data) else None
            if match is None and isinstance(after, bytes):
                # Some servers put UID after the literal: `(BODY[] {n} ... UID 7)`.
                match = _UID.search(after)
            if match is None:
                raise ImapFailure("the server answered UID FETCH without UIDs")
            found[int(match.group(1))] = raw
        return [(uid, found[uid]) for uid in sorted(found) if uid in set(uids)]

    def mark_processed(
        self, uids: Sequence[int], action: ProcessedAction, move_to: str | None
    ) -> None:
        if not uids:
            return
        which = uid_set(uids)
        if action is ProcessedAction.move and move_to:
            if "MOVE" in self.imap.capabilities:
                status, data = self.imap.uid("MOVE", which, _quote(move_to))
            else:
                status, data = self.imap.uid("COPY", which, _quote(move_to))
                if status == "OK":
                    self.imap.uid("STORE", which, "+FLAGS.SILENT", r"(\Deleted)")
                    status, data = (
                        self.imap.uid("EXPUNGE", which)
                        if "UIDPLUS" in self.imap.capabilities
                        else self.imap.expunge()
                    )
            if status != "OK":
                raise ImapFailure(f"cannot move mail to {move_to!r}: {_text(data)}")
            return
        status, data = self.imap.uid("STORE", which, "+FLAGS.SILENT", r"(\Seen)")
        if status != "OK":
            raise ImapFailure(f"cannot flag mail as read: {_text(data)}")

    @property
    def can_idle(self) -> bool:
        return "IDLE" in self.imap.capabilities

    def idle(self, seconds: float) -> bool:
        """Waits in IDLE (RFC 2177) up to `seconds`; True as soon as the server announces new
        mail. The caller fetches afterwards either way."""
        imap = self.imap
        tag = imap._new_tag()
        imap.send(tag + b" IDLE\r\n")
        first = imap.readline()
        if not first.startswith(b"+"):
            raise ImapFailure(f"IDLE refused: {_text(first).strip()}")
        arrived = False
        deadline = time.monotonic() + seconds
        sock = imap.sock
        while not arrived:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
            if not pending and not select.select([sock], [], [], remaining)[0]:
                break
            line = imap.readline()
            if not line:
                raise ImapFailure("the server closed the connection during IDLE")
            arrived = b"EXISTS" in line.upper()
        imap.send(b"DONE\r\n")
        while True:
            line = imap.readline()
            if not line:
                raise ImapFailure("the server closed the connection during IDLE")
            if line.startswith(tag):
                if not line[len(tag) :].strip().upper().startswith(b"OK"):
                    raise ImapFailure(f"IDLE ended badly: {_text(line).strip()}")
                return arrived
            arrived = arrived or b"EXISTS" in line.upper()

    def interrupt(self) -> None:
        """From another thread: wakes a thread blocked on this connection (in IDLE) by cutting
        the connection."""
        imap = self._imap
        if imap is not None:
            with contextlib.suppress(OSError):
                imap.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error, ssl.SSLError):
            with contextlib.suppress(OSError):
                imap.shutdown()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer (timed out)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its TLS certificate cannot be trusted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    text = _text(exc.args[0]) if exc.args else ""
    return text or type(exc).__name__
