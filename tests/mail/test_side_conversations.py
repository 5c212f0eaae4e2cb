"""Side conversations through real SMTP on loopback (docs/desk.md, "Side conversations"): Ada
asks the courier about Cora's ticket, the mail leaves through the outbox to the SMTP sink from
the inbox's address with the side conversation's own reply address, the courier's answer comes
back through our SMTP listener and lands in the side conversation, not in Cora's thread, without
changing the ticket's state; the assignee is told; the customer's portal shows none of it."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    deliver,
    inbound_entries,
    post_mime,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)
from tests.mail.test_portal import browser, scene, sign_in

__all__ = ["browser"]

pytestmark = SQLITE_ONLY

COURIER = "claims@courier.example.com"


async def start(agent: Any, ticket: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/side-conversations",
        json={"to": [COURIER], "text": "Was parcel 4411 damaged in transit?"} | body,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def sides(agent: Any, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket['id']}/side-conversations")
    assert response.status_code == 200, response.text
    return list(response.json()["side_conversations"])


async def test_a_third_partys_answer_lands_in_the_side_conversation_and_never_with_the_customer(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    listener: InboundListener,
    browser: httpx.AsyncClient,
) -> None:
    ada, _inbox, ticket = await scene(desk, then="hold")
    # Ada holds the ticket and is its assignee.
    assigned = await ada.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": ada.user["id"]}
    )
    assert assigned.status_code == 200, assigned.text
    side = await start(ada, ticket, include_last_message=False)
    assert side["subject"] == "Where is my parcel?"
    assert side["participants"] == [COURIER]
    await deliver(app, with_smtp(settings, sink))
    (sent,) = [r for r in sink.received if r.rcpt_tos == [COURIER]]
    message = sent.message
    assert SUPPORT in str(message["From"])
    assert str(message["Subject"]) == "Where is my parcel?"
    reply_to = str(message["Reply-To"])
    assert reply_to.startswith(f"side+{side['id']}.")
    assert "reply+" not in reply_to
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "parcel 4411" in str(body.get_content())

    # The courier answers, through our SMTP listener, to the side conversation's address.
    raw = reply_mail(
        to=reply_to,
        sender=COURIER,
        subject="Re: Where is my parcel?",
        text="Yes, it was crushed <b>in the van</b>.",
        in_reply_to=str(message["Message-ID"]),
    )
    assert await send_to_listener(listener.port, raw, sender=COURIER, recipients=[reply_to]) == {}

    (got,) = await sides(ada, ticket)
    assert [m["direction"] for m in got["messages"]] == ["out", "in"]
    answer = got["messages"][1]
    assert answer["text"] == "Yes, it was crushed <b>in the van</b>."
    assert answer["from_address"] == COURIER
    assert answer["data"]["unexpected_sender"] is False
    assert got["new_reply"] is True
    # Not in the customer's thread, and the ticket is still on hold.
    after = await ticket_of(ada, ticket["id"])
    assert after["state"] == "hold"
    assert all("crushed" not in entry["text"] for entry in after["entries"])
    assert inbound_entries(after) == []
    # The timeline says who started it with whom.
    assert any(
        e["kind"] == "event"
        and e["text"] == f"Ada Lovelace started a side conversation with {COURIER}"
        for e in after["entries"]
    )
    # Ada, the assignee, is told.
    told = (await ada.client.get("/api/v1/notifications")).json()
    (notice,) = [n for n in told["items"] if n["params"].get("side_conversation_id")]
    assert notice["params"]["side_conversation_id"] == side["id"]
    assert notice["ticket_id"] == ticket["id"]

    # Cora, signed in to My requests, sees her request without any of it.
    await sign_in(app, settings, sink, browser)
    page = await browser.get(f"/help/requests/{ticket['number']}")
    assert page.status_code == 200
    for words in ("crushed", "parcel 4411", COURIER, "side conversation"):
        assert words not in page.text

    # Ada replies in it: to the courier, threaded, from the same reply address.
    replied = await ada.client.post(
        f"/api/v1/side-conversations/{side['id']}/replies", json={"text": "Thanks, claim filed."}
    )
    assert replied.status_code == 201, replied.text
    await deliver(app, with_smtp(settings, sink))
    second = [r for r in sink.received if r.rcpt_tos == [COURIER]][-1].message
    assert str(second["Subject"]) == "Re: Where is my parcel?"
    assert str(second["Reply-To"]) == reply_to
    assert str(message["Message-ID"]) in str(second["References"])
    assert (await sides(ada, ticket))[0]["new_reply"] is False
    # Nothing went to the customer.
    assert [
        r for r in sink.received if CUSTOMER in r.rcpt_tos and "crushed" in r.raw.decode()
    ] == []


async def test_a_closed_one_reopens_on_an_answer_and_a_stranger_is_marked(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk, then="close")
    side = await start(ada, ticket)
    closed = await ada.client.patch(
        f"/api/v1/side-conversations/{side['id']}", json={"state": "closed"}
    )
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    await deliver(app, with_smtp(settings, sink))
    (sent,) = [r for r in sink.received if r.rcpt_tos == [COURIER]]
    # A colleague of the courier's answers the thread, without the token: by its Message-ID.
    raw = reply_mail(
        to=SUPPORT,
        sender="boss@courier.example.com",
        subject="Re: Where is my parcel?",
        text="I checked: refund approved.",
        in_reply_to=str(sent.message["Message-ID"]),
    )
    response = await post_mime(http, raw, to=[SUPPORT])
    assert response.status_code in (200, 201), response.text
    (got,) = await sides(ada, ticket)
    assert got["state"] == "open"
    answer = got["messages"][-1]
    assert answer["from_address"] == "boss@courier.example.com"
    assert answer["data"]["unexpected_sender"] is True
    # The stranger is not made a participant, and the ticket stays closed.
    assert got["participants"] == [COURIER]
    assert (await ticket_of(ada, ticket["id"]))["state"] == "closed"
    # The same message again is recognised and ignored.
    again = await post_mime(http, raw, to=[SUPPORT])
    assert again.status_code in (200, 201), again.text
    assert len((await sides(ada, ticket))[0]["messages"]) == 2


async def test_a_blocked_senders_answer_is_kept_marked_and_tells_nobody(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk, then="hold")
    assigned = await ada.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": ada.user["id"]}
    )
    assert assigned.status_code == 200, assigned.text
    side = await start(ada, ticket)
    closed = await ada.client.patch(
        f"/api/v1/side-conversations/{side['id']}", json={"state": "closed"}
    )
    assert closed.status_code == 200, closed.text
    admin = await desk.agent(role="admin")
    blocked = await admin.client.post(
        "/api/v1/blocked-senders", json={"pattern": "@courier.example.com"}
    )
    assert blocked.status_code == 201, blocked.text
    await deliver(app, with_smtp(settings, sink))
    (sent,) = [r for r in sink.received if r.rcpt_tos == [COURIER]]
    reply_to = str(sent.message["Reply-To"])
    raw = reply_mail(to=reply_to, sender=COURIER, subject="Re: x", text="Buy cheap watches")
    assert (await post_mime(http, raw, to=[reply_to])).status_code in (200, 201)
    (got,) = await sides(ada, ticket)
    assert got["messages"][-1]["data"]["blocked_sender"] is True
    assert got["state"] == "closed"
    assert got["new_reply"] is False
    told = (await ada.client.get("/api/v1/notifications")).json()
    assert [n for n in told["items"] if n["params"].get("side_conversation_id")] == []
