"""Rotating a webhook's secret without downtime (docs/webhooks.md, "Rotating the secret"):
for the overlap every delivery is signed with the new secret and the old one (two `v1=`), so
that the receiver verifies with either until it switches; after it, with the new one alone.
Checked on real deliveries with the docs' verifier, and with the verifier the docs gave
before (which kept the last `v1`)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.kit.clock import utcnow
from frontdesk.webhooks import service as webhooks_service
from tests.conftest import Agent, Desk
from tests.unit.webhooks.receiver import Received, Receiver, docs_verifier
from tests.unit.webhooks.test_webhook_delivery import ping
from tests.unit.webhooks.test_webhook_events import deliver, subscribe


def first_verifier(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """docs/webhooks.md's verifier before rotation overlapped: a dict of the header's fields,
    in which the last `v1` wins."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


def signed_with(request: Received, secret: str) -> bool:
    return docs_verifier()(secret, request.headers["Frontdesk-Signature"], request.body)


async def rotate(admin: Agent, webhook: dict[str, Any], **body: Any) -> dict[str, Any]:
    url = f"/api/v1/webhooks/{webhook['id']}/secret"
    response = await admin.client.post(url, json=body) if body else await admin.client.post(url)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_both_secrets_sign_during_the_overlap_and_the_new_one_alone_after(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    old = webhook["secret"]
    assert webhook["previous_secret_expires_at"] is None

    rotated = await rotate(admin, webhook)
    new = rotated["secret"]
    assert new != old
    until = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert timedelta(hours=23) < until - utcnow() <= timedelta(hours=24)
    shown = (await admin.client.get(f"/api/v1/webhooks/{webhook['id']}")).json()
    assert shown["previous_secret_expires_at"] == rotated["previous_secret_expires_at"]

    await ping(admin, webhook)
    await deliver(app)
    [during] = hooks.requests
    header = during.headers["Frontdesk-Signature"]
    assert header.count("v1=") == 2
    assert signed_with(during, new)
    assert signed_with(during, old)
    # A receiver still running the first verifier keeps working with the old secret.
    assert first_verifier(old, header, during.body)

    # A day later the old secret signs no more.
    await ping(admin, webhook)
    await deliver(app, now=utcnow() + timedelta(hours=24, minutes=1))
    after = hooks.requests[1]
    assert after.headers["Frontdesk-Signature"].count("v1=") == 1
    assert signed_with(after, new)
    assert not signed_with(after, old)
    assert first_verifier(new, after.headers["Frontdesk-Signature"], after.body)


async def test_a_leaked_secret_stops_at_once_and_the_overlap_has_bounds(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin")
    webhook = await subscribe(admin, hooks)
    first = webhook["secret"]
    second = (await rotate(admin, webhook, overlap_hours=48))["secret"]
    # Rotated again during the overlap: only the secret being replaced overlaps, never the
    # first; with no overlap, not even that one.
    third = await rotate(admin, webhook, overlap_hours=0)
    assert third["previous_secret_expires_at"] is None

    await ping(admin, webhook)
    await deliver(app)
    [request] = hooks.requests
    assert request.headers["Frontdesk-Signature"].count("v1=") == 1
    assert signed_with(request, third["secret"])
    assert not signed_with(request, second)
    assert not signed_with(request, first)

    for hours in (-1, 169):
        refused = await admin.client.post(
            f"/api/v1/webhooks/{webhook['id']}/secret", json={"overlap_hours": hours}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["fields"][0]["field"] == "overlap_hours"


async def test_two_rotations_at_once_leave_each_admin_a_secret_that_signs(
    app: FastAPI, desk: Desk, hooks: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two admins rotate at the same moment: each is shown a secret, and each of those signs
    (the later rotation's overlap keeps the earlier one's). Both had read the webhook before
    either wrote, once: the second's write used to replace the first one's new secret with its
    own and keep the secret before both as the old one, so the first admin held a secret that
    never signed."""
    ada = await desk.agent(role="admin")
    grace = await desk.agent(role="admin")
    webhook = await subscribe(ada, hooks)
    if app.state.settings.database_url.startswith("postgresql"):
        # Both requests have read the webhook before either rotates. (On SQLite every
        # transaction holds the one connection: the second cannot read before the first ends.)
        rotate_secret = webhooks_service.rotate_secret
        arrived: list[None] = []
        both = asyncio.Event()

        async def together(*args: Any, **kwargs: Any) -> str:
            arrived.append(None)
            if len(arrived) == 2:
                both.set()
            await both.wait()
            return await rotate_secret(*args, **kwargs)

        monkeypatch.setattr(webhooks_service, "rotate_secret", together)
    first, second = await asyncio.gather(rotate(ada, webhook), rotate(grace, webhook))
    assert first["secret"] != second["secret"]

    await ping(ada, webhook)
    await deliver(app)
    [request] = hooks.requests
    assert request.headers["Frontdesk-Signature"].count("v1=") == 2
    assert signed_with(request, first["secret"])
    assert signed_with(request, second["secret"])
    assert not signed_with(request, webhook["secret"])
