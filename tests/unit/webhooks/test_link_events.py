"""Linked tickets reach integrations as webhooks (docs/webhooks.md): one `ticket.linked` or
`ticket.unlinked` per change for each end, the ticket as other ticket events carry it, the other
end by id and number alone (never its subject), and who; nothing for a link that changed
nothing, a spam end, or a merge's or a split's links (told by their own events). SQLite alone:
test_ticket_links_api.py sends the links' statements to both stores."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import new_ticket, use_cheap_passwords
from tests.unit.webhooks.receiver import Receiver, receiver
from tests.unit.webhooks.test_customer_events import deliver_all
from tests.unit.webhooks.test_webhook_events import subscribe

pytestmark = SQLITE_ONLY

EVENTS = ["ticket.linked", "ticket.unlinked"]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def about(event: dict[str, Any]) -> tuple[str, int, int, int]:
    data = event["data"]
    other = data["other_ticket"]
    return event["type"], data["ticket"]["id"], other["id"], other["number"]


async def test_each_end_of_a_link_is_told_once_naming_the_other_by_number(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    admin = await desk.agent(role="admin", inboxes=[support, billing], name="Ada")
    ada = {"type": "agent", "id": admin.id, "name": "Ada", "email": admin.user["email"]}
    await subscribe(admin, hooks, events=EVENTS)
    outage = await new_ticket(admin.client, support, subject="Outage in Paris")
    refund = await new_ticket(
        admin.client, billing, subject="Secret refund for Zed", email="zed@example.org"
    )
    with receiver() as tickets_only:
        # A webhook that did not choose the link events hears nothing of links: the timeline
        # lines are no message, and no field of the tickets changed.
        await subscribe(admin, tickets_only, events=["ticket.updated", "message.created"])
        linked = await admin.client.post(
            f"/api/v1/tickets/{outage['id']}/links", json={"ticket_id": refund["id"]}
        )
        assert linked.status_code == 201, linked.text
        # Linked again, from the other side: nothing changes, nothing is told.
        again = await admin.client.post(
            f"/api/v1/tickets/{refund['id']}/links", json={"ticket_id": outage["id"]}
        )
        assert again.status_code == 200, again.text
        unlinked = await admin.client.delete(f"/api/v1/tickets/{outage['id']}/links/{refund['id']}")
        assert unlinked.status_code == 204, unlinked.text
        twice = await admin.client.delete(f"/api/v1/tickets/{outage['id']}/links/{refund['id']}")
        assert twice.status_code == 204, twice.text
        await deliver_all(app)
        assert tickets_only.events() == []

    assert all(r.verified for r in hooks.requests)
    pair = [
        ("ticket.linked", outage["id"], refund["id"], refund["number"]),
        ("ticket.linked", refund["id"], outage["id"], outage["number"]),
        ("ticket.unlinked", outage["id"], refund["id"], refund["number"]),
        ("ticket.unlinked", refund["id"], outage["id"], outage["number"]),
    ]
    assert [about(e) for e in hooks.events()] == pair
    first = hooks.events()[0]["data"]
    assert set(first) == {"ticket", "other_ticket", "actor"}
    assert first["other_ticket"] == {"id": refund["id"], "number": refund["number"]}
    assert first["actor"] == ada
    # The ticket as `ticket.created` carries it.
    assert first["ticket"]["subject"] == "Outage in Paris"
    assert {"number", "state", "inbox_id", "customer_email", "labels"} <= set(first["ticket"])
    # Each end's deliveries never quote the other end's words.
    for request in hooks.requests:
        ticket_id = request.json["data"]["ticket"]["id"]
        hidden = "Secret refund" if ticket_id == outage["id"] else "Outage in Paris"
        assert hidden not in request.body.decode()


async def test_a_spam_end_and_a_split_s_link_are_not_told(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await subscribe(admin, hooks, events=EVENTS)
    kept = await new_ticket(admin.client, inbox, subject="Kept")
    junk = await new_ticket(admin.client, inbox, subject="Junk", email="junk@example.org")
    linked = await admin.client.post(
        f"/api/v1/tickets/{kept['id']}/links", json={"ticket_id": junk["id"]}
    )
    assert linked.status_code == 201, linked.text
    spam = await admin.client.post(f"/api/v1/tickets/{junk['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    unlinked = await admin.client.delete(f"/api/v1/tickets/{kept['id']}/links/{junk['id']}")
    assert unlinked.status_code == 204, unlinked.text
    await deliver_all(app)
    # The spam end's unlink is not told; the other end's is.
    assert [about(e) for e in hooks.events()] == [
        ("ticket.linked", kept["id"], junk["id"], junk["number"]),
        ("ticket.linked", junk["id"], kept["id"], kept["number"]),
        ("ticket.unlinked", kept["id"], junk["id"], junk["number"]),
    ]

    before = len(hooks.requests)
    for text in ("one", "two"):
        made = await admin.client.post(f"/api/v1/tickets/{kept['id']}/notes", json={"text": text})
        assert made.status_code == 201, made.text
    entries = (await admin.client.get(f"/api/v1/tickets/{kept['id']}")).json()["entries"]
    two = next(e for e in entries if e["text"] == "two")
    split = await admin.client.post(
        f"/api/v1/tickets/{kept['id']}/entries/{two['id']}/split", json={}
    )
    assert split.status_code == 201, split.text
    new_id = split.json()["target_ticket_id"]
    links = (await admin.client.get(f"/api/v1/tickets/{new_id}/links")).json()["links"]
    assert [each["ticket_id"] for each in links] == [kept["id"]]
    undone = await admin.client.post(f"/api/v1/tickets/moves/{split.json()['id']}/undo")
    assert undone.status_code == 200, undone.text
    await deliver_all(app)
    # The split links its ticket and the undo takes the link away: told by the split's own
    # events (`ticket.created`, `ticket.updated`), not as link events.
    assert len(hooks.requests) == before
