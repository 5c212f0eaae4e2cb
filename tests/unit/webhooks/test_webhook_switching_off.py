"""Switching a webhook off: only when its receiver has failed for days (or says 410 Gone), with
the owners and admins told by email; the events of a webhook frontdesk switched off are held and
delivered in order when it is switched on again, those of one an admin switched off are not
recorded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.kit.clock import utcnow
from frontdesk.webhooks import service
from frontdesk.webhooks.timers import prune_deliveries
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import new_ticket
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.test_webhook_delivery import log
from tests.unit.webhooks.test_webhook_events import deliver, subscribe

pytestmark = SQLITE_ONLY

CREATED = ["ticket.created"]


async def webhook_now(admin: Agent, webhook: dict[str, Any]) -> dict[str, Any]:
    response = await admin.client.get(f"/api/v1/webhooks/{webhook['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def switch(admin: Agent, webhook: dict[str, Any], *, on: bool) -> dict[str, Any]:
    response = await admin.client.patch(f"/api/v1/webhooks/{webhook['id']}", json={"enabled": on})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def deliver_all(app: FastAPI, now: datetime) -> None:
    while await deliver(app, now=now):
        pass


def subjects(hooks: Receiver, since: int = 0) -> list[str]:
    return [r.json["data"]["ticket"]["subject"] for r in hooks.requests[since:]]


async def alerts(admin: Agent) -> list[dict[str, Any]]:
    response = await admin.client.get("/api/v1/outbox", params={"limit": 200})
    assert response.status_code == 200, response.text
    return [m for m in response.json() if m["subject"] == 'Webhook "CRM" switched off']


async def test_a_short_outage_on_a_busy_desk_leaves_the_webhook_on(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox])
    webhook = await subscribe(admin, hooks, CREATED)
    hooks.statuses = [503] * 20
    for i in range(20):
        await new_ticket(admin.client, inbox, subject=f"t{i}")

    await deliver(app)  # one round: 20 failed attempts in a row, within a second

    on = await webhook_now(admin, webhook)
    assert (on["enabled"], on["consecutive_failures"]) == (True, 20)
    assert on["failing_since"] is not None
    await new_ticket(admin.client, inbox, subject="created during the outage")
    await deliver_all(app, utcnow() + timedelta(minutes=10))
    expected = [*(f"t{i}" for i in range(20)), "created during the outage"]
    assert sorted(subjects(hooks, since=20)) == sorted(expected)
    recovered = await webhook_now(admin, webhook)
    assert (recovered["consecutive_failures"], recovered["failing_since"]) == (0, None)
    assert await alerts(admin) == []


async def test_a_receiver_down_for_days_is_switched_off_its_admins_emailed_and_events_held(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    owner = await desk.agent(role="owner", inboxes=[inbox])
    admin = await desk.agent(role="admin")
    await desk.agent()
    gone = await desk.user(role="admin")
    left = await owner.client.patch(f"/api/v1/users/{gone['id']}", json={"is_active": False})
    assert left.status_code == 200, left.text
    webhook = await subscribe(admin, hooks, CREATED)
    hooks.statuses = [503] * 10_000
    start = utcnow()

    # A ticket every six hours, every attempt refused, each retried on its schedule (~21 h).
    off_at: timedelta | None = None
    hour = 0
    while off_at is None and hour < 120:
        if hour % 6 == 0:
            await new_ticket(owner.client, inbox, subject=f"hour {hour}")
        await deliver_all(app, start + timedelta(hours=hour))
        if not (await webhook_now(admin, webhook))["enabled"]:
            off_at = timedelta(hours=hour)
        hour += 2

    # Off once a delivery used its last attempt with nothing delivered for three days.
    assert off_at is not None
    assert timedelta(hours=72) <= off_at < timedelta(hours=100)
    off = await webhook_now(admin, webhook)
    assert off["disabled_reason"].startswith("No delivery succeeded for 3 days (")
    assert off["consecutive_failures"] >= 20
    assert off["holding_until"] is not None
    [failed, *_] = await log(admin, webhook, state="failed")
    assert failed["attempts"] == service.MAX_ATTEMPTS

    emails = await alerts(owner)
    told = sorted(recipient for email in emails for recipient in email["recipients"])
    assert told == sorted([owner.user["email"], admin.user["email"]])
    text = emails[0]["text"]
    assert "No delivery succeeded for 3 days" in text
    assert "/settings/webhooks" in text
    assert hooks.url not in text  # a receiver's URL can hold its own secret
    audit = await owner.client.get(
        "/api/v1/audit-events", params={"action": "webhook.switched_off"}
    )
    assert [e["action"] for e in audit.json()["items"]] == ["webhook.switched_off"]

    # While off, nothing is sent and new events are held.
    sent = len(hooks.requests)
    await new_ticket(owner.client, inbox, subject="while off")
    later = start + off_at + timedelta(days=2)
    assert await deliver(app, now=later) == 0
    waiting = [d["payload"]["data"]["ticket"]["subject"] for d in await held(admin, webhook)]
    assert "while off" in waiting

    # Switched on, what waited goes out in the order it happened.
    hooks.statuses = []
    await switch(admin, webhook, on=True)
    await deliver_all(app, later)
    resent = subjects(hooks, since=sent)
    assert resent[-1] == "while off"
    hours = [int(subject.split()[1]) for subject in resent[:-1]]
    assert hours == sorted(hours)
    assert await log(admin, webhook, state="pending") == []


async def held(admin: Agent, webhook: dict[str, Any]) -> list[dict[str, Any]]:
    details = []
    for delivery in await log(admin, webhook, state="pending", limit=200):
        url = f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}"
        details.append(dict((await admin.client.get(url)).json()))
    return details


@BOTH_STORES
async def test_410_gone_fails_at_once_and_switches_off_and_an_admin_off_holds_nothing(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox])
    webhook = await subscribe(admin, hooks, CREATED)
    hooks.statuses = [410]
    await new_ticket(admin.client, inbox, subject="first")

    await deliver(app)

    [gone] = await log(admin, webhook)
    assert (gone["state"], gone["attempts"], gone["last_status"]) == ("failed", 1, 410)
    assert gone["next_attempt_at"] is None
    off = await webhook_now(admin, webhook)
    assert off["enabled"] is False
    assert "410 Gone" in off["disabled_reason"]
    assert off["holding_until"] is not None
    assert [e["recipients"] for e in await alerts(admin)] == [[admin.user["email"]]]

    await new_ticket(admin.client, inbox, subject="held")
    assert await deliver(app, now=utcnow() + timedelta(hours=1)) == 0
    # Saving the webhook as it is (the desk's form sends `enabled` with every edit) keeps the hold.
    fixed = await admin.client.patch(
        f"/api/v1/webhooks/{webhook['id']}", json={"enabled": False, "name": "CRM"}
    )
    assert fixed.json()["holding_until"] is not None
    assert "410 Gone" in fixed.json()["disabled_reason"]

    await switch(admin, webhook, on=True)
    await deliver_all(app, utcnow())
    assert subjects(hooks) == ["first", "held"]
    # Switched off by an admin: nothing is recorded while it is off.
    stopped = await switch(admin, webhook, on=False)
    assert stopped["holding_until"] is None
    assert stopped["disabled_reason"].startswith("Switched off by ")
    await new_ticket(admin.client, inbox, subject="not recorded")
    assert [d["event_type"] for d in await log(admin, webhook)] == CREATED * 2
    await switch(admin, webhook, on=True)
    assert await deliver(app, now=utcnow() + timedelta(hours=1)) == 0
    assert subjects(hooks) == ["first", "held"]


@BOTH_STORES
async def test_a_hold_ends_after_a_week_or_at_its_cap(
    app: FastAPI, desk: Desk, hooks: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "HOLD_AT_MOST", 2)
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox])
    webhook = await subscribe(admin, hooks, CREATED)

    async def gone_away() -> None:
        hooks.statuses = [410]
        await new_ticket(admin.client, inbox, subject="gone")
        await deliver_all(app, utcnow())
        assert (await webhook_now(admin, webhook))["holding_until"] is not None

    await gone_away()
    await new_ticket(admin.client, inbox, subject="held 1")
    await prune_deliveries(app.state.sessionmaker, app.state.settings)
    assert (await webhook_now(admin, webhook))["holding_until"] is not None
    await new_ticket(admin.client, inbox, subject="held 2")
    await prune_deliveries(app.state.sessionmaker, app.state.settings)
    full = await webhook_now(admin, webhook)
    assert full["holding_until"] is None
    assert full["disabled_reason"].endswith("UTC were not kept.")
    await new_ticket(admin.client, inbox, subject="after the cap")
    assert len(await log(admin, webhook, state="pending")) == 2

    await switch(admin, webhook, on=True)
    await deliver_all(app, utcnow())
    await gone_away()
    await new_ticket(admin.client, inbox, subject="held 3")
    week = utcnow() + service.HOLD + timedelta(minutes=1)
    await prune_deliveries(app.state.sessionmaker, app.state.settings, now=week)
    assert (await webhook_now(admin, webhook))["holding_until"] is None
    await new_ticket(admin.client, inbox, subject="after the week")
    assert len(await log(admin, webhook, state="pending")) == 1
