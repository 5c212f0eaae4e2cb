"""Visible text end to end: replies sent to our SMTP listener land on the ticket with only what
the customer wrote, for the shapes that need more than the body's lines: format=flowed parts
(RFC 3676) and our own message pasted under the reply without any marker."""

from __future__ import annotations

from email.utils import make_msgid

from frontdesk.mail.listener import InboundListener
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    answered_ticket,
    inbound_entries,
    reply_mail,
    send_to_listener,
    ticket_of,
)

pytestmark = SQLITE_ONLY


def _flowed_mail(*, to: str, in_reply_to: str, body: str, delsp: bool) -> bytes:
    head = (
        f"From: Cora Customer <{CUSTOMER}>\r\nTo: {to}\r\nSubject: Re: Where is my parcel?\r\n"
        f"Message-ID: {make_msgid(domain='example.org')}\r\nIn-Reply-To: {in_reply_to}\r\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8; format=flowed"
        + ("; delsp=yes" if delsp else "")
        + "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return (head + body.replace("\n", "\r\n")).encode("utf-8")


async def test_soft_breaks_are_joined_and_delsp_respected(
    desk: Desk, listener: InboundListener
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
    reply_to = sent["headers"]["Reply-To"]
    body = (
        "Could you send it to my office instead? The address is \n"
        "Hauptstrasse 5, Berlin, and the door \n"
        "code is 4711.\n"
        "\n"
        "Cora\n"
        "\n"
        "On Tue, Dec 1, 2026 at 9:12 AM Ada <support@shop.test> wrote:\n"
        "> It left the warehouse today. \n"
        "> Tracking follows.\n"
    )
    raw = _flowed_mail(to=reply_to, in_reply_to=sent["message_id"], body=body, delsp=False)
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
    # DelSp: the space before each break is the sender's, so a space that is content doubles
    # and a word may be broken in two.
    delsp_body = body.replace(" \n", "  \n").replace("Hauptstrasse", "Haupt \nstrasse")
    raw = _flowed_mail(to=reply_to, in_reply_to=sent["message_id"], body=delsp_body, delsp=True)
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}

    first, second = inbound_entries(await ticket_of(ada, ticket["id"]))
    expected = (
        "Could you send it to my office instead? The address is Hauptstrasse 5, Berlin, "
        "and the door code is 4711.\n\nCora"
    )
    assert first["text"] == expected
    assert second["text"] == expected
    assert "It left the warehouse today. Tracking follows." in first["data"]["quoted"]


async def test_our_reply_pasted_without_a_marker_is_cut(
    desk: Desk, listener: InboundListener
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
    reply_to = sent["headers"]["Reply-To"]
    # What Ada sent ("It left the warehouse today.\nTracking follows."), pasted by the
    # customer's client under the reply with no attribution, no header and no '>'.
    text = (
        "Great, I will watch for it.\n\nCora\n\nIt left the warehouse today.\nTracking follows.\n"
    )
    raw = reply_mail(to=reply_to, text=text, in_reply_to=sent["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}

    (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
    assert entry["text"] == "Great, I will watch for it.\n\nCora"
    assert entry["data"]["quoted"] == "It left the warehouse today.\nTracking follows."


async def test_text_we_never_sent_is_kept(desk: Desk, listener: InboundListener) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
    reply_to = sent["headers"]["Reply-To"]
    text = "Great, I will watch for it.\n\nIt left the depot in Leeds today, the driver said.\n"
    raw = reply_mail(to=reply_to, text=text, in_reply_to=sent["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}

    (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
    assert entry["text"] == text.strip()
