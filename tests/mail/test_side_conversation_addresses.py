"""A side conversation's reply address cannot be made up (docs/email.md, "Side conversations";
docs/security.md, "Side conversations"): mail through the real inbound route to an address
whose signature is wrong, is another side conversation's, is a ticket's reply token put under
`side+`, or names another domain, never lands in a side conversation, nor reopens it, nor tells
its assignee; the genuine address still works, from anyone (marked as a stranger)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.kit.ids import sign
from frontdesk.mail.addresses import TOKEN_LENGTH
from frontdesk.side_conversations.addresses import side_reply_address
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import post_mime, reply_mail
from tests.mail.test_portal import scene

pytestmark = SQLITE_ONLY

COURIER = "claims@courier.example.com"
STRANGER = "someone@elsewhere.example.net"


async def start(agent: Any, ticket: dict[str, Any]) -> dict[str, Any]:
    response = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/side-conversations",
        json={"to": [COURIER], "text": "Was parcel 4411 damaged in transit?"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def side_of(agent: Any, side: dict[str, Any]) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/side-conversations/{side['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_made_up_side_address_reaches_no_side_conversation(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk, then="hold")
    assigned = await ada.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": ada.user["id"]}
    )
    assert assigned.status_code == 200, assigned.text
    first = await start(ada, ticket)
    second = await start(ada, ticket)
    closed = await ada.client.patch(
        f"/api/v1/side-conversations/{first['id']}", json={"state": "closed"}
    )
    assert closed.status_code == 200, closed.text
    secret, domain = app.state.settings.secret, app.state.settings.mail_domain
    genuine = side_reply_address(secret, side_id=first["id"], mail_domain=domain)
    mac = genuine.split(".", 1)[1].split("@", 1)[0]
    others = side_reply_address(secret, side_id=second["id"], mail_domain=domain)
    ticket_token = sign(secret, f"reply:{first['id']}", TOKEN_LENGTH)
    made_up = [
        # A wrong signature, one character off.
        f"side+{first['id']}.{'0' if mac[0] != '0' else '1'}{mac[1:]}@{domain}",
        # The signature cut short, and none at all.
        f"side+{first['id']}.{mac[:8]}@{domain}",
        f"side+{first['id']}.@{domain}",
        # Another side conversation's signature under this one's id.
        f"side+{first['id']}.{others.split('.', 1)[1].split('@', 1)[0]}@{domain}",
        # The ticket reply token of the same number, put under side+.
        f"side+{first['id']}.{ticket_token}@{domain}",
        # The genuine signature at another domain.
        f"side+{first['id']}.{mac}@courier.example.com",
    ]
    for address in made_up:
        raw = reply_mail(to=address, sender=STRANGER, subject="Re: x", text=f"Forged {address}")
        response = await post_mime(http, raw, to=[address])
        assert response.status_code < 500, response.text
    got = await side_of(ada, first)
    assert [m["direction"] for m in got["messages"]] == ["out"]
    assert got["state"] == "closed"
    assert got["new_reply"] is False
    assert [m["direction"] for m in (await side_of(ada, second))["messages"]] == ["out"]
    told = (await ada.client.get("/api/v1/notifications")).json()
    assert [n for n in told["items"] if n["params"].get("side_conversation_id")] == []
    # Nor did any of it reach the customer's thread.
    entries = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["entries"]
    assert all("Forged" not in entry["text"] for entry in entries)

    # The genuine address is taken from anyone, the sender marked as not a participant.
    raw = reply_mail(to=genuine, sender=STRANGER, subject="Re: x", text="The real answer")
    assert (await post_mime(http, raw, to=[genuine])).status_code in (200, 201)
    got = await side_of(ada, first)
    assert [m["direction"] for m in got["messages"]] == ["out", "in"]
    assert got["messages"][-1]["data"]["unexpected_sender"] is True
    assert got["state"] == "open"
