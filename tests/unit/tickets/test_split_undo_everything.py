"""Undoing a split brings back everything the split-off ticket holds, over HTTP (docs/desk.md,
"Merging and splitting tickets"): not only the messages the split took, but a reply, a note
with its file and the customer's mail written on it since, its side conversations, checklist
items and time entries, each exactly once on the original; the labels, followers, Cc and field
values added to it since, as a merge brings them; the replies waiting on it (Send later, Undo
send), sent from the original at their time, once. The split ticket is left closed, pointing
back, with only its timeline lines. A checklist that would pass its limit refuses the undo and
changes nothing; mail answering the split ticket lands on the original."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.checklists.models import MAX_ITEMS, ChecklistItem
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files.models import StoredFile
from frontdesk.mail.models import InboundMessage, OutboxMessage
from frontdesk.pending_replies.models import PendingReply, PendingState
from frontdesk.pending_replies.timers import send_due_replies
from frontdesk.side_conversations.models import SideConversation
from frontdesk.tickets.models import Direction, EntryKind, TicketEntry
from frontdesk.timetracking.models import TimeEntry
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, Agent, Desk, Published
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = BOTH_STORES

CUSTOMER = "customer@example.org"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def get(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def post(agent: Agent, path: str, body: dict[str, Any], status: int = 201) -> Any:
    response = await agent.client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def messages(ticket: dict[str, Any]) -> list[str]:
    return [e["text"].strip() for e in ticket["entries"] if e["kind"] != "event"]


def events(ticket: dict[str, Any]) -> list[str]:
    return [e["text"] for e in ticket["entries"] if e["kind"] == "event"]


async def split(agent: Agent, ticket: dict[str, Any], text: str) -> dict[str, Any]:
    entry = next(e for e in (await get(agent, ticket["id"]))["entries"] if e["text"] == text)
    move: dict[str, Any] = await post(
        agent, f"/api/v1/tickets/{ticket['id']}/entries/{entry['id']}/split", {}
    )
    return move


async def split_the_second_note(agent: Agent, ticket: dict[str, Any]) -> dict[str, Any]:
    """Two notes on the ticket, "one" and "two"; the second split out: the move."""
    for text in ("one", "two"):
        await post(agent, f"/api/v1/tickets/{ticket['id']}/notes", {"text": text})
    return await split(agent, ticket, "two")


async def answer_by_mail(app: FastAPI, agent: Agent, entry_id: int, text: str) -> None:
    """The customer answers the email of the reply `entry_id`, at its reply address."""
    async with app.state.sessionmaker() as session:
        sent = await session.scalar(select(OutboxMessage).where(OutboxMessage.entry_id == entry_id))
    assert sent is not None
    raw = reply_mail(
        to=sent.headers["Reply-To"],
        sender=CUSTOMER,
        text=text,
        in_reply_to=sent.message_id,
    )
    response = await post_mime(agent.client, raw)
    assert response.is_success, response.text


async def test_the_undo_brings_back_what_was_added_to_the_split_ticket(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox(email_address="help@shop.example.com")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    first = await new_ticket(ada.client, inbox, subject="Sofa", email=CUSTOMER)
    base = f"/api/v1/tickets/{first['id']}"
    for text in ("one", "two", "three"):
        await post(ada, f"{base}/notes", {"text": text})
    await post(ada, f"{base}/checklist/items", {"text": "Original item"})
    await post(ada, f"{base}/time-entries", {"minutes": 10})
    move = await split(ada, first, "two")
    new_id = move["target_ticket_id"]
    new = f"/api/v1/tickets/{new_id}"

    # Work on the split ticket: a reply the customer answers by mail, a note with a file, a
    # side conversation, a checklist item, time.
    reply = await post(ada, f"{new}/replies", {"text": "Which colour?"})
    await answer_by_mail(app, ada, reply["id"], "Blue, please.")
    upload = await ada.client.post(
        f"/api/v1/uploads?ticket_id={new_id}&filename=photo.txt",
        content=b"a photo",
        headers={"Content-Type": "text/plain"},
    )
    assert upload.status_code == 201, upload.text
    await post(ada, f"{new}/notes", {"text": "See photo", "attachment_ids": [upload.json()["id"]]})
    side = await post(
        ada, f"{new}/side-conversations", {"to": ["orders@supplier.example.com"], "text": "Blue?"}
    )
    item = await post(ada, f"{new}/checklist/items", {"text": "Order blue"})
    logged = await post(ada, f"{new}/time-entries", {"minutes": 5})
    split_off = await get(ada, new_id)
    assert messages(split_off) == ["two", "Which colour?", "Blue, please.", "See photo"]

    published.clear()
    undone = await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
    assert undone.status_code == 200, undone.text

    original = await get(ada, first["id"])
    # One thread in time order, each message once.
    assert messages(original) == [
        "one",
        "two",
        "three",
        "Which colour?",
        "Blue, please.",
        "See photo",
    ]
    assert events(original)[-1] == (
        f"Ada undid the split into #{split_off['number']}, with 3 entries added there since"
    )
    emptied = await get(ada, new_id)
    assert messages(emptied) == []
    assert (emptied["state"], emptied["merged_into_id"]) == ("closed", first["id"])
    assert events(emptied)[-1] == (
        f"Ada undid the split; its messages are back on #{first['number']}, with 3 entries "
        "added here since"
    )

    # Each thing once, on the original; nothing left on the split ticket.
    for model in (TicketEntry, StoredFile, InboundMessage, SideConversation, ChecklistItem):
        left = [model.ticket_id == new_id]
        if model is TicketEntry:
            left.append(TicketEntry.kind != "event")
        assert await count_rows(app, model, *left) == 0, model
    assert await count_rows(app, TimeEntry, TimeEntry.ticket_id == new_id) == 0
    assert await count_rows(app, TimeEntry, TimeEntry.id == logged["id"]) == 1
    sides = (await ada.client.get(f"{base}/side-conversations")).json()["side_conversations"]
    assert [s["id"] for s in sides] == [side["id"]]
    checklist = (await ada.client.get(f"{base}/checklist")).json()
    assert [(i["id"], i["text"]) for i in checklist["items"]][-1] == (item["id"], "Order blue")
    assert [i["text"] for i in checklist["items"]] == ["Original item", "Order blue"]
    times = (await ada.client.get(f"{base}/time-entries")).json()["entries"]
    assert sorted(t["minutes"] for t in times) == [5, 10]
    photo = StoredFile.id == upload.json()["id"]
    assert await count_rows(app, StoredFile, photo, StoredFile.ticket_id == first["id"]) == 1

    # Desks with either ticket open read its side conversations again.
    moved = [
        m.envelope.data["ticket_id"]
        for m in published.messages
        if m.envelope.type == "ticket.side_conversations_changed"
        and m.envelope.data["change"] == "moved"
    ]
    assert sorted(moved) == sorted([first["id"], new_id])

    error_of(
        await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"), 409, "already_undone"
    )

    # Mail to the split ticket's addresses goes on the original now; a note there is refused.
    await answer_by_mail(app, ada, reply["id"], "Or green.")
    assert messages(await get(ada, first["id"]))[-1] == "Or green."
    assert messages(await get(ada, new_id)) == []
    error_of(await ada.client.post(f"{new}/notes", json={"text": "too late"}), 409, "ticket_merged")


async def test_a_checklist_past_its_limit_refuses_the_undo(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    first = await new_ticket(ada.client, inbox, subject="Sofa")
    move = await split_the_second_note(ada, first)
    new_id = move["target_ticket_id"]
    async with unit_of_work(app.state.sessionmaker) as session:
        session.add_all(
            ChecklistItem(ticket_id=first["id"], text=f"Item {n}", position=n)
            for n in range(MAX_ITEMS - 1)
        )
    for text in ("Order blue", "Ship"):
        await post(ada, f"/api/v1/tickets/{new_id}/checklist/items", {"text": text})

    refused = error_of(
        await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"), 409, "checklist_full"
    )
    assert "delete 1 of them first" in refused["message"]
    # Nothing changed: the split stands, with its thread and its items.
    kept = await get(ada, new_id)
    assert (kept["state"], kept["merged_into_id"], messages(kept)) == ("open", None, ["two"])
    assert await count_rows(app, ChecklistItem, ChecklistItem.ticket_id == new_id) == 2

    items = (await ada.client.get(f"/api/v1/tickets/{new_id}/checklist")).json()["items"]
    await ada.client.delete(f"/api/v1/tickets/{new_id}/checklist/items/{items[0]['id']}")
    undone = await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert await count_rows(app, ChecklistItem, ChecklistItem.ticket_id == first["id"]) == MAX_ITEMS


# A Sunday afternoon, and the Monday morning a reply on the split ticket is scheduled for.
START = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


async def patch(agent: Agent, ticket_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = await agent.client.patch(f"/api/v1/tickets/{ticket_id}", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def newest(ticket: dict[str, Any]) -> int:
    return max(int(entry["id"]) for entry in ticket["entries"])


async def replies_out(app: FastAPI, ticket_id: int, text: str) -> int:
    """The agents' replies of `text` on the ticket."""
    return await count_rows(
        app,
        TicketEntry,
        TicketEntry.ticket_id == ticket_id,
        TicketEntry.kind == EntryKind.reply,
        TicketEntry.direction == Direction.outbound,
        TicketEntry.text.startswith(text),
    )


def scheduled_events(published: Published) -> list[tuple[str, int]]:
    return [
        (m.envelope.data["change"], m.envelope.data["ticket_id"])
        for m in published.messages
        if m.envelope.type == "ticket.scheduled_replies_changed"
    ]


async def test_labels_followers_cc_fields_and_waiting_replies_come_back_too(
    app: FastAPI, settings: Settings, desk: Desk, published: Published, clock: FrozenClock
) -> None:
    inbox = await desk.inbox(email_address="help@shop.example.com")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="admin", name="Abe")
    label_ids = {}
    for name in ("vip", "urgent"):
        made = await post(admin, "/api/v1/labels", {"name": name})
        label_ids[name] = made["id"]
    for label in ("Plan", "Order number"):
        await post(admin, "/api/v1/fields", {"object": "ticket", "label": label, "kind": "text"})
    first = await new_ticket(ada.client, inbox, email=CUSTOMER, label_ids=[label_ids["vip"]])
    await patch(ada, first["id"], {"fields": {"plan": "Free"}})
    move = await split_the_second_note(ada, first)
    new_id = move["target_ticket_id"]
    new = f"/api/v1/tickets/{new_id}"
    # The original loses the label the split ticket started with a copy of.
    await patch(ada, first["id"], {"label_ids": []})

    # Work on the split ticket: a label, field values, a follower, a Cc (a reply's), a reply
    # scheduled for Monday and one in its Undo send window.
    await patch(
        ada,
        new_id,
        {
            "label_ids": [label_ids["vip"], label_ids["urgent"]],
            "fields": {"plan": "Pro", "order_number": "A-1"},
        },
    )
    assert (await bob.client.put(f"{new}/follow")).is_success
    await post(ada, f"{new}/replies", {"text": "Which colour?", "cc": ["boss@example.org"]})
    seen = newest(await get(ada, new_id))
    later = await post(
        ada,
        f"{new}/replies",
        {"text": "It ships Monday.", "send_at": MONDAY_9.isoformat(), "seen_entry_id": seen},
        status=202,
    )
    held = await post(
        ada,
        f"{new}/replies",
        {"text": "Noted.", "undo_seconds": 30, "seen_entry_id": seen},
        status=202,
    )

    published.clear()
    clock.advance(seconds=10)
    # Another agent undoes it: their timeline line does not stop Ada's replies.
    undone = await admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
    assert undone.status_code == 200, undone.text

    original = await get(ada, first["id"])
    assert [label["name"] for label in original["labels"]] == ["urgent"]
    # The original's value stays; the one it had none of comes.
    assert (original["fields"]["plan"], original["fields"]["order_number"]) == ("Free", "A-1")
    assert original["cc"] == ["boss@example.org"]
    followers = (await ada.client.get(f"/api/v1/tickets/{first['id']}/followers")).json()
    assert [user["name"] for user in followers["followers"]] == ["Bob"]
    # Open desks read the original again, told what changed besides its thread.
    (told,) = [
        m.envelope.data["changes"]
        for m in published.messages
        if m.envelope.type == "ticket.updated" and m.envelope.data["ticket"]["id"] == first["id"]
    ]
    assert {"entries", "labels", "followers", "cc", "fields"} <= set(told)
    # The scheduled reply waits on the original now: both tickets' desks read their lists again.
    assert sorted(scheduled_events(published)) == [("moved", first["id"]), ("moved", new_id)]
    waiting = (await ada.client.get(f"/api/v1/tickets/{first['id']}/scheduled-replies")).json()
    assert [(reply["id"], reply["ticket_id"]) for reply in waiting] == [(later["id"], first["id"])]
    assert (await ada.client.get(f"{new}/scheduled-replies")).json() == []
    mine = (await ada.client.get("/api/v1/me/pending-replies")).json()
    assert sorted((reply["id"], reply["ticket_id"]) for reply in mine) == [
        (later["id"], first["id"]),
        (held["id"], first["id"]),
    ]

    # One goes at the end of its Undo send window, the other on Monday: from the original, once.
    clock.advance(seconds=30)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    clock.set(MONDAY_9)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await send_due_replies(app.state.sessionmaker, settings) == 0
    for text in ("Noted.", "It ships Monday."):
        assert await replies_out(app, first["id"], text) == 1, text
        assert await replies_out(app, new_id, text) == 0, text
    # (The one sent on Sunday was swept since, as any sent an hour ago.)
    sent = PendingReply.id == later["id"], PendingReply.state == PendingState.sent
    assert await count_rows(app, PendingReply, *sent, PendingReply.ticket_id == first["id"]) == 1
    mails = OutboxMessage.ticket_id == first["id"], OutboxMessage.entry_id.is_not(None)
    # The two replies and "Which colour?", which came back with the rest.
    assert await count_rows(app, OutboxMessage, *mails) == 3


async def test_a_message_since_the_reply_was_scheduled_still_stops_it(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    inbox = await desk.inbox(email_address="help@shop.example.com")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    first = await new_ticket(ada.client, inbox, email=CUSTOMER)
    move = await split_the_second_note(ada, first)
    new_id = move["target_ticket_id"]
    seen = newest(await get(ada, new_id))
    later = await post(
        ada,
        f"/api/v1/tickets/{new_id}/replies",
        {"text": "It ships Monday.", "send_at": MONDAY_9.isoformat(), "seen_entry_id": seen},
        status=202,
    )
    # Meanwhile Bob answered on the original, which Ada's reply had not seen.
    await post(bob, f"/api/v1/tickets/{first['id']}/replies", {"text": "It shipped."})
    undone = await bob.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
    assert undone.status_code == 200, undone.text

    clock.set(MONDAY_9)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await replies_out(app, first["id"], "It ships Monday.") == 0
    (failed,) = (await ada.client.get("/api/v1/me/pending-replies")).json()
    assert (failed["id"], failed["ticket_id"]) == (later["id"], first["id"])
    assert failed["error"]["code"] == "answered_since_scheduled"


async def test_the_author_takes_a_moved_reply_back_through_the_split_tickets_address(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    """Ada's Undo send toast and scheduled reply on the split ticket's page name it by that
    ticket; a colleague's undo of the split moves them to the original meanwhile. Her Undo, Send
    now and the page's question of what became of them still reach them there; to anyone else
    they still do not exist."""
    inbox = await desk.inbox(email_address="help@shop.example.com")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="admin", name="Abe")
    first = await new_ticket(ada.client, inbox, email=CUSTOMER)
    move = await split_the_second_note(ada, first)
    new = f"/api/v1/tickets/{move['target_ticket_id']}"
    held = await post(ada, f"{new}/replies", {"text": "Noted.", "undo_seconds": 30}, status=202)
    later = await post(
        ada,
        f"{new}/replies",
        {"text": "It ships Monday.", "send_at": MONDAY_9.isoformat()},
        status=202,
    )
    clock.advance(seconds=10)
    undone = await admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
    assert undone.status_code == 200, undone.text

    # Bob, who sees both tickets, and the admin get the 404 they got before, at either address.
    for other in (bob, admin):
        for path in (new, f"/api/v1/tickets/{first['id']}"):
            for pending in (held, later):
                mine = f"{path}/pending-replies/{pending['id']}"
                error_of(await other.client.get(mine), 404)
                error_of(await other.client.delete(mine), 404)
                error_of(await other.client.post(f"{mine}/send"), 404)

    # Ada's page asks what became of the reply that left its list: waiting, on the original.
    asked = await ada.client.get(f"{new}/pending-replies/{held['id']}")
    assert asked.status_code == 200, asked.text
    assert (asked.json()["state"], asked.json()["ticket_id"]) == ("pending", first["id"])
    # Undo: the text comes back and the reply never goes out.
    taken = await ada.client.delete(f"{new}/pending-replies/{held['id']}")
    assert taken.status_code == 200, taken.text
    assert (taken.json()["state"], taken.json()["text"]) == ("undone", "Noted.")
    # Send now on the scheduled one: sent from the original within a second.
    now = await ada.client.post(f"{new}/pending-replies/{later['id']}/send")
    assert now.status_code == 202, now.text
    clock.advance(seconds=60)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await send_due_replies(app.state.sessionmaker, settings) == 0
    assert await replies_out(app, first["id"], "Noted.") == 0
    assert await replies_out(app, first["id"], "It ships Monday.") == 1
    assert await replies_out(app, move["target_ticket_id"], "It ships Monday.") == 0
    sent = await ada.client.get(f"{new}/pending-replies/{later['id']}")
    assert sent.json()["state"] == "sent"


async def test_a_moved_reply_on_a_ticket_its_author_no_longer_sees_is_not_there(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    """The original went to an inbox Ada is not in before the split was undone: through the
    split ticket's address her reply is the 404 it was before, and it is not sent."""
    inbox = await desk.inbox(email_address="help@shop.example.com")
    elsewhere = await desk.inbox(name="Billing", email_address="billing@shop.example.com")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="admin", name="Abe")
    first = await new_ticket(ada.client, inbox, email=CUSTOMER)
    move = await split_the_second_note(ada, first)
    new = f"/api/v1/tickets/{move['target_ticket_id']}"
    held = await post(ada, f"{new}/replies", {"text": "Noted.", "undo_seconds": 30}, status=202)
    await patch(admin, first["id"], {"inbox_id": elsewhere["id"]})
    undone = await admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
    assert undone.status_code == 200, undone.text

    mine = f"{new}/pending-replies/{held['id']}"
    error_of(await ada.client.get(mine), 404)
    error_of(await ada.client.delete(mine), 404)
    error_of(await ada.client.post(f"{mine}/send"), 404)
    clock.advance(seconds=30)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await replies_out(app, first["id"], "Noted.") == 0
    (failed,) = (await ada.client.get("/api/v1/me/pending-replies")).json()
    assert (failed["id"], failed["error"]["code"]) == (held["id"], "ticket_not_visible")
