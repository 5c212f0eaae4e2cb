"""Inbound mail over real SMTP (our listener) and over HTTP: replies land on the right ticket with
only what the customer wrote, reopen it, and refusals are recorded without stopping anything."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail import inbound as parsing
from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import InboundMessage, InboundStatus
from frontdesk.tickets.models import Ticket
from tests.conftest import Desk
from tests.mail.support import (
    CUSTOMER,
    QUOTED,
    SUPPORT,
    answered_ticket,
    inbound_entries,
    post_mime,
    reply_mail,
    send_to_listener,
    ticket_of,
)
from tests.unit.support import count_rows, error_of


class TestListener:
    async def test_reply_lands_on_its_ticket_reopened_with_only_the_visible_text(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        reply_to = sent["headers"]["Reply-To"]
        raw = reply_mail(
            to=reply_to, text="Thanks, it arrived!" + QUOTED, in_reply_to=sent["message_id"]
        )
        refused = await send_to_listener(listener.port, raw, recipients=[reply_to])
        assert refused == {}

        after = await ticket_of(ada, ticket["id"])
        assert after["state"] == "open"
        (entry,) = inbound_entries(after)
        assert entry["text"] == "Thanks, it arrived!"
        assert "Thanks for your patience" in entry["data"]["quoted"]
        assert entry["data"]["matched_by"] == "reply address"
        assert entry["data"]["auto"] is False
        assert entry["data"]["unexpected_sender"] is False
        assert entry["author_customer_id"] == after["customer"]["id"]
        original = await ada.client.get(
            f"/api/v1/tickets/{ticket['id']}/entries/{entry['id']}/original"
        )
        assert original.status_code == 200
        assert original.content == raw
        outsider = await desk.agent()
        error_of(
            await outsider.client.get(
                f"/api/v1/tickets/{ticket['id']}/entries/{entry['id']}/original"
            ),
            404,
        )

    async def test_unknown_recipients_are_refused_with_550(
        self, desk: Desk, listener: InboundListener
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        raw = reply_mail(to="someone@elsewhere.example", text="Hi")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            await send_to_listener(listener.port, raw, recipients=["someone@elsewhere.example"])
        (code, _message) = refused.value.recipients["someone@elsewhere.example"]
        assert code == 550

    async def test_malformed_mime_is_kept_and_the_listener_goes_on(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk)
        reply_to = sent["headers"]["Reply-To"]
        broken = (
            f"From: {CUSTOMER}\r\nTo: {reply_to}\r\nSubject: broken\r\n"
            'Content-Type: multipart/mixed; boundary="nowhere"\r\n\r\n'
            "no boundary ever appears\r\n"
        ).encode()
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await send_to_listener(listener.port, broken, recipients=[reply_to])
        assert refused.value.smtp_code == 554
        (record,) = await _inbound(app, InboundStatus.failed)
        assert "boundary" in (record.error or "")
        assert record.size == len(broken)

        fine = reply_mail(to=reply_to, text="Second try, all good.")
        assert await send_to_listener(listener.port, fine, recipients=[reply_to]) == {}
        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["text"] == "Second try, all good."

    async def test_oversize_is_refused_with_552_and_recorded(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        _ada, _inbox, _ticket, sent = await answered_ticket(desk)
        reply_to = sent["headers"]["Reply-To"]
        listener_small = listener
        listener_small.max_message_bytes = 2048
        await listener_small.stop()
        await listener_small.start()
        big = reply_mail(to=reply_to, text="x" * 70 + "\n" + ("y" * 70 + "\n") * 100)
        # smtplib announces the size, so the refusal comes at MAIL FROM rather than after DATA.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            await send_to_listener(listener_small.port, big, recipients=[reply_to])
        assert refused.value.smtp_code == 552
        assert b"at most" in refused.value.smtp_error
        # A client that does not announce the size is refused once the data is in.
        with pytest.raises(smtplib.SMTPDataError) as refused_late:
            await asyncio.to_thread(_send_without_size, listener_small.port, big, reply_to)
        assert refused_late.value.smtp_code == 552
        records = await _inbound(app, InboundStatus.rejected)
        assert len(records) == 2
        assert all("too large" in (record.error or "") for record in records)
        assert records[1].envelope_to == [reply_to]

    async def test_only_processes_of_a_postgresql_deployment_share_the_port(
        self, app: FastAPI, settings: Settings, listener: InboundListener
    ) -> None:
        """A second SQLite instance on the machine (another `make run`) must not take half of the
        first one's mail: it cannot bind, and runs without a listener (app.py logs why)."""
        second = InboundListener(
            app.state.sessionmaker, settings, host="127.0.0.1", port=listener.port
        )
        try:
            if settings.is_sqlite:
                with pytest.raises(OSError, match="address already in use"):
                    await second.start()
            else:
                await second.start()
                assert second.port == listener.port
        finally:
            await second.stop()


def _send_without_size(port: int, raw: bytes, recipient: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        client.esmtp_features.pop("size", None)
        client.sendmail(CUSTOMER, [recipient], raw)


class TestHttp:
    async def test_reply_through_the_endpoint(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
        reply_to = sent["headers"]["Reply-To"]
        raw = reply_mail(to=SUPPORT, text="Any news?" + QUOTED)
        response = await post_mime(http, raw, to=[reply_to])
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["status"] == "processed"
        assert result["ticket_id"] == ticket["id"]
        assert result["reopened"] is True
        after = await ticket_of(ada, ticket["id"])
        assert after["state"] == "open"
        assert inbound_entries(after)[0]["text"] == "Any news?"
        # The same message delivered twice is one entry.
        again = await post_mime(http, raw, to=[reply_to])
        assert again.json()["status"] == "ignored"
        assert len(inbound_entries(await ticket_of(ada, ticket["id"]))) == 1

    async def test_token_is_required(self, app: FastAPI, http: httpx.AsyncClient) -> None:
        raw = reply_mail(to=SUPPORT, text="hi")
        error_of(await post_mime(http, raw, token=None), 401)
        error_of(await post_mime(http, raw, token="wrong"), 401)
        error_of(await post_mime(http, raw, content_type="text/html"), 415)
        app.state.settings = app.state.settings.model_copy(update={"inbound_token": None})
        error_of(await post_mime(http, raw), 503, "inbound_not_configured")

    async def test_threading_by_in_reply_to_without_the_reply_address(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk)
        raw = reply_mail(
            to="old-address@shop.test", text="Following up.", in_reply_to=sent["message_id"]
        )
        response = await post_mime(http, raw, to=["support@shop.test"])
        assert response.json()["ticket_id"] == ticket["id"], response.text
        assert response.json()["matched_by"] == "thread"
        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["text"] == "Following up."

    async def test_mail_to_an_inbox_opens_a_new_email_ticket(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        message = EmailMessage()
        message["From"] = "=?iso-8859-1?q?J=F6rg_M=FCller?= <joerg@example.org>"
        message["To"] = "Shop <Support@Shop.Test>"
        message["Subject"] = "=?utf-8?b?UHJvYmzDqG1lIGF2ZWMgbWEgY29tbWFuZGU=?="
        message["Message-ID"] = "<new-1@example.org>"
        message.set_content("Grüße aus Köln".encode("iso-8859-1"), "text", "plain")
        message.replace_header("Content-Type", "text/plain; charset=iso-8859-1")
        message.add_attachment(b"%PDF-1.4 fake", "application", "pdf", filename="invoice.pdf")
        message.add_attachment(b"<p>hello</p>", "text", "html", filename="../../page.html")
        response = await post_mime(http, message.as_bytes())
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["created_ticket"] is True
        ticket = await ticket_of(ada, result["ticket_id"])
        assert ticket["type"] == "email"
        assert ticket["subject"] == "Problème avec ma commande"
        assert ticket["customer"]["emails"] == ["joerg@example.org"]
        assert ticket["customer"]["name"] == "Jörg Müller"
        (entry,) = inbound_entries(ticket)
        assert entry["text"] == "Grüße aus Köln"
        names = [item["filename"] for item in entry["data"]["attachments"]]
        assert names == ["invoice.pdf", "page.html"]
        first = entry["data"]["attachments"][0]
        download = await ada.client.get(f"/api/v1/tickets/{ticket['id']}/attachments/{first['id']}")
        assert download.status_code == 200
        assert download.content == b"%PDF-1.4 fake"
        assert download.headers["content-disposition"].startswith("attachment;")

    async def test_a_long_attachment_name_is_shortened_and_keeps_its_extension(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        message = EmailMessage()
        message["From"] = "joerg@example.org"
        message["To"] = SUPPORT
        message["Subject"] = "The contract"
        message["Message-ID"] = "<long-name@example.org>"
        message.set_content("Attached.")
        long_name = "Vertrag " + "mit allen Anlagen " * 20 + "unterschrieben.tar.gz"
        message.add_attachment(b"\x1f\x8b fake", "application", "gzip", filename=long_name)
        entry = await the_one_entry(http, ada, message.as_bytes())
        (attachment,) = entry["data"]["attachments"]
        assert 190 < len(attachment["filename"]) <= 200
        assert attachment["filename"].startswith("Vertrag mit allen Anlagen")
        assert attachment["filename"].endswith("….tar.gz")

    async def test_attachment_names_in_8_bit_or_with_a_slash_are_kept_whole(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """An older mail program writes a name's bytes raw (Latin-1); a name may hold a "/"
        that is not a path. Neither may lose a letter, nor what came before the slash."""
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        raw = (
            b"From: joerg@example.org\r\nTo: " + SUPPORT.encode() + b"\r\n"
            b"Subject: Files\r\nMessage-ID: <names@example.org>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=BB\r\n\r\n"
            b"--BB\r\nContent-Type: text/plain\r\n\r\nTwo files.\r\n"
            b"--BB\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;"
            b' filename="caf\xe9.txt"\r\n\r\nmenu\r\n'
            b"--BB\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;"
            b' filename="=?ISO-8859-1?Q?Q1/Q2_r=E9sum=E9.txt?="\r\n\r\nfigures\r\n'
            b"--BB\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;"
            b' filename="C:\\Users\\ada\\notes.txt"\r\n\r\nnotes\r\n--BB--\r\n'
        )
        entry = await the_one_entry(http, ada, raw)
        names = [item["filename"] for item in entry["data"]["attachments"]]
        assert names == ["café.txt", "Q1_Q2 résumé.txt", "notes.txt"]

    async def test_html_only_mail_is_read_and_sanitised(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        inbox = await desk.inbox(email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        message = EmailMessage()
        message["From"] = CUSTOMER
        message["To"] = SUPPORT
        message["Subject"] = "html"
        message.set_content(
            "<p>Hello <b>there</b><script>alert(1)</script></p>"
            '<a href="javascript:alert(1)" onclick="x()">link</a>',
            subtype="html",
        )
        result = (await post_mime(http, message.as_bytes())).json()
        (entry,) = inbound_entries(await ticket_of(ada, result["ticket_id"]))
        assert "Hello there" in entry["text"]
        assert "<b>there</b>" in entry["html"]
        assert "script" not in entry["html"]
        assert "javascript" not in entry["html"]
        assert "onclick" not in entry["html"]

    async def test_mail_from_our_own_address_opens_no_ticket(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """Its ticket's replies would go to ourselves and be dropped as our own mail coming
        back: nobody would ever read them."""
        ada, _inbox, _ticket, sent = await answered_ticket(desk)
        for sender in (SUPPORT, sent["headers"]["Reply-To"]):
            raw = reply_mail(to=SUPPORT, text="Loop?", sender=sender, subject="Ours")
            result = (await post_mime(http, raw, to=[SUPPORT])).json()
            assert result["status"] == "ignored"
            assert "our own addresses" in result["reason"]
        listed = (await ada.client.get("/api/v1/tickets", params={"q": "Ours"})).json()
        assert listed["items"] == []
        assert await count_rows(app, Ticket, Ticket.subject == "Ours") == 0

    async def test_a_blank_text_part_beside_the_html_is_read_from_the_html(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        inbox = await desk.inbox(email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        message = EmailMessage()
        message["From"] = CUSTOMER
        message["To"] = SUPPORT
        message["Subject"] = "empty text"
        message.set_content(" \n")
        message.add_alternative("<p>My invoice 4711 is wrong.</p>", subtype="html")
        result = (await post_mime(http, message.as_bytes())).json()
        (entry,) = inbound_entries(await ticket_of(ada, result["ticket_id"]))
        assert entry["text"] == "My invoice 4711 is wrong."

    @pytest.mark.parametrize(
        "headers",
        [
            {"Auto-Submitted": "auto-replied"},
            {"Precedence": "bulk"},
            {"X-Autoreply": "yes"},
        ],
    )
    async def test_auto_replies_are_recorded_but_do_not_reopen(
        self, http: httpx.AsyncClient, desk: Desk, headers: dict[str, str]
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        raw = reply_mail(
            to=sent["headers"]["Reply-To"], text="I am out of the office.", headers=headers
        )
        result = (await post_mime(http, raw)).json()
        assert result["auto"] is True
        assert result["reopened"] is False
        after = await ticket_of(ada, ticket["id"])
        assert after["state"] == "closed"
        (entry,) = inbound_entries(after)
        assert entry["data"]["auto"] is True

    async def test_bounce_finds_its_ticket_by_the_reported_message(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        report = (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
            f"To: {SUPPORT}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
            "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; "
            f"{CUSTOMER}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
            "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"From: {SUPPORT}\r\nMessage-ID: {sent['message_id']}\r\nSubject: x\r\n\r\n"
            "--b1--\r\n"
        ).encode()
        result = (await post_mime(http, report, to=[SUPPORT])).json()
        assert result["ticket_id"] == ticket["id"], result
        assert result["auto"] is True
        assert result["reopened"] is False
        assert (await ticket_of(ada, ticket["id"]))["state"] == "closed"

    async def test_auto_reply_matching_nothing_opens_no_ticket(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        raw = reply_mail(
            to=SUPPORT, text="Out of office", headers={"Auto-Submitted": "auto-replied"}
        )
        result = (await post_mime(http, raw)).json()
        assert result["status"] == "ignored"
        assert await count_rows(app, Ticket) == 0

    async def test_unexpected_sender_is_accepted_but_marked(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk)
        raw = reply_mail(
            to=sent["headers"]["Reply-To"], text="I am her colleague.", sender="eve@example.net"
        )
        result = (await post_mime(http, raw)).json()
        assert result["ticket_id"] == ticket["id"]
        assert result["unexpected_sender"] is True
        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["data"]["unexpected_sender"] is True
        assert entry["author_customer_id"] is None
        assert entry["data"]["from_address"] == "eve@example.net"

    async def test_forged_reply_token_opens_nothing(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        _ada, _inbox, ticket, _sent = await answered_ticket(desk)
        forged = f"reply+{ticket['id']}.00000000000000000000@desk.test"
        response = await post_mime(http, reply_mail(to=forged, text="let me in"))
        error_of(response, 422, "unroutable")
        (record,) = await _inbound(app, InboundStatus.rejected)
        assert record.ticket_id is None

    async def test_malformed_answers_422_and_keeps_the_raw(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        raw = b"\x00\xff this is not an email at all"
        error = error_of(await post_mime(http, raw, to=[SUPPORT]), 422, "malformed_message")
        assert "From" in error["message"]
        admin = await desk.agent(role="admin")
        (listed,) = (await admin.client.get("/api/v1/inbound", params={"status": "failed"})).json()
        kept = await admin.client.get(f"/api/v1/inbound/{listed['id']}/raw")
        assert kept.content == raw

    async def test_oversize_answers_413_and_is_recorded(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _ada, _inbox, _ticket, sent = await answered_ticket(desk)
        monkeypatch.setattr(parsing, "MAX_MESSAGE_BYTES", 4096)
        big = reply_mail(to=sent["headers"]["Reply-To"], text=("z" * 70 + "\n") * 100)
        error_of(await post_mime(http, big), 413, "message_too_large")
        monkeypatch.setattr(parsing, "MAX_MESSAGE_BYTES", 10_000_000)
        monkeypatch.setattr(parsing, "MAX_ATTACHMENT_BYTES", 1000)
        message = EmailMessage()
        message["From"] = CUSTOMER
        message["To"] = sent["headers"]["Reply-To"]
        message["Subject"] = "files"
        message.set_content("see attached")
        message.add_attachment(b"\x01" * 5000, "application", "octet-stream", filename="a.bin")
        error_of(await post_mime(http, message.as_bytes()), 413, "message_too_large")
        records = await _inbound(app, InboundStatus.rejected)
        assert len(records) == 2


async def the_one_entry(http: httpx.AsyncClient, agent: Any, raw: bytes) -> dict[str, Any]:
    """The mail received, as the only received entry of the new ticket it opened."""
    response = await post_mime(http, raw)
    assert response.status_code == 200, response.text
    (entry,) = inbound_entries(await ticket_of(agent, response.json()["ticket_id"]))
    return entry


async def _inbound(app: FastAPI, status: InboundStatus) -> list[InboundMessage]:
    from sqlalchemy import select

    async with app.state.sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    select(InboundMessage)
                    .where(InboundMessage.status == status)
                    .order_by(InboundMessage.id)
                )
            ).all()
        )
