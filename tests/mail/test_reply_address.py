"""A ticket answers at the address its conversation is with, not at the customer's primary: the
address their mail came from (the latest one), the one an agent's New ticket wrote to, the one a
visitor gave the chat or contact form; while it is one of the ticket customer's addresses (one
merged in from another record included), else at their primary. Over real SMTP, both ways, and
the API's `reply_address` says where the next reply goes (docs/email.md, "Which address a reply
goes to"). An erasure of whoever has the address leaves it on no other ticket."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.mail.listener import InboundListener
from frontdesk.ratings import service as ratings_service
from frontdesk.tickets.models import Ticket
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import (
    SUPPORT,
    SmtpSink,
    deliver,
    later,
    outbox,
    post_mime,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)
from tests.mail.test_list_mail import MEMBER, through_group
from tests.unit.support import online

pytestmark = SQLITE_ONLY

HOME = "cora@home.example"
WORK = "cora.lee@work.example"
SECRET = "identity-secret-of-the-shop"


async def customer(agent: Agent, name: str, *emails: str) -> dict[str, Any]:
    created = await agent.client.post("/api/v1/customers", json={"name": name, "emails": emails})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def reply(agent: Agent, ticket_id: int, text: str) -> dict[str, Any]:
    sent = await agent.client.post(
        f"/api/v1/tickets/{ticket_id}/replies", json={"text": text, "then": "send"}
    )
    assert sent.status_code == 201, sent.text
    body: dict[str, Any] = sent.json()
    return body


async def mailed_to(app: FastAPI, settings: Settings, sink: SmtpSink) -> list[tuple[str, ...]]:
    """What the outbox sent since the last call: each mail's envelope recipients, then its To."""
    before = len(sink.received)
    await deliver(app, with_smtp(settings, sink))
    return [(*mail.rcpt_tos, str(mail.message["To"])) for mail in sink.received[before:]]


async def mail_in(http: httpx.AsyncClient, *, sender: str, text: str, **extra: Any) -> None:
    raw = reply_mail(to=SUPPORT, sender=sender, text=text, **extra)
    posted = await post_mime(http, raw, to=[SUPPORT])
    assert posted.status_code == 200, posted.text
    assert posted.json()["status"] == "processed", posted.json()


async def only_ticket(agent: Agent) -> dict[str, Any]:
    (listed,) = (await agent.client.get("/api/v1/tickets")).json()["items"]
    return await ticket_of(agent, listed["id"])


async def test_mail_from_another_address_is_answered_there_and_follows_the_customer(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    http: httpx.AsyncClient,
    listener: InboundListener,
    sink: SmtpSink,
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    cora = await customer(ada, "Cora Lee", HOME, WORK)

    # Cora writes from her work address, over SMTP: the ticket is hers, answered at work.
    raw = reply_mail(to=SUPPORT, sender=WORK, text="The invoice is wrong.", subject="Invoice")
    assert await send_to_listener(listener.port, raw, sender=WORK, recipients=[SUPPORT]) == {}
    ticket = await only_ticket(ada)
    assert ticket["customer_id"] == cora["id"]
    assert (ticket["customer_email"], ticket["reply_address"]) == (HOME, WORK)
    first = await reply(ada, ticket["id"], "We are on it.")
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]

    # She answers from home: the next reply goes home, and the desk says so.
    await mail_in(http, sender=HOME, text="Sent from my phone.", in_reply_to=first["message_id"])
    assert (await ticket_of(ada, ticket["id"]))["reply_address"] == HOME
    second = await reply(ada, ticket["id"], "Fixed, a new invoice follows.")
    assert await mailed_to(app, settings, sink) == [(HOME, HOME)]

    # Someone who is not her (a colleague she copied) answering moves nothing.
    await mail_in(
        http,
        sender="boss@work.example",
        text="Please send it to me as well.",
        in_reply_to=second["message_id"],
    )
    assert (await ticket_of(ada, ticket["id"]))["reply_address"] == HOME
    await reply(ada, ticket["id"], "Here it is.")
    assert await mailed_to(app, settings, sink) == [(HOME, HOME)]


async def test_mail_through_a_group_is_answered_at_its_authors_address(
    app: FastAPI, settings: Settings, desk: Desk, http: httpx.AsyncClient, sink: SmtpSink
) -> None:
    """A group that rewrote From (strict DMARC) passes the author on: the answer goes to the
    author's address, never to the group's (mail/lists.py)."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    cora = await customer(ada, "Cora Lee", HOME, WORK)
    raw = through_group(reply_mail(to=SUPPORT, sender=WORK, text="Hello?"), rewrite=True)
    posted = await post_mime(http, raw, to=[MEMBER])
    assert posted.json()["created_ticket"] is True, posted.json()
    ticket = await ticket_of(ada, posted.json()["ticket_id"])
    assert (ticket["customer_id"], ticket["reply_address"]) == (cora["id"], WORK)
    await reply(ada, ticket["id"], "Hello, Cora.")
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]


@BOTH_STORES
async def test_a_new_ticket_goes_to_the_address_the_agent_typed(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    cora = await customer(ada, "Cora Lee", HOME, WORK)
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": WORK.upper()},
            "subject": "Your contract",
            "message": {"text": "The contract for your team is ready."},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["customer_id"] == cora["id"]
    assert (await ticket_of(ada, created.json()["id"]))["reply_address"] == WORK
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]
    # Filed by the customer's id alone, it goes to their primary, as before.
    by_id = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"id": cora["id"]},
            "subject": "Your renewal",
            "message": {"text": "Your plan renews next month."},
        },
    )
    assert by_id.status_code == 201, by_id.text
    assert by_id.json()["reply_address"] == HOME
    assert await mailed_to(app, settings, sink) == [(HOME, HOME)]

    # An agent of another inbox, who may not see Cora, writes to her work address: the mail
    # goes there, and neither address is shown to him.
    billing = await desk.inbox(name="Billing", email_address="billing@shop.test")
    bob = await desk.agent(inboxes=[billing], name="Bob")
    theirs = await bob.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": billing["id"],
            "customer": {"email": WORK},
            "subject": "Your invoice",
            "message": {"text": "Your invoice is attached."},
        },
    )
    assert theirs.status_code == 201, theirs.text
    shown = await ticket_of(bob, theirs.json()["id"])
    assert (shown["customer"], shown["customer_email"], shown["reply_address"]) == (None,) * 3
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]


async def test_an_address_taken_from_the_customer_is_no_longer_written_to(
    app: FastAPI, settings: Settings, desk: Desk, http: httpx.AsyncClient, sink: SmtpSink
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    cora = await customer(ada, "Cora Lee", HOME, WORK)
    await mail_in(http, sender=WORK, text="My order never came.", subject="Order")
    ticket = await only_ticket(ada)
    assert ticket["reply_address"] == WORK

    # She left that job: the agent takes the address off her record.
    changed = await ada.client.patch(f"/api/v1/customers/{cora['id']}", json={"emails": [HOME]})
    assert changed.status_code == 200, changed.text
    assert (await ticket_of(ada, ticket["id"]))["reply_address"] == HOME
    await reply(ada, ticket["id"], "It ships today.")
    assert await mailed_to(app, settings, sink) == [(HOME, HOME)]

    # Her successor has it now: Cora's conversation still does not go there.
    await customer(ada, "Dan Next", WORK)
    listed = (await ada.client.get("/api/v1/tickets")).json()["items"]
    assert [item["reply_address"] for item in listed] == [HOME]
    await reply(ada, ticket["id"], "Tracking follows.")
    assert await mailed_to(app, settings, sink) == [(HOME, HOME)]


async def test_an_address_merged_into_another_customer_still_counts(
    app: FastAPI, settings: Settings, desk: Desk, http: httpx.AsyncClient, sink: SmtpSink
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    survivor = await customer(ada, "Cora Lee", HOME)
    # Mail from an address nobody had yet: a customer of its own, which the agent merges.
    await mail_in(http, sender=WORK, text="Can I change my plan?", subject="Plan")
    ticket = await only_ticket(ada)
    assert ticket["customer_id"] != survivor["id"]
    merged = await ada.client.post(
        f"/api/v1/customers/{survivor['id']}/merge", json={"source_id": ticket["customer_id"]}
    )
    assert merged.status_code == 200, merged.text

    moved = await ticket_of(ada, ticket["id"])
    assert moved["customer_id"] == survivor["id"]
    assert (moved["customer_email"], moved["reply_address"]) == (HOME, WORK)
    answer = await reply(ada, ticket["id"], "Yes: from your account page.")
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]

    # A message split out of the ticket goes on with the same address.
    await mail_in(
        http, sender=WORK, text="Another question: invoices?", in_reply_to=answer["message_id"]
    )
    later = await ticket_of(ada, ticket["id"])
    question = [e for e in later["entries"] if e["direction"] == "in"][-1]
    assert question["text"] == "Another question: invoices?"
    split = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/entries/{question['id']}/split", json={}
    )
    assert split.status_code == 201, split.text
    new_id = split.json()["target_ticket_id"]
    assert (await ticket_of(ada, new_id))["reply_address"] == WORK
    await reply(ada, new_id, "Invoices are under Billing.")
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]


async def test_a_signed_in_visitors_address_gets_the_transcript_and_the_replies(
    app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT, identity_secret=SECRET)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    cora = await customer(ada, "Cora Lee", HOME, WORK)

    # The website signs her in with her work address: the chat's ticket answers there.
    visitor = await visitors(inbox)
    assert (await visitor.identify(WORK, secret=SECRET))["identity_verified"] is True
    chat = await visitor.start_chat("Is my order shipped?", name="Cora", email=WORK)
    assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    ended = await ada.client.post(f"/api/v1/chats/{chat['id']}/end")
    assert ended.status_code == 200, ended.text
    ticket = await ticket_of(ada, ended.json()["ticket_id"])
    assert (ticket["customer_id"], ticket["reply_address"]) == (cora["id"], WORK)
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]  # the transcript
    await reply(ada, ticket["id"], "It ships tomorrow.")
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]

    # Her contact form, signed in the same way.
    sent = await visitor.client.post(
        "/messenger/v1/contact", json={"name": "Cora", "email": WORK, "text": "And my refund?"}
    )
    assert sent.status_code == 201, sent.text
    (form,) = (await ada.client.get("/api/v1/tickets", params={"type": "web"})).json()["items"]
    assert (form["customer_id"], form["reply_address"]) == (cora["id"], WORK)
    await reply(ada, form["id"], "Refunded today.")
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]


async def test_an_address_given_after_the_chat_ended_is_answered_there(
    app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    # An unverified customer (an earlier chat typed the address), to whom an agent added another.
    earlier = await visitors(inbox)
    first = await earlier.start_chat("First question", name="Lin", email=HOME)
    ended = await earlier.client.post(f"/messenger/v1/chats/{first['id']}/end")
    assert ended.status_code == 200, ended.text
    lin = (
        await ticket_of(ada, (await ada.client.get("/api/v1/tickets")).json()["items"][0]["id"])
    )["customer_id"]
    added = await ada.client.patch(f"/api/v1/customers/{lin}", json={"emails": [HOME, WORK]})
    assert added.status_code == 200, added.text
    await mailed_to(app, settings, sink)

    # Nobody answered her next chat in time; she gives her other address afterwards.
    later = await visitors(inbox)
    chat = await later.start_chat("Second question", name="Lin", email=None)
    assert (await later.client.post(f"/messenger/v1/chats/{chat['id']}/end")).status_code == 200
    given = await later.client.post(f"/messenger/v1/chats/{chat['id']}/email", json={"email": WORK})
    assert given.status_code == 200, given.text
    ticket_id = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()["ticket_id"]
    ticket = await ticket_of(ada, ticket_id)
    assert (ticket["customer_id"], ticket["reply_address"]) == (lin, WORK)
    await reply(ada, ticket_id, "Here is the answer.")
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]


@BOTH_STORES
async def test_an_erasure_leaves_the_address_on_no_other_ticket(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="admin")
    cora = await customer(ada, "Cora Lee", HOME, WORK)
    # Someone types Cora's work address into the contact form, unproven: the message goes to a
    # customer of its own, who has no address, so nothing may be mailed to it.
    sent = await (await visitors(inbox)).client.post(
        "/messenger/v1/contact", json={"name": "Cora?", "email": WORK, "text": "Call me"}
    )
    assert sent.status_code == 201, sent.text
    (form,) = (await ada.client.get("/api/v1/tickets", params={"type": "web"})).json()["items"]
    assert form["customer_id"] != cora["id"]
    assert form["reply_address"] is None

    erased = await admin.client.post(
        f"/api/v1/customers/{cora['id']}/erase", json={"confirm": HOME}
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["state"] == "done"
    async with unit_of_work(app.state.sessionmaker) as session:
        kept = await session.scalar(select(Ticket.reply_address).where(Ticket.id == form["id"]))
    assert not kept
    assert (await ticket_of(ada, form["id"]))["reply_address"] is None
    assert [row for row in await outbox(admin) if WORK in row["recipients"]] == []


async def test_the_rating_request_goes_where_the_replies_went(
    app: FastAPI, settings: Settings, desk: Desk, http: httpx.AsyncClient, sink: SmtpSink
) -> None:
    """Asked how we did at the address the conversation was with, not at the primary."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await customer(ada, "Cora Lee", HOME, WORK)
    admin = await desk.agent(role="admin")
    enabled = await admin.client.patch(
        f"/api/v1/inboxes/{inbox['id']}/rating-settings",
        json={"email_enabled": True, "email_delay_minutes": 0},
    )
    assert enabled.status_code == 200, enabled.text
    await mail_in(http, sender=WORK, text="The invoice is wrong.", subject="Invoice")
    ticket = await only_ticket(ada)
    await reply(ada, ticket["id"], "Fixed.")
    closed = await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": "closed"})
    assert closed.status_code == 200, closed.text
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]
    async with unit_of_work(app.state.sessionmaker) as session:
        assert await ratings_service.send_due_requests(session, now=later(0)) == 1
    assert await mailed_to(app, settings, sink) == [(WORK, WORK)]
