"""Ticket checklists over HTTP (docs/desk.md, "Checklists"): only the agents of the ticket's
inbox read and change them; add, edit, tick and untick (set, not toggled), move, delete; the
text and the number of items limited; a stale version refused; the event desks hear; the list's
counts; a merge moves the items and its undo brings them back; a deleted ticket and an erased
customer take them with them; two ticks and two adds at once. On both stores."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.checklists import models as checklist_models
from frontdesk.checklists.models import ChecklistItem
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.privacy import retention
from tests.conftest import BOTH_STORES, Agent, Desk, Published
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = BOTH_STORES


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def path(ticket_id: int, item_id: int | None = None) -> str:
    base = f"/api/v1/tickets/{ticket_id}/checklist"
    return base if item_id is None else f"{base}/items/{item_id}"


async def add(agent: Agent, ticket_id: int, text: str) -> dict[str, Any]:
    response = await agent.client.post(f"{path(ticket_id)}/items", json={"text": text})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def change(agent: Agent, ticket_id: int, item_id: int, **body: Any) -> dict[str, Any]:
    response = await agent.client.patch(path(ticket_id, item_id), json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def checklist(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(path(ticket_id))
    assert response.status_code == 200, response.text
    return dict(response.json())


def texts(body: dict[str, Any]) -> list[str]:
    return [item["text"] for item in body["items"]]


def told(published: Published) -> list[dict[str, Any]]:
    return [
        {"topics": m.topics, **m.envelope.data}
        for m in published.messages
        if m.envelope.type == "ticket.checklist_changed"
    ]


async def test_the_inbox_agents_add_edit_tick_move_and_delete_items(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox], name="Ana")
    ben = await desk.agent(inboxes=[inbox], name="Ben")
    ticket = await new_ticket(ana.client, inbox)
    assert ticket["checklist"] is None
    assert await checklist(ana, ticket["id"]) == {
        "ticket_id": ticket["id"],
        "items": [],
        "done": 0,
        "total": 0,
    }

    published.clear()
    refund = await add(ana, ticket["id"], "  Refund\nissued  ")
    assert refund["text"] == "Refund issued"  # one line, ends trimmed
    assert (refund["done"], refund["done_by"], refund["version"]) == (False, None, 1)
    assert refund["created_by"] == {"id": ana.id, "name": "Ana"}
    [event] = told(published)
    assert event["topics"] == [f"inbox:{inbox['id']}"]
    assert (event["change"], event["item"]["id"], event["done"], event["total"]) == (
        "created",
        refund["id"],
        0,
        1,
    )
    assert event["by"] == {"id": ana.id, "name": "Ana"}
    shipped = await add(ben, ticket["id"], "<b>Replacement</b> shipped")
    assert shipped["text"] == "<b>Replacement</b> shipped"  # kept as written; the desk escapes
    called = await add(ana, ticket["id"], "Call back")
    assert [refund["position"], shipped["position"], called["position"]] == [0, 1, 2]

    # Ticking sets done, with who and when; ticking again changes nothing (a retry is safe),
    # and the first ticker stays the one named.
    published.clear()
    ticked = await change(ben, ticket["id"], refund["id"], done=True)
    assert (ticked["done"], ticked["done_by"], ticked["version"]) == (
        True,
        {"id": ben.id, "name": "Ben"},
        2,
    )
    assert ticked["done_at"] is not None
    again = await change(ana, ticket["id"], refund["id"], done=True)
    assert again == ticked
    assert [(e["change"], e["done"], e["total"]) for e in told(published)] == [("updated", 1, 3)]
    # The ticket says how far its checklist is, in the list too (one statement for the page).
    assert (await ana.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["checklist"] == {
        "done": 1,
        "total": 3,
    }
    listing = (await ana.client.get("/api/v1/tickets")).json()["items"]
    assert [t["checklist"] for t in listing] == [{"done": 1, "total": 3}]
    # Unticking forgets who ticked.
    unticked = await change(ana, ticket["id"], refund["id"], done=False)
    assert (unticked["done"], unticked["done_by"], unticked["done_at"]) == (False, None, None)

    # Edited, with the version it was made against: a stale one is refused, nothing changed.
    edited = await change(
        ana, ticket["id"], shipped["id"], text="Replacement shipped", version=shipped["version"]
    )
    assert (edited["text"], edited["version"]) == ("Replacement shipped", 2)
    stale = await ben.client.patch(
        path(ticket["id"], shipped["id"]), json={"text": "Sent", "version": 1}
    )
    error_of(stale, 409, "checklist_item_changed")
    assert texts(await checklist(ben, ticket["id"]))[1] == "Replacement shipped"

    # Moved to the top, then past the end (the end).
    await change(ana, ticket["id"], called["id"], position=0)
    assert texts(await checklist(ana, ticket["id"])) == [
        "Call back",
        "Refund issued",
        "Replacement shipped",
    ]
    await change(ana, ticket["id"], called["id"], position=99)
    body = await checklist(ana, ticket["id"])
    assert texts(body) == ["Refund issued", "Replacement shipped", "Call back"]
    assert [item["position"] for item in body["items"]] == [0, 1, 2]

    # Deleted: gone, and deleting it again is "no such item".
    published.clear()
    gone = await ben.client.delete(path(ticket["id"], shipped["id"]))
    assert gone.status_code == 204, gone.text
    assert [(e["change"], e["item"]["id"], e["total"]) for e in told(published)] == [
        ("deleted", shipped["id"], 2)
    ]
    error_of(await ben.client.delete(path(ticket["id"], shipped["id"])), 404, "no_checklist_item")
    assert texts(await checklist(ana, ticket["id"])) == ["Refund issued", "Call back"]
    # An item is named through its own ticket only.
    other = await new_ticket(ana.client, inbox, subject="Other")
    error_of(await ana.client.delete(path(other["id"], called["id"])), 404, "no_checklist_item")
    error_of(
        await ana.client.patch(path(other["id"], called["id"]), json={"done": True}),
        404,
        "no_checklist_item",
    )


async def test_only_the_inbox_agents_see_and_change_a_checklist(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox()
    other_inbox = await desk.inbox(name="Billing")
    ana = await desk.agent(inboxes=[inbox])
    outsider = await desk.agent(inboxes=[other_inbox])
    ticket = await new_ticket(ana.client, inbox)
    item = await add(ana, ticket["id"], "Refund issued")

    published.clear()
    for response in [
        await outsider.client.get(path(ticket["id"])),
        await outsider.client.post(f"{path(ticket['id'])}/items", json={"text": "Mine"}),
        await outsider.client.patch(path(ticket["id"], item["id"]), json={"done": True}),
        await outsider.client.patch(path(ticket["id"], item["id"]), json={"text": "x"}),
        await outsider.client.delete(path(ticket["id"], item["id"])),
    ]:
        # As for the ticket itself: "no such ticket", nothing told about it.
        error = error_of(response, 404)
        assert error["message"] == "No such ticket."
    assert told(published) == []
    body = await checklist(ana, ticket["id"])
    assert [(i["text"], i["done"]) for i in body["items"]] == [("Refund issued", False)]


async def test_the_text_and_the_number_of_items_are_limited(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(ana.client, inbox)
    item = await add(ana, ticket["id"], "x" * 200)
    for body, code in [
        ({"text": ""}, "required"),
        ({"text": "   "}, "required"),
        ({"text": "x" * 201}, "too_long"),
        ({}, "required"),
        ({"text": None}, None),
    ]:
        refused = await ana.client.post(f"{path(ticket['id'])}/items", json=body)
        error = error_of(refused, 422)
        assert [f["field"] for f in error["fields"]] == ["text"], (body, error)
        if code is not None:
            assert error["fields"][0]["code"] == code, (body, error)
    for body, field in [
        ({"text": "x" * 201}, "text"),
        ({"text": " \n "}, "text"),
        ({"done": "yes"}, "done"),
        ({"done": None}, "done"),
        ({"position": -1}, "position"),
        ({"version": None}, "version"),
        ({"colour": "red"}, "colour"),
    ]:
        refused = await ana.client.patch(path(ticket["id"], item["id"]), json=body)
        error = error_of(refused, 422)
        assert [f["field"] for f in error["fields"]] == [field], (body, error)

    # At most MAX_ITEMS items a ticket (a small limit here, the same rule).
    monkeypatch.setattr(checklist_models, "MAX_ITEMS", 3)
    monkeypatch.setattr("frontdesk.checklists.service.MAX_ITEMS", 3)
    await add(ana, ticket["id"], "Two")
    await add(ana, ticket["id"], "Three")
    full = await ana.client.post(f"{path(ticket['id'])}/items", json={"text": "Four"})
    error = error_of(full, 409, "checklist_full")
    assert "3 items" in error["message"]
    assert await count_rows(app, ChecklistItem) == 3


async def test_items_follow_a_merge_and_come_back_on_undo(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    kept = await new_ticket(agent.client, inbox, subject="Kept")
    merged = await new_ticket(agent.client, inbox, subject="Merged")
    await add(agent, kept["id"], "Kept one")
    moved = [await add(agent, merged["id"], text) for text in ("Moved one", "Moved two")]
    await change(agent, merged["id"], moved[1]["id"], done=True)

    response = await agent.client.post(
        f"/api/v1/tickets/{merged['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert response.status_code == 201, response.text
    move_id = response.json()["id"]
    body = await checklist(agent, kept["id"])
    # Appended in their order, ticks kept, positions distinct.
    assert [(i["text"], i["done"]) for i in body["items"]] == [
        ("Kept one", False),
        ("Moved one", False),
        ("Moved two", True),
    ]
    assert [i["position"] for i in body["items"]] == [0, 1, 2]
    assert (body["done"], body["total"]) == (1, 3)
    # The merged ticket's checklist is the kept one's now, for reading and for adding.
    assert (await checklist(agent, merged["id"]))["ticket_id"] == kept["id"]
    later = await add(agent, merged["id"], "Added after")
    assert later["ticket_id"] == kept["id"]
    ticked = await change(agent, merged["id"], moved[0]["id"], done=True)
    assert ticked["ticket_id"] == kept["id"]

    undone = await agent.client.post(f"/api/v1/tickets/moves/{move_id}/undo")
    assert undone.status_code == 200, undone.text
    assert texts(await checklist(agent, merged["id"])) == ["Moved one", "Moved two"]
    assert texts(await checklist(agent, kept["id"])) == ["Kept one", "Added after"]


async def test_a_deleted_ticket_takes_its_items_with_it(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(agent.client, inbox)
    kept = await new_ticket(agent.client, inbox, subject="Kept", email="other@example.org")
    await add(agent, ticket["id"], "Refund issued")
    await add(agent, kept["id"], "Stays")
    spam = await agent.client.post(f"/api/v1/tickets/{ticket['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    async with unit_of_work(app.state.sessionmaker) as session:
        deleted = await retention.delete_spam(
            session, marked_before=utcnow() + timedelta(days=1), limit=10
        )
    assert deleted == 1
    assert await count_rows(app, ChecklistItem) == 1
    error_of(await agent.client.get(path(ticket["id"])), 404)


async def test_an_erased_customer_takes_their_tickets_items_with_them(
    app: FastAPI, desk: Desk
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox])
    erased = await new_ticket(admin.client, inbox, email="cora@example.org")
    other = await new_ticket(admin.client, inbox, email="boris@example.org")
    await add(admin, erased["id"], "Refund Cora")
    await add(admin, other["id"], "Refund Boris")
    done = await admin.client.post("/api/v1/erasures", json={"email": "cora@example.org"})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "done"
    assert await count_rows(app, ChecklistItem) == 1
    assert texts(await checklist(admin, other["id"])) == ["Refund Boris"]


async def test_two_ticks_and_two_adds_at_once_end_consistent(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox], name="Ana")
    ben = await desk.agent(inboxes=[inbox], name="Ben")
    ticket = await new_ticket(ana.client, inbox)
    item = await add(ana, ticket["id"], "Refund issued")

    published.clear()
    ticks = await asyncio.gather(
        ana.client.patch(path(ticket["id"], item["id"]), json={"done": True}),
        ben.client.patch(path(ticket["id"], item["id"]), json={"done": True}),
    )
    assert [r.status_code for r in ticks] == [200, 200], [r.text for r in ticks]
    # One tick counted: both answers name the same ticker, the version went up once, one event.
    assert ticks[0].json() == ticks[1].json()
    assert ticks[0].json()["version"] == 2
    assert len(told(published)) == 1

    adds = await asyncio.gather(
        *(
            agent.client.post(f"{path(ticket['id'])}/items", json={"text": text})
            for agent, text in ((ana, "Ana's"), (ben, "Ben's"), (ana, "Ana's too"))
        )
    )
    assert [r.status_code for r in adds] == [201, 201, 201], [r.text for r in adds]
    body = await checklist(ana, ticket["id"])
    positions = [i["position"] for i in body["items"]]
    assert positions == [0, 1, 2, 3]
    assert sorted(texts(body)[1:]) == ["Ana's", "Ana's too", "Ben's"]
