"""Editing, adding or deleting an SLA policy works out again the due times of the open tickets it
covers (docs/routing.md, "When a policy changes"): a target still running takes the new time, a
target met stays met, a breach recorded stays as it was; past the request's batch, the loop
does the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.db.session import unit_of_work
from frontdesk.hours import sla_refresh
from frontdesk.hours import timers as hours_timers
from frontdesk.sla import policies as sla_policies
from frontdesk.sla import service as sla_service
from frontdesk.sla.models import AlertKind, SlaAlert, SlaPolicy, Target
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.sla.support import counting, customer_writes, ok, policy, ticket, timer_round
from tests.unit.support import count_rows

pytestmark = SQLITE_ONLY

SHOP = "shop@shop.test"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def due(shown: dict[str, Any]) -> datetime | None:
    text = shown["sla_due_at"]
    return datetime.fromisoformat(text) if text is not None else None


def targets(shown: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["target"]: item for item in (shown["sla"] or {}).get("targets", [])}


async def edit(admin: Agent, edited: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        key: edited[key]
        for key in (
            "name",
            "inbox_id",
            "priority",
            "label_id",
            "business_hours",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "warning_minutes",
        )
    } | fields
    return dict(await ok(await admin.client.put(f"/api/v1/sla-policies/{edited['id']}", json=body)))


@BOTH_STORES
async def test_a_shortened_target_moves_the_due_time_of_open_tickets_at_once(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox(email_address=SHOP)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    standard = await policy(
        admin, business_hours=False, first_response_minutes=8 * 60, resolution_minutes=3 * 60
    )
    clock = FrozenClock(monkeypatch, START)
    waiting = await customer_writes(admin, SHOP, subject="Waiting")
    answered = await customer_writes(admin, SHOP, subject="Answered")
    await ok(await admin.client.post(f"/api/v1/tickets/{answered}/replies", json={"text": "On it"}))
    assert due(await ticket(admin, waiting)) == START + timedelta(hours=3)
    assert set(targets(await ticket(admin, answered))) == {"resolution"}

    # Four hours on, the resolution target (3 h) is breached; the admin shortens first reply
    # from 8 h to 1 h and lengthens resolution to 10 h.
    clock.advance(hours=4)
    assert await timer_round(app) >= 2
    breaches = await count_rows(app, SlaAlert, SlaAlert.kind == AlertKind.breach)
    await edit(admin, standard, first_response_minutes=60, resolution_minutes=10 * 60)

    shown = await ticket(admin, waiting)
    running = targets(shown)
    # Still running: the new time from the same start, so first reply is late already.
    assert datetime.fromisoformat(running["first_response"]["due_at"]) == START + timedelta(hours=1)
    assert running["first_response"]["breached"] is True
    assert datetime.fromisoformat(running["resolution"]["due_at"]) == START + timedelta(hours=10)
    assert running["resolution"]["breached"] is False
    assert due(shown) == START + timedelta(hours=1)
    # Met stays met: the answered ticket has no first-reply target to run again.
    assert set(targets(await ticket(admin, answered))) == {"resolution"}
    # The resolution breach recorded at 3 h stays; the shortened first reply, nobody warned of,
    # breaches at the next round (once).
    assert await count_rows(app, SlaAlert, SlaAlert.kind == AlertKind.breach) == breaches
    await timer_round(app)
    late = await count_rows(
        app,
        SlaAlert,
        SlaAlert.kind == AlertKind.breach,
        SlaAlert.target == Target.first_response,
    )
    assert late == 1
    await timer_round(app)
    assert (
        await count_rows(
            app,
            SlaAlert,
            SlaAlert.kind == AlertKind.breach,
            SlaAlert.target == Target.first_response,
        )
        == late
    )


async def test_a_renamed_policy_moves_nothing_and_a_deleted_one_lets_the_next_apply(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox(email_address=SHOP)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    FrozenClock(monkeypatch, START)
    first = await policy(admin, name="First", business_hours=False, first_response_minutes=60)
    await policy(admin, name="Second", business_hours=False, first_response_minutes=120)
    waiting = await customer_writes(admin, SHOP)
    assert due(await ticket(admin, waiting)) == START + timedelta(hours=1)
    await edit(admin, first, name="First, renamed")
    assert (await ticket(admin, waiting))["sla"]["policy_name"] == "First, renamed"

    deleted = await admin.client.delete(f"/api/v1/sla-policies/{first['id']}")
    assert deleted.status_code == 204, deleted.text
    shown = await ticket(admin, waiting)
    assert shown["sla"]["policy_name"] == "Second"
    assert due(shown) == START + timedelta(hours=2)

    # A new policy tried first applies at once too.
    await policy(admin, name="Third", business_hours=False, first_response_minutes=30, position=0)
    assert due(await ticket(admin, waiting)) == START + timedelta(minutes=30)


async def test_past_the_request_batch_the_loop_refreshes_the_rest(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sla_refresh, "REQUEST_BATCH", 1)
    monkeypatch.setattr(sla_refresh, "BATCH", 1)
    inbox = await desk.inbox(email_address=SHOP)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    FrozenClock(monkeypatch, START)
    edited = await policy(admin, business_hours=False, first_response_minutes=8 * 60)
    tickets = [await customer_writes(admin, SHOP, subject=f"Order {n}") for n in range(3)]
    await edit(admin, edited, first_response_minutes=60)
    shown = [due(await ticket(admin, each)) for each in tickets]
    assert shown.count(START + timedelta(hours=1)) == 1
    await hours_timers.refresh_slas(app.state.sessionmaker, app.state.settings)
    for each in tickets:
        assert due(await ticket(admin, each)) == START + timedelta(hours=1)


async def test_a_policy_of_every_inbox_refreshes_one_request_batch_between_them(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a batch an inbox: with 100 inboxes that was 100 batches, and their locks, in the
    admin's request."""
    monkeypatch.setattr(sla_refresh, "REQUEST_BATCH", 2)
    monkeypatch.setattr(sla_refresh, "BATCH", 2)
    shops = [f"shop{n}@shop.test" for n in range(3)]
    inboxes = [await desk.inbox(email_address=shop) for shop in shops]
    admin = await desk.agent(role="admin", inboxes=inboxes)
    FrozenClock(monkeypatch, START)
    every = await policy(admin, business_hours=False, first_response_minutes=8 * 60)
    tickets = [
        await customer_writes(admin, shop, subject=f"Order {n}") for shop in shops for n in range(2)
    ]
    refreshed = counting(monkeypatch, sla_service, "refresh")
    await edit(admin, every, first_response_minutes=60)
    # Each inbox alone fits the batch; together they do not.
    assert len(refreshed) == 2
    shown = [due(await ticket(admin, each)) for each in tickets]
    assert shown.count(START + timedelta(hours=1)) == 2
    await hours_timers.refresh_slas(app.state.sessionmaker, app.state.settings)
    for each in tickets:
        assert due(await ticket(admin, each)) == START + timedelta(hours=1)


async def test_a_policy_changed_by_any_caller_moves_the_due_times(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh is the policy service's, not the router's: a change from elsewhere (a script,
    another feature) moves the due times as the API's does."""
    inbox = await desk.inbox(email_address=SHOP)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    FrozenClock(monkeypatch, START)
    written = await policy(admin, business_hours=False, first_response_minutes=8 * 60)
    waiting = await customer_writes(admin, SHOP)
    assert due(await ticket(admin, waiting)) == START + timedelta(hours=8)

    async with unit_of_work(app.state.sessionmaker) as session:
        stored = await session.get(SlaPolicy, written["id"])
        assert stored is not None
        fields = sla_policies.PolicyFields(
            name="Standard", business_hours=False, first_response_minutes=60
        )
        await sla_policies.update_policy(session, policy=stored, fields=fields)
    assert due(await ticket(admin, waiting)) == START + timedelta(hours=1)

    async with unit_of_work(app.state.sessionmaker) as session:
        urgent = await sla_policies.create_policy(
            session,
            fields=sla_policies.PolicyFields(
                name="Urgent", business_hours=False, first_response_minutes=30, position=0
            ),
        )
        urgent_id = urgent.id
    assert due(await ticket(admin, waiting)) == START + timedelta(minutes=30)

    async with unit_of_work(app.state.sessionmaker) as session:
        stored = await session.get(SlaPolicy, urgent_id)
        assert stored is not None
        await sla_policies.delete_policy(session, policy=stored)
    assert due(await ticket(admin, waiting)) == START + timedelta(hours=1)
