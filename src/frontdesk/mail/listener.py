"""The built-in SMTP listener: customers' replies (or an MX relay's deliveries) come in here.

It runs in the app's own event loop, so it shares the engine and the broker with the rest of the
process. Messages are stored by the inbound writer (mail/writer.py), which commits the deliveries
that arrive together in one transaction; a message is answered 250 only once it is committed,
and whatever one message does, the listener goes on with the next.

Every message a sending server hands over ends either stored and answered 250, or refused with a
permanent answer that says why (too large, a line too long, no such recipient, unreadable); a
temporary 451 only while the database is unavailable, when trying again helps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.mail import inbound as parsing
from frontdesk.mail import matching, receiving
from frontdesk.mail.errors import InboundDeferred, InboundRefused, MessageTooLarge
from frontdesk.mail.receiving import Delivery
from frontdesk.mail.writer import InboundWriter

logger = logging.getLogger(__name__)
# aiosmtpd writes every envelope's sender and recipients to "mail.log" at INFO: customers'
# addresses in a log that no erasure reaches (docs/privacy.md). Its warnings and errors stay.
SMTP_LIBRARY_LOGGER = "mail.log"

# aiosmtpd's own answers when a message outgrows the limit, announced (MAIL FROM … SIZE=) or
# found while reading the data, or has a line over the limit; replaced by ours, which say the
# limit.
_TOO_LARGE = ("552 Error: Too much mail data", "552 Error: message size exceeds")
_LINE_TOO_LONG = "500 Line too long"
# RFC 5321 allows 1,000 octets a line, but mail from the wild (HTML on one line, written by a
# script) breaks it, and the same message over HTTP is stored: accept lines up to a size no
# text needs, which also bounds what one connection makes us buffer before it sends a newline.
MAX_LINE_BYTES = 1024 * 1024
REMEMBER_RECIPIENT_SECONDS = 60.0
MAX_REMEMBERED_RECIPIENTS = 10_000


class InboundHandler:
    """aiosmtpd's handler hooks: who we take mail for, and what to do with a message."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        writer: InboundWriter | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.writer = writer or InboundWriter(sessionmaker)
        # Recipients found to be an inbox's address, until when we take that for granted. Only
        # acceptances are remembered: an inbox added a moment ago is never refused, and one
        # removed since is still refused after the data, when the message matches nothing.
        self._accepted: dict[str, float] = {}

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not self._known_recipient(address):
            try:
                async with unit_of_work(self.sessionmaker) as db:
                    accepted = await matching.accepts_recipient(
                        db, address=address, settings=self.settings
                    )
            except Exception:
                logger.exception("checking recipient %s failed", address)
                return "451 4.3.0 Temporary failure, try again later"
            if not accepted:
                return f"550 5.1.1 <{parsing.readable(address)}>: no such mailbox here"
            self._remember_recipient(address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    def _known_recipient(self, address: str) -> bool:
        # Reply addresses need no lookup at all; inbox addresses were looked up lately.
        if matching.in_mail_domain(self.settings, address):
            return True
        until = self._accepted.get(address.lower())
        return until is not None and until > time.monotonic()

    def _remember_recipient(self, address: str) -> None:
        if len(self._accepted) >= MAX_REMEMBERED_RECIPIENTS:
            self._accepted.clear()
        self._accepted[address.lower()] = time.monotonic() + REMEMBER_RECIPIENT_SECONDS

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        envelope_to = list(envelope.rcpt_tos)
        envelope_from = envelope.mail_from or None
        try:
            result = await self.writer.receive(Delivery(raw, envelope_to, envelope_from, "smtp"))
        except InboundRefused as refused:
            logger.info("inbound mail refused: %s", refused.message)
            return refused.smtp_reply
        except InboundDeferred as deferred:
            # The database is unavailable: keep what arrived for an admin if we can, and let the
            # sending server try again later rather than lose the message.
            await self._record_failure(raw, envelope_to, envelope_from, repr(deferred.__cause__))
            return deferred.smtp_reply
        logger.info("inbound mail %s: %s", result.status.value, result.reason or result.ticket_id)
        return "250 2.0.0 OK: queued"

    async def record_refusal(self, envelope: Envelope, error: str) -> None:
        """A message aiosmtpd refused while reading it: who sent it, and why."""
        try:
            async with unit_of_work(self.sessionmaker) as db:
                await receiving.record_refused_inbound(
                    db,
                    head=b"",
                    size=0,
                    envelope_to=list(envelope.rcpt_tos),
                    envelope_from=envelope.mail_from or None,
                    via="smtp",
                    error=error,
                )
        except Exception:
            logger.exception("recording a refused message failed")

    async def _record_failure(
        self, raw: bytes, envelope_to: list[str], envelope_from: str | None, error: str
    ) -> None:
        try:
            async with unit_of_work(self.sessionmaker) as db:
                await receiving.record_refused_inbound(
                    db,
                    head=raw,
                    size=len(raw),
                    envelope_to=envelope_to,
                    envelope_from=envelope_from,
                    via="smtp",
                    error=f"could not be stored: {error}",
                    failed=True,
                )
        except Exception:
            logger.exception("recording a failed inbound message failed too")


class _Server(SMTP):
    """aiosmtpd's SMTP session, taking long lines, answering a message it refuses while reading
    it (too large, a line too long) with the limit, and recording it."""

    # Read by SMTP.__init__ as the stream's line limit.
    line_length_limit = MAX_LINE_BYTES

    def __init__(self, handler: InboundHandler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._frontdesk_handler = handler

    async def push(self, status: AnyStr) -> None:
        refusal = self._refusal(status) if isinstance(status, str) else None
        if refusal is None:
            await super().push(status)
            return
        reply, error = refusal
        if self.envelope is not None:
            await self._frontdesk_handler.record_refusal(self.envelope, error)
        await super().push(reply)

    def _refusal(self, status: str) -> tuple[str, str] | None:
        """Ours for aiosmtpd's refusal of a message: (the reply, what is recorded)."""
        if status.startswith(_TOO_LARGE) and self.data_size_limit:
            too_large = MessageTooLarge(self.data_size_limit, what="a message")
            return too_large.smtp_reply, too_large.message
        if status.startswith(_LINE_TOO_LONG):
            error = f"A line of the message is longer than {MAX_LINE_BYTES // (1024 * 1024)} MB."
            return f"500 5.6.0 {error}", error
        return None


class InboundListener:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        host: str | None = None,
        port: int | None = None,
        max_message_bytes: int | None = None,
        writer: InboundWriter | None = None,
    ) -> None:
        listen_host, _, listen_port = (settings.smtp_listen or "127.0.0.1:0").rpartition(":")
        self.host = host or listen_host.strip("[]")
        self.port = port if port is not None else int(listen_port)
        self.hostname = settings.mail_domain
        # Processes of one deployment share the port (the kernel spreads connections), and only
        # a PostgreSQL deployment has several. On SQLite a second process is another instance (a
        # second `make run` on another HTTP port): sharing would hand it half of the first's mail.
        self.shared = not settings.is_sqlite and hasattr(socket, "SO_REUSEPORT")
        self.max_message_bytes = max_message_bytes or parsing.MAX_MESSAGE_BYTES
        self.handler = InboundHandler(sessionmaker, settings, writer=writer)
        self._server: asyncio.Server | None = None

    def _protocol(self) -> SMTP:
        return _Server(
            self.handler,
            data_size_limit=self.max_message_bytes,
            hostname=self.hostname,
            ident="frontdesk",
            enable_SMTPUTF8=True,
            timeout=120,
        )

    async def start(self) -> None:
        logging.getLogger(SMTP_LIBRARY_LOGGER).setLevel(logging.WARNING)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol,
            host=self.host,
            port=self.port,
            reuse_port=self.shared,
        )
        sockets = self._server.sockets
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        logger.info("SMTP listener on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            # Since 3.12 wait_closed also waits for open sessions; a stuck client must not
            # hold up shutdown.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)
            self._server = None
        await self.handler.writer.stop()
