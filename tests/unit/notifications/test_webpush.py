"""Web Push end to end: a browser's subscription saved over the API, a mention, and the push
outbox POSTing to a push service this test runs on loopback. The service checks the VAPID token
(RFC 8292) and decrypts the body (RFC 8291, aes128gcm) with the subscription's private key and
auth secret, written here from the RFCs rather than with the code under test."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.notifications.models import (
    DeliveryState,
    Notification,
    PushDelivery,
    PushSubscription,
)
from frontdesk.notifications.push import deliver_push
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.unit.notifications.support import (
    Browser,
    PushService,
    Received,
    b64,
    subscribe,
    unb64,
)
from tests.unit.support import count_rows, new_ticket, online

pytestmark = SQLITE_ONLY


def check_vapid(received: Received, *, origin: str, public_key: str) -> dict[str, Any]:
    """RFC 8292: `vapid t=<JWT>, k=<key>`, the JWT signed ES256 by that key, for this origin."""
    scheme, _, params = received.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    assert parts["k"] == public_key
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(parts["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:  # pragma: no cover - the assertion is the point
        pytest.fail("the VAPID signature does not verify")
    body: dict[str, Any] = json.loads(unb64(claims))
    assert body["aud"] == origin
    assert time.time() < body["exp"] <= time.time() + 24 * 3600
    assert body["sub"] == "mailto:postmaster@desk.test"
    assert received.headers["content-encoding"] == "aes128gcm"
    assert int(received.headers["ttl"]) > 0
    return body


async def _mention(desk: Desk) -> tuple[Any, Any, dict[str, Any]]:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    ticket = await new_ticket(ada.client, inbox, subject="Refund")
    return ada, bob, ticket


async def _note(agent: Any, ticket: dict[str, Any], text: str) -> None:
    response = await agent.client.post(f"/api/v1/tickets/{ticket['id']}/notes", json={"text": text})
    assert response.status_code == 201, response.text


async def test_a_mention_arrives_encrypted_and_signed_at_the_push_service(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    ada, bob, ticket = await _mention(desk)
    browser = Browser()
    await subscribe(bob, browser, f"{push_service.origin}/push/bob-1")
    public_key = (await bob.client.get("/api/v1/push/key")).json()["public_key"]
    handle = bob.user["email"].split("@")[0]
    await _note(ada, ticket, f"@{handle} the refund is approved")

    assert await deliver_push(app.state.sessionmaker, settings) == 1
    (received,) = push_service.received
    assert received.path == "/push/bob-1"
    check_vapid(received, origin=push_service.origin, public_key=public_key)
    message = json.loads(browser.decrypt(received.body))
    notification = (await bob.client.get("/api/v1/notifications")).json()["items"][0]
    assert message == {
        "id": notification["id"],
        "kind": "mentioned",
        "title": f"Ada mentioned you on #{ticket['number']} Refund",
        "body": f"@{handle} the refund is approved",
        # At the note that mentioned him.
        "url": f"/tickets/{ticket['id']}#entry-{notification['params']['entry_id']}",
        "ticket_id": ticket["id"],
        "chat_id": None,
    }
    async with app.state.sessionmaker() as session:
        (delivery,) = (await session.scalars(select(PushDelivery))).all()
    assert delivery.state is DeliveryState.sent
    # Nothing more to send; and the key stays the same.
    assert await deliver_push(app.state.sessionmaker, settings) == 0
    assert (await bob.client.get("/api/v1/push/key")).json()["public_key"] == public_key


@BOTH_STORES
async def test_a_waiting_chat_goes_by_push_to_the_agents_subscribed_and_writes_nothing_else(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    for agent in (ada, bob):
        await online(agent)
    browser = Browser()
    await subscribe(bob, browser, f"{push_service.origin}/push/bob-1")
    chat_id = (await (await visitors(inbox)).start_chat())["id"]

    assert await deliver_push(app.state.sessionmaker, settings) == 1
    (received,) = push_service.received
    assert received.path == "/push/bob-1"
    message = json.loads(browser.decrypt(received.body))
    assert (message["kind"], message["chat_id"]) == ("chat_waiting", chat_id)
    # Ada has no browser subscribed and the bell is not chosen for a waiting chat: a
    # notification for her would reach nobody, so none is written.
    assert await count_rows(app, Notification, Notification.user_id == ada.id) == 0
    assert await count_rows(app, Notification, Notification.user_id == bob.id) == 1


async def test_a_busy_push_service_is_retried_later(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    ada, bob, ticket = await _mention(desk)
    browser = Browser()
    await subscribe(bob, browser, f"{push_service.origin}/push/bob-2")
    await _note(ada, ticket, f"@{bob.user['email'].split('@')[0]} hello")
    push_service.statuses = [503, 429]

    assert await deliver_push(app.state.sessionmaker, settings) == 1
    async with app.state.sessionmaker() as session:
        (delivery,) = (await session.scalars(select(PushDelivery))).all()
    assert (delivery.state, delivery.attempts) == (DeliveryState.queued, 1)
    assert delivery.last_error is not None
    assert "503" in delivery.last_error
    # Not due yet: the back-off holds it.
    assert await deliver_push(app.state.sessionmaker, settings) == 0
    later = utcnow() + timedelta(minutes=1)
    assert await deliver_push(app.state.sessionmaker, settings, now=later) == 1
    later += timedelta(minutes=5)
    assert await deliver_push(app.state.sessionmaker, settings, now=later) == 1
    async with app.state.sessionmaker() as session:
        (delivery,) = (await session.scalars(select(PushDelivery))).all()
    assert (delivery.state, delivery.attempts) == (DeliveryState.sent, 2)
    # Every attempt is a fresh encryption of the same notification.
    texts = {browser.decrypt(item.body) for item in push_service.received}
    assert len(push_service.received) == 3
    assert len(texts) == 1


@BOTH_STORES
async def test_a_gone_subscription_is_removed(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    ada, bob, ticket = await _mention(desk)
    await subscribe(bob, Browser(), f"{push_service.origin}/push/gone")
    await subscribe(bob, Browser(), f"{push_service.origin}/push/kept")
    await _note(ada, ticket, f"@{bob.user['email'].split('@')[0]} hello")
    push_service.by_path = {"/push/gone": 410}
    assert await deliver_push(app.state.sessionmaker, settings) == 2
    async with app.state.sessionmaker() as session:
        endpoints = (await session.scalars(select(PushSubscription.endpoint))).all()
    assert endpoints == [f"{push_service.origin}/push/kept"]
    assert await count_rows(app, PushDelivery) == 1
    listed = (await bob.client.get("/api/v1/push/subscriptions")).json()
    assert [row["endpoint"] for row in listed] == [f"{push_service.origin}/push/kept"]


async def test_the_actor_gets_no_push_and_a_refusal_is_final(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    ada, bob, ticket = await _mention(desk)
    await subscribe(ada, Browser(), f"{push_service.origin}/push/ada")
    await subscribe(bob, Browser(), f"{push_service.origin}/push/bob")
    await _note(
        ada, ticket, f"@{bob.user['email'].split('@')[0]} and @{ada.user['email'].split('@')[0]}"
    )
    push_service.statuses = [400]
    assert await deliver_push(app.state.sessionmaker, settings) == 1
    assert [r.path for r in push_service.received] == ["/push/bob"]
    async with app.state.sessionmaker() as session:
        (delivery,) = (await session.scalars(select(PushDelivery))).all()
    assert delivery.state is DeliveryState.failed


@BOTH_STORES
async def test_bad_subscriptions_are_refused(desk: Desk, settings: Settings) -> None:
    bob = await desk.agent()
    browser = Browser()
    cases = [
        {
            "endpoint": "ftp://push.test/x",
            "keys": {"p256dh": b64(browser.p256dh), "auth": b64(browser.auth)},
        },
        {
            "endpoint": "https://push.test/x",
            "keys": {"p256dh": b64(b"\x04short"), "auth": b64(browser.auth)},
        },
        {
            "endpoint": "https://push.test/x",
            "keys": {"p256dh": b64(browser.p256dh), "auth": b64(b"x")},
        },
    ]
    for body in cases:
        response = await bob.client.post("/api/v1/push/subscriptions", json=body)
        assert response.status_code == 422, response.text
    # The same browser subscribing again updates its row.
    body = {
        "endpoint": "https://push.test/x",
        "keys": {"p256dh": b64(browser.p256dh), "auth": b64(browser.auth)},
    }
    first = (await bob.client.post("/api/v1/push/subscriptions", json=body)).json()
    second = (await bob.client.post("/api/v1/push/subscriptions", json=body)).json()
    assert first["id"] == second["id"]
    gone = await bob.client.delete(f"/api/v1/push/subscriptions/{first['id']}")
    assert gone.status_code == 204
    assert (await bob.client.delete(f"/api/v1/push/subscriptions/{first['id']}")).status_code == 404


@BOTH_STORES
async def test_two_senders_at_once_push_once(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    ada, bob, ticket = await _mention(desk)
    browser = Browser()
    await subscribe(bob, browser, f"{push_service.origin}/push/once")
    await _note(ada, ticket, f"@{bob.user['email'].split('@')[0]} hello")
    claimed = await asyncio.gather(
        deliver_push(app.state.sessionmaker, settings),
        deliver_push(app.state.sessionmaker, settings),
    )
    assert sorted(claimed) == [0, 1]
    assert len(push_service.received) == 1
