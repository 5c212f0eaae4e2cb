"""A customer's reply reopens a ticket held under a custom status: open again, with the plain
status, since a status belongs to one state (docs/desk.md, "Ticket statuses")."""

from __future__ import annotations

import httpx

from tests.conftest import BOTH_STORES, Desk
from tests.mail.support import QUOTED, SUPPORT, answered_ticket, post_mime, reply_mail, ticket_of


@BOTH_STORES
async def test_a_reply_to_a_ticket_waiting_on_a_vendor_opens_it_without_the_status(
    http: httpx.AsyncClient, desk: Desk
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
    admin = await desk.agent(role="admin")
    made = await admin.client.post(
        "/api/v1/ticket-statuses", json={"name": "Waiting on vendor", "state": "hold"}
    )
    assert made.status_code == 201, made.text
    held = await ada.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"status_id": made.json()["id"]}
    )
    assert held.json()["status"]["name"] == "Waiting on vendor"
    raw = reply_mail(to=SUPPORT, text="Any news?" + QUOTED)
    response = await post_mime(http, raw, to=[sent["headers"]["Reply-To"]])
    assert response.json()["reopened"] is True, response.text
    after = await ticket_of(ada, ticket["id"])
    assert (after["state"], after["status"]) == ("open", None)
    listed = await ada.client.get("/api/v1/tickets", params={"status_id": made.json()["id"]})
    assert listed.json()["items"] == []
