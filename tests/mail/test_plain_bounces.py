"""Plain-text bounces (qmail and other servers that send no DSN): the reply we sent goes out over
real SMTP, comes back quoted in a bounce delivered to our listener, and lands on its ticket
marked as a bounce, like a DSN; a customer's own mail that quotes headers is not one."""

from __future__ import annotations

from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    answered_ticket,
    deliver,
    inbound_entries,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)

pytestmark = SQLITE_ONLY


def qmail_bounce(original: bytes, *, subject: str = "failure notice") -> bytes:
    """What qmail-send writes: its own text, then the bounced message under a marker line."""
    copy = original.replace(b"\r\n", b"\n").decode("ascii", "replace")
    text = (
        "Hi. This is the qmail-send program at mx.example.org.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        f"<{CUSTOMER}>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\n" + copy
    )
    head = (
        "From: MAILER-DAEMON@mx.example.org\n"
        f"To: {SUPPORT}\n"
        f"Subject: {subject}\n"
        "Date: Tue, 01 Dec 2026 10:05:00 +0000\n"
        "Message-ID: <20261201100500.4242.qmail@mx.example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n\n"
    )
    return (head + text).replace("\n", "\r\n").encode()


class TestPlainBounces:
    async def test_a_qmail_bounce_lands_on_the_bounced_ticket_marked_as_a_bounce(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        assert await deliver(app, with_smtp(settings, sink)) == 1
        (received,) = sink.received
        assert received.message["Message-ID"] == sent["message_id"]

        refused = await send_to_listener(
            listener.port, qmail_bounce(received.raw), sender="", recipients=[SUPPORT]
        )
        assert refused == {}

        after = await ticket_of(ada, ticket["id"])
        (entry,) = inbound_entries(after)
        assert entry["data"]["bounce"] is True
        assert entry["data"]["auto"] is True
        assert entry["data"]["auto_reason"] == "delivery report"
        assert entry["data"]["matched_by"] == "thread"
        assert "no mailbox here by that name" in entry["text"]
        # Written by the mail server, not by the customer.
        assert entry["author_customer_id"] is None
        assert entry["data"]["from"] == "mailer-daemon@mx.example.org"
        # A bounce is news for the agent, not an answer: the ticket stays closed.
        assert after["state"] == "closed"

    async def test_a_bounce_quoting_no_mail_of_ours_opens_nothing(
        self, desk: Desk, listener: InboundListener
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk, then="close")
        stranger = reply_mail(to="someone@example.net", text="Hello")
        refused = await send_to_listener(
            listener.port, qmail_bounce(stranger), sender="", recipients=[SUPPORT]
        )
        assert refused == {}
        assert inbound_entries(await ticket_of(ada, ticket["id"])) == []
        listed = await ada.client.get("/api/v1/tickets")
        assert [item["id"] for item in listed.json()["items"]] == [ticket["id"]]

    async def test_a_customer_quoting_our_headers_is_no_bounce(
        self, desk: Desk, listener: InboundListener
    ) -> None:
        """A person pasting our mail's headers into a new mail writes to the inbox: it is their
        own new ticket, not a bounce of the old one."""
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        raw = reply_mail(
            to=SUPPORT,
            subject="Your mail looked odd",
            text=f"Here are its headers:\nMessage-ID: {sent['message_id']}\nSubject: x",
        )
        assert await send_to_listener(listener.port, raw, recipients=[SUPPORT]) == {}
        assert inbound_entries(await ticket_of(ada, ticket["id"])) == []
        items = (await ada.client.get("/api/v1/tickets")).json()["items"]
        (new,) = [item for item in items if item["id"] != ticket["id"]]
        (entry,) = inbound_entries(await ticket_of(ada, new["id"]))
        assert "bounce" not in entry["data"]
        assert entry["data"]["auto"] is False

    async def test_a_dsn_is_marked_as_a_bounce_too_and_a_read_receipt_is_not(
        self, desk: Desk, listener: InboundListener
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")

        def report(kind: str, part: str) -> bytes:
            return (
                "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
                f"To: {SUPPORT}\r\nSubject: Report\r\nMIME-Version: 1.0\r\n"
                f"Message-ID: <{kind}@mx.example.org>\r\n"
                f'Content-Type: multipart/report; report-type={kind}; boundary="b1"\r\n\r\n'
                "--b1\r\nContent-Type: text/plain\r\n\r\nAbout your message.\r\n"
                f"--b1\r\nContent-Type: message/{part}\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
                "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                f"From: {SUPPORT}\r\nMessage-ID: {sent['message_id']}\r\n\r\n--b1--\r\n"
            ).encode()

        for raw in (
            report("delivery-status", "delivery-status"),
            report("disposition-notification", "disposition-notification"),
        ):
            assert await send_to_listener(listener.port, raw, recipients=[SUPPORT]) == {}
        dsn, receipt = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert dsn["data"]["bounce"] is True
        assert "bounce" not in receipt["data"]
        assert receipt["data"]["auto"] is True
