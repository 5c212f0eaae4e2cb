"""A mailbox that logs in with OAuth 2.0 keeps working: its access token is renewed with the
refresh token before it runs out and once when the server refuses it, the rotated refresh token
is kept, a refused refresh token shows in the status, and two processes never renew at once.
Real servers on loopback: a token endpoint run by the test (tests/mail/oauth_provider.py),
Dovecot checking each token with it (oauth2 passdb), and an SMTP server taking AUTH XOAUTH2."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.mail import tokens
from frontdesk.mail.fetching import fetch_due_mailboxes
from frontdesk.mail.models import MailboxAccount
from frontdesk.mail.timers import deliver_outbox
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.dovecot import USER, Dovecot, message, running_dovecot
from tests.mail.oauth_provider import CLIENT_ID, CLIENT_SECRET, TokenServer, XOAuthSmtp
from tests.mail.support import free_port, outbox

pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
    SQLITE_ONLY,
]


@pytest.fixture
def provider() -> Iterator[TokenServer]:
    with TokenServer(user=USER) as server:
        yield server


def oauth_body(provider: TokenServer, refresh_token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "token_url": provider.token_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    if refresh_token:
        body["refresh_token"] = refresh_token
    return body


async def connect(
    desk: Desk, provider: TokenServer, *, host: str, port: int, **fields: Any
) -> tuple[Agent, int, str]:
    inbox = await desk.inbox(name="Support", email_address=USER)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    grant = provider.grant()
    response = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/mailbox",
        json={
            "host": host,
            "port": port,
            "security": "plain",
            "username": USER,
            "auth": "xoauth2",
            "oauth": oauth_body(provider, grant),
        }
        | fields,
    )
    assert response.status_code == 200, response.text
    # Write-only: neither secret comes back.
    assert grant not in response.text
    assert CLIENT_SECRET not in response.text
    assert response.json()["oauth"]["client_secret_set"] is True
    return admin, inbox["id"], grant


async def status(admin: Agent, inbox_id: int) -> dict[str, Any]:
    response = await admin.client.get(f"/api/v1/inboxes/{inbox_id}/mailbox")
    assert response.status_code == 200
    return dict(response.json())


def append(server: Dovecot, provider: TokenServer, *raws: bytes) -> None:
    server.deliver(list(raws))


async def fetch(app: FastAPI, settings: Settings, *, minutes: int = 0) -> int:
    later = utcnow() + timedelta(minutes=minutes)
    return await fetch_due_mailboxes(app.state.sessionmaker, settings, now=later)


async def test_the_access_token_is_renewed_and_the_fetch_goes_on(
    app: FastAPI, settings: Settings, desk: Desk, provider: TokenServer
) -> None:
    with running_dovecot(tokeninfo_url=provider.tokeninfo_url) as server:
        admin, inbox_id, grant = await connect(desk, provider, host=server.host, port=server.port)
        before = await status(admin, inbox_id)
        assert before["oauth"]["state"] == "expired"
        assert before["oauth"]["expires_at"] is None

        # First fetch: no access token yet, one is asked for with the refresh token.
        append(server, provider, message(subject="One", body="First."))
        assert await fetch(app, settings) == 1
        assert provider.requests == [("refresh_token", grant, 200)]
        after = await status(admin, inbox_id)
        assert after["oauth"]["state"] == "valid"
        assert after["oauth"]["refreshed_at"] is not None
        assert after["last_error"] is None
        # While it has time left, the token is used as it is.
        append(server, provider, message(subject="Two", body="Second."))
        assert await fetch(app, settings) == 1
        assert provider.refreshes == 1

        # The provider stops taking it before its time: the login is refused, a new token is
        # asked for once (with the refresh token the provider rotated last time), and the
        # fetch goes on.
        provider.expire_access_tokens()
        append(server, provider, message(subject="Three", body="Third."))
        assert await fetch(app, settings) == 1
        assert provider.refreshes == 2
        assert provider.requests[1][1] != grant
        assert provider.requests[1][2] == 200
        assert [valid for _token, valid in provider.checks].count(False) == 1

        # A token that lasts less than the margin (five minutes) is renewed before each use,
        # never sent to be refused.
        provider.lifetime = 60
        provider.expire_access_tokens()
        append(server, provider, message(subject="Four", body="Fourth."))
        assert await fetch(app, settings) == 1
        refused_so_far = [valid for _token, valid in provider.checks].count(False)
        renewals = provider.refreshes
        append(server, provider, message(subject="Five", body="Fifth."))
        assert await fetch(app, settings) == 1
        assert provider.refreshes == renewals + 1
        assert [valid for _token, valid in provider.checks].count(False) == refused_so_far

        # The user withdraws the app's access: the renewal is refused, the status says to
        # connect again, and the provider is not asked again until someone does.
        provider.revoke_grants()
        append(server, provider, message(subject="Six", body="Sixth."))
        assert await fetch(app, settings) == 0
        refused = await status(admin, inbox_id)
        assert refused["oauth"]["state"] == "refused"
        assert "invalid_grant" in refused["oauth"]["error"]
        assert "connect the mailbox again" in refused["last_error"]
        assert refused["failures"] == 1
        asked = provider.refreshes
        assert await fetch(app, settings, minutes=5) == 0
        assert provider.refreshes == asked
        assert (await status(admin, inbox_id))["failures"] == 2

        # Connected again with a new refresh token: the waiting mail is fetched at once.
        body = {k: refused[k] for k in ("host", "port", "security", "username", "auth")}
        response = await admin.client.put(
            f"/api/v1/inboxes/{inbox_id}/mailbox",
            json=body | {"oauth": oauth_body(provider, provider.grant())},
        )
        assert response.status_code == 200, response.text
        assert await fetch(app, settings) == 1
        healed = await status(admin, inbox_id)
        assert healed["oauth"]["state"] == "valid"
        assert healed["oauth"]["error"] is None
        assert healed["last_error"] is None
        assert healed["messages_fetched"] == 6


@BOTH_STORES
async def test_two_processes_renewing_at_once_ask_the_provider_once(
    app: FastAPI, desk: Desk, provider: TokenServer
) -> None:
    provider.delay = 0.5
    _admin, inbox_id, _grant = await connect(desk, provider, host="127.0.0.1", port=free_port())
    async with unit_of_work(app.state.sessionmaker) as session:
        account_id = await session.scalar(
            select(MailboxAccount.id).where(MailboxAccount.inbox_id == inbox_id)
        )
    assert account_id is not None
    first, second = await asyncio.gather(
        tokens.current_token(app.state.sessionmaker, account_id=account_id, owner="process-a"),
        tokens.current_token(app.state.sessionmaker, account_id=account_id, owner="process-b"),
    )
    # One renewal: a second use of the rotated refresh token would have been refused.
    assert provider.refreshes == 1
    assert first == second
    assert provider.check(first.value) == USER
    # The server refused it in both processes: renewed once more, not twice.
    provider.expire_access_tokens()
    third, fourth = await asyncio.gather(
        tokens.current_token(
            app.state.sessionmaker, account_id=account_id, owner="process-a", refused=first
        ),
        tokens.current_token(
            app.state.sessionmaker, account_id=account_id, owner="process-b", refused=second
        ),
    )
    assert provider.refreshes == 2
    assert [status for _grant, _used, status in provider.requests] == [200, 200]
    assert third == fourth != first


@BOTH_STORES
async def test_an_unreachable_token_endpoint_is_retried_with_back_off(
    app: FastAPI, desk: Desk, provider: TokenServer
) -> None:
    admin, inbox_id, _grant = await connect(desk, provider, host="127.0.0.1", port=free_port())
    current = await status(admin, inbox_id)
    body = {k: current[k] for k in ("host", "port", "security", "username", "auth")}
    dead = f"http://127.0.0.1:{free_port()}/token"
    response = await admin.client.put(
        f"/api/v1/inboxes/{inbox_id}/mailbox",
        json=body | {"oauth": oauth_body(provider, None) | {"token_url": dead}},
    )
    assert response.status_code == 200, response.text
    async with unit_of_work(app.state.sessionmaker) as session:
        account_id = await session.scalar(
            select(MailboxAccount.id).where(MailboxAccount.inbox_id == inbox_id)
        )
    assert account_id is not None
    with pytest.raises(tokens.TokenProblem, match="cannot reach the token endpoint"):
        await tokens.current_token(app.state.sessionmaker, account_id=account_id, owner="a")
    failing = (await status(admin, inbox_id))["oauth"]
    assert failing["state"] == "failing"
    assert failing["next_refresh_at"] is not None
    # Within the back-off nothing is asked: the same error at once.
    with pytest.raises(tokens.TokenProblem, match="cannot reach the token endpoint"):
        await tokens.current_token(app.state.sessionmaker, account_id=account_id, owner="a")
    assert provider.refreshes == 0


@BOTH_STORES
async def test_oauth_settings_are_checked(desk: Desk, provider: TokenServer) -> None:
    inbox = await desk.inbox(name="Support", email_address=USER)
    admin = await desk.agent(role="admin")
    url = f"/api/v1/inboxes/{inbox['id']}/mailbox"
    base = {"host": "imap.example.org", "port": 993, "username": USER}

    async def refused(body: dict[str, Any]) -> str:
        response = await admin.client.put(url, json=base | body)
        assert response.status_code == 422, response.text
        return str(response.json()["error"]["fields"][0]["field"])

    grant = oauth_body(provider, provider.grant())
    # A refresh token goes with OAuth, not with a password.
    assert await refused({"auth": "password", "secret": "pw", "oauth": grant}) == "oauth"
    # The refresh token and client secret never cross a network in clear text.
    clear = grant | {"token_url": "http://login.example.org/token"}
    assert await refused({"auth": "xoauth2", "oauth": clear}) == "oauth.token_url"
    # Neither an access token nor a refresh token: nothing to log in with.
    assert await refused({"auth": "xoauth2"}) == "secret"
    no_refresh = oauth_body(provider, None)
    assert await refused({"auth": "xoauth2", "oauth": no_refresh}) == "secret"
    response = await admin.client.put(url, json=base | {"auth": "xoauth2", "oauth": grant})
    assert response.status_code == 200, response.text
    # Saved again without the secrets: the stored ones are kept.
    response = await admin.client.put(url, json=base | {"auth": "xoauth2", "oauth": no_refresh})
    assert response.status_code == 200, response.text
    assert response.json()["oauth"]["client_secret_set"] is True
    # Without `oauth`, the access token is used as saved and the refresh token forgotten.
    response = await admin.client.put(
        url, json=base | {"auth": "xoauth2", "secret": "an-access-token"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["oauth"] is None


async def test_the_providers_smtp_takes_a_renewed_token(
    app: FastAPI, settings: Settings, desk: Desk, provider: TokenServer
) -> None:
    with XOAuthSmtp(provider) as smtp:
        admin, inbox_id, _grant = await connect(
            desk,
            provider,
            host="127.0.0.1",
            port=free_port(),
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security="plain",
            # Only sending is tested here: no IMAP server behind this mailbox.
            enabled=False,
        )
        created = await admin.client.post(
            "/api/v1/tickets",
            json={"inbox_id": inbox_id, "customer": {"email": "dan@example.org"}, "subject": "Q"},
        )
        assert created.status_code == 201, created.text
        ticket_id = created.json()["id"]

        async def reply(text: str) -> None:
            response = await admin.client.post(
                f"/api/v1/tickets/{ticket_id}/replies", json={"text": text}
            )
            assert response.status_code == 201, response.text

        await reply("First answer.")
        assert await deliver_outbox(app.state.sessionmaker, settings) == 1
        assert smtp.logins == [USER]
        assert provider.refreshes == 1
        assert b"First answer." in smtp.received[0][2]

        # The token stops working: refused once, renewed, sent.
        provider.expire_access_tokens()
        await reply("Second answer.")
        assert await deliver_outbox(app.state.sessionmaker, settings) == 1
        assert len(smtp.refused) == 1
        assert provider.refreshes == 2
        assert smtp.logins == [USER, USER]
        assert b"Second answer." in smtp.received[1][2]
        assert sorted(row["state"] for row in await outbox(admin)) == ["sent", "sent"]

        # Access withdrawn: the mail waits in the outbox with the reason, for an admin to see.
        provider.revoke_grants()
        await reply("Third answer.")
        assert await deliver_outbox(app.state.sessionmaker, settings) == 1
        waiting = [row for row in await outbox(admin) if row["state"] == "queued"]
        assert len(waiting) == 1
        assert "connect the mailbox again" in waiting[0]["last_error"]
        assert len(smtp.received) == 2
