"""Inbound mail that is odd or broken, over real SMTP (our listener) and over HTTP: every message
a sending server hands over is stored and answered 250 (200), or refused for good with a reason
that is true, its record kept. Never a 451 (or 500) that the sender would retry for days."""

from __future__ import annotations

import asyncio
import smtplib

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import undefer

from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import InboundMessage, InboundStatus
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    answered_ticket,
    inbound_entries,
    post_mime,
    send_to_listener,
    ticket_of,
    ticket_with_reply,
)

pytestmark = SQLITE_ONLY

ONE_MB = 1024 * 1024


def message(
    name: str,
    *,
    sender: bytes = b"Cora Customer <cora@example.org>",
    head: bytes = b"",
    body: bytes = b"Hello.",
    message_id: bytes | None = None,
) -> bytes:
    """A new mail to the support inbox, as raw bytes (CRLF, as SMTP carries them)."""
    return (
        b"From: " + sender + b"\r\n"
        b"To: " + SUPPORT.encode() + b"\r\n"
        b"Subject: " + name.encode() + b"\r\n"
        b"Message-ID: " + (message_id or f"<{name}@example.org>".encode()) + b"\r\n"
        + head + b"\r\n" + body + b"\r\n"
    )  # fmt: skip


def multipart(name: str, part_head: bytes) -> bytes:
    return message(
        name,
        head=b'Content-Type: multipart/mixed; boundary="b"\r\n',
        body=b"--b\r\n" + part_head + b"\r\nHello.\r\n--b--",
    )


STORED = None
# What is sent, and STORED or the reason it is refused for.
BROKEN_MAIL: dict[str, tuple[bytes, str | None]] = {
    "utf8-sender": (message("utf8-sender", sender="José <josé@example.org>".encode()), STORED),
    "latin1-sender": (message("latin1-sender", sender=b"Jos\xe9 <jos\xe9@example.org>"), STORED),
    "nul-in-text": (message("nul-in-text", body=b"Hello\x00 there."), STORED),
    "nul-in-subject": (message("nul", head=b"Subject: =?utf-8?q?a=00b?=\r\n"), STORED),
    "absurd-date": (
        message("absurd-date", head=b"Date: Tue, 1 Dec 2026 10:00 +9999999999999999\r\n"),
        STORED,
    ),
    "long-message-id": (
        message("long-id", message_id=b"<" + b"x" * 10_000 + b"@example.org>"),
        STORED,
    ),
    "wide-message-id": (
        message("wide-id", message_id="<{}@example.org>".format("中" * 2000).encode()),
        STORED,
    ),
    "unknown-charset": (
        message("unknown-charset", head=b"Content-Type: text/plain; charset=x-no-such\r\n"),
        STORED,
    ),
    "binary-charset": (
        message("binary-charset", head=b"Content-Type: text/plain; charset=zlib\r\n"),
        STORED,
    ),
    "nul-in-charset": (
        message("nul-in-charset", head=b'Content-Type: text/plain; charset="utf\x008"\r\n'),
        STORED,
    ),
    "bad-base64": (
        message("bad-base64", head=b"Content-Transfer-Encoding: base64\r\n", body=b"!!=="),
        STORED,
    ),
    "long-header": (message("long-header", head=b"X-Tracking: " + b"t" * 5000 + b"\r\n"), STORED),
    "long-name": (message("long-name", sender=b"N" * 1000 + b" <nina@example.org>"), STORED),
    "odd-attachment": (
        multipart(
            "odd-attachment", b'Content-Type: application/\xe9\x00t\xe9; name="\xe9.pdf"\r\n'
        ),
        STORED,
    ),
    "empty": (b"", "the message is empty"),
    "no-sender": (message("no-sender", sender=b"undisclosed-recipients:;"), "no sender"),
    "no-boundary": (
        message("no-boundary", head=b"Content-Type: multipart/mixed\r\n"),
        "broken MIME",
    ),
}


async def inbound_records(app: FastAPI) -> list[InboundMessage]:
    async with app.state.sessionmaker() as session:
        query = select(InboundMessage).options(undefer(InboundMessage.raw))
        return list((await session.scalars(query.order_by(InboundMessage.id))).all())


def send_raw_envelope(port: int, mail_from: bytes, rcpt_to: bytes, raw: bytes) -> tuple[int, bytes]:
    """Like a sending server whose envelope holds bytes that are not UTF-8: the first reply that
    is not 250, or the answer to the data."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        for command in (b"MAIL FROM:<" + mail_from + b">", b"RCPT TO:<" + rcpt_to + b">"):
            client.send(command + b"\r\n")
            code, text = client.getreply()
            if code != 250:
                return code, text
        return client.data(raw)


class TestBrokenMail:
    async def test_over_smtp_each_is_stored_or_refused_for_good(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        answers: dict[str, str] = {}
        for name, (raw, _expected) in BROKEN_MAIL.items():
            try:
                await send_to_listener(listener.port, raw, recipients=[SUPPORT])
                answers[name] = "250"
            except smtplib.SMTPDataError as refused:
                answers[name] = f"{refused.smtp_code} {refused.smtp_error!r}"
        await self._check(app, answers, refusal="554")

    async def test_over_http_each_is_stored_or_refused_for_good(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        answers: dict[str, str] = {}
        for name, (raw, _expected) in BROKEN_MAIL.items():
            response = await post_mime(http, raw, to=[SUPPORT])
            body = response.json()
            answers[name] = (
                "250"
                if response.status_code == 200
                else f"{response.status_code} {body['error']['message']}"
            )
        await self._check(app, answers, refusal="422")

    async def _check(self, app: FastAPI, answers: dict[str, str], *, refusal: str) -> None:
        records = await inbound_records(app)
        outcomes = {
            name: (answer[:3], record.status.value)
            for (name, answer), record in zip(answers.items(), records, strict=True)
        }
        assert outcomes == {
            name: ("250", "processed") if reason is STORED else (refusal, "failed")
            for name, (_raw, reason) in BROKEN_MAIL.items()
        }
        for (name, (raw, reason)), record in zip(BROKEN_MAIL.items(), records, strict=True):
            if reason is not STORED:
                # The answer says why, and what arrived is kept for an admin.
                assert reason in answers[name]
                assert record.raw.strip() == raw.strip()


class TestInternationalAddresses:
    @BOTH_STORES
    async def test_an_smtputf8_sender_gets_a_ticket_as_the_customer_of_that_address(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        inbox = await desk.inbox(email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        raw = message("bonjour", sender="José Núñez <josé@example.org>".encode())

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
                client.sendmail("josé@example.org", [SUPPORT], raw, mail_options=["SMTPUTF8"])

        await asyncio.to_thread(send)
        (record,) = await inbound_records(app)
        assert record.envelope_from == "josé@example.org"
        assert record.ticket_id is not None
        ticket = await ticket_of(ada, record.ticket_id)
        assert ticket["customer"]["emails"] == ["josé@example.org"]
        assert ticket["customer"]["name"] == "José Núñez"
        (entry,) = inbound_entries(ticket)
        assert entry["data"]["from"] == "José Núñez <josé@example.org>"
        assert entry["text"] == "Hello."

    async def test_an_internationalised_address_is_one_customer_however_it_is_written(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        inbox = await desk.inbox(email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        ticket, _reply = await ticket_with_reply(ada, inbox, email="josé@bücher.example")
        admin = await desk.agent(role="admin")
        (sent,) = (await admin.client.get("/api/v1/outbox")).json()
        # Upper case, a decomposed É, and the domain in its ASCII (IDNA) form.
        sender = "JOSE\u0301 <JOSE\u0301@XN--BCHER-KVA.example>".encode()
        raw = message("same-person", sender=sender)
        response = await post_mime(http, raw, to=[sent["headers"]["Reply-To"]])
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["ticket_id"] == ticket["id"]
        assert result["unexpected_sender"] is False
        after = await ticket_of(ada, ticket["id"])
        assert after["customer"]["emails"] == ["josé@bücher.example"]
        (entry,) = inbound_entries(after)
        assert entry["author_customer_id"] == after["customer"]["id"]

    async def test_an_address_in_an_encoded_display_name_is_only_a_name(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """Decoding a header before splitting it would read an address hidden in an encoded
        word as the sender: anyone could write as any customer, and be copied on replies."""
        inbox = await desk.inbox(email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        hanna, _reply = await ticket_with_reply(ada, inbox, email="hanna@example.org")
        raw = message(
            "spoof",
            sender=b"=?utf-8?q?hanna=40example.org=2C?= <attacker@evil.example>",
            head=b"Cc: =?utf-8?q?M=C3=BCller=2C_Hans?= <hans@example.org>, "
            b"=?utf-8?b?aGlkZGVuQGV2aWwuZXhhbXBsZQ==?= <team@example.org>\r\n",
        )
        response = await post_mime(http, raw, to=[SUPPORT])
        assert response.status_code == 200, response.text
        ticket = await ticket_of(ada, response.json()["ticket_id"])
        assert ticket["id"] != hanna["id"]
        assert ticket["customer"]["emails"] == ["attacker@evil.example"]
        assert ticket["customer"]["name"] == "hanna@example.org,"
        assert ticket["cc"] == ["hans@example.org", "team@example.org"]
        (entry,) = inbound_entries(ticket)
        assert entry["data"]["from"] == '"hanna@example.org," <attacker@evil.example>'

    @BOTH_STORES
    async def test_a_sender_that_is_not_utf8_is_stored_as_it_reads(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        raw = message("latin1-envelope")
        code, _text = await asyncio.to_thread(
            send_raw_envelope, listener.port, b"jos\xe9@example.org", SUPPORT.encode(), raw
        )
        assert code == 250
        (record,) = await inbound_records(app)
        assert record.status is InboundStatus.processed
        assert record.envelope_from == "josé@example.org"

    @BOTH_STORES
    async def test_a_recipient_that_is_not_utf8_is_no_mailbox_here(
        self, desk: Desk, listener: InboundListener
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        code, text = await asyncio.to_thread(
            send_raw_envelope, listener.port, CUSTOMER.encode(), b"supp\xf6rt@shop.test", b""
        )
        assert (code, text) == (550, "5.1.1 <suppört@shop.test>: no such mailbox here".encode())


class TestLongLines:
    async def test_lines_over_1000_octets_are_taken(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk)
        reply_to = sent["headers"]["Reply-To"]
        line = "All in one line. " * 500  # 8,500 octets: HTML or a script's output does this
        raw = message("long-line", body=line.encode()).replace(SUPPORT.encode(), reply_to.encode())
        assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["text"] == line.strip()

    async def test_a_line_over_1_mb_is_refused_with_the_limit_and_recorded(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        raw = message("huge-line", body=b"x" * (ONE_MB + 10))
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await send_to_listener(listener.port, raw, recipients=[SUPPORT])
        assert refused.value.smtp_code == 500
        assert b"longer than 1 MB" in refused.value.smtp_error
        (record,) = await inbound_records(app)
        assert record.status is InboundStatus.rejected
        assert record.envelope_to == [SUPPORT]
        assert "longer than 1 MB" in (record.error or "")


class TestNul:
    async def test_nul_in_the_text_is_dropped_and_the_mail_stored(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        # PostgreSQL stores no NUL in text: this once failed the batch and the sender retried.
        ada, _inbox, ticket, sent = await answered_ticket(desk)
        reply_to = sent["headers"]["Reply-To"]
        raw = (
            f"From: Cora =?utf-8?q?C=00ustomer?= <{CUSTOMER}>\r\nTo: {reply_to}\r\n"
            "Subject: =?utf-8?q?Re=00ply?=\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<p>Thanks\x00 a lot.</p>\r\n"
        ).encode()
        assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["text"] == "Thanks a lot."
        assert entry["html"] == "<p>Thanks a lot.</p>"
        assert entry["data"]["subject"] == "Reply"
        assert entry["data"]["from"] == f"Cora Customer <{CUSTOMER}>"
        (record,) = await inbound_records(app)
        assert record.raw == raw
