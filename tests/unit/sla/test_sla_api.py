"""SLA targets through HTTP on a frozen clock: business hours across time zones, a DST change and
a holiday; which policy applies; what starts and stops a target; the list sorted by due time
and its "Breaching soon" folder; the policies' API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.sla import timers as sla_timers
from frontdesk.sla.models import AlertKind, SlaAlert, Target
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import post_mime, reply_mail
from tests.unit.sla.support import customer_writes, ok, policy, ticket, timer_round
from tests.unit.support import count_rows, error_of, new_ticket

pytestmark = SQLITE_ONLY

PARIS = "paris@shop.test"
TOKYO = "tokyo@shop.test"
WEEKDAYS = [
    {"day": day, "opens": "09:00", "closes": "17:00"} for day in ("mon", "tue", "wed", "thu", "fri")
]


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


async def hours(admin: object, inbox: dict[str, object], zone: str, holidays: list[str]) -> None:
    body = {
        "enabled": True,
        "time_zone": zone,
        "weekly": WEEKDAYS,
        "holidays": [{"date": day, "name": "Holiday"} for day in holidays],
    }
    await ok(await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=body))  # type: ignore[attr-defined]


async def test_business_hours_pause_over_a_weekend_a_dst_change_and_a_holiday(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    paris = await desk.inbox(name="Paris", email_address=PARIS)
    tokyo = await desk.inbox(name="Tokyo", email_address=TOKYO)
    admin = await desk.agent(role="owner", inboxes=[paris, tokyo])
    # Easter Monday 2026 is a holiday in Paris; the clocks went forward on Sunday 29 March.
    await hours(admin, paris, "Europe/Paris", ["2026-03-30"])
    await hours(admin, tokyo, "Asia/Tokyo", [])
    urgent = await policy(
        admin, name="Urgent", priority="urgent", business_hours=False, first_response_minutes=120
    )
    standard = await policy(admin, first_response_minutes=120)
    # Friday 27 March, 16:00 in Paris (CET, UTC+1); already Saturday 00:00 in Tokyo.
    clock = FrozenClock(monkeypatch, utc(2026, 3, 27, 15, 0))
    in_paris = await customer_writes(admin, PARIS)
    in_tokyo = await customer_writes(admin, TOKYO)

    # Paris: one hour on Friday (16:00-17:00 CET), nothing at the weekend nor on the holiday,
    # the second hour on Tuesday from 09:00 CEST (UTC+2): 07:00-08:00 UTC.
    shown = await ticket(admin, in_paris)
    assert instant(shown["sla_due_at"]) == utc(2026, 3, 31, 8, 0)
    assert shown["priority"] == "normal"
    assert shown["sla"]["policy_name"] == "Standard"
    (target,) = shown["sla"]["targets"]
    assert target["target"] == "first_response"
    assert target["breached"] is False
    # Tokyo (UTC+9, no DST): closed until Monday 09:00 JST (00:00 UTC), then two hours.
    assert instant((await ticket(admin, in_tokyo))["sla_due_at"]) == utc(2026, 3, 30, 2, 0)

    # Urgent tickets follow the first policy, in calendar time: two hours from now.
    await ok(await admin.client.patch(f"/api/v1/tickets/{in_paris}", json={"priority": "urgent"}))
    shown = await ticket(admin, in_paris)
    assert shown["sla"]["policy_id"] == urgent["id"]
    assert instant(shown["sla_due_at"]) == utc(2026, 3, 27, 17, 0)
    assert any("priority to urgent" in e["text"] for e in shown["entries"])

    # Back to normal: the standard policy's business-hours due time again; nothing breached
    # on the way, and the timer has nothing to do before the warning (15 min of open time).
    await ok(await admin.client.patch(f"/api/v1/tickets/{in_paris}", json={"priority": "normal"}))
    assert (await ticket(admin, in_paris))["sla"]["policy_id"] == standard["id"]
    clock.set(utc(2026, 3, 31, 7, 44))
    assert await timer_round(app) == 1  # Tokyo's ticket breached on Monday
    clock.set(utc(2026, 3, 31, 7, 45))
    assert await timer_round(app) == 1  # Paris's warning, 15 open minutes before it is due
    assert await count_rows(app, SlaAlert, SlaAlert.ticket_id == in_paris) == 1


async def test_the_first_matching_policy_applies_by_inbox_priority_and_label(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    other = await desk.inbox(name="Elsewhere")
    admin = await desk.agent(role="owner", inboxes=[inbox, other])
    vip = await ok(await admin.client.post("/api/v1/labels", json={"name": "vip"}))
    await policy(admin, name="Elsewhere", inbox_id=other["id"], resolution_minutes=10)
    await policy(admin, name="VIP", label_id=vip["id"], business_hours=False, resolution_minutes=60)
    await policy(admin, name="High", priority="high", business_hours=False, resolution_minutes=240)
    await policy(admin, name="Everyone", business_hours=False, resolution_minutes=1440)

    ticket_id = (await new_ticket(admin.client, inbox))["id"]
    assert (await ticket(admin, ticket_id))["sla"]["policy_name"] == "Everyone"
    await ok(await admin.client.patch(f"/api/v1/tickets/{ticket_id}", json={"priority": "high"}))
    shown = await ticket(admin, ticket_id)
    assert shown["sla"]["policy_name"] == "High"
    assert instant(shown["sla_due_at"]) == utc(2026, 6, 1, 14, 0)
    # Both VIP and High match now: VIP comes first in the list.
    await ok(
        await admin.client.patch(f"/api/v1/tickets/{ticket_id}", json={"label_ids": [vip["id"]]})
    )
    shown = await ticket(admin, ticket_id)
    assert shown["sla"]["policy_name"] == "VIP"
    assert instant(shown["sla_due_at"]) == utc(2026, 6, 1, 11, 0)
    # A closed ticket has no running target.
    await ok(await admin.client.patch(f"/api/v1/tickets/{ticket_id}", json={"state": "closed"}))
    shown = await ticket(admin, ticket_id)
    assert shown["sla_due_at"] is None
    assert shown["sla"]["targets"] == []


@BOTH_STORES
async def test_a_label_a_policy_applies_to_is_not_deleted_from_under_it(desk: Desk) -> None:
    admin = await desk.agent(role="owner")
    vip = await ok(await admin.client.post("/api/v1/labels", json={"name": "vip"}))
    made = await policy(admin, name="VIP", label_id=vip["id"], resolution_minutes=60)
    refused = await admin.client.delete(f"/api/v1/labels/{vip['id']}")
    error = error_of(refused, 409, "label_in_use")
    assert "“VIP”" in error["message"]
    assert "“vip”" in error["message"]
    policies = await ok(await admin.client.get("/api/v1/sla-policies"))
    assert [p["id"] for p in policies] == [made["id"]]
    # Once the policy no longer names it, the label goes.
    assert (await admin.client.delete(f"/api/v1/sla-policies/{made['id']}")).status_code == 204
    assert (await admin.client.delete(f"/api/v1/labels/{vip['id']}")).status_code == 204


@BOTH_STORES
async def test_a_response_stops_the_clock_a_customer_message_starts_the_next_one(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await policy(admin, business_hours=False, first_response_minutes=30, next_response_minutes=20)
    ticket_id = await customer_writes(admin, PARIS)
    assert instant((await ticket(admin, ticket_id))["sla_due_at"]) == utc(2026, 6, 1, 10, 30)

    # Answered late, before the timer came: the breach is recorded all the same, once.
    clock.set(utc(2026, 6, 1, 10, 31))
    sent = await ok(
        await admin.client.post(f"/api/v1/tickets/{ticket_id}/replies", json={"text": "Here"})
    )
    shown = await ticket(admin, ticket_id)
    assert shown["sla_due_at"] is None
    breaches = (SlaAlert.ticket_id == ticket_id, SlaAlert.kind == AlertKind.breach)
    assert await count_rows(app, SlaAlert, *breaches, SlaAlert.target == Target.first_response) == 1
    assert await timer_round(app) == 0

    # The customer writes again: the next response is due 20 minutes later.
    clock.set(utc(2026, 6, 1, 11, 0))
    gateway = admin.client
    mail = reply_mail(to=PARIS, text="Thanks, one more thing", in_reply_to=sent["message_id"])
    received = await ok(await post_mime(_bare(gateway), mail, to=[PARIS]))
    assert received["ticket_id"] == ticket_id
    shown = await ticket(admin, ticket_id)
    assert [t["target"] for t in shown["sla"]["targets"]] == ["next_response"]
    assert instant(shown["sla_due_at"]) == utc(2026, 6, 1, 11, 20)


def _bare(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=client._transport, base_url="http://desk.test")


@BOTH_STORES
async def test_list_sorted_by_due_time_and_the_breaching_soon_folder(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await policy(
        admin, name="Urgent", priority="urgent", business_hours=False, resolution_minutes=30
    )
    await policy(admin, name="High", priority="high", business_hours=False, resolution_minutes=50)
    await policy(
        admin, name="Normal", priority="normal", business_hours=False, resolution_minutes=600
    )
    normal = (await new_ticket(admin.client, inbox, subject="normal"))["id"]
    high = (await new_ticket(admin.client, inbox, subject="high", priority="high"))["id"]
    urgent = (await new_ticket(admin.client, inbox, subject="urgent", priority="urgent"))["id"]
    low = (await new_ticket(admin.client, inbox, subject="no target", priority="low"))["id"]

    listed = await ok(await admin.client.get("/api/v1/tickets", params={"sort": "sla_due_at"}))
    assert [t["id"] for t in listed["items"]] == [urgent, high, normal]
    assert [t["priority"] for t in listed["items"]] == ["urgent", "high", "normal"]
    # Pages follow the same order.
    first = await ok(
        await admin.client.get("/api/v1/tickets", params={"sort": "sla_due_at", "limit": 1})
    )
    rest = await ok(
        await admin.client.get(
            "/api/v1/tickets",
            params={"sort": "sla_due_at", "limit": 5, "cursor": first["next_cursor"]},
        )
    )
    assert [t["id"] for t in first["items"] + rest["items"]] == [urgent, high, normal]

    clock.set(utc(2026, 6, 1, 10, 45))  # urgent is late, high due in 5 minutes
    soon = {"state": "open", "breaching": "true", "sort": "sla_due_at"}
    folder = await ok(await admin.client.get("/api/v1/tickets", params=soon))
    assert [t["id"] for t in folder["items"]] == [urgent, high]
    counts = await ok(await admin.client.get("/api/v1/tickets/counts"))
    assert counts["breaching"] == 2
    assert low not in [t["id"] for t in folder["items"]]
    error_of(
        await admin.client.get("/api/v1/tickets", params={"priority": "x", "sort": "bad"}), 422
    )


async def test_policies_api_refuses_bad_input_and_agents(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox(name="Paris")
    admin = await desk.agent(role="owner", inboxes=[inbox])
    agent = await desk.agent(inboxes=[inbox])
    error_of(await admin.client.post("/api/v1/sla-policies", json={"name": "None"}), 422)
    error_of(
        await admin.client.post(
            "/api/v1/sla-policies", json={"name": "x", "label_id": 999999, "resolution_minutes": 5}
        ),
        422,
    )
    error_of(
        await admin.client.post(
            "/api/v1/sla-policies", json={"name": "x", "resolution_minutes": 0}
        ),
        422,
    )
    error_of(
        await admin.client.post(
            "/api/v1/sla-policies",
            json={"name": "x", "priority": "extreme", "resolution_minutes": 5},
        ),
        422,
    )
    assert (
        await agent.client.post("/api/v1/sla-policies", json={"name": "x", "resolution_minutes": 5})
    ).status_code == 403
    first = await policy(admin, name="First", resolution_minutes=60)
    second = await policy(admin, name="Second", first_response_minutes=5)
    assert second["position"] > first["position"]
    moved = await ok(
        await admin.client.put(
            f"/api/v1/sla-policies/{second['id']}",
            json={"name": "Second", "first_response_minutes": 5, "position": 0},
        )
    )
    assert moved["position"] == 0
    names = [p["name"] for p in await ok(await agent.client.get("/api/v1/sla-policies"))]
    assert names == ["Second", "First"]
    # A new policy given a place takes it, ahead of the one that held it (it used to tie).
    await policy(admin, name="Urgent", priority="urgent", resolution_minutes=30, position=1)
    listed = await ok(await agent.client.get("/api/v1/sla-policies"))
    assert [(p["name"], p["position"]) for p in listed] == [
        ("Second", 0),
        ("Urgent", 1),
        ("First", 2),
    ]
    assert (await admin.client.delete(f"/api/v1/sla-policies/{first['id']}")).status_code == 204
    error_of(await admin.client.delete(f"/api/v1/sla-policies/{first['id']}"), 404)
    bad = await admin.client.patch("/api/v1/tickets/1", json={"priority": "extreme"})
    assert bad.status_code in (404, 422)


@BOTH_STORES
async def test_warning_and_breach_written_once_by_concurrent_timer_rounds(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="owner", name="Olga")
    await policy(admin, business_hours=False, first_response_minutes=60, warning_minutes=10)
    unassigned = await customer_writes(ada, PARIS, subject="Nobody has it")
    mine = await customer_writes(ada, PARIS, subject="Ada has it")
    await ok(await bob.client.patch(f"/api/v1/tickets/{mine}", json={"assignee_id": ada.id}))

    clock.set(utc(2026, 6, 1, 10, 49))
    assert await timer_round(app) == 0
    clock.set(utc(2026, 6, 1, 10, 50))
    written = await asyncio.gather(timer_round(app), timer_round(app))
    assert sum(written) == 2  # one warning per ticket, whichever round wrote it
    assert await timer_round(app) == 0

    async def warned(agent: object) -> list[int]:
        page = await ok(await agent.client.get("/api/v1/notifications"))  # type: ignore[attr-defined]
        return sorted(n["ticket_id"] for n in page["items"] if n["kind"] == "sla_breaching")

    # Unassigned: every member of the inbox; assigned: the assignee only.
    assert await warned(ada) == sorted([unassigned, mine])
    assert await warned(bob) == [unassigned]
    assert await warned(admin) == []

    clock.set(utc(2026, 6, 1, 11, 0) + timedelta(seconds=1))
    written = await asyncio.gather(timer_round(app), timer_round(app))
    assert sum(written) == 2
    breaches = await count_rows(app, SlaAlert, SlaAlert.kind == AlertKind.breach)
    assert breaches == 2
    shown = await ticket(ada, mine)
    assert shown["sla"]["targets"][0]["breached"] is True
    # Later rounds and a refresh of the ticket write nothing more.
    await ok(await ada.client.post(f"/api/v1/tickets/{mine}/replies", json={"text": "Sorry"}))
    assert await timer_round(app) == 0
    assert await count_rows(app, SlaAlert, SlaAlert.kind == AlertKind.breach) == 2
    assert await warned(ada) == sorted([unassigned, mine])


async def test_targets_due_together_are_checked_in_short_transactions(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round checks BATCHES batches of BATCH tickets, a transaction each (two of two here),
    and the next round the rest: nobody waits behind one long transaction."""
    monkeypatch.setattr(sla_timers, "BATCH", 2)
    monkeypatch.setattr(sla_timers, "BATCHES", 2)
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="owner", name="Olga")
    await policy(admin, business_hours=False, first_response_minutes=60, warning_minutes=10)
    for n in range(5):
        await customer_writes(ada, PARIS, subject=f"Order {n}")
    clock.set(utc(2026, 6, 1, 10, 50))
    assert [await timer_round(app) for _ in range(3)] == [4, 1, 0]
    warned = await ok(await ada.client.get("/api/v1/notifications"))
    assert len([n for n in warned["items"] if n["kind"] == "sla_breaching"]) == 5
