"""New requests from the customer portal (docs/portal.md, "New request"), through HTTP and the
real SMTP sink: a signed-in customer opens a request, which becomes a ticket in the help
center's inbox for new requests, for them, answered at the address they signed in with, and
everything a new ticket sets off happens (here: a rule's acknowledgement by email). The form
needs its CSRF token, keeps what was typed when refused, stops at the hourly limit, and is not
offered while no inbox is chosen (or the chosen one is gone). The chat transcript leads to the
portal while it is on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.inboxes.models import Inbox
from frontdesk.portal import service as portal_service
from frontdesk.tickets.models import Ticket
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import CUSTOMER, SmtpSink, deliver, ticket_of, with_smtp
from tests.mail.test_portal import csrf_of, numbers_in, scene, sign_in
from tests.mail.test_visitor_language import _answered_chat, _body
from tests.unit.rules.support import create_rule
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY

SETTINGS = "/api/v1/knowledge/settings"
NEW = "/help/requests/new"
BUTTON = '<a class="button" href="/help/requests/new">New request</a>'
PORTAL_LINE = "See all your requests: http://desk.test/help/requests"


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The customer's browser: its own cookie jar."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


async def choose_inbox(admin: Agent, inbox_id: int | None) -> dict[str, Any]:
    response = await admin.client.put(SETTINGS, json={"portal_inbox_id": inbox_id})
    assert response.status_code == 200, response.text
    saved: dict[str, Any] = response.json()
    return saved


async def requests_inbox(desk: Desk) -> tuple[Agent, dict[str, Any]]:
    """An admin, and the inbox new requests go to, chosen."""
    inbox = await desk.inbox(name="Help center requests")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Admin")
    await choose_inbox(admin, inbox["id"])
    return admin, inbox


async def open_request(
    browser: httpx.AsyncClient, *, subject: str, text: str, csrf: str | None = None
) -> httpx.Response:
    if csrf is None:
        csrf = csrf_of(await browser.get(NEW))
    return await browser.post(NEW, data={"csrf": csrf, "subject": subject, "text": text})


async def ticket_count(app: FastAPI) -> int:
    async with unit_of_work(app.state.sessionmaker) as session:
        return len(list(await session.scalars(select(Ticket.id))))


# Statements no other test sends to PostgreSQL (bench/store_shapes.py): the hourly count.
@BOTH_STORES
async def test_a_signed_in_customer_opens_a_request_in_the_chosen_inbox(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, first = await scene(desk)
    admin, inbox = await requests_inbox(desk)
    assert (await admin.client.get(SETTINGS)).json()["portal_inbox_id"] == inbox["id"]
    # The inbox's rule acknowledges every new ticket by email.
    saved = await admin.client.post(
        "/api/v1/saved-replies",
        json={
            "name": "Ack",
            "text": "We have your request #{{ticket.number}}.",
            "inbox_id": inbox["id"],
        },
    )
    assert saved.status_code == 201, saved.text
    await create_rule(
        admin,
        "Acknowledge",
        when={"type": "created"},
        conditions=[{"field": "inbox", "op": "is", "value": inbox["id"]}],
        actions=[{"type": "reply", "saved_reply_id": saved.json()["id"]}],
    )
    await sign_in(app, settings, sink, browser)
    listing = await browser.get("/help/requests")
    assert BUTTON in listing.text

    form = await browser.get(NEW)
    assert form.status_code == 200
    assert form.headers["cache-control"] == "no-store"
    assert f"We answer here and by email, at {CUSTOMER}." in form.text
    assert 'name="subject" type="text" required maxlength="300"' in form.text
    opened = await open_request(
        browser, subject="Refund for order 1042", text="The parcel came broken.\nPhotos follow."
    )
    assert opened.status_code == 303, opened.text
    path, query = opened.headers["location"].split("?")
    assert query == "opened"
    number = int(path.rsplit("/", 1)[1])
    page = await browser.get(opened.headers["location"])
    assert page.status_code == 200
    assert "<h1>Refund for order 1042</h1>" in page.text
    assert "We have your request. We will answer here and by email." in page.text
    # Said once, after sending: the request's own address does not say it.
    assert "We will answer here and by email." not in (await browser.get(path)).text
    assert "The parcel came broken.\nPhotos follow." in page.text
    assert "from the help center" in page.text
    assert numbers_in(await browser.get("/help/requests")) == [number, first["number"]]

    # The desk: a web ticket in the chosen inbox, for Cora, her message from the help center.
    found = (await admin.client.get("/api/v1/tickets", params={"inbox_id": inbox["id"]})).json()
    (row,) = found["items"]
    assert row["number"] == number
    ticket = await ticket_of(admin, row["id"])
    assert ticket["customer_id"] == (await ticket_of(ada, first["id"]))["customer_id"]
    assert (ticket["subject"], ticket["type"], ticket["state"]) == (
        "Refund for order 1042",
        "web",
        "open",
    )
    message = next(e for e in ticket["entries"] if e["direction"] == "in")
    assert message["text"] == "The parcel came broken.\nPhotos follow."
    assert message["data"]["portal"] is True
    # The rule answered the creation, at the address she signed in with.
    await deliver(app, with_smtp(settings, sink))
    (ack,) = [r for r in sink.received if "We have your request" in _body(r.message, "plain")]
    assert ack.rcpt_tos == [CUSTOMER]
    assert f"We have your request #{number}." in _body(ack.message, "plain")


async def test_the_form_needs_its_token_and_keeps_what_was_typed(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    await requests_inbox(desk)
    await sign_in(app, settings, sink, browser)
    before = await ticket_count(app)

    forged = await browser.post(NEW, data={"subject": "Hello", "text": "Hi"})
    assert forged.status_code == 403
    assert "Reload the page and try again." in forged.text
    elsewhere = await browser.post(
        NEW,
        data={"csrf": csrf_of(await browser.get(NEW)), "subject": "Hello", "text": "Hi"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert elsewhere.status_code == 403

    no_subject = await open_request(browser, subject="   ", text="My <b>words</b>\nkept")
    assert no_subject.status_code == 422
    assert "Say in a few words what it is about." in no_subject.text
    assert "My &lt;b&gt;words&lt;/b&gt;\nkept</textarea>" in no_subject.text
    no_text = await open_request(browser, subject="About <my> order", text=" \n ")
    assert no_text.status_code == 422
    assert "Write your message first." in no_text.text
    assert 'value="About &lt;my&gt; order"' in no_text.text
    long = await open_request(browser, subject="x" * 301, text="Hello")
    assert long.status_code == 422
    assert "at most 300 characters" in long.text
    assert await ticket_count(app) == before


async def test_five_new_requests_an_hour_then_a_page_that_says_so(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    await requests_inbox(desk)
    await sign_in(app, settings, sink, browser)
    csrf = csrf_of(await browser.get(NEW))
    for n in range(portal_service.REQUESTS_PER_WINDOW):
        opened = await open_request(browser, subject=f"Question {n}", text="Hello", csrf=csrf)
        assert opened.status_code == 303, opened.text
    before = await ticket_count(app)
    refused = await open_request(browser, subject="One more", text="Hello", csrf=csrf)
    assert refused.status_code == 429
    assert "You have opened several requests in the last hour." in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert await ticket_count(app) == before


async def test_no_inbox_chosen_no_new_request(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    admin = await desk.agent(role="admin")
    assert (await admin.client.get(SETTINGS)).json()["portal_inbox_id"] is None
    unknown = await admin.client.put(SETTINGS, json={"portal_inbox_id": 999_999})
    assert error_of(unknown, 422)["fields"][0]["field"] == "portal_inbox_id"
    assert "No inbox has this id." in unknown.text
    await sign_in(app, settings, sink, browser)
    listing = await browser.get("/help/requests")
    assert "Signed in as" in listing.text
    assert "New request" not in listing.text
    csrf = csrf_of(listing)
    assert (await browser.get(NEW)).status_code == 404
    posted = await open_request(browser, subject="Hello", text="Hi", csrf=csrf)
    assert posted.status_code == 404
    assert "This page is not here" in posted.text


# The foreign key's ON DELETE SET NULL, as each store keeps it.
@BOTH_STORES
async def test_the_chosen_inbox_gone_takes_the_button_away(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    admin, inbox = await requests_inbox(desk)
    await sign_in(app, settings, sink, browser)
    assert BUTTON in (await browser.get("/help/requests")).text
    # Inboxes are not deleted from the desk; one deleted in the database empties the setting.
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(delete(Inbox).where(Inbox.id == inbox["id"]))
    assert (await admin.client.get(SETTINGS)).json()["portal_inbox_id"] is None
    assert "New request" not in (await browser.get("/help/requests")).text
    assert (await browser.get(NEW)).status_code == 404


async def test_signed_out_the_form_leads_to_signing_in(browser: httpx.AsyncClient) -> None:
    page = await browser.get(NEW)
    assert page.status_code == 303
    assert page.headers["location"] == "/help/requests"


@pytest.mark.parametrize("portal", [True, False])
async def test_the_transcript_leads_to_the_portal_while_it_is_on(
    app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink, portal: bool
) -> None:
    admin = await desk.agent(role="admin")
    turned = await admin.client.put(SETTINGS, json={"customer_portal": portal})
    assert turned.status_code == 200, turned.text
    await _answered_chat(desk, visitors)
    await deliver(app, with_smtp(settings, sink))
    (mailed,) = sink.received
    text, html = _body(mailed.message, "plain"), _body(mailed.message, "html")
    assert "Thanks for chatting with us." in text
    if portal:
        assert text.rstrip().endswith(PORTAL_LINE)
        link = '<a href="http://desk.test/help/requests">http://desk.test/help/requests</a>'
        assert f"See all your requests: {link}" in html
    else:
        assert "See all your requests" not in text
        assert "/help/requests" not in html
