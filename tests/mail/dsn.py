"""Delivery status notifications (RFC 3464) as real servers write them, about a message we sent:
Postfix's bounce and its delay warning, Exchange Online's non-delivery report, and Sendmail's
report for a message that reached some recipients and failed for others; and any of them with
its machine part transfer-encoded on the way."""

from __future__ import annotations

import base64
import quopri
from dataclasses import dataclass
from email import message_from_bytes, policy

SUPPORT = "support@shop.test"


@dataclass(frozen=True)
class Recipient:
    address: str
    action: str
    status: str
    diagnostic: str = ""


def _headers_of(original: bytes) -> str:
    """The header section of the message we sent, as a DSN quotes it."""
    head, _, _ = original.replace(b"\r\n", b"\n").partition(b"\n\n")
    return head.decode("ascii", "replace").replace("\n", "\r\n") + "\r\n"


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def postfix_bounce(original: bytes, recipients: list[Recipient]) -> bytes:
    """What Postfix's bounce daemon writes for recipients it gave up on (or, with every
    recipient `delayed`, its "still being retried" warning)."""
    delayed = all(recipient.action == "delayed" for recipient in recipients)
    subject = (
        "Delayed Mail (still being retried)" if delayed else ("Undelivered Mail Returned to Sender")
    )
    boundary = "4C1A52C0A1.1796119500/mail.example.org"
    lines = "\n".join(
        f"<{recipient.address}>: {recipient.diagnostic or recipient.status}\n"
        for recipient in recipients
    )
    blocks = "".join(
        f"Final-Recipient: rfc822; {recipient.address}\n"
        f"Original-Recipient: rfc822;{recipient.address}\n"
        f"Action: {recipient.action}\n"
        f"Status: {recipient.status}\n"
        "Remote-MTA: dns; mx.example.org\n"
        + (
            "Diagnostic-Code: smtp; "
            + recipient.diagnostic.replace(": ", ":\n    ", 1)  # folded, as Postfix does
            + "\n"
            if recipient.diagnostic
            else ""
        )
        + ("Will-Retry-Until: Tue, 8 Dec 2026 10:00:00 +0000 (UTC)\n" if delayed else "")
        + "\n"
        for recipient in recipients
    )
    text = (
        "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\n"
        f"Subject: {subject}\n"
        f"To: {SUPPORT}\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        f'\tboundary="{boundary}"\n'
        "Content-Transfer-Encoding: 8bit\n"
        f"Message-Id: <20261201100500.{'D' if delayed else 'B'}4C1A52C0A1@mail.example.org>\n"
        "Date: Tue,  1 Dec 2026 10:05:00 +0000 (UTC)\n"
        "\n"
        "This is a MIME-encapsulated message.\n\n"
        f"--{boundary}\n"
        "Content-Description: Notification\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        "This is the mail system at host mail.example.org.\n\n"
        + (
            "####################################################################\n"
            "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
            "####################################################################\n\n"
            "Your message could not be delivered for more than 4 hour(s).\n"
            "It will be retried until it is 5 day(s) old.\n\n"
            if delayed
            else "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients. It's attached below.\n\n"
        )
        + "                   The mail system\n\n"
        + lines
        + f"\n--{boundary}\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mail.example.org\n"
        "X-Postfix-Queue-ID: 4C1A52C0A1\n"
        f"X-Postfix-Sender: rfc822; {SUPPORT}\n"
        "Arrival-Date: Tue,  1 Dec 2026 10:00:00 +0000 (UTC)\n\n" + blocks + f"--{boundary}\n"
        "Content-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    )
    return _crlf(text) + _headers_of(original).encode() + _crlf(f"\n--{boundary}--\n")


def exchange_ndr(original: bytes, recipients: list[Recipient]) -> bytes:
    """Exchange Online's non-delivery report: its text and HTML, the delivery status (no space
    after the address type, the display names in X-Display-Name), and the message itself."""
    sent = message_from_bytes(original, policy=policy.default)
    subject = str(sent["Subject"])
    boundary = "_000_8f1f6e2c5b7d4a5e9c1b2a3d4e5f6a7bAM0PR01MB1234eurprd01pro_"
    inner = "_001_8f1f6e2c5b7d4a5e9c1b2a3d4e5f6a7bAM0PR01MB1234eurprd01pro_"
    names = "\n".join(f"{recipient.address}" for recipient in recipients)
    blocks = "".join(
        f"Final-Recipient: rfc822;{recipient.address}\n"
        f"Action: {recipient.action}\n"
        f"Status: {recipient.status}\n"
        f"Diagnostic-Code: smtp;{recipient.diagnostic}\n"
        f"Remote-MTA: dns;mx.example.org\n"
        f"X-Display-Name: {recipient.address.split('@')[0].title()}\n\n"
        for recipient in recipients
    )
    text = (
        "From: Microsoft Outlook\n <postmaster@shop.onmicrosoft.com>\n"
        f"To: <{SUPPORT}>\n"
        "Date: Tue, 1 Dec 2026 10:05:12 +0000\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        f'\tboundary="{boundary}"\n'
        "Content-Language: en-US\n"
        "Message-ID:\n <4f2d1e0a-77c1-4a3b-9d2e-1f0e2d3c4b5a@"
        "AM0PR01MB1234.eurprd01.prod.outlook.com>\n"
        f"In-Reply-To: {sent['Message-ID']}\n"
        f"References: {sent['Message-ID']}\n"
        "Thread-Topic: " + subject + "\n"
        f"Subject: Undeliverable: {subject}\n"
        "X-MS-Exchange-Message-Is-Ndr:\n"
        "Auto-Submitted: auto-replied\n"
        "X-MS-PublicTrafficType: Email\n"
        "MIME-Version: 1.0\n\n"
        f"--{boundary}\n"
        f'Content-Type: multipart/alternative; differences=Content-Type;\n\tboundary="{inner}"\n\n'
        f"--{inner}\n"
        'Content-Type: text/plain; charset="us-ascii"\n'
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "Your message to the recipients below couldn't be delivered.\n\n"
        f"{names}\n\n"
        "Diagnostic information for administrators:\n"
        "Generating server: AM0PR01MB1234.eurprd01.prod.outlook.com\n\n"
        f"--{inner}\n"
        'Content-Type: text/html; charset="us-ascii"\n'
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "<html><body><p>Your message to the recipients below couldn't be delivered.</p>"
        "</body></html>\n\n"
        f"--{inner}--\n\n"
        f"--{boundary}\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.outlook.com\n"
        "Received-From-MTA: dns;mail.shop.test\n"
        "Arrival-Date: Tue, 1 Dec 2026 10:05:00 +0000\n\n" + blocks + f"--{boundary}\n"
        "Content-Type: message/rfc822\n\n"
    )
    return (
        _crlf(text)
        + original.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        + _crlf(f"\n--{boundary}--\n")
    )


def sendmail_report(original: bytes, recipients: list[Recipient]) -> bytes:
    """Sendmail's "Return receipt" for a message sent with NOTIFY=SUCCESS,FAILURE: one report
    for recipients it delivered to and ones it failed for."""
    boundary = "wBF95B1Y012345.1796119512/mx.example.org"
    blocks = "".join(
        f"Final-Recipient: RFC822; {recipient.address}\n"
        f"Action: {recipient.action}\n"
        f"Status: {recipient.status}\n"
        + (f"Diagnostic-Code: SMTP; {recipient.diagnostic}\n" if recipient.diagnostic else "")
        + "Last-Attempt-Date: Tue, 1 Dec 2026 10:05:12 GMT\n\n"
        for recipient in recipients
    )
    text = (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n"
        f"To: <{SUPPORT}>\n"
        "Date: Tue, 1 Dec 2026 10:05:12 GMT\n"
        "Message-Id: <202612011005.wBF95B1Y012345@mx.example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        f'\tboundary="{boundary}"\n'
        "Subject: Return receipt\n"
        "Auto-Submitted: auto-generated (return-receipt)\n\n"
        "This is a MIME-encapsulated message\n\n"
        f"--{boundary}\n\n"
        "The original message was received at Tue, 1 Dec 2026 10:05:00 GMT\n\n"
        "   ----- The following addresses had successful delivery notifications -----\n"
        "   ----- The following addresses had permanent fatal errors -----\n\n"
        f"--{boundary}\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.org\n"
        "Arrival-Date: Tue, 1 Dec 2026 10:05:00 GMT\n\n" + blocks + f"--{boundary}\n"
        "Content-Type: text/rfc822-headers\n\n"
    )
    return _crlf(text) + _headers_of(original).encode() + _crlf(f"\n--{boundary}--\n")


def encoded_status(report: bytes, encoding: str) -> bytes:
    """The report with its `message/delivery-status` part in base64 or quoted-printable, as it
    arrives after a relay or gateway that re-encodes a message's parts for a 7-bit hop: the
    part's blocks in 76-character encoded lines, the rest of the report as it was."""
    head, separator, rest = report.partition(b"Content-Type: message/delivery-status\r\n\r\n")
    assert separator, "the report has no delivery-status part"
    boundary = head.rsplit(b"\r\n--", 1)[1].split(b"\r\n", 1)[0]
    status, marker, tail = rest.partition(b"--" + boundary)
    if encoding == "base64":
        body = base64.encodebytes(status.rstrip(b"\r\n") + b"\r\n").replace(b"\n", b"\r\n")
    else:
        body = quopri.encodestring(status).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return (
        head
        + b"Content-Type: message/delivery-status\r\n"
        + f"Content-Transfer-Encoding: {encoding}\r\n\r\n".encode()
        + body
        + b"\r\n"
        + marker
        + tail
    )
