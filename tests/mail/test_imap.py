"""Fetching an inbox's mailbox over IMAP, against a real Dovecot on loopback: mail appended to the
mailbox lands on the right ticket once, whatever restarts, second processes or server restarts
happen in between, and what goes wrong is shown in the inbox's mailbox status."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import json
import threading
from datetime import timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.mail import fetching, receiving
from frontdesk.mail.fetching import fetch_due_mailboxes
from frontdesk.mail.imap import MailboxLogin
from frontdesk.mail.models import InboundMessage, InboundStatus, MailboxAccount
from frontdesk.tickets.models import Ticket
from tests.conftest import Desk
from tests.mail.dovecot import USER, Dovecot, message, running_dovecot
from tests.mail.support import inbound_entries, ticket_of
from tests.realtime import serve_in_thread


def client(server: Dovecot) -> imaplib.IMAP4:
    imap = imaplib.IMAP4(server.host, server.port)
    imap.login(server.user, server.password)
    imap.select("INBOX")
    return imap


def append(server: Dovecot, *raws: bytes) -> None:
    imap = client(server)
    for raw in raws:
        status, _ = imap.append("INBOX", None, None, raw)
        assert status == "OK"
    imap.logout()


async def connect_mailbox(desk: Desk, server: Dovecot, **fields: Any) -> tuple[Any, int]:
    inbox = await desk.inbox(name="Support", email_address="support@shop.test")
    admin = await desk.agent(role="admin")
    body = {
        "host": server.host,
        "port": server.port,
        "security": "plain",
        "username": server.user,
        "secret": server.password,
    } | fields
    response = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/mailbox", json=body)
    assert response.status_code == 200, response.text
    return admin, inbox["id"]


async def imap_rows(app: FastAPI) -> list[InboundMessage]:
    async with unit_of_work(app.state.sessionmaker) as session:
        return list(
            (
                await session.scalars(
                    select(InboundMessage)
                    .where(InboundMessage.via == "imap")
                    .order_by(InboundMessage.id)
                )
            ).all()
        )


async def count(app: FastAPI, what: Any) -> int:
    async with unit_of_work(app.state.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(what)) or 0)


async def fetch(app: FastAPI, settings: Settings, **options: Any) -> int:
    return await fetch_due_mailboxes(app.state.sessionmaker, settings, **options)


async def test_a_reply_in_the_mailbox_lands_on_its_ticket_once(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    admin, inbox_id = await connect_mailbox(desk, dovecot)
    first = message(subject="Broken kettle", body="It leaks.", message_id="<first@example.org>")
    append(dovecot, first)
    assert await fetch(app, settings) == 1
    reply = message(
        subject="Re: Broken kettle",
        body="Also, it whistles.",
        message_id="<second@example.org>",
        in_reply_to="<first@example.org>",
    )
    append(dovecot, reply)
    assert await fetch(app, settings) == 1
    assert await fetch(app, settings) == 0

    rows = await imap_rows(app)
    assert [row.status for row in rows] == [InboundStatus.processed] * 2
    assert rows[0].ticket_id == rows[1].ticket_id is not None
    assert rows[1].envelope_to == ["support@shop.test"]
    assert await count(app, Ticket) == 1
    assert rows[0].ticket_id is not None
    ticket = await ticket_of(admin, rows[0].ticket_id)
    texts = [entry["text"] for entry in inbound_entries(ticket)]
    assert texts == ["It leaks.", "Also, it whistles."]

    # Kept raw, as the mailbox had it.
    async with unit_of_work(app.state.sessionmaker) as session:
        raw = await session.scalar(
            select(InboundMessage.raw).where(InboundMessage.id == rows[1].id)
        )
    assert raw is not None
    assert b"Also, it whistles." in raw
    # Processed mail is flagged read on the server.
    imap = client(dovecot)
    assert imap.uid("SEARCH", "UNSEEN")[1] == [b""]
    imap.logout()

    status = (await admin.client.get(f"/api/v1/inboxes/{inbox_id}/mailbox")).json()
    assert status["messages_fetched"] == 2
    assert status["last_error"] is None
    assert status["last_fetch_at"] is not None
    assert "secret" not in status
    assert dovecot.password not in str(status)


async def test_processed_mail_can_be_moved_to_a_folder(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    imap = client(dovecot)
    assert imap.create("Done")[0] == "OK"
    imap.logout()
    await connect_mailbox(desk, dovecot, processed="move", move_to="Done")
    append(dovecot, *(message(subject=f"Order {n}", body="Where is it?") for n in range(3)))
    assert await fetch(app, settings) == 3
    imap = client(dovecot)
    assert imap.uid("SEARCH", "ALL")[1] == [b""]
    imap.select("Done")
    assert len(imap.uid("SEARCH", "ALL")[1][0].split()) == 3
    imap.logout()
    assert await fetch(app, settings) == 0


async def test_read_history_is_left_alone_and_only_new_or_unread_mail_is_taken(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    append(dovecot, message(subject="Old and read", body="History."))
    imap = client(dovecot)
    imap.uid("STORE", "1", "+FLAGS", r"(\Seen)")
    imap.logout()
    append(dovecot, message(subject="Old but unread", body="Still waiting."))
    await connect_mailbox(desk, dovecot)
    assert await fetch(app, settings) == 1
    assert [row.subject for row in await imap_rows(app)] == ["Old but unread"]


async def test_restarts_and_a_second_process_never_fetch_twice(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    await connect_mailbox(desk, dovecot)
    dovecot.deliver([message(subject=f"Question {n}", body=f"Number {n}.") for n in range(40)])
    # Two processes at once: one holds the lease, the other finds the mailbox taken.
    fetched = await asyncio.gather(
        fetch(app, settings, owner="process-a", batch=7),
        fetch(app, settings, owner="process-b", batch=7),
    )
    assert sorted(fetched) == [0, 40]
    # A process that starts afterwards (a restart) starts where the last one stopped.
    assert await fetch(app, settings, owner="process-c") == 0
    dovecot.deliver([message(subject="One more", body="Later.")])
    assert await fetch(app, settings, owner="process-d") == 1
    rows = await imap_rows(app)
    assert len(rows) == 41
    assert len({row.subject for row in rows}) == 41
    assert await count(app, Ticket) == 41


async def test_a_lease_left_by_a_dead_process_runs_out(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    _admin, inbox_id = await connect_mailbox(desk, dovecot)
    async with unit_of_work(app.state.sessionmaker) as session:
        account = await session.scalar(
            select(MailboxAccount).where(MailboxAccount.inbox_id == inbox_id)
        )
        assert account is not None
        account.lease_owner, account.lease_until = "dead", utcnow() + timedelta(minutes=5)
    append(dovecot, message(subject="Hello", body="Anyone?"))
    assert await fetch(app, settings) == 0
    assert await fetch(app, settings, now=utcnow() + timedelta(minutes=6)) == 1


async def test_a_server_restart_during_a_fetch_loses_and_repeats_nothing(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read the kill leaves waiting gives up after 10 s, not the 60 s a real server gets: the
    # outcome is the same (a failed fetch, then the rest), the suite not held up a minute or two.
    monkeypatch.setattr(fetching, "MailboxLogin", partial(MailboxLogin, timeout=10.0))
    admin, inbox_id = await connect_mailbox(desk, dovecot)
    total = 600
    dovecot.deliver([message(subject=f"Mail {n}", body=f"Text {n}.") for n in range(total)])
    running = asyncio.create_task(fetch(app, settings, batch=10))
    # Wait until some batches are stored, then pull the server away mid-fetch.
    for _ in range(400):
        if 0 < len(await imap_rows(app)) < total:
            break
        await asyncio.sleep(0.02)
    await asyncio.to_thread(dovecot.restart)
    first = await running
    assert 0 < first < total
    status = (await admin.client.get(f"/api/v1/inboxes/{inbox_id}/mailbox")).json()
    assert status["last_error"]
    assert status["failures"] == 1
    # The back-off holds the next attempt back; once due, the rest comes, and nothing twice.
    assert await fetch(app, settings) == 0
    later = utcnow() + timedelta(minutes=1)
    assert await fetch(app, settings, now=later) == total - first
    rows = await imap_rows(app)
    assert len(rows) == total
    assert len({row.subject for row in rows}) == total
    status = (await admin.client.get(f"/api/v1/inboxes/{inbox_id}/mailbox")).json()
    assert status["last_error"] is None
    assert status["messages_fetched"] == total


async def test_a_wrong_password_shows_in_the_mailbox_status(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    admin, inbox_id = await connect_mailbox(desk, dovecot, secret="not-the-password")
    append(dovecot, message(subject="Waiting", body="Hello?"))
    assert await fetch(app, settings) == 0
    status = (await admin.client.get(f"/api/v1/inboxes/{inbox_id}/mailbox")).json()
    assert "refused the login" in status["last_error"]
    assert status["failures"] == 1
    assert status["messages_fetched"] == 0
    # Fixing the password (the rest of the form as it was) tries again at once.
    body = {k: status[k] for k in ("host", "port", "security", "username", "folder")}
    response = await admin.client.put(
        f"/api/v1/inboxes/{inbox_id}/mailbox", json=body | {"secret": dovecot.password}
    )
    assert response.status_code == 200
    assert response.json()["last_error"] is None
    assert await fetch(app, settings) == 1


async def test_mailbox_settings_are_checked_and_admin_only(
    app: FastAPI, desk: Desk, dovecot: Dovecot
) -> None:
    inbox = await desk.inbox(name="No address")
    admin = await desk.agent(role="admin")
    body = {"host": "imap.example.org", "port": 993, "username": "a@b.c", "secret": "pw"}
    url = f"/api/v1/inboxes/{inbox['id']}/mailbox"
    response = await admin.client.put(url, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "email_address", response.text
    agent = await desk.agent(inboxes=[inbox])
    assert (await agent.client.get(url)).status_code == 403
    assert (await admin.client.get(url)).status_code == 404


def idle_accepted(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set once a server has answered an IMAP IDLE command with its go-ahead (`+ idling`): from
    then on it announces new mail on that connection."""
    accepted = threading.Event()
    send, readline = imaplib.IMAP4.send, imaplib.IMAP4.readline
    idle_sent: set[int] = set()

    def watched_send(imap: imaplib.IMAP4, data: bytes) -> None:
        if data.upper().endswith(b" IDLE\r\n"):
            idle_sent.add(id(imap))
        send(imap, data)

    def watched_readline(imap: imaplib.IMAP4) -> bytes:
        line = readline(imap)
        if id(imap) in idle_sent and line.startswith(b"+"):
            idle_sent.discard(id(imap))
            accepted.set()
        return line

    monkeypatch.setattr(imaplib.IMAP4, "send", watched_send)
    monkeypatch.setattr(imaplib.IMAP4, "readline", watched_readline)
    return accepted


async def test_mail_arriving_during_idle_is_fetched_at_once(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _admin, _inbox_id = await connect_mailbox(desk, dovecot)
    idling = idle_accepted(monkeypatch)
    running = asyncio.create_task(fetch(app, settings, idle_seconds=20))
    # Connected, nothing to fetch, now waiting in IDLE: only then is the mail put in.
    assert await asyncio.to_thread(idling.wait, 15), "the fetcher never went into IDLE"
    assert not running.done()
    append(dovecot, message(subject="While idle", body="Are you there?"))
    for _ in range(100):
        if await imap_rows(app):
            break
        await asyncio.sleep(0.05)
    # Well before the IDLE window ends: the server's EXISTS woke the fetcher.
    assert [row.subject for row in await imap_rows(app)] == ["While idle"]
    assert not running.done()
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running


async def test_the_running_desk_fetches_by_itself_and_gives_the_lease_back_on_stop(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    _admin, inbox_id = await connect_mailbox(desk, dovecot)
    append(dovecot, message(subject="Before start", body="One."))
    # A second app on the same database with its loops on: what `frontdesk run` starts.
    running = create_app(settings.model_copy(update={"imap_poll_interval": 0.2}))
    async with running.router.lifespan_context(running):
        for _ in range(200):
            if len(await imap_rows(app)) == 1:
                break
            await asyncio.sleep(0.05)
        append(dovecot, message(subject="While running", body="Two."))
        for _ in range(200):
            if len(await imap_rows(app)) == 2:
                break
            await asyncio.sleep(0.05)
    assert [row.subject for row in await imap_rows(app)] == ["Before start", "While running"]
    async with unit_of_work(app.state.sessionmaker) as session:
        account = await session.scalar(
            select(MailboxAccount).where(MailboxAccount.inbox_id == inbox_id)
        )
        assert account is not None
        assert account.lease_owner is None
        assert account.messages_fetched == 2


async def test_a_message_the_pipeline_chokes_on_is_kept_and_does_not_block_the_rest(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = receiving.receive_inbound_batch

    async def choking(session: Any, deliveries: Any) -> Any:
        # Stands in for a bug that one message triggers deep in the pipeline.
        if any(b"POISON" in delivery.raw for delivery in deliveries):
            raise RuntimeError("choked")
        return await real(session, deliveries)

    monkeypatch.setattr(fetching, "receive_inbound_batch", choking)
    await connect_mailbox(desk, dovecot)
    append(
        dovecot,
        message(subject="First", body="Fine."),
        message(subject="Second", body="POISON"),
        message(subject="Third", body="Fine too."),
    )
    assert await fetch(app, settings) == 3
    assert await fetch(app, settings) == 0
    rows = await imap_rows(app)
    assert [row.status for row in rows] == [
        InboundStatus.processed,
        InboundStatus.failed,
        InboundStatus.processed,
    ]
    assert rows[1].error is not None
    assert "choked" in rows[1].error
    async with unit_of_work(app.state.sessionmaker) as session:
        raw = await session.scalar(
            select(InboundMessage.raw).where(InboundMessage.id == rows[1].id)
        )
    assert raw is not None
    assert b"POISON" in raw


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_tls_and_starttls_with_a_certificate_checked(
    app: FastAPI, settings: Settings, desk: Desk, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    with running_dovecot(tls=True) as server:
        port = server.tls_port if security == "tls" else server.port
        admin, inbox_id = await connect_mailbox(desk, server, security=security, port=port)
        append(server, message(subject="Over TLS", body="Private."))
        # The server's certificate is not trusted yet: refused, and said why.
        assert await fetch(app, settings) == 0
        status = (await admin.client.get(f"/api/v1/inboxes/{inbox_id}/mailbox")).json()
        assert "TLS certificate cannot be trusted" in status["last_error"]
        # Trusted (as a real provider's certificate is, by the system's CAs): fetched.
        monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))
        later = utcnow() + timedelta(minutes=1)
        assert await fetch(app, settings, now=later) == 1


class TokenInfo(BaseHTTPRequestHandler):
    """The identity provider's token check Dovecot asks: one token is valid, for our user."""

    def do_GET(self) -> None:
        valid = self.path.endswith("?access_token=valid-access-token")
        body = json.dumps({"email": USER} if valid else {"error": "invalid_token"}).encode()
        self.send_response(200 if valid else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


async def test_xoauth2_logs_in_with_an_access_token(
    app: FastAPI, settings: Settings, desk: Desk
) -> None:
    tokens = HTTPServer(("127.0.0.1", 0), TokenInfo)
    serve_in_thread(tokens)
    url = f"http://127.0.0.1:{tokens.server_port}/tokeninfo?access_token="
    try:
        with running_dovecot(tokeninfo_url=url) as server:
            admin, inbox_id = await connect_mailbox(
                desk, server, auth="xoauth2", secret="expired-access-token"
            )
            append(server, message(subject="Token", body="Hello."))
            assert await fetch(app, settings) == 0
            mailbox_url = f"/api/v1/inboxes/{inbox_id}/mailbox"
            status = (await admin.client.get(mailbox_url)).json()
            assert "refused the login" in status["last_error"]
            body = {k: status[k] for k in ("host", "port", "security", "username", "auth")}
            response = await admin.client.put(
                mailbox_url, json=body | {"secret": "valid-access-token"}
            )
            assert response.status_code == 200
            assert await fetch(app, settings) == 1
    finally:
        tokens.shutdown()
        tokens.server_close()


async def test_a_failed_move_is_shown_and_the_mail_is_still_taken_once(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    admin, inbox_id = await connect_mailbox(desk, dovecot, processed="move", move_to="Missing")
    append(dovecot, message(subject="Moved?", body="Maybe."))
    assert await fetch(app, settings) == 1
    assert await fetch(app, settings) == 0
    status = (await admin.client.get(f"/api/v1/inboxes/{inbox_id}/mailbox")).json()
    assert status["last_error"].startswith("fetched, but cannot move mail to 'Missing'")
    assert status["failures"] == 0
    assert status["messages_fetched"] == 1
