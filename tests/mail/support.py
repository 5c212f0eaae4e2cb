"""Helpers for the mail tests: an SMTP sink that can play an outage, a client for our listener,
and the few steps that put a ticket into a state worth mailing about."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.mail.timers import deliver_outbox

INBOUND_TOKEN = "inbound-token-for-tests"
CUSTOMER = "cora@example.org"
SUPPORT = "support@shop.test"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class SmtpSink:
    """A real SMTP server on a free loopback port that keeps every message it accepts. Set
    `refuse` to answer the next N messages with a temporary 451, like a relay in trouble."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.refuse = 0
        self.refused = 0
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 Mailbox temporarily unavailable"
            self.received.append(
                Received(
                    str(envelope.mail_from),
                    [str(rcpt) for rcpt in envelope.rcpt_tos],
                    bytes(envelope.original_content or b""),
                )
            )
        return "250 OK"


def with_smtp(settings: Settings, sink: SmtpSink) -> Settings:
    return settings.model_copy(update={"smtp_url": sink.url})


async def deliver(app: FastAPI, settings: Settings, *, now: datetime | None = None) -> int:
    """Runs the outbox job until nothing is due at `now`."""
    total = 0
    while claimed := await deliver_outbox(app.state.sessionmaker, settings, now=now):
        total += claimed
    return total


def later(minutes: float) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


def smtp_send(port: int, raw: bytes, *, sender: str, recipients: list[str]) -> dict[str, Any]:
    """Blocking smtplib, as a customer's mail server would talk to us (run it in a thread)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return dict(client.sendmail(sender, recipients, raw))


async def send_to_listener(
    port: int, raw: bytes, *, sender: str = CUSTOMER, recipients: list[str]
) -> dict[str, Any]:
    return await asyncio.to_thread(smtp_send, port, raw, sender=sender, recipients=recipients)


def reply_mail(
    *,
    to: str,
    text: str,
    sender: str = CUSTOMER,
    subject: str = "Re: Your request",
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Cora Customer <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    message["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    # CRLF line ends, as SMTP carries them.
    return message.as_bytes(policy=policy.SMTP)


QUOTED = (
    "\n\nOn Tue, Dec 1, 2026 at 9:12 AM Support <support@shop.test> wrote:\n"
    "> Thanks for your patience, we are on it.\n> Ada\n"
)


async def post_mime(
    http: httpx.AsyncClient,
    raw: bytes,
    *,
    to: list[str] | None = None,
    token: str | None = INBOUND_TOKEN,
    content_type: str = "message/rfc822",
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await http.post(
        "/api/v1/inbound/mime", content=raw, headers=headers, params={"to": to or []}
    )


async def ticket_with_reply(
    agent: Any, inbox: dict[str, Any], *, then: str = "close", email: str = CUSTOMER
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ticket the agent answered by email; returns (ticket, the outbox row of that reply)."""
    created = await agent.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": email, "name": "Cora Customer"},
            "subject": "Where is my parcel?",
        },
    )
    assert created.status_code == 201, created.text
    ticket = created.json()
    reply = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "It left the warehouse today.\nTracking follows.", "then": then},
    )
    assert reply.status_code == 201, reply.text
    return ticket, reply.json()


async def outbox(admin: Any, **params: Any) -> list[dict[str, Any]]:
    response = await admin.client.get("/api/v1/outbox", params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def ticket_of(agent: Any, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def online(agent: Any) -> None:
    response = await agent.client.put("/api/v1/me/availability", json={"available": True})
    assert response.status_code == 200, response.text


async def answered_ticket(
    desk: Any, *, then: str = "close"
) -> tuple[Any, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An inbox, its agent Ada, and a ticket she answered by email; returns (ada, inbox, ticket,
    the outbox row of her reply)."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    ticket, reply = await ticket_with_reply(ada, inbox, then=then)
    admin = await desk.agent(role="admin")
    rows = (await admin.client.get("/api/v1/outbox")).json()
    (row,) = [row for row in rows if row["message_id"] == reply["message_id"]]
    return ada, inbox, ticket, row


def inbound_entries(ticket: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in ticket["entries"] if e["kind"] == "reply" and e["direction"] == "in"]
