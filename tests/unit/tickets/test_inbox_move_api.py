"""Moving a ticket to another inbox over HTTP (`PATCH /tickets/{id}` with `inbox_id`, the
`set_inbox` action one by one, in bulk, in a macro and in a rule): who may, what is refused and
how, and what the move reconsiders: the assignee, the timeline, the events of both inboxes, the
folder counts, the SLA, auto-assignment, report moments, webhooks and the audit log. Then two
changes of one ticket at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.assignment.models import AutoAssignment
from frontdesk.assignment.timers import assign_tickets
from frontdesk.config import Settings
from frontdesk.metrics.models import MetricMoment, MomentKind
from frontdesk.sla.models import AlertKind, SlaAlert, TicketSla
from frontdesk.tickets import merging
from frontdesk.tickets.models import TicketViewer
from frontdesk.webhooks.models import WebhookDelivery
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, POSTGRESQL_ONLY, SQLITE_ONLY, Agent, Desk, Published
from tests.realtime import desk_socket
from tests.unit.support import count_rows, error_of, new_ticket, online, use_cheap_passwords

pytestmark = SQLITE_ONLY

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A webhook on loopback (never delivered here: its deliveries are read from the table).
    return settings.model_copy(update={"webhooks_allow_private": True})


async def move(agent: Agent, ticket_id: int, inbox_id: Any, **extra: Any) -> Any:
    return await agent.client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"inbox_id": inbox_id, **extra}
    )


async def get(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def lines(ticket: dict[str, Any]) -> list[str]:
    return [entry["text"] for entry in ticket["entries"] if entry["kind"] == "event"]


class Teams:
    """Support and Billing; Ada in both, Grace in Support only, Bill in Billing only, an owner."""

    def __init__(
        self,
        support: dict[str, Any],
        billing: dict[str, Any],
        ada: Agent,
        grace: Agent,
        bill: Agent,
        owner: Agent,
    ) -> None:
        self.support, self.billing = support, billing
        self.ada, self.grace, self.bill, self.owner = ada, grace, bill, owner


async def teams(desk: Desk) -> Teams:
    support = await desk.inbox(name="Support", email_address="support@shop.test")
    billing = await desk.inbox(name="Billing", email_address="billing@shop.test")
    ada = await desk.agent(inboxes=[support, billing], name="Ada")
    grace = await desk.agent(inboxes=[support], name="Grace")
    bill = await desk.agent(inboxes=[billing], name="Bill")
    owner = await desk.agent(role="owner", name="Olga")
    return Teams(support, billing, ada, grace, bill, owner)


async def test_a_move_unassigns_who_cannot_see_the_new_inbox_and_tells_both_inboxes(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    t = await teams(desk)
    ticket = await new_ticket(t.ada.client, t.support, assignee_id=t.grace.id)
    published.clear()

    response = await move(t.ada, ticket["id"], t.billing["id"])

    assert response.status_code == 200, response.text
    assert response.json()["inbox_id"] == t.billing["id"]
    assert response.json()["assignee_id"] is None
    moved = await get(t.bill, ticket["id"])
    assert moved["inbox_id"] == t.billing["id"]
    assert lines(moved)[-1] == (
        "Ada moved the ticket from Support to Billing and unassigned Grace, who is not a member "
        "of Billing"
    )
    entry = [e for e in moved["entries"] if e["kind"] == "event"][-1]
    assert entry["author_user_id"] == t.ada.id
    assert entry["data"] == {
        "inbox_id": t.billing["id"],
        "from_inbox_id": t.support["id"],
        "unassigned_id": t.grace.id,
    }
    # Grace, in Support only, no longer sees it: a 404 as for anything she may not see.
    error_of(await t.grace.client.get(f"/api/v1/tickets/{ticket['id']}"), 404)
    # One event, to the desks of both inboxes (held to the catalogue by the fixture).
    (event,) = [m for m in published.messages if m.envelope.type == "ticket.updated"]
    assert sorted(event.topics) == sorted([f"inbox:{t.billing['id']}", f"inbox:{t.support['id']}"])
    assert event.envelope.data["changes"] == ["inbox", "assignee"]
    assert event.envelope.data["from_inbox_id"] == t.support["id"]
    assert event.envelope.data["ticket"]["inbox_id"] == t.billing["id"]

    # The audit log names who moved which ticket from where to where.
    audit = await t.owner.client.get("/api/v1/audit-events", params={"action": "ticket.moved"})
    (logged,) = audit.json()["items"]
    assert logged["actor_id"] == t.ada.id
    assert logged["target_label"] == f"ticket #{ticket['number']}"
    assert logged["changes"]["inbox"] == ["Support", "Billing"]


async def test_an_assignee_who_sees_both_stays_and_one_request_can_move_and_assign(
    desk: Desk,
) -> None:
    t = await teams(desk)
    kept = await new_ticket(t.ada.client, t.support, assignee_id=t.ada.id)
    response = await move(t.ada, kept["id"], t.billing["id"])
    assert response.json()["assignee_id"] == t.ada.id
    assert lines(await get(t.ada, kept["id"]))[-1] == "Ada moved the ticket from Support to Billing"

    # Moved and given to Bill at once: no "unassigned Grace" in between.
    handed = await new_ticket(t.ada.client, t.support, assignee_id=t.grace.id)
    response = await move(t.ada, handed["id"], t.billing["id"], assignee_id=t.bill.id)
    assert response.status_code == 200, response.text
    assert response.json()["assignee_id"] == t.bill.id
    assert lines(await get(t.ada, handed["id"]))[-2:] == [
        "Ada moved the ticket from Support to Billing",
        "Ada assigned the ticket to Bill",
    ]

    # An assignee who is no member of the new inbox refuses the whole request.
    other = await new_ticket(t.ada.client, t.support)
    refused = error_of(await move(t.ada, other["id"], t.billing["id"], assignee_id=t.grace.id), 422)
    assert refused["fields"][0]["field"] == "assignee_id"
    assert "Grace is not a member" in refused["message"]
    assert (await get(t.ada, other["id"]))["inbox_id"] == t.support["id"]
    # Naming the assignee the ticket already has is checked against the new inbox too.
    same = await new_ticket(t.ada.client, t.support, assignee_id=t.grace.id)
    error_of(await move(t.ada, same["id"], t.billing["id"], assignee_id=t.grace.id), 422)
    assert (await get(t.ada, same["id"]))["inbox_id"] == t.support["id"]


async def test_who_may_move_and_what_is_refused(desk: Desk, published: Published) -> None:
    t = await teams(desk)
    ticket = await new_ticket(t.ada.client, t.support)
    # Grace does not see Billing: the inbox is "no such inbox", and nothing moved.
    refused = error_of(await move(t.grace, ticket["id"], t.billing["id"]), 404)
    assert refused["message"] == "No such inbox."
    # Bill does not see the ticket.
    error_of(await move(t.bill, ticket["id"], t.billing["id"]), 404)
    # No such inbox at all, and ids that are no ids.
    error_of(await move(t.ada, ticket["id"], 999_999), 404)
    # An id out of range is a missing one, as everywhere; what is no number says so.
    assert "ids run from 1" in error_of(await move(t.ada, ticket["id"], 0), 404)["message"]
    for bad in ("billing", True, 1.5):
        refused = error_of(await move(t.ada, ticket["id"], bad), 422)
        assert refused["fields"][0]["field"] == "inbox_id"
    assert (await get(t.ada, ticket["id"]))["inbox_id"] == t.support["id"]

    # Where it is already: nothing changes, nothing is said.
    published.clear()
    before = lines(await get(t.ada, ticket["id"]))
    assert (await move(t.ada, ticket["id"], t.support["id"])).status_code == 200
    assert lines(await get(t.ada, ticket["id"])) == before
    assert published.messages == []

    # An admin or owner sees every inbox and moves anywhere.
    admin = await desk.agent(role="admin")
    assert (await move(admin, ticket["id"], t.billing["id"])).status_code == 200

    # A ticket merged into another is moved as that one.
    first = await new_ticket(t.ada.client, t.support)
    second = await new_ticket(t.ada.client, t.support)
    merged = await t.ada.client.post(
        f"/api/v1/tickets/{first['id']}/merge", json={"into_ticket_id": second["id"]}
    )
    assert merged.status_code == 201, merged.text
    error_of(await move(t.ada, first["id"], t.billing["id"]), 409, "ticket_merged")


async def test_the_folder_counts_follow_the_ticket(desk: Desk) -> None:
    t = await teams(desk)
    ticket = await new_ticket(t.ada.client, t.support, assignee_id=t.ada.id)
    await new_ticket(t.ada.client, t.support)

    async def counts(inbox: dict[str, Any]) -> dict[str, int]:
        response = await t.ada.client.get(
            "/api/v1/tickets/counts", params={"inbox_id": inbox["id"]}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert ((await counts(t.support))["open"], (await counts(t.billing))["open"]) == (2, 0)
    assert (await counts(t.support))["mine"] == 1
    await move(t.ada, ticket["id"], t.billing["id"])
    support, billing = await counts(t.support), await counts(t.billing)
    assert (support["open"], support["mine"], support["unassigned"]) == (1, 0, 1)
    assert (billing["open"], billing["mine"], billing["unassigned"]) == (1, 1, 0)
    listed = await t.ada.client.get("/api/v1/tickets", params={"inbox_id": t.billing["id"]})
    assert [item["id"] for item in listed.json()["items"]] == [ticket["id"]]


@BOTH_STORES
async def test_the_new_inbox_policy_and_hours_set_the_due_times_and_late_targets_stay_behind(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, MONDAY_9)
    t = await teams(desk)
    admin = await desk.agent(role="admin")
    for inbox, minutes in ((t.support, 60), (t.billing, 240)):
        created = await admin.client.post(
            "/api/v1/sla-policies",
            json={
                "name": inbox["name"],
                "inbox_id": inbox["id"],
                "resolution_minutes": minutes,
                "business_hours": True,
            },
        )
        assert created.status_code == 201, created.text
    # Billing works 13:00-17:00 UTC on weekdays; Support has no hours (always open).
    hours = await admin.client.put(
        f"/api/v1/inboxes/{t.billing['id']}/hours",
        json={
            "enabled": True,
            "time_zone": "UTC",
            "weekly": [
                {"day": day, "opens": "13:00", "closes": "17:00"}
                for day in ("mon", "tue", "wed", "thu", "fri")
            ],
        },
    )
    assert hours.status_code == 200, hours.text
    ticket = await new_ticket(t.ada.client, t.support)
    assert (await get(t.ada, ticket["id"]))["sla_due_at"].startswith("2026-12-07T10:00")

    # Moved at 09:30: four business hours of Billing from the conversation's start, 13:00-17:00.
    clock.advance(minutes=30)
    await move(t.ada, ticket["id"], t.billing["id"])
    moved = await get(t.ada, ticket["id"])
    assert moved["sla_due_at"].startswith("2026-12-07T17:00")
    assert moved["sla"]["policy_name"] == "Billing"

    # Late in Support and moved before the timer came: the breach is Support's.
    late = await new_ticket(t.ada.client, t.support)
    clock.advance(hours=2)
    await move(t.ada, late["id"], t.billing["id"])
    async with app.state.sessionmaker() as session:
        alerts = await session.scalars(select(SlaAlert).where(SlaAlert.ticket_id == late["id"]))
        (alert,) = alerts.all()
        assert (alert.kind, alert.inbox_id) == (AlertKind.breach, t.support["id"])
        row = await session.get(TicketSla, late["id"])
        assert row is not None
        assert row.resolution_due is not None
        assert row.resolution_due.replace(tzinfo=UTC) > clock.now


@BOTH_STORES
async def test_auto_assignment_of_the_new_inbox_hands_it_out_and_the_old_one_lets_go(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    FrozenClock(monkeypatch, MONDAY_9)
    t = await teams(desk)
    admin = await desk.agent(role="admin")
    for inbox in (t.support, t.billing):
        body = {"mode": "round_robin", "ticket_limit": 10, "reassign_after_minutes": 5}
        response = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/assignment", json=body)
        assert response.status_code == 200, response.text
    await online(t.ada)
    # Auto-assigned to Ada in Support (the only one online there); then moved.
    ticket = await new_ticket(t.ada.client, t.support)
    await assign_tickets(app.state.sessionmaker)
    assert (await get(t.ada, ticket["id"]))["assignee_id"] == t.ada.id
    await move(t.ada, ticket["id"], t.billing["id"])
    # What Support's auto-assignment decided is no longer its to move on.
    assert await count_rows(app, AutoAssignment, AutoAssignment.ticket_id == ticket["id"]) == 0

    # Unassigned by the move, Billing's auto-assignment gives it to Bill, online there.
    await online(t.bill)
    other = await new_ticket(t.ada.client, t.support, assignee_id=t.grace.id)
    await move(t.ada, other["id"], t.billing["id"])
    assert (await get(t.ada, other["id"]))["assignee_id"] is None
    await assign_tickets(app.state.sessionmaker)
    assert (await get(t.ada, other["id"]))["assignee_id"] in (t.ada.id, t.bill.id)
    assert lines(await get(t.ada, other["id"]))[-1].startswith("frontdesk assigned the ticket to")


@BOTH_STORES
async def test_report_moments_before_the_move_stay_with_the_old_inbox(
    app: FastAPI, desk: Desk
) -> None:
    t = await teams(desk)
    ticket = await new_ticket(t.ada.client, t.support)
    # The ticket's clock runs in Support (its `created` moment), then the move, then an answer.
    await move(t.ada, ticket["id"], t.billing["id"])
    solved = await t.ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": "closed"})
    assert solved.status_code == 200, solved.text
    async with app.state.sessionmaker() as session:
        moments = (
            await session.execute(
                select(MetricMoment.kind, MetricMoment.inbox_id)
                .where(MetricMoment.ticket_id == ticket["id"])
                .order_by(MetricMoment.id)
            )
        ).all()
    assert [(kind, inbox) for kind, inbox in moments] == [
        (MomentKind.created, t.support["id"]),
        (MomentKind.solved, t.billing["id"]),
    ]


@BOTH_STORES
async def test_webhooks_hear_ticket_updated_with_the_inbox_among_the_changes(
    app: FastAPI, desk: Desk
) -> None:
    t = await teams(desk)
    hook = await t.owner.client.post(
        "/api/v1/webhooks",
        json={"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["ticket.updated"]},
    )
    assert hook.status_code == 201, hook.text
    ticket = await new_ticket(t.ada.client, t.support, assignee_id=t.grace.id)
    await move(t.ada, ticket["id"], t.billing["id"], state="hold")
    async with app.state.sessionmaker() as session:
        (delivery,) = (await session.scalars(select(WebhookDelivery))).all()
    data = delivery.payload["data"]
    assert delivery.event_type == "ticket.updated"
    assert sorted(data["changes"]) == ["assignee", "inbox", "state"]
    assert data["ticket"]["inbox_id"] == t.billing["id"]
    assert data["ticket"]["state"] == "hold"
    # Where it came from: a receiver routing by inbox needs both.
    assert data["from_inbox_id"] == t.support["id"]
    # From what to what, and who: Ada moved it; Grace, not in Billing, was unassigned by it.
    ada = {"type": "agent", "id": t.ada.id, "name": "Ada", "email": t.ada.user["email"]}
    assert data["actor"] == ada
    assert data["diff"] == {
        "state": {"from": "open", "to": "hold", "by": ada},
        "inbox": {
            "from": {"id": t.support["id"], "name": "Support"},
            "to": {"id": t.billing["id"], "name": "Billing"},
            "by": ada,
        },
        "assignee": {
            "from": {"id": t.grace.id, "name": "Grace", "email": t.grace.user["email"]},
            "to": None,
            "by": ada,
        },
    }

    # A rule's move is the rule's, in the event of the change that set it off.
    noted = await new_ticket(t.ada.client, t.support)
    ruled = await t.owner.client.post(
        "/api/v1/rules",
        json={
            "name": "Held to billing",
            "when": {"type": "state_changed", "state": "closed"},
            "conditions": [],
            "actions": [{"type": "set_inbox", "inbox_id": t.billing["id"]}],
        },
    )
    assert ruled.status_code == 201, ruled.text
    by_rule = {"type": "rule", "id": ruled.json()["id"], "name": "Held to billing"}
    closed = await t.ada.client.patch(f"/api/v1/tickets/{noted['id']}", json={"state": "closed"})
    assert closed.status_code == 200, closed.text
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.ticket_id == noted["id"])
            .order_by(WebhookDelivery.id)
        )
        last = rows.all()[-1].payload["data"]
    assert last["actor"] == ada
    assert last["diff"]["state"]["by"] == ada
    assert last["diff"]["inbox"]["by"] == by_rule


async def test_the_set_inbox_action_one_ticket_in_bulk_in_a_macro_and_in_a_rule(
    desk: Desk,
) -> None:
    t = await teams(desk)
    one = await new_ticket(t.ada.client, t.support, assignee_id=t.grace.id)
    applied = await t.ada.client.post(
        f"/api/v1/tickets/{one['id']}/actions",
        json={"actions": [{"type": "set_inbox", "inbox_id": t.billing["id"]}]},
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied"] == ["set_inbox"]
    assert applied.json()["ticket"]["assignee_id"] is None

    # In bulk: each ticket all or nothing; one Grace may move, one she does not see.
    hers = await new_ticket(t.grace.client, t.support)
    hidden = await new_ticket(t.bill.client, t.billing)
    admin = await desk.agent(role="admin")
    third = await desk.inbox(name="Third")
    await desk.add_member(third, t.grace.user)
    result = await t.grace.client.post(
        "/api/v1/tickets/bulk",
        json={
            "ticket_ids": [hers["id"], hidden["id"]],
            "actions": [{"type": "set_inbox", "inbox_id": third["id"]}],
        },
    )
    assert result.status_code == 200, result.text
    assert (result.json()["done"], result.json()["refused"]) == (1, 1)
    refused = [r for r in result.json()["results"] if not r["ok"]]
    assert refused[0]["ticket_id"] == hidden["id"]
    assert refused[0]["error"]["code"] == "not_found"
    # A target inbox she does not see refuses every ticket, each with the reason.
    result = await t.grace.client.post(
        "/api/v1/tickets/bulk",
        json={
            "ticket_ids": [hers["id"]],
            "actions": [{"type": "set_inbox", "inbox_id": t.billing["id"]}],
        },
    )
    assert result.json()["refused"] == 1
    assert result.json()["results"][0]["error"]["message"] == "No such inbox."

    # A macro: move, then assign someone of the new inbox, in that order.
    macro = await t.ada.client.post(
        "/api/v1/macros",
        json={
            "name": "To billing",
            "actions": [
                {"type": "set_inbox", "inbox_id": t.billing["id"]},
                {"type": "assign", "assignee": t.bill.id},
            ],
        },
    )
    assert macro.status_code == 201, macro.text
    two = await new_ticket(t.ada.client, t.support, assignee_id=t.grace.id)
    used = await t.ada.client.post(
        f"/api/v1/macros/{macro.json()['id']}/apply", json={"ticket_id": two["id"]}
    )
    assert used.status_code == 200, used.text
    shown = await get(t.ada, two["id"])
    assert (shown["inbox_id"], shown["assignee_id"]) == (t.billing["id"], t.bill.id)
    assert "unassigned" not in " ".join(lines(shown))
    # A team macro of Support may hand its tickets to Billing's members once it moved them.
    team = {"name": "Team", "inbox_id": t.support["id"]}
    assign_bill = {"type": "assign", "assignee": t.bill.id}
    error_of(await t.ada.client.post("/api/v1/macros", json=team | {"actions": [assign_bill]}), 422)
    moving = [{"type": "set_inbox", "inbox_id": t.billing["id"]}, assign_bill]
    created = await t.ada.client.post("/api/v1/macros", json=team | {"actions": moving})
    assert created.status_code == 201, created.text
    # A macro may not name an inbox its author does not see.
    hidden_target = await t.grace.client.post(
        "/api/v1/macros",
        json={"name": "Away", "actions": [{"type": "set_inbox", "inbox_id": t.billing["id"]}]},
    )
    error_of(hidden_target, 422)
    assert "No such inbox" in hidden_target.json()["error"]["message"]

    # A rule: new tickets about invoices go to Billing.
    rule = await admin.client.post(
        "/api/v1/rules",
        json={
            "name": "Invoices to billing",
            "when": {"type": "created"},
            "conditions": [{"field": "text", "op": "contains", "value": "invoice"}],
            "actions": [{"type": "set_inbox", "inbox_id": t.billing["id"]}],
        },
    )
    assert rule.status_code == 201, rule.text
    routed = await new_ticket(t.grace.client, t.support, subject="Invoice missing")
    shown = await get(t.bill, routed["id"])
    assert shown["inbox_id"] == t.billing["id"]
    assert "frontdesk moved the ticket from Support to Billing" in lines(shown)
    missing = await admin.client.post(
        "/api/v1/rules",
        json={
            "name": "Nowhere",
            "when": {"type": "created"},
            "conditions": [],
            "actions": [{"type": "set_inbox", "inbox_id": 999_999}],
        },
    )
    error_of(missing, 422)


class TestAtOnce:
    """Two changes of one ticket at the same moment end as if one came after the other."""

    @BOTH_STORES
    async def test_two_moves_of_one_ticket(self, desk: Desk) -> None:
        t = await teams(desk)
        third = await desk.inbox(name="Third")
        await desk.add_member(third, t.ada)
        ticket = await new_ticket(t.ada.client, t.support)
        first, second = await asyncio.gather(
            move(t.ada, ticket["id"], t.billing["id"]), move(t.ada, ticket["id"], third["id"])
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        final = await get(t.ada, ticket["id"])
        moves = [line for line in lines(final) if " moved the ticket " in line]
        # Each move starts where the other left it: the second line names the first's inbox.
        assert len(moves) == 2
        landed = "Third" if final["inbox_id"] == third["id"] else "Billing"
        other = "Billing" if landed == "Third" else "Third"
        assert moves == [
            f"Ada moved the ticket from Support to {other}",
            f"Ada moved the ticket from {other} to {landed}",
        ]

    @BOTH_STORES
    async def test_a_move_while_someone_assigns_or_replies(self, desk: Desk) -> None:
        """Grace (Support only) assigns herself or replies while Ada moves the ticket to
        Billing: whichever comes first, the ticket never ends in Billing assigned to Grace."""
        t = await teams(desk)
        for attempt in range(3):
            assigned = await new_ticket(t.ada.client, t.support, email=f"a{attempt}@example.org")
            replied = await new_ticket(t.ada.client, t.support, email=f"r{attempt}@example.org")
            results = await asyncio.gather(
                move(t.ada, assigned["id"], t.billing["id"]),
                t.grace.client.patch(
                    f"/api/v1/tickets/{assigned['id']}", json={"assignee_id": t.grace.id}
                ),
                move(t.ada, replied["id"], t.billing["id"]),
                t.grace.client.post(
                    f"/api/v1/tickets/{replied['id']}/replies", json={"text": "On it."}
                ),
            )
            assert results[0].status_code == results[2].status_code == 200
            # Grace's change came first (and the move then unassigned her) or after (and the
            # ticket was no longer hers to see).
            assert results[1].status_code in (200, 404), results[1].text
            assert results[3].status_code in (201, 404), results[3].text
            for ticket in (assigned, replied):
                final = await get(t.ada, ticket["id"])
                assert final["inbox_id"] == t.billing["id"]
                assert final["assignee_id"] is None, lines(final)


@POSTGRESQL_ONLY
async def test_a_merge_into_a_ticket_moved_away_while_it_waited_is_refused(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grace merges into a Support ticket that Ada moves to Billing just before the merge takes
    its locks: the merge must not land in a ticket Grace no longer sees. (PostgreSQL: on SQLite
    the one connection serialises the two requests whole.)"""
    t = await teams(desk)
    source = await new_ticket(t.grace.client, t.support, email="first@example.org")
    target = await new_ticket(t.grace.client, t.support, email="first@example.org")
    locking = merging._lock
    moved: list[int] = []

    async def moved_just_before(*args: Any, **kwargs: Any) -> Any:
        if not moved:
            moved.append((await move(t.ada, target["id"], t.billing["id"])).status_code)
        return await locking(*args, **kwargs)

    monkeypatch.setattr(merging, "_lock", moved_just_before)
    merged = await t.grace.client.post(
        f"/api/v1/tickets/{source['id']}/merge", json={"into_ticket_id": target["id"]}
    )
    assert moved == [200]
    assert merged.status_code == 404, merged.text
    kept = await get(t.ada, target["id"])
    assert not [line for line in lines(kept) if "merged" in line]
    assert (await get(t.grace, source["id"]))["merged_into_id"] is None


@BOTH_STORES
async def test_over_sockets_the_old_inbox_hears_it_leave_and_the_new_one_arrive(
    app: FastAPI, live: str, desk: Desk
) -> None:
    t = await teams(desk)
    ticket = await new_ticket(t.ada.client, t.support, assignee_id=t.grace.id)
    ada_ws, grace_ws, bill_ws = [await desk_socket(live, a) for a in (t.ada, t.grace, t.bill)]
    for sock in (ada_ws, grace_ws):
        ack = await sock.request(
            {"type": "ticket_presence", "ticket_id": ticket["id"], "viewing": True}
        )
        assert ack["type"] == "ack", ack

    await move(t.ada, ticket["id"], t.billing["id"])

    def moved(frame: dict[str, Any]) -> bool:
        return (
            frame.get("type") == "ticket.updated"
            and frame["data"]["ticket"]["id"] == ticket["id"]
            and "inbox" in frame["data"]["changes"]
        )

    for sock in (grace_ws, bill_ws, ada_ws):
        frame = await sock.wait_for(moved)
        assert frame["data"]["from_inbox_id"] == t.support["id"]
        assert frame["data"]["ticket"]["inbox_id"] == t.billing["id"]
    # Grace can no longer see it, so her tab is no longer listed as viewing it: Billing's desks
    # hear the list without her.
    viewers = await bill_ws.wait_for(
        lambda frame: (
            frame.get("type") == "ticket.viewers" and frame["data"]["ticket_id"] == ticket["id"]
        )
    )
    assert [v["user"]["name"] for v in viewers["data"]["viewers"]] == ["Ada"]
    assert await count_rows(app, TicketViewer, TicketViewer.ticket_id == ticket["id"]) == 1
    refused = await grace_ws.request(
        {"type": "ticket_presence", "ticket_id": ticket["id"], "viewing": True}
    )
    assert refused["type"] == "error", refused
