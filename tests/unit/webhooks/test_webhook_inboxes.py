"""A webhook for some inboxes only (docs/webhooks.md, "Inboxes"): it gets the events of their
tickets, chats and customers and not another team's; a ticket moved out is told by the move
and nothing after, one moved in from the move on; its inboxes all deleted, it gets nothing
rather than everything. The API's `inbox_ids`: null for all, a list for these, refused with a
sentence when it names no inbox or one that does not exist, and each change in the audit log.
Deliveries are read through the API's delivery log (nothing is sent). The tests that send the
scope's statements (its rows written, read before each commit, a ticket's, chat's and
customer's inboxes looked up) run on PostgreSQL too."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from frontdesk.db.session import unit_of_work
from frontdesk.inboxes.models import Inbox
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import online, use_cheap_passwords
from tests.unit.webhooks.receiver import Receiver

pytestmark = SQLITE_ONLY

TICKETS = [
    "ticket.created",
    "ticket.updated",
    "message.created",
    "ticket.checklist_updated",
    "chat.started",
    "customer.created",
    "customer.updated",
]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def webhook(admin: Agent, hooks: Receiver, **body: Any) -> dict[str, Any]:
    response = await admin.client.post(
        "/api/v1/webhooks",
        json={"name": "Team", "url": hooks.url, "events": TICKETS} | body,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def told(admin: Agent, webhook_id: int) -> list[dict[str, Any]]:
    """The events recorded for the webhook, oldest first, as their payloads."""
    listed = await admin.client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?limit=200")
    assert listed.status_code == 200, listed.text
    payloads = []
    for delivery in reversed(listed.json()):
        detail = await admin.client.get(
            f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery['id']}"
        )
        assert detail.status_code == 200, detail.text
        payloads.append(detail.json()["payload"])
    return payloads


def about_tickets(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(type, ticket id) of each event about a ticket."""
    found = []
    for event in events:
        data = event["data"]
        ticket_id = (data.get("ticket") or {}).get("id") or data.get("ticket_id")
        if ticket_id is not None:
            found.append((event["type"], ticket_id))
    return found


async def new_ticket(agent: Agent, inbox: dict[str, Any], email: str) -> dict[str, Any]:
    response = await agent.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": email, "name": email.split("@")[0]},
            "subject": f"From {email}",
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def reply(agent: Agent, ticket: dict[str, Any], text: str) -> None:
    response = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": text}
    )
    assert response.status_code == 201, response.text


async def move(agent: Agent, ticket: dict[str, Any], inbox: dict[str, Any]) -> None:
    response = await agent.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"inbox_id": inbox["id"]}
    )
    assert response.status_code == 200, response.text


@BOTH_STORES
async def test_a_webhook_for_one_inbox_hears_its_tickets_and_not_the_other_team_s(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    billing, sales = await desk.inbox(name="Billing"), await desk.inbox(name="Sales")
    admin = await desk.agent(role="admin", inboxes=[billing, sales], name="Ada")
    mine = await webhook(admin, hooks, inbox_ids=[billing["id"]])
    everyone = await webhook(admin, hooks)
    assert (mine["inbox_ids"], everyone["inbox_ids"]) == ([billing["id"]], None)

    ours = await new_ticket(admin, billing, "grace@example.org")
    theirs = await new_ticket(admin, sales, "linus@example.org")
    for ticket in (ours, theirs):
        await reply(admin, ticket, "On it")
        item = await admin.client.post(
            f"/api/v1/tickets/{ticket['id']}/checklist/items", json={"text": "Refund"}
        )
        assert item.status_code == 201, item.text
        closed = await admin.client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"state": "closed"}
        )
        assert closed.status_code == 200, closed.text

    heard = about_tickets(await told(admin, mine["id"]))
    assert {ticket_id for _, ticket_id in heard} == {ours["id"]}
    kinds = [kind for kind, _ in heard]
    assert kinds[0] == "ticket.created"
    assert {"message.created", "ticket.checklist_updated", "ticket.updated"} <= set(kinds)
    # The webhook for all inboxes hears both, as every webhook did before.
    assert {ticket_id for _, ticket_id in about_tickets(await told(admin, everyone["id"]))} == {
        ours["id"],
        theirs["id"],
    }


@BOTH_STORES
async def test_a_chat_in_another_inbox_is_not_told(
    app: FastAPI, desk: Desk, visitors: Any, hooks: Receiver
) -> None:
    billing, sales = await desk.inbox(name="Billing"), await desk.inbox(name="Sales")
    admin = await desk.agent(role="admin", inboxes=[billing, sales])
    await online(admin)
    mine = await webhook(admin, hooks, inbox_ids=[billing["id"]], events=["chat.started"])
    marie = await visitors(sales)
    await marie.start_chat("Where is my parcel?")
    jules = await visitors(billing)
    ours = await jules.start_chat("My invoice")

    assert [(e["type"], e["data"]["chat"]["id"]) for e in await told(admin, mine["id"])] == [
        ("chat.started", ours["id"])
    ]


async def test_a_ticket_moved_out_is_told_by_its_move_and_nothing_after(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    billing, sales = await desk.inbox(name="Billing"), await desk.inbox(name="Sales")
    admin = await desk.agent(role="admin", inboxes=[billing, sales])
    mine = await webhook(admin, hooks, inbox_ids=[billing["id"]])
    leaving = await new_ticket(admin, billing, "grace@example.org")
    arriving = await new_ticket(admin, sales, "linus@example.org")
    await reply(admin, arriving, "Before the move")

    await move(admin, leaving, sales)
    await move(admin, arriving, billing)
    await reply(admin, leaving, "After the move")
    await reply(admin, arriving, "After the move")

    events = await told(admin, mine["id"])
    assert about_tickets(events) == [
        ("ticket.created", leaving["id"]),
        # Left: the receiver learns where it went, and hears nothing more of it.
        ("ticket.updated", leaving["id"]),
        # Arrived: from the move on.
        ("ticket.updated", arriving["id"]),
        ("message.created", arriving["id"]),
    ]
    left, came = (e["data"] for e in events if e["type"] == "ticket.updated")
    assert (left["from_inbox_id"], left["ticket"]["inbox_id"]) == (billing["id"], sales["id"])
    assert (came["from_inbox_id"], came["ticket"]["inbox_id"]) == (sales["id"], billing["id"])


@BOTH_STORES
async def test_customer_events_only_of_customers_with_a_ticket_in_its_inboxes(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    billing, sales = await desk.inbox(name="Billing"), await desk.inbox(name="Sales")
    admin = await desk.agent(role="admin", inboxes=[billing, sales])
    mine = await webhook(admin, hooks, inbox_ids=[billing["id"]])
    ours = await new_ticket(admin, billing, "grace@example.org")
    theirs = await new_ticket(admin, sales, "linus@example.org")
    nobody_s = await admin.client.post(
        "/api/v1/customers", json={"name": "Ken", "emails": ["ken@example.org"]}
    )
    assert nobody_s.status_code == 201, nobody_s.text
    for customer_id in (ours["customer_id"], theirs["customer_id"], nobody_s.json()["id"]):
        renamed = await admin.client.patch(
            f"/api/v1/customers/{customer_id}", json={"name": "Renamed"}
        )
        assert renamed.status_code == 200, renamed.text

    customers = [
        (e["type"], e["data"]["customer"]["id"])
        for e in await told(admin, mine["id"])
        if e["type"].startswith("customer.")
    ]
    # Grace came with her ticket in Billing (created in its transaction), and is renamed;
    # Linus (Sales) and Ken (no ticket) are another team's or nobody's.
    assert customers == [
        ("customer.created", ours["customer_id"]),
        ("customer.updated", ours["customer_id"]),
    ]


async def test_a_webhook_whose_inboxes_are_all_deleted_hears_nothing(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    billing, closing = await desk.inbox(name="Billing"), await desk.inbox(name="Closing down")
    admin = await desk.agent(role="admin", inboxes=[billing])
    mine = await webhook(admin, hooks, inbox_ids=[closing["id"]])
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(delete(Inbox).where(Inbox.id == closing["id"]))

    read = await admin.client.get(f"/api/v1/webhooks/{mine['id']}")
    assert read.status_code == 200, read.text
    # Not null (all inboxes): these inboxes, of which none is left.
    assert read.json()["inbox_ids"] == []
    await new_ticket(admin, billing, "grace@example.org")
    assert await told(admin, mine["id"]) == []


async def test_inbox_ids_in_the_api_null_for_all_a_list_for_these(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    billing, sales = await desk.inbox(name="Billing"), await desk.inbox(name="Sales")
    owner = await desk.agent(role="owner", inboxes=[billing, sales])
    unknown = await owner.client.post(
        "/api/v1/webhooks",
        json={"name": "T", "url": hooks.url, "events": TICKETS, "inbox_ids": [billing["id"], 999]},
    )
    assert unknown.status_code == 422, unknown.text
    assert "No inbox has the id 999" in unknown.text
    none = await owner.client.post(
        "/api/v1/webhooks",
        json={"name": "T", "url": hooks.url, "events": TICKETS, "inbox_ids": []},
    )
    assert none.status_code == 422, none.text
    assert "at least one inbox" in none.text
    assert (await owner.client.get("/api/v1/webhooks")).json() == []

    made = await webhook(owner, hooks)
    assert made["inbox_ids"] is None
    path = f"/api/v1/webhooks/{made['id']}"
    scoped = await owner.client.patch(path, json={"inbox_ids": [sales["id"], billing["id"]]})
    assert scoped.status_code == 200, scoped.text
    assert scoped.json()["inbox_ids"] == sorted([billing["id"], sales["id"]])
    # Left out: kept.
    renamed = await owner.client.patch(path, json={"name": "Renamed"})
    assert renamed.json()["inbox_ids"] == sorted([billing["id"], sales["id"]])
    refused = await owner.client.patch(path, json={"inbox_ids": [999]})
    assert refused.status_code == 422, refused.text
    assert (await owner.client.get(path)).json()["inbox_ids"] == sorted(
        [billing["id"], sales["id"]]
    )
    everything = await owner.client.patch(path, json={"inbox_ids": None})
    assert everything.json()["inbox_ids"] is None
    [listed] = (await owner.client.get("/api/v1/webhooks")).json()
    assert listed["inbox_ids"] is None

    audit = await owner.client.get("/api/v1/audit-events?action=webhook.inboxes_changed")
    assert audit.status_code == 200, audit.text
    changes = [entry["changes"]["inbox_ids"] for entry in reversed(audit.json()["items"])]
    assert changes == [
        [None, sorted([billing["id"], sales["id"]])],
        [sorted([billing["id"], sales["id"]]), None],
    ]


async def test_an_erasure_tells_its_inbox_s_ticket_deleted_and_the_customer_deleted(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    billing, sales = await desk.inbox(name="Billing"), await desk.inbox(name="Sales")
    admin = await desk.agent(role="admin", inboxes=[billing, sales])
    mine = await webhook(
        admin, hooks, inbox_ids=[billing["id"]], events=["ticket.deleted", "customer.deleted"]
    )
    ours = await new_ticket(admin, billing, "grace@example.org")
    theirs = await admin.client.post(
        "/api/v1/tickets",
        json={"inbox_id": sales["id"], "customer": {"id": ours["customer_id"]}, "subject": "Hi"},
    )
    assert theirs.status_code == 201, theirs.text
    erased = await admin.client.post(
        f"/api/v1/customers/{ours['customer_id']}/erase", json={"confirm": "grace@example.org"}
    )
    assert erased.status_code == 200, erased.text

    # Sales' ticket is another team's; the customer's erasure is every copy's business.
    assert [(e["type"], e["data"]) for e in await told(admin, mine["id"])] == [
        (
            "ticket.deleted",
            {"ticket": {"id": ours["id"], "number": ours["number"]}, "reason": "erasure"},
        ),
        ("customer.deleted", {"customer": {"id": ours["customer_id"]}, "reason": "erasure"}),
    ]
