"""Delivering like the mail outbox: retried with back-off until a 2xx, given up on after the
last attempt, replayed with the same event id, claimed once across processes, timeouts handled,
the receiver's answer kept readable, private addresses refused (also written as IPv6 forms that
carry an IPv4 address). Switching off: test_webhook_switching_off.py."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.webhooks import sender
from frontdesk.webhooks.service import MAX_ATTEMPTS
from frontdesk.webhooks.timers import deliver_webhooks, prune_deliveries
from tests.conftest import Agent, Desk
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.test_webhook_events import deliver, subscribe


async def ping(admin: Agent, webhook: dict[str, Any]) -> dict[str, Any]:
    response = await admin.client.post(f"/api/v1/webhooks/{webhook['id']}/test")
    assert response.status_code == 202, response.text
    return dict(response.json())


async def log(admin: Agent, webhook: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    response = await admin.client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_refused_delivery_is_retried_later_and_delivered_once(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    hooks.statuses = [500]
    sent = await ping(admin, webhook)

    await deliver(app)
    [waiting] = await log(admin, webhook)
    assert waiting["state"] == "pending"
    assert (waiting["attempts"], waiting["last_status"]) == (1, 500)
    assert waiting["response_excerpt"] == "something broke"
    assert waiting["last_error"] == "HTTP 500"
    # The first retry comes about a minute later (give or take a fifth), not at once.
    next_try = waiting["next_attempt_at"]
    assert await deliver(app) == 0
    assert next_try is not None

    await deliver(app, now=utcnow() + timedelta(minutes=2))
    [done] = await log(admin, webhook)
    assert (done["state"], done["attempts"], done["last_status"]) == ("delivered", 2, 200)
    assert done["next_attempt_at"] is None
    assert done["delivered_at"] is not None
    assert [r.json["id"] for r in hooks.requests] == [sent["event_id"], sent["event_id"]]
    assert all(r.verified for r in hooks.requests)
    assert hooks.requests[0].json == hooks.requests[1].json
    webhook_now = (await admin.client.get(f"/api/v1/webhooks/{webhook['id']}")).json()
    assert webhook_now["consecutive_failures"] == 0


async def test_a_delivery_fails_for_good_after_its_last_attempt(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    hooks.statuses = [503] * MAX_ATTEMPTS
    await ping(admin, webhook)
    later = utcnow()
    for _ in range(MAX_ATTEMPTS):
        await deliver(app, now=later)
        later += timedelta(hours=15)
    [failed] = await log(admin, webhook, state="failed")
    assert failed["attempts"] == MAX_ATTEMPTS
    assert len(hooks.requests) == MAX_ATTEMPTS
    assert await deliver(app, now=later + timedelta(days=2)) == 0


async def test_replay_sends_the_same_event_again(app: FastAPI, desk: Desk, hooks: Receiver) -> None:
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    sent = await ping(admin, webhook)
    url = f"/api/v1/webhooks/{webhook['id']}/deliveries/{sent['id']}/replay"
    pending = await admin.client.post(url)
    assert pending.status_code == 409
    assert pending.json()["error"]["code"] == "delivery_pending"
    await deliver(app)

    replayed = await admin.client.post(url)
    assert replayed.status_code == 200, replayed.text
    assert (replayed.json()["state"], replayed.json()["attempts"]) == ("pending", 0)
    await deliver(app)

    assert [r.headers["Frontdesk-Event-Id"] for r in hooks.requests] == [sent["event_id"]] * 2
    assert all(r.verified for r in hooks.requests)
    detail = await admin.client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries/{sent['id']}")
    assert detail.json()["state"] == "delivered"
    assert detail.json()["payload"]["id"] == sent["event_id"]


async def test_the_log_keeps_what_is_done_for_thirty_days_and_what_waits_for_ever(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    delivered = await ping(admin, webhook)
    await deliver(app)
    hooks.statuses = [500]
    waiting = await ping(admin, webhook)
    await deliver(app)  # refused once: pending, tried again later
    states = {d["id"]: d["state"] for d in await log(admin, webhook)}
    assert (states[delivered["id"]], states[waiting["id"]]) == ("delivered", "pending")

    assert await prune_deliveries(app.state.sessionmaker, app.state.settings) == 0
    month_later = utcnow() + timedelta(days=31)
    assert await prune_deliveries(app.state.sessionmaker, app.state.settings, now=month_later) == 1
    assert [d["id"] for d in await log(admin, webhook)] == [waiting["id"]]


async def test_two_processes_deliver_each_event_exactly_once(
    app: FastAPI, settings: Settings, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    hooks.delay = 0.02
    sent = [await ping(admin, webhook) for _ in range(30)]
    other = create_app(settings, run_loops=False)
    async with other.router.lifespan_context(other):

        async def loop(target: FastAPI) -> None:
            while await deliver_webhooks(target.state.sessionmaker, target.state.settings, limit=4):
                pass

        await asyncio.gather(loop(app), loop(other), loop(app), loop(other))

    received = [r.headers["Frontdesk-Event-Id"] for r in hooks.requests]
    assert sorted(received) == sorted(d["event_id"] for d in sent)
    assert {d["state"] for d in await log(admin, webhook, limit=100)} == {"delivered"}


async def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
    app: FastAPI, desk: Desk, hooks: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender, "TOTAL_TIMEOUT", 0.3)
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    hooks.delay = 1.0
    await ping(admin, webhook)

    await deliver(app)

    [waiting] = await log(admin, webhook)
    assert waiting["state"] == "pending"
    assert waiting["attempts"] == 1
    assert waiting["last_status"] is None
    assert "no answer within 0.3 s" in waiting["last_error"]


async def test_private_addresses_are_refused_without_the_setting(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    # Saved while allowed (as on premises), then the setting is taken away.
    webhook = await subscribe(admin, hooks)
    await ping(admin, webhook)
    app.state.settings = app.state.settings.model_copy(update={"webhooks_allow_private": False})

    await deliver(app)

    assert hooks.requests == []
    [refused] = await log(admin, webhook)
    assert refused["state"] == "pending"
    assert "private address" in refused["last_error"]
    # The log and the API's refusal name the setting that applies to webhooks.
    assert "FRONTDESK_WEBHOOKS_ALLOW_PRIVATE" in refused["last_error"]
    for url in (
        hooks.url,
        "http://localhost:8080/hooks",
        "http://10.1.2.3/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://192.168.1.10/",
    ):
        response = await admin.client.post(
            "/api/v1/webhooks", json={"name": "Inside", "url": url, "events": ["ticket.created"]}
        )
        assert response.status_code == 422, url
        assert response.json()["error"]["fields"][0]["code"] == "private_address"
        assert "FRONTDESK_WEBHOOKS_ALLOW_PRIVATE" in response.json()["error"]["message"]
    for url in ("ftp://example.org/hooks", "example.org/hooks", "https://user:pw@example.org/"):
        response = await admin.client.post(
            "/api/v1/webhooks", json={"name": "Bad", "url": url, "events": ["ticket.created"]}
        )
        assert response.status_code == 422, url
    moved = await admin.client.patch(
        f"/api/v1/webhooks/{webhook['id']}", json={"url": "http://127.0.0.1:9/x"}
    )
    assert moved.status_code == 422


# IPv6 addresses that lead to an IPv4 address inside: Python calls most of them global.
INSIDE_AS_IPV6 = (
    "http://[::127.0.0.1]/",  # IPv4-compatible, loopback
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:0:a9fe:a9fe]/",  # SIIT IPv4-translated, 169.254.169.254
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the cloud metadata address
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "http://[64:ff9b:1::808:808]/",  # NAT64 local-use prefix: never a public receiver
    "http://[2002:a9fe:a9fe::]/",  # 6to4 through 169.254.169.254
    "http://[2002:c0a8:101::1]/",  # 6to4 through 192.168.1.1
    "http://[2001:0:c0a8:101:0:f227:3fff:fffe]/",  # Teredo, server 192.168.1.1
)


async def test_ipv6_forms_of_inside_addresses_are_refused_when_saved_and_when_sent(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    app.state.settings = app.state.settings.model_copy(update={"webhooks_allow_private": False})
    for url in INSIDE_AS_IPV6:
        response = await admin.client.post(
            "/api/v1/webhooks", json={"name": "Inside", "url": url, "events": ["ticket.created"]}
        )
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["fields"][0]["code"] == "private_address", url
    # The same forms around public IPv4 addresses are receivers like any other.
    for url in ("http://[64:ff9b::808:808]/hooks", "http://[2002:808:808::1]/hooks"):
        response = await admin.client.post(
            "/api/v1/webhooks", json={"name": "Public", "url": url, "events": ["ticket.created"]}
        )
        assert response.status_code == 201, (url, response.text)

    # Saved while allowed, then refused when it connects: the address itself is checked.
    app.state.settings = app.state.settings.model_copy(update={"webhooks_allow_private": True})
    port = hooks.url.split(":")[2].split("/")[0]
    webhook = await subscribe(admin, hooks)
    moved = await admin.client.patch(
        f"/api/v1/webhooks/{webhook['id']}", json={"url": f"http://[::127.0.0.1]:{port}/hooks"}
    )
    assert moved.status_code == 200, moved.text
    app.state.settings = app.state.settings.model_copy(update={"webhooks_allow_private": False})
    await ping(admin, webhook)
    await deliver(app)
    assert hooks.requests == []
    [refused] = await log(admin, webhook)
    assert "resolves to a private address (::127.0.0.1)" in refused["last_error"]


async def test_a_compressed_error_answer_is_kept_readable(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    # A server that compresses when asked is not asked.
    hooks.statuses, hooks.gzip = [500], "asked"
    await ping(admin, webhook)
    await deliver(app)
    assert hooks.requests[-1].headers["Accept-Encoding"] == "identity"
    [first] = await log(admin, webhook)
    assert first["response_excerpt"] == "something broke"

    # One that compresses anyway is decoded, to the excerpt's size whatever it unpacks to.
    hooks.statuses, hooks.gzip = [500], "always"
    await ping(admin, webhook)
    await deliver(app)
    latest, _ = await log(admin, webhook)
    assert latest["response_excerpt"] == "something broke"
    hooks.statuses, hooks.error_body = [503], b"<h1>Down</h1>" + b" " * 50_000_000
    await ping(admin, webhook)
    await deliver(app)
    bomb, _, _ = await log(admin, webhook)
    assert bomb["last_status"] == 503
    assert bomb["response_excerpt"] == ("<h1>Down</h1>" + " " * sender.EXCERPT_BYTES)[:1024]


async def test_only_admins_manage_webhooks_and_the_secret_is_theirs(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    agent = await desk.agent()
    webhook = await subscribe(admin, hooks)
    assert "secret" not in (await admin.client.get("/api/v1/webhooks")).json()[0]
    assert (await agent.client.get("/api/v1/webhooks")).status_code == 403
    assert (await agent.client.get(f"/api/v1/webhooks/{webhook['id']}/secret")).status_code == 403
    shown = await admin.client.get(f"/api/v1/webhooks/{webhook['id']}/secret")
    assert shown.json()["secret"] == webhook["secret"]

    rotated = await admin.client.post(f"/api/v1/webhooks/{webhook['id']}/secret")
    assert rotated.json()["secret"] != webhook["secret"]
    hooks.secret = rotated.json()["secret"]
    await ping(admin, webhook)
    await deliver(app)
    assert [r.verified for r in hooks.requests] == [True]

    deleted = await admin.client.delete(f"/api/v1/webhooks/{webhook['id']}")
    assert deleted.status_code == 204
    assert (await admin.client.get(f"/api/v1/webhooks/{webhook['id']}")).status_code == 404


async def test_a_name_that_resolves_inside_is_refused_when_saved_and_when_sent(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    # A name, not an address: the guard must look at what it resolves to. "localhost" resolves
    # on every machine (/etc/hosts), where the machine's own name may not.
    name = "localhost"
    addresses = {info[4][0] for info in socket.getaddrinfo(name, 80)}
    assert not any(ipaddress.ip_address(a).is_global for a in addresses), addresses
    admin = await desk.agent(role="admin")
    port = hooks.url.split(":")[2].split("/")[0]
    by_name = f"http://{name}:{port}/hooks"
    # Allowed (on premises), it is saved and delivered to by name.
    webhook = await subscribe(admin, hooks)
    moved = await admin.client.patch(f"/api/v1/webhooks/{webhook['id']}", json={"url": by_name})
    assert moved.status_code == 200, moved.text
    app.state.settings = app.state.settings.model_copy(update={"webhooks_allow_private": False})

    refused = await admin.client.post(
        "/api/v1/webhooks", json={"name": "Inside", "url": by_name, "events": ["chat.started"]}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"][0]["code"] == "private_address"

    await ping(admin, webhook)
    await deliver(app)
    assert hooks.requests == []
    [held] = await log(admin, webhook)
    assert "resolves to a private address" in held["last_error"]
