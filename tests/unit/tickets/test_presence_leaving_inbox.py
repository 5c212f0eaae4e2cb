"""An agent who loses sight of a ticket's inbox while their desk shows the ticket (taken out of
the inbox, or no longer an admin) stops being listed among its viewers at once: their tab can no
longer say it left (the ticket is "no such ticket" to them now), and the inbox's agents would
otherwise see them reading, or writing a reply, until the tab closed (docs/desk.md, "Light
agents"; docs/realtime.md, `ticket.viewers`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.tickets.models import TicketViewer
from tests.conftest import Desk
from tests.realtime import desk_socket
from tests.unit.support import count_rows, new_ticket, use_cheap_passwords
from tests.unit.tickets.test_ticket_presence import presence, viewers_event


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def test_taken_out_of_the_inbox_they_leave_its_tickets_viewers(
    app: FastAPI, live: str, desk: Desk
) -> None:
    olga = await desk.agent(role="admin", name="Olga")
    ada = await desk.agent(name="Ada")
    grace = await desk.agent(name="Grace")
    billing = await desk.inbox(name="Billing", members=[ada, grace])
    sales = await desk.inbox(name="Sales", members=[grace])
    ticket = await new_ticket(ada.client, billing)
    other = await new_ticket(grace.client, sales)
    ada_ws = await desk_socket(live, ada)
    grace_ws = await desk_socket(live, grace)
    await presence(grace_ws, ticket["id"], viewing=True, composing="reply")
    await presence(grace_ws, other["id"], viewing=True)
    await viewers_event(ada_ws, ticket["id"], [("Grace", "reply")])

    removed = await olga.client.delete(f"/api/v1/inboxes/{billing['id']}/members/{grace.id}")
    assert removed.status_code == 200, removed.text

    await viewers_event(ada_ws, ticket["id"], [])
    # Her tab's own leaving is refused: the ticket is no longer hers to see.
    refused = await presence(grace_ws, ticket["id"], viewing=False)
    assert refused["error"]["code"] == "not_found"
    # Sales, which she still sees, keeps her.
    assert await count_rows(app, TicketViewer) == 1
    for sock in (ada_ws, grace_ws):
        await sock.close()


async def test_no_longer_an_admin_they_leave_the_viewers_of_inboxes_they_are_not_in(
    app: FastAPI, live: str, desk: Desk
) -> None:
    olga = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(name="Ada")
    linus = await desk.agent(role="admin", name="Linus")
    billing = await desk.inbox(name="Billing", members=[ada])
    ticket = await new_ticket(ada.client, billing)
    ada_ws = await desk_socket(live, ada)
    linus_ws = await desk_socket(live, linus)
    await presence(linus_ws, ticket["id"], viewing=True, composing="note")
    await viewers_event(ada_ws, ticket["id"], [("Linus", "note")])

    demoted = await olga.client.patch(f"/api/v1/users/{linus.id}", json={"role": "agent"})
    assert demoted.status_code == 200, demoted.text

    await viewers_event(ada_ws, ticket["id"], [])
    assert await count_rows(app, TicketViewer) == 0
    for sock in (ada_ws, linus_ws):
        await sock.close()


async def test_an_admin_made_owner_stays_listed(app: FastAPI, live: str, desk: Desk) -> None:
    olga = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(name="Ada")
    linus = await desk.agent(role="admin", name="Linus")
    billing = await desk.inbox(name="Billing", members=[ada])
    ticket: dict[str, Any] = await new_ticket(ada.client, billing)
    linus_ws = await desk_socket(live, linus)
    await presence(linus_ws, ticket["id"], viewing=True)

    promoted = await olga.client.patch(f"/api/v1/users/{linus.id}", json={"role": "owner"})
    assert promoted.status_code == 200, promoted.text

    await linus_ws.event("inbox.membership_changed")
    assert await count_rows(app, TicketViewer) == 1
    await linus_ws.close()
