"""A target breaches once: a policy that changes after the breach (another priority, a label that
selects another policy) adds no second one; and a ticket merged away (or emptied by the undo of a
split) has no running target, so nothing breaches on it while it is closed. Through HTTP, on a
frozen clock, with the timer's round called as the loop calls it."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.db.session import unit_of_work
from frontdesk.sla.models import AlertKind, SlaAlert
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import post_mime, reply_mail
from tests.unit.sla.support import customer_writes, ok, policy, ticket, timer_round
from tests.unit.sla.test_sla_api import PARIS, _bare, instant, utc

pytestmark = SQLITE_ONLY


async def breaches(app: FastAPI, ticket_id: int) -> list[tuple[str, datetime, int | None]]:
    """The ticket's breaches: target, due time and policy, in the order they were recorded."""
    async with unit_of_work(app.state.sessionmaker) as session:
        rows = await session.scalars(
            select(SlaAlert)
            .where(SlaAlert.ticket_id == ticket_id, SlaAlert.kind == AlertKind.breach)
            .order_by(SlaAlert.id)
        )
        return [(row.target.value, row.due_at, row.policy_id) for row in rows]


async def set_priority(agent: Agent, ticket_id: int, priority: str) -> None:
    await ok(await agent.client.patch(f"/api/v1/tickets/{ticket_id}", json={"priority": priority}))


@BOTH_STORES
async def test_a_stricter_policy_after_the_breach_adds_no_second_one(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await policy(
        admin, name="Urgent", priority="urgent", business_hours=False, first_response_minutes=60
    )
    standard = await policy(admin, name="Std", business_hours=False, first_response_minutes=120)
    ticket_id = await customer_writes(admin, PARIS)
    clock.set(utc(2026, 6, 1, 12, 30))
    assert await timer_round(app) == 1  # due 12:00 under Std

    await set_priority(admin, ticket_id, "urgent")
    assert await timer_round(app) == 0
    # The breach stays as it was recorded: due 12:00, under the policy of that moment.
    assert await breaches(app, ticket_id) == [
        ("first_response", utc(2026, 6, 1, 12), standard["id"])
    ]
    # The ticket shows the policy that applies now, its target late.
    shown = await ticket(admin, ticket_id)
    assert shown["sla"]["policy_name"] == "Urgent"
    assert instant(shown["sla_due_at"]) == utc(2026, 6, 1, 11)
    assert [t["breached"] for t in shown["sla"]["targets"]] == [True]
    # And back again, then answered late: still the one breach.
    await set_priority(admin, ticket_id, "normal")
    await ok(await admin.client.post(f"/api/v1/tickets/{ticket_id}/replies", json={"text": "Hi"}))
    assert await timer_round(app) == 0
    assert len(await breaches(app, ticket_id)) == 1


async def test_a_label_that_selects_a_later_target_after_the_breach_adds_none_when_it_passes(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Breached at 11:00 under Std; the VIP label's policy then promises 14:00, still ahead: the
    target keeps running (its time is shown), and 14:00 passing is not a second breach. A new
    customer message after an answer is a new next-response target, which breaches on its own."""
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    vip = await ok(await admin.client.post("/api/v1/labels", json={"name": "vip"}))
    await policy(
        admin,
        name="VIP",
        label_id=vip["id"],
        business_hours=False,
        first_response_minutes=240,
        next_response_minutes=30,
    )
    await policy(
        admin, name="Std", business_hours=False, first_response_minutes=60, next_response_minutes=20
    )
    ticket_id = await customer_writes(admin, PARIS)
    clock.set(utc(2026, 6, 1, 11, 30))
    assert await timer_round(app) == 1
    await ok(
        await admin.client.patch(f"/api/v1/tickets/{ticket_id}", json={"label_ids": [vip["id"]]})
    )
    shown = await ticket(admin, ticket_id)
    assert shown["sla"]["policy_name"] == "VIP"
    assert instant(shown["sla_due_at"]) == utc(2026, 6, 1, 14)
    clock.set(utc(2026, 6, 1, 14, 30))
    assert await timer_round(app) == 0
    sent = await ok(
        await admin.client.post(f"/api/v1/tickets/{ticket_id}/replies", json={"text": "Here"})
    )
    assert [target for target, _due, _policy in await breaches(app, ticket_id)] == [
        "first_response"
    ]

    # The customer writes again at 15:00: due 15:30 under VIP, breached; without the label Std
    # says 15:20, also past, and still that message's target breached once.
    clock.set(utc(2026, 6, 1, 15))
    mail = reply_mail(to=PARIS, text="And now?", in_reply_to=sent["message_id"])
    await ok(await post_mime(_bare(admin.client), mail, to=[PARIS]))
    clock.set(utc(2026, 6, 1, 15, 31))
    assert await timer_round(app) == 1
    await ok(await admin.client.patch(f"/api/v1/tickets/{ticket_id}", json={"label_ids": []}))
    assert await timer_round(app) == 0
    assert [target for target, _due, _policy in await breaches(app, ticket_id)] == [
        "first_response",
        "next_response",
    ]


async def test_a_merged_ticket_has_no_running_target_and_undo_brings_its_targets_back(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await policy(admin, business_hours=False, first_response_minutes=60, resolution_minutes=120)
    first = await customer_writes(admin, PARIS, subject="Order")
    second = await customer_writes(admin, PARIS, subject="Order, again")
    clock.set(utc(2026, 6, 1, 10, 30))
    move = await ok(
        await admin.client.post(f"/api/v1/tickets/{first}/merge", json={"into_ticket_id": second})
    )
    shown = await ticket(admin, first)
    assert (shown["state"], shown["sla_due_at"], shown["sla"]["targets"]) == ("closed", None, [])
    assert [t["target"] for t in (await ticket(admin, second))["sla"]["targets"]] == [
        "first_response",
        "resolution",
    ]

    # Both targets pass: the ticket that holds the conversation breaches, the merged one not.
    clock.set(utc(2026, 6, 1, 12, 30))
    assert await timer_round(app) == 2
    assert len(await breaches(app, second)) == 2
    assert await breaches(app, first) == []

    # Undone, the ticket is open again and its targets run as its own conversation says: the
    # due times it had before the merge, late now, each breached once.
    await ok(await admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"))
    shown = await ticket(admin, first)
    assert shown["state"] == "open"
    assert instant(shown["sla_due_at"]) == utc(2026, 6, 1, 11)
    assert [(t["target"], t["breached"]) for t in shown["sla"]["targets"]] == [
        ("first_response", True),
        ("resolution", True),
    ]
    assert await timer_round(app) == 2
    assert await timer_round(app) == 0
    assert [target for target, _due, _policy in await breaches(app, first)] == [
        "first_response",
        "resolution",
    ]


async def test_a_merge_stops_a_late_target_as_a_breach_and_relabels_the_kept_ticket(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merged after its due time, before the timer came: the late target is recorded then, as for
    any target stopped late. The kept ticket gains the merged one's labels, and with them the
    policy they select."""
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    vip = await ok(await admin.client.post("/api/v1/labels", json={"name": "vip"}))
    await policy(
        admin, name="VIP", label_id=vip["id"], business_hours=False, first_response_minutes=30
    )
    await policy(admin, name="Std", business_hours=False, first_response_minutes=60)
    first = await customer_writes(admin, PARIS, subject="Order")
    await ok(await admin.client.patch(f"/api/v1/tickets/{first}", json={"label_ids": [vip["id"]]}))
    clock.set(utc(2026, 6, 1, 10, 20))
    second = await customer_writes(admin, PARIS, subject="Order, again")
    assert (await ticket(admin, second))["sla"]["policy_name"] == "Std"
    clock.set(utc(2026, 6, 1, 10, 40))
    move = await ok(
        await admin.client.post(f"/api/v1/tickets/{first}/merge", json={"into_ticket_id": second})
    )
    assert [target for target, _due, _policy in await breaches(app, first)] == ["first_response"]
    kept = await ticket(admin, second)
    assert kept["sla"]["policy_name"] == "VIP"
    assert instant(kept["sla_due_at"]) == utc(2026, 6, 1, 10, 50)
    # The undo takes the label back off, and the kept ticket's policy with it.
    await ok(await admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"))
    kept = await ticket(admin, second)
    assert kept["sla"]["policy_name"] == "Std"
    assert instant(kept["sla_due_at"]) == utc(2026, 6, 1, 11, 20)


async def test_the_ticket_an_undone_split_empties_has_no_running_target(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await policy(admin, business_hours=False, first_response_minutes=60)
    ticket_id = await customer_writes(admin, PARIS)
    await ok(
        await admin.client.post(f"/api/v1/tickets/{ticket_id}/notes", json={"text": "Checking"})
    )
    (message,) = [e for e in (await ticket(admin, ticket_id))["entries"] if e["kind"] == "reply"]
    split = await ok(
        await admin.client.post(
            f"/api/v1/tickets/{ticket_id}/entries/{message['id']}/split", json={}
        )
    )
    new_id = split["target_ticket_id"]
    # The split-out message is a customer waiting on the new ticket.
    assert instant((await ticket(admin, new_id))["sla_due_at"]) == utc(2026, 6, 1, 11)
    await ok(await admin.client.post(f"/api/v1/tickets/moves/{split['id']}/undo"))
    shown = await ticket(admin, new_id)
    assert (shown["state"], shown["sla_due_at"], shown["sla"]["targets"]) == ("closed", None, [])
    clock.set(utc(2026, 6, 1, 11, 30))
    assert await timer_round(app) == 1  # the kept ticket's own first response
    assert await breaches(app, new_id) == []
