"""Where pushes may go: a subscription's endpoint is a URL any agent makes the server request, so
one on this machine or the network around it is refused when saved and never connected to when
sent (a name can lead there after it was saved); proxies from the environment are ignored; an
agent keeps at most ten browsers; and a round sends its pushes side by side, so stale browsers
neither hold up the others nor outlast the lease and get a push sent twice."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.notifications import push
from frontdesk.notifications.models import DeliveryState, PushDelivery, PushSubscription
from frontdesk.notifications.push import deliver_push
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.unit.notifications.support import Browser, PushService, b64, bell, subscribe
from tests.unit.support import count_rows, new_ticket

pytestmark = SQLITE_ONLY


def handle(agent: Any) -> str:
    return str(agent.user["email"]).split("@")[0]


def _body(endpoint: str) -> dict[str, Any]:
    browser = Browser()
    return {
        "endpoint": endpoint,
        "keys": {"p256dh": b64(browser.p256dh), "auth": b64(browser.auth)},
    }


def _no_private(settings: Settings) -> Settings:
    """As a real desk runs: push endpoints on public addresses only (the app's own settings, which
    its sessions carry, changed in place)."""
    settings.push_allow_private = False
    return settings


class Listener:
    """A TCP listener on loopback that counts connections and never answers: a database, a
    metadata service, a hanging push service."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.open: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.open.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.open:
            conn.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    made = Listener()
    yield made
    made.close()


@BOTH_STORES
async def test_endpoints_on_this_machine_or_a_private_network_are_refused(
    desk: Desk, app: FastAPI, settings: Settings, listener: Listener
) -> None:
    _no_private(settings)
    bob = await desk.agent()
    for endpoint in (
        f"https://127.0.0.1:{listener.port}/push/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:6379/",
        "https://10.0.0.5:8443/push",
        "https://localhost/push",
        f"http://127.0.0.1:{listener.port}/push/x",  # plain http is allowed in these tests
    ):
        response = await bob.client.post("/api/v1/push/subscriptions", json=_body(endpoint))
        assert response.status_code == 422, (endpoint, response.text)
        (field,) = response.json()["error"]["fields"]
        assert (field["field"], field["code"]) == ("endpoint", "private_address")
        # The setting that would allow it is push's own, in the field and in the error alike:
        # the webhooks' setting changes nothing for push.
        assert "FRONTDESK_PUSH_ALLOW_PRIVATE" in field["message"]
        assert "FRONTDESK_PUSH_ALLOW_PRIVATE" in response.json()["error"]["message"]
        assert "WEBHOOKS" not in response.text
    assert await count_rows(app, PushSubscription) == 0
    assert listener.accepted == 0
    # A name that does not resolve (yet) is kept, like a webhook's: each push checks it again.
    saved = await bob.client.post(
        "/api/v1/push/subscriptions", json=_body("https://push.example.invalid/x")
    )
    assert saved.status_code == 201, saved.text


async def test_a_push_never_connects_to_a_private_address(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    """Saved while allowed (or by a name that led elsewhere then), refused as it connects: the
    loopback service hears nothing, so neither its answer nor its silence tells the agent
    anything (a 404 would have deleted the subscription)."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    bob = await desk.agent(inboxes=[inbox])
    await subscribe(bob, Browser(), f"{push_service.origin}/push/inside")
    ticket = await new_ticket(ada.client, inbox)
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"@{handle(bob)} hello"}
    )
    assert note.status_code == 201, note.text
    push_service.statuses = [404]

    assert await deliver_push(app.state.sessionmaker, _no_private(settings)) == 1
    assert push_service.received == []
    async with app.state.sessionmaker() as session:
        (delivery,) = (await session.scalars(select(PushDelivery))).all()
    assert (delivery.state, delivery.attempts) == (DeliveryState.queued, 1)
    assert delivery.last_error is not None
    assert "private address" in delivery.last_error
    # What the outbox keeps names the setting that applies to push, not the webhooks' one.
    assert "FRONTDESK_PUSH_ALLOW_PRIVATE" in delivery.last_error
    assert "WEBHOOKS" not in delivery.last_error
    listed = (await bob.client.get("/api/v1/push/subscriptions")).json()
    assert len(listed) == 1


async def test_a_proxy_from_the_environment_is_not_used(
    desk: Desk,
    app: FastAPI,
    settings: Settings,
    push_service: PushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proxy would connect for us, wherever the endpoint's name leads: the push loop ignores
    HTTP_PROXY and its like."""
    monkeypatch.setenv("HTTP_PROXY", push_service.origin)
    monkeypatch.setenv("HTTPS_PROXY", push_service.origin)
    monkeypatch.setenv("ALL_PROXY", push_service.origin)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    bob = await desk.agent(inboxes=[inbox])
    await subscribe(bob, Browser(), "http://push.example.invalid/push/bob")
    ticket = await new_ticket(ada.client, inbox)
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"@{handle(bob)} hello"}
    )
    assert note.status_code == 201, note.text
    assert await deliver_push(app.state.sessionmaker, _no_private(settings)) == 1
    assert push_service.received == []


@BOTH_STORES
async def test_an_agent_keeps_ten_browsers_and_a_new_one_replaces_the_oldest(
    desk: Desk, app: FastAPI
) -> None:
    bob = await desk.agent()
    ada = await desk.agent()
    await subscribe(ada, Browser(), "https://push.example.invalid/ada")
    for n in range(11):
        await subscribe(bob, Browser(), f"https://push.example.invalid/bob-{n}")
    listed = (await bob.client.get("/api/v1/push/subscriptions")).json()
    assert [row["endpoint"].rsplit("/", 1)[1] for row in listed] == [
        f"bob-{n}" for n in range(1, 11)
    ]
    # The same browser again is still one row, and Ada's own are not Bob's to replace.
    await subscribe(bob, Browser(), "https://push.example.invalid/bob-10")
    assert len((await bob.client.get("/api/v1/push/subscriptions")).json()) == 10
    assert await count_rows(app, PushSubscription, PushSubscription.user_id == ada.id) == 1


@BOTH_STORES
async def test_stale_browsers_delay_no_push_and_no_push_is_sent_twice(
    desk: Desk,
    app: FastAPI,
    settings: Settings,
    push_service: PushService,
    listener: Listener,
) -> None:
    """Seven browsers of Bob's that never answer, then Carol's that does, with the real TIMEOUT
    and lease: all eight are sent at once, so Carol's push arrives while Bob's seven still hang.
    A second process claiming 6.5 timeouts after the first (past the two minutes the lease once
    was, within the longest a round of a full batch may take) finds them leased, and Carol gets
    her push once. The test, not the timeout, ends the hanging ones: it drops their connections."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    bob = await desk.agent(inboxes=[inbox])
    carol = await desk.agent(inboxes=[inbox])
    for n in range(7):
        await subscribe(bob, Browser(), f"http://127.0.0.1:{listener.port}/push/stale-{n}")
    await subscribe(carol, Browser(), f"{push_service.origin}/push/carol")
    ticket = await new_ticket(ada.client, inbox)
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes",
        json={"text": f"@{handle(bob)} @{handle(carol)} look"},
    )
    assert note.status_code == 201, note.text

    started = utcnow()
    first = asyncio.create_task(deliver_push(app.state.sessionmaker, settings, now=started))
    # Sent one after another, the second stale push would wait for the first's TIMEOUT (20 s),
    # and Carol's for all seven: this wait would end first.
    async with asyncio.timeout(push.TIMEOUT * 0.75):
        while listener.accepted < 7 or not push_service.received:
            assert not first.done(), first.result()
            await asyncio.sleep(0.01)
    assert [r.path for r in push_service.received] == ["/push/carol"]
    assert not first.done()

    second = await deliver_push(
        app.state.sessionmaker, settings, now=started + timedelta(seconds=6.5 * push.TIMEOUT)
    )
    assert second == 0
    listener.close()
    assert await first == 8
    assert [r.path for r in push_service.received] == ["/push/carol"]
    assert listener.accepted == 7
    # Bob's stale browsers are tried again later; Carol's is sent.
    async with app.state.sessionmaker() as session:
        states = sorted(d.state.value for d in await session.scalars(select(PushDelivery)))
    assert states == ["queued"] * 7 + ["sent"]
    assert (await bell(carol))["unread"] == 1
