"""An inbox that fetches its provider's mailbox also sends through the provider's SMTP server with
the same user name and password: a real aiosmtpd server on loopback that insists on them."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.fetching import fetch_due_mailboxes
from frontdesk.mail.timers import deliver_outbox
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.dovecot import Dovecot, message
from tests.mail.support import free_port, inbound_entries, outbox, ticket_of

# A loopback test server: AUTH without TLS is the point here, not a risk.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
    SQLITE_ONLY,
]


class ProviderSmtp:
    """A provider's submission server: mail only after AUTH with the mailbox's credentials."""

    def __init__(self, username: str, password: str) -> None:
        self.port = free_port()
        self.credentials = (username.encode(), password.encode())
        self.logins: list[str] = []
        self.received: list[tuple[str, list[str], bytes]] = []
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=False,
        )

    def _authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: object
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == self.credentials
        if ok and isinstance(data, LoginPassword):
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        self.received.append(
            (
                str(envelope.mail_from),
                [str(r) for r in envelope.rcpt_tos],
                bytes(envelope.original_content or b""),
            )
        )
        return "250 OK"

    def __enter__(self) -> ProviderSmtp:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()


async def test_replies_go_out_through_the_providers_smtp_with_the_mailbox_login(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    inbox = await desk.inbox(name="Support", email_address=dovecot.user)
    other = await desk.inbox(name="Sales", email_address="sales@shop.test")
    admin = await desk.agent(role="admin", inboxes=[inbox, other])
    with ProviderSmtp(dovecot.user, dovecot.password) as provider:
        response = await admin.client.put(
            f"/api/v1/inboxes/{inbox['id']}/mailbox",
            json={
                "host": dovecot.host,
                "port": dovecot.port,
                "security": "plain",
                "username": dovecot.user,
                "secret": dovecot.password,
                "smtp_host": "127.0.0.1",
                "smtp_port": provider.port,
                "smtp_security": "plain",
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["smtp_port"] == provider.port
        dovecot.deliver([message(subject="Broken zip", body="It sticks.")])
        assert await fetch_due_mailboxes(app.state.sessionmaker, settings) == 1
        tickets = (await admin.client.get("/api/v1/tickets")).json()
        ticket = next(item for item in tickets["items"] if item["inbox_id"] == inbox["id"])
        assert inbound_entries(await ticket_of(admin, ticket["id"]))
        reply = await admin.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "A new one is on its way."}
        )
        assert reply.status_code == 201, reply.text
        # Another inbox's mail, with no FRONTDESK_SMTP_URL, stays queued (the mail viewer).
        created = await admin.client.post(
            "/api/v1/tickets",
            json={
                "inbox_id": other["id"],
                "customer": {"email": "dan@example.org"},
                "subject": "Quote",
            },
        )
        assert created.status_code == 201, created.text
        sales = await admin.client.post(
            f"/api/v1/tickets/{created.json()['id']}/replies", json={"text": "Here it is."}
        )
        assert sales.status_code == 201, sales.text

        assert settings.smtp_url is None
        assert await deliver_outbox(app.state.sessionmaker, settings) == 1
        assert provider.logins == [dovecot.user]
        ((mail_from, rcpt_tos, raw),) = provider.received
        assert mail_from == dovecot.user
        assert rcpt_tos == ["cora@example.org"]
        assert b"A new one is on its way." in raw
        states = sorted(row["state"] for row in await outbox(admin))
        assert states == ["queued", "sent"]


async def test_clear_text_to_a_server_elsewhere_is_refused(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox(name="Support", email_address="support@shop.test")
    admin = await desk.agent(role="admin")
    url = f"/api/v1/inboxes/{inbox['id']}/mailbox"
    body = {"host": "imap.example.org", "port": 143, "username": "u", "secret": "p"}
    response = await admin.client.put(url, json=body | {"security": "plain"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "security"
    response = await admin.client.put(
        url,
        json=body
        | {"security": "starttls", "smtp_host": "smtp.example.org", "smtp_security": "plain"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "smtp_security"
    response = await admin.client.put(
        url, json=body | {"security": "starttls", "smtp_host": "smtp.example.org"}
    )
    assert response.status_code == 200
    assert response.json()["smtp_port"] == 587
