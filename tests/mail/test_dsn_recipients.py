"""A delivery report names every recipient it is about: a reply that went to the customer with
two people copied goes out over real SMTP, and the reports Postfix, Exchange and Sendmail write
about it come back (through our listener or the MIME endpoint). Every per-recipient block
counts: each failed recipient is listed on the bounce, and a report that only says "delayed" or
"delivered" is no bounce."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.dsn import (
    Recipient,
    encoded_status,
    exchange_ndr,
    postfix_bounce,
    sendmail_report,
)
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    deliver,
    inbound_entries,
    post_mime,
    send_to_listener,
    ticket_of,
    with_smtp,
)

pytestmark = SQLITE_ONLY

BOSS = "boss@example.org"
COLLEAGUE = "colleague@example.net"


async def copied_reply(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
) -> tuple[Any, dict[str, Any], bytes]:
    """A closed ticket whose reply went to the customer with two people copied, and that reply
    as it left over SMTP."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": CUSTOMER, "name": "Cora Customer"},
            "subject": "Where is my parcel?",
        },
    )
    assert created.status_code == 201, created.text
    ticket = created.json()
    reply = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "It left the warehouse today.", "cc": [BOSS, COLLEAGUE], "then": "close"},
    )
    assert reply.status_code == 201, reply.text
    assert await deliver(app, with_smtp(settings, sink)) == 1
    (sent,) = sink.received
    assert sorted(sent.rcpt_tos) == sorted([CUSTOMER, BOSS, COLLEAGUE])
    return ada, ticket, sent.raw


def outcomes(entry: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    return [
        (item["recipient"], item["action"], item["status"], item["failed"])
        for item in entry["data"]["delivery_status"]
    ]


class TestDeliveryReports:
    async def test_a_postfix_bounce_for_the_customer_and_a_copy_lists_both(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        ada, ticket, sent = await copied_reply(app, settings, desk, sink)
        report = postfix_bounce(
            sent,
            [
                Recipient(
                    CUSTOMER,
                    "failed",
                    "5.1.1",
                    f"550 5.1.1 <{CUSTOMER}>: Recipient address rejected: User unknown in "
                    "virtual mailbox table",
                ),
                Recipient(BOSS, "failed", "5.2.2", "552 5.2.2 Mailbox full"),
            ],
        )
        assert await send_to_listener(listener.port, report, sender="", recipients=[SUPPORT]) == {}

        after = await ticket_of(ada, ticket["id"])
        (entry,) = inbound_entries(after)
        assert entry["data"]["bounce"] is True
        assert entry["data"]["matched_by"] == "thread"
        assert outcomes(entry) == [
            (CUSTOMER, "failed", "5.1.1", True),
            (BOSS, "failed", "5.2.2", True),
        ]
        # The diagnostic reads as one line, however the server folded it.
        assert entry["data"]["delivery_status"][0]["diagnostic"] == (
            f"550 5.1.1 <{CUSTOMER}>: Recipient address rejected: User unknown in virtual "
            "mailbox table"
        )
        assert after["state"] == "closed"
        # The report's own part is kept whole, every recipient's block in it.
        (status_part,) = [
            item
            for item in entry["data"]["attachments"]
            if item["content_type"] == "message/delivery-status"
        ]
        kept = await ada.client.get(
            f"/api/v1/tickets/{ticket['id']}/attachments/{status_part['id']}"
        )
        assert kept.status_code == 200
        # Named for what they hold, so that a download opens as text.
        assert status_part["filename"] == "delivery-status.txt"
        assert "returned-headers.txt" in [item["filename"] for item in entry["data"]["attachments"]]
        assert f"Final-Recipient: rfc822; {CUSTOMER}".encode() in kept.content
        assert f"Final-Recipient: rfc822; {BOSS}".encode() in kept.content

    async def test_a_delay_warning_is_no_bounce_and_leaves_the_ticket_alone(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        ada, ticket, sent = await copied_reply(app, settings, desk, sink)
        warning = postfix_bounce(
            sent,
            [
                Recipient(
                    COLLEAGUE,
                    "delayed",
                    "4.4.1",
                    "connect to mx.example.net[198.51.100.7]:25: Connection timed out",
                )
            ],
        )
        assert await send_to_listener(listener.port, warning, sender="", recipients=[SUPPORT]) == {}

        after = await ticket_of(ada, ticket["id"])
        (entry,) = inbound_entries(after)
        assert "bounce" not in entry["data"]
        assert entry["data"]["auto"] is True
        assert outcomes(entry) == [(COLLEAGUE, "delayed", "4.4.1", False)]
        # The mail server's words, not the customer's.
        assert entry["author_customer_id"] is None
        assert after["state"] == "closed"

    async def test_an_exchange_report_for_two_copied_people(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        http: httpx.AsyncClient,
    ) -> None:
        ada, ticket, sent = await copied_reply(app, settings, desk, sink)
        report = exchange_ndr(
            sent,
            [
                Recipient(
                    BOSS,
                    "failed",
                    "5.1.10",
                    "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP "
                    "address lookup",
                ),
                Recipient(
                    COLLEAGUE,
                    "failed",
                    "5.4.1",
                    "550 5.4.1 Recipient address rejected: Access denied.",
                ),
            ],
        )
        result = (await post_mime(http, report, to=[SUPPORT])).json()
        assert result["ticket_id"] == ticket["id"], result
        assert result["auto"] is True
        assert result["reopened"] is False

        after = await ticket_of(ada, ticket["id"])
        (entry,) = inbound_entries(after)
        assert entry["data"]["bounce"] is True
        assert entry["author_customer_id"] is None
        assert outcomes(entry) == [
            (BOSS, "failed", "5.1.10", True),
            (COLLEAGUE, "failed", "5.4.1", True),
        ]
        assert entry["data"]["delivery_status"][1]["diagnostic"] == (
            "550 5.4.1 Recipient address rejected: Access denied."
        )
        assert "couldn't be delivered" in entry["text"]

    async def test_a_report_of_some_delivered_and_one_failed_is_a_bounce_for_that_one(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        ada, ticket, sent = await copied_reply(app, settings, desk, sink)
        report = sendmail_report(
            sent,
            [
                Recipient(CUSTOMER, "delivered", "2.0.0"),
                Recipient(BOSS, "relayed", "2.0.0"),
                Recipient(COLLEAGUE, "failed", "5.1.1", "550 5.1.1 No such user"),
            ],
        )
        assert await send_to_listener(listener.port, report, sender="", recipients=[SUPPORT]) == {}

        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["data"]["bounce"] is True
        assert outcomes(entry) == [
            (CUSTOMER, "delivered", "2.0.0", False),
            (BOSS, "relayed", "2.0.0", False),
            (COLLEAGUE, "failed", "5.1.1", True),
        ]

    async def test_a_report_that_every_recipient_got_it_is_no_bounce(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        ada, ticket, sent = await copied_reply(app, settings, desk, sink)
        report = sendmail_report(
            sent, [Recipient(CUSTOMER, "delivered", "2.0.0"), Recipient(BOSS, "delivered", "2.0.0")]
        )
        assert await send_to_listener(listener.port, report, sender="", recipients=[SUPPORT]) == {}

        after = await ticket_of(ada, ticket["id"])
        (entry,) = inbound_entries(after)
        assert "bounce" not in entry["data"]
        assert entry["data"]["auto"] is True
        assert [item["failed"] for item in entry["data"]["delivery_status"]] == [False, False]
        assert after["state"] == "closed"


class TestEncodedDeliveryStatus:
    """A relay may re-encode the report's machine part in base64 or quoted-printable; its
    blocks are read all the same."""

    async def test_a_base64_bounce_lists_each_recipient(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        ada, ticket, sent = await copied_reply(app, settings, desk, sink)
        report = encoded_status(
            postfix_bounce(
                sent,
                [
                    Recipient(CUSTOMER, "failed", "5.1.1", "550 5.1.1 <cora>: User unknown"),
                    Recipient(BOSS, "failed", "5.2.2", "552 5.2.2 Mailbox full"),
                ],
            ),
            "base64",
        )
        assert b"Content-Transfer-Encoding: base64" in report
        assert b"Final-Recipient" not in report.split(b"message/delivery-status")[1][:2000]
        assert await send_to_listener(listener.port, report, sender="", recipients=[SUPPORT]) == {}

        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["data"]["bounce"] is True
        assert outcomes(entry) == [
            (CUSTOMER, "failed", "5.1.1", True),
            (BOSS, "failed", "5.2.2", True),
        ]
        assert entry["data"]["delivery_status"][1]["diagnostic"] == "552 5.2.2 Mailbox full"
        # The part kept for download is the report's text, not its encoding.
        (status_part,) = [
            item
            for item in entry["data"]["attachments"]
            if item["content_type"] == "message/delivery-status"
        ]
        kept = await ada.client.get(
            f"/api/v1/tickets/{ticket['id']}/attachments/{status_part['id']}"
        )
        assert f"Final-Recipient: rfc822; {BOSS}".encode() in kept.content

    async def test_a_base64_delay_warning_is_no_bounce(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: httpx.AsyncClient
    ) -> None:
        """Unread, the report was taken for the failure nearly every report is."""
        ada, ticket, sent = await copied_reply(app, settings, desk, sink)
        warning = encoded_status(
            postfix_bounce(
                sent, [Recipient(COLLEAGUE, "delayed", "4.4.1", "Connection timed out")]
            ),
            "base64",
        )
        response = await post_mime(http, warning, to=[SUPPORT])
        assert response.status_code == 200, response.text

        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert "bounce" not in entry["data"]
        assert outcomes(entry) == [(COLLEAGUE, "delayed", "4.4.1", False)]

    async def test_a_quoted_printable_report_with_a_long_diagnostic(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: httpx.AsyncClient
    ) -> None:
        ada, ticket, sent = await copied_reply(app, settings, desk, sink)
        diagnostic = (
            f"550 5.1.1 <{BOSS}>: Recipient address rejected: User unknown in virtual mailbox "
            "table; the address is no longer in use at this organisation"
        )
        report = encoded_status(
            postfix_bounce(sent, [Recipient(BOSS, "failed", "5.1.1", diagnostic)]),
            "quoted-printable",
        )
        response = await post_mime(http, report, to=[SUPPORT])
        assert response.status_code == 200, response.text

        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert outcomes(entry) == [(BOSS, "failed", "5.1.1", True)]
        assert entry["data"]["delivery_status"][0]["diagnostic"] == diagnostic
