"""A customer made by their first email joins the organisation of their address's domain
(docs/desk.md, "Organisations"): mail through our SMTP listener, as a customer's server sends
it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from frontdesk.mail.listener import InboundListener
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import SUPPORT, send_to_listener

pytestmark = SQLITE_ONLY


def first_mail(sender: str, subject: str) -> bytes:
    return (
        f"From: Someone <{sender}>\r\n"
        f"To: {SUPPORT}\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@mail.example>\r\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Our anvils keep falling.\r\n"
    ).encode()


async def test_a_new_senders_customer_joins_by_domain(
    app: FastAPI, desk: Desk, listener: InboundListener
) -> None:
    await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin")
    made = await admin.client.post(
        "/api/v1/organisations", json={"name": "Acme", "domains": ["acme.example"]}
    )
    assert made.status_code == 201, made.text
    acme: dict[str, Any] = made.json()
    for sender, subject in (("Wile@Acme.example", "Anvils"), ("road@runner.example", "Meep")):
        sent = await send_to_listener(
            listener.port, first_mail(sender, subject), sender=sender, recipients=[SUPPORT]
        )
        assert sent == {}
    customers = (await admin.client.get("/api/v1/customers")).json()["items"]
    by_address = {c["emails"][0]: c["organisation"] for c in customers}
    assert by_address == {
        "wile@acme.example": {"id": acme["id"], "name": "Acme"},
        "road@runner.example": None,
    }
    listed = (await admin.client.get(f"/api/v1/organisations/{acme['id']}/tickets")).json()
    assert [ticket["subject"] for ticket in listed["items"]] == ["Anvils"]
