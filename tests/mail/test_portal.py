"""The customer portal, "My requests" under /help (docs/portal.md), through HTTP and the real SMTP
sink: a customer asks for a link, the mail arrives, the link's page signs them in, they read
their requests and answer one, and the desk sees the answer as a customer message that reopens
the ticket. Unknown addresses get the same page and no mail; a link works once and for 30
minutes; another customer's request, a note and a file of a note are never shown; every POST
needs its CSRF token; the setting off, an erasure or "Sign out" end it all."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.portal import service as portal_service
from frontdesk.portal.models import PortalLink, PortalSession
from frontdesk.privacy import service as privacy_service
from frontdesk.users import service as users_service
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    deliver,
    ticket_of,
    ticket_with_reply,
    with_smtp,
)
from tests.mail.test_reply_attachments import PDF, upload
from tests.mail.test_visitor_language import _answered_chat as answered_chat

pytestmark = SQLITE_ONLY

LINK = re.compile(r"http://desk\.test/help/requests/sign-in/([A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SAME_ANSWER = "If this address is one we know, we've sent a link to it."


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The customer's browser: its own cookie jar."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


async def ask(client: httpx.AsyncClient, email: str) -> httpx.Response:
    response = await client.post("/help/requests", data={"email": email})
    assert response.status_code == 200, response.text
    return response


def sign_in_mails(sink: SmtpSink, to: str = CUSTOMER) -> list[Any]:
    return [
        r
        for r in sink.received
        if "sign-in link" in str(r.message["Subject"]) and r.rcpt_tos == [to]
    ]


def token_in(received: Any) -> str:
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    found = LINK.search(text)
    assert found is not None, text
    return found.group(1)


async def mailed_token(
    app: FastAPI, settings: Settings, sink: SmtpSink, client: httpx.AsyncClient, email: str
) -> str:
    before = len(sign_in_mails(sink, email))
    await ask(client, email)
    await deliver(app, with_smtp(settings, sink))
    mails = sign_in_mails(sink, email)
    assert len(mails) == before + 1
    return token_in(mails[-1])


async def sign_in(
    app: FastAPI,
    settings: Settings,
    sink: SmtpSink,
    client: httpx.AsyncClient,
    email: str = CUSTOMER,
) -> None:
    token = await mailed_token(app, settings, sink, client, email)
    signed = await client.post(f"/help/requests/sign-in/{token}")
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/help/requests"


def numbers_in(listing: httpx.Response) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="number">#(\d+)</td>', listing.text)]


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


async def scene(desk: Desk, *, then: str = "close") -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Ada answered Cora's "Where is my parcel?" by email (and closed it)."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    ticket, _reply = await ticket_with_reply(ada, inbox, then=then)
    return ada, inbox, ticket


# Statements no other test sends to PostgreSQL (bench/store_shapes.py).
@BOTH_STORES
async def test_a_customer_signs_in_by_email_reads_and_answers_a_request(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk)
    assert (await ticket_of(ada, ticket["id"]))["state"] == "closed"

    form = await browser.get("/help/requests")
    assert form.status_code == 200
    assert 'name="email"' in form.text
    asked = await ask(browser, CUSTOMER.upper())
    assert SAME_ANSWER in asked.text
    await deliver(app, with_smtp(settings, sink))
    (mail,) = sign_in_mails(sink)
    assert mail.message["Auto-Submitted"] == "auto-generated"
    token = token_in(mail)
    html = mail.message.get_body(preferencelist=("html",)).get_content()
    assert f"/help/requests/sign-in/{token}" in html
    # Only its digest is kept.
    async with unit_of_work(app.state.sessionmaker) as session:
        digests = list(await session.scalars(select(PortalLink.digest)))
    assert token not in digests
    assert len(digests) == 1

    # A mail scanner's GET uses nothing up: twice, the same button.
    for _ in range(2):
        page = await browser.get(f"/help/requests/sign-in/{token}")
        assert page.status_code == 200
        assert f'action="/help/requests/sign-in/{token}"' in page.text
        assert ">Sign in</button>" in page.text
    assert "frontdesk_portal" not in browser.cookies

    signed = await browser.post(f"/help/requests/sign-in/{token}")
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith("frontdesk_portal=")
    for attribute in ("HttpOnly", "Path=/help", "SameSite=lax", "Max-Age=2592000"):
        assert attribute in cookie, cookie
    assert "Secure" not in cookie  # http://desk.test; https would add it

    listing = await browser.get("/help/requests")
    assert listing.status_code == 200
    assert listing.headers["cache-control"] == "no-store"
    assert "Signed in as Cora Customer" in listing.text
    assert numbers_in(listing) == [ticket["number"]]
    assert "Where is my parcel?" in listing.text
    assert '<span class="state solved">Solved</span>' in listing.text

    page = await browser.get(f"/help/requests/{ticket['number']}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "It left the warehouse today.\nTracking follows." in page.text
    assert "Ada Lovelace" in page.text

    answered = await browser.post(
        f"/help/requests/{ticket['number']}/reply",
        data={"csrf": csrf_of(page), "text": "It has not arrived yet.\nCould you check?"},
    )
    assert answered.status_code == 303, answered.text
    assert answered.headers["location"] == f"/help/requests/{ticket['number']}#reply"
    again = await browser.get(f"/help/requests/{ticket['number']}")
    assert "It has not arrived yet.\nCould you check?" in again.text
    assert "from the help center" in again.text

    # The desk: the customer's message, the ticket open again, Ada told.
    seen = await ticket_of(ada, ticket["id"])
    assert seen["state"] == "open"
    (answer,) = [e for e in seen["entries"] if e["kind"] == "reply" and e["direction"] == "in"]
    assert answer["text"] == "It has not arrived yet.\nCould you check?"
    assert answer["author_customer_id"] == seen["customer_id"]
    assert answer["data"]["portal"] is True
    told = (await ada.client.get("/api/v1/notifications")).json()
    assert any(n["kind"] == "customer_replied" for n in told["items"]), told


async def test_an_address_nobody_has_gets_the_same_answer_and_no_mail(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    known = await ask(browser, CUSTOMER)
    unknown = await ask(browser, "nobody@example.org")
    nonsense = await ask(browser, "not an address")
    for answer in (unknown, nonsense):
        assert (
            answer.text.replace("nobody@example.org", CUSTOMER).replace("not an address", CUSTOMER)
            == known.text
        )
    await deliver(app, with_smtp(settings, sink))
    assert [r.rcpt_tos for r in sink.received if "sign-in" in str(r.message["Subject"])] == [
        [CUSTOMER]
    ]


async def test_no_link_for_a_blocked_sender_or_an_unproven_address(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    admin = await desk.agent(role="admin")
    await scene(desk)
    blocked = await admin.client.post("/api/v1/blocked-senders", json={"pattern": CUSTOMER})
    assert blocked.status_code == 201, blocked.text
    # A customer only a website visitor's typing made: nothing proves the address theirs.
    async with unit_of_work(app.state.sessionmaker) as session:
        from frontdesk.customers import service as customers_service

        await customers_service.find_or_create(
            session, email="typed@example.org", name="Typed", verified=False
        )
    first = await ask(browser, CUSTOMER)
    second = await ask(browser, "typed@example.org")
    assert SAME_ANSWER in first.text
    assert SAME_ANSWER in second.text
    await deliver(app, with_smtp(settings, sink))
    assert [r for r in sink.received if "sign-in" in str(r.message["Subject"])] == []


async def test_three_links_per_quarter_hour_then_silence(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    for _ in range(5):
        answer = await ask(browser, CUSTOMER)
        assert SAME_ANSWER in answer.text
    await deliver(app, with_smtp(settings, sink))
    assert len(sign_in_mails(sink)) == portal_service.LINKS_PER_WINDOW == 3


# Statements no other test sends to PostgreSQL (bench/store_shapes.py).
@BOTH_STORES
async def test_a_link_works_once_and_for_thirty_minutes(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    token = await mailed_token(app, settings, sink, browser, CUSTOMER)
    assert (await browser.post(f"/help/requests/sign-in/{token}")).status_code == 303
    for used in (
        await browser.get(f"/help/requests/sign-in/{token}"),
        await browser.post(f"/help/requests/sign-in/{token}"),
    ):
        assert used.status_code == 410
        assert "This link no longer works" in used.text
        assert '<a href="/help/requests">Ask for a new link</a>' in used.text

    late = await mailed_token(app, settings, sink, browser, CUSTOMER)
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(PortalLink)
            .where(PortalLink.used_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await browser.get(f"/help/requests/sign-in/{late}")).status_code == 410
    assert (await browser.post(f"/help/requests/sign-in/{late}")).status_code == 410
    assert (
        await browser.post("/help/requests/sign-in/made-up-token-0123456789")
    ).status_code == 410


async def test_only_the_customers_own_requests_are_there(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, inbox, ticket = await scene(desk)
    theirs, _reply = await ticket_with_reply(ada, inbox, email="someone.else@example.org")
    await sign_in(app, settings, sink, browser)
    listing = await browser.get("/help/requests")
    assert numbers_in(listing) == [ticket["number"]]
    other = await browser.get(f"/help/requests/{theirs['number']}")
    unknown = await browser.get("/help/requests/999999")
    huge = await browser.get("/help/requests/99999999999")
    assert other.status_code == unknown.status_code == huge.status_code == 404
    assert other.text == unknown.text
    assert "This page is not here" in other.text
    page = await browser.get(f"/help/requests/{ticket['number']}")
    answered = await browser.post(
        f"/help/requests/{theirs['number']}/reply", data={"csrf": csrf_of(page), "text": "Hi"}
    )
    assert answered.status_code == 404
    assert (await ticket_of(ada, theirs["id"]))["state"] == "closed"


async def test_notes_timeline_lines_and_their_files_never_show(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk, then="hold")
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": "Secret: customer is grumpy"}
    )
    assert note.status_code == 201, note.text
    secret = (await upload(ada, ticket, PDF, filename="internal.pdf")).json()
    public = (await upload(ada, ticket, PDF, filename="label.pdf")).json()
    sent = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "Here is your return label.", "attachment_ids": [public["id"]]},
    )
    assert sent.status_code == 201, sent.text
    await sign_in(app, settings, sink, browser)
    page = await browser.get(f"/help/requests/{ticket['number']}")
    assert "Here is your return label." in page.text
    assert "grumpy" not in page.text
    assert "internal.pdf" not in page.text
    assert "Ada Lovelace" in page.text
    link = f"/help/requests/{ticket['number']}/files/file-{public['id']}"
    assert f'href="{link}"' in page.text
    downloaded = await browser.get(link)
    assert downloaded.status_code == 200
    assert downloaded.content == PDF
    assert downloaded.headers["content-type"] == "application/octet-stream"
    assert "attachment" in downloaded.headers["content-disposition"]
    # An upload not sent (the reply box's), or a file of another ticket: not there.
    hidden = f"/help/requests/{ticket['number']}/files/file-{secret['id']}"
    assert (await browser.get(hidden)).status_code == 404
    # Nor for a browser that is not signed in.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as stranger:
        assert (await stranger.get(link)).status_code == 404


async def test_every_post_needs_the_sessions_csrf_token(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk)
    await sign_in(app, settings, sink, browser)
    path = f"/help/requests/{ticket['number']}"
    token = csrf_of(await browser.get(path))
    for refused in (
        await browser.post(f"{path}/reply", data={"text": "No token"}),
        await browser.post(f"{path}/reply", data={"text": "Wrong", "csrf": "0" * 32}),
        await browser.post(
            f"{path}/reply",
            data={"text": "From elsewhere", "csrf": token},
            headers={"Origin": "https://evil.example"},
        ),
        await browser.post("/help/requests/sign-out", data={}),
    ):
        assert refused.status_code == 403
        assert "This form is out of date" in refused.text
    entries = (await ticket_of(ada, ticket["id"]))["entries"]
    assert not [e for e in entries if e["direction"] == "in"]
    assert (await browser.get("/help/requests")).text.count("Signed in as") == 1
    # A page elsewhere cannot sign a browser in with a link either.
    link = await mailed_token(app, settings, sink, browser, CUSTOMER)
    elsewhere = await browser.post(
        f"/help/requests/sign-in/{link}", headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403
    assert (await browser.get(f"/help/requests/sign-in/{link}")).status_code == 200


async def test_what_people_wrote_is_escaped(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="<i>Ada</i>")
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": CUSTOMER, "name": "<b>Cora</b>"},
            "subject": "<script>alert(1)</script>",
        },
    )
    ticket = created.json()
    await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "<img src=x onerror=alert(2)>"}
    )
    await sign_in(app, settings, sink, browser)
    listing = await browser.get("/help/requests")
    page = await browser.get(f"/help/requests/{ticket['number']}")
    answered = await browser.post(
        f"/help/requests/{ticket['number']}/reply",
        data={"csrf": csrf_of(page), "text": "</textarea><script>alert(3)</script>"},
    )
    assert answered.status_code == 303
    page = await browser.get(f"/help/requests/{ticket['number']}")
    for html in (listing.text, page.text):
        assert "<script>" not in html
        assert "<b>Cora" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in page.text
    assert "<i>Ada" not in page.text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page.text
    assert "&lt;/textarea&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in page.text
    # Typed back into the sign-in form: escaped too.
    asked = await browser.post("/help/requests", data={"email": '"><script>x</script>'})
    assert "<script>x" not in asked.text


async def test_an_empty_or_too_long_answer_shows_the_page_again_with_the_text(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk)
    await sign_in(app, settings, sink, browser)
    path = f"/help/requests/{ticket['number']}"
    token = csrf_of(await browser.get(path))
    empty = await browser.post(f"{path}/reply", data={"csrf": token, "text": "  \n "})
    assert empty.status_code == 422
    assert "Write your message first." in empty.text
    limit = settings.max_text_length
    long = "é" * (limit + 1)
    too_long = await browser.post(f"{path}/reply", data={"csrf": token, "text": long})
    assert too_long.status_code == 422
    assert f"at most {limit} characters" in too_long.text
    assert long in too_long.text
    assert (await ticket_of(ada, ticket["id"]))["state"] == "closed"


# Statements no other test sends to PostgreSQL (bench/store_shapes.py).
@BOTH_STORES
async def test_the_list_pages_by_25_newest_first_and_merges_show_once(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    browser: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(portal_service, "PAGE_SIZE", 2)
    ada, inbox, first = await scene(desk)
    second, _ = await ticket_with_reply(ada, inbox)
    third, _ = await ticket_with_reply(ada, inbox)
    fourth, _ = await ticket_with_reply(ada, inbox)
    merged = await ada.client.post(
        f"/api/v1/tickets/{fourth['id']}/merge", json={"into_ticket_id": third["id"]}
    )
    assert merged.status_code == 201, merged.text
    await sign_in(app, settings, sink, browser)
    page_one = await browser.get("/help/requests")
    assert numbers_in(page_one) == [third["number"], second["number"]]
    older = re.search(r'href="(/help/requests\?older=[^"]+)">Older requests', page_one.text)
    assert older is not None
    page_two = await browser.get(older.group(1))
    assert numbers_in(page_two) == [first["number"]]
    assert "Older requests" not in page_two.text
    assert "Newest requests" in page_two.text
    # The merged ticket's number leads to the one it went into.
    gone = await browser.get(f"/help/requests/{fourth['number']}")
    assert gone.status_code == 303
    assert gone.headers["location"] == f"/help/requests/{third['number']}"


async def test_the_setting_off_hides_the_portal_and_its_sessions(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    _ada, _inbox, ticket = await scene(desk)
    admin = await desk.agent(role="admin")
    read = (await admin.client.get("/api/v1/knowledge/settings")).json()
    assert read["customer_portal"] is True
    home = await browser.get("/help")
    assert '<a class="account" href="/help/requests">My requests</a>' in home.text
    await sign_in(app, settings, sink, browser)
    path = f"/help/requests/{ticket['number']}"
    token = csrf_of(await browser.get(path))

    off = await admin.client.put(
        "/api/v1/knowledge/settings", json={"name": "Shop", "customer_portal": False}
    )
    assert off.status_code == 200
    assert off.json()["customer_portal"] is False
    # Saved again by a client that does not know the field: left as it was.
    kept = await admin.client.put("/api/v1/knowledge/settings", json={"name": "Shop"})
    assert kept.json()["customer_portal"] is False
    for response in (
        await browser.get("/help/requests"),
        await browser.get(path),
        await browser.post(f"{path}/reply", data={"csrf": token, "text": "Hello?"}),
        await browser.post("/help/requests", data={"email": CUSTOMER}),
    ):
        assert response.status_code == 404
        assert "This page is not here" in response.text
    assert "My requests" not in (await browser.get("/help")).text
    await deliver(app, with_smtp(settings, sink))
    assert len(sign_in_mails(sink)) == 1

    await admin.client.put("/api/v1/knowledge/settings", json={"customer_portal": True})
    assert (await browser.get(path)).status_code == 200


# Statements no other test sends to PostgreSQL (bench/store_shapes.py).
@BOTH_STORES
async def test_sign_out_ends_the_session(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    _ada, _inbox, ticket = await scene(desk)
    await sign_in(app, settings, sink, browser)
    cookie = browser.cookies["frontdesk_portal"]
    listing = await browser.get("/help/requests")
    out = await browser.post("/help/requests/sign-out", data={"csrf": csrf_of(listing)})
    assert out.status_code == 303
    assert 'frontdesk_portal=""' in out.headers["set-cookie"]
    # The cookie, kept or copied, opens nothing any more.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://desk.test",
        cookies={"frontdesk_portal": cookie},
    ) as copied:
        page = await copied.get(f"/help/requests/{ticket['number']}")
        assert page.status_code == 303
        assert page.headers["location"] == "/help/requests"
        assert 'name="email"' in (await copied.get("/help/requests")).text


# Statements no other test sends to PostgreSQL (bench/store_shapes.py).
@BOTH_STORES
async def test_an_erasure_ends_the_customers_sessions_and_links_as_it_starts(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk)
    await sign_in(app, settings, sink, browser)
    unused = await mailed_token(app, settings, sink, browser, CUSTOMER)
    customer_id = (await ticket_of(ada, ticket["id"]))["customer_id"]
    admin = await desk.user(role="admin")
    async with unit_of_work(app.state.sessionmaker) as session:
        user = await users_service.get_user(session, user_id=admin["id"])
        await privacy_service.erase_customer(
            session, user=user, customer_id=customer_id, confirmation=CUSTOMER
        )
    # Started, not finished: already signed out, the link already dead.
    async with unit_of_work(app.state.sessionmaker) as session:
        assert list(await session.scalars(select(PortalSession.id))) == []
        assert list(await session.scalars(select(PortalLink.id))) == []
    assert 'name="email"' in (await browser.get("/help/requests")).text
    assert (await browser.get(f"/help/requests/sign-in/{unused}")).status_code == 410
    # And while it runs, no new link.
    await ask(browser, CUSTOMER)
    await deliver(app, with_smtp(settings, sink))
    assert len(sign_in_mails(sink)) == 2


@BOTH_STORES
async def test_one_link_used_twice_at_once_opens_one_session(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    token = await mailed_token(app, settings, sink, browser, CUSTOMER)
    clicks = await asyncio.gather(
        *(browser.post(f"/help/requests/sign-in/{token}") for _ in range(2))
    )
    assert sorted(click.status_code for click in clicks) == [303, 410]
    async with unit_of_work(app.state.sessionmaker) as session:
        assert len(list(await session.scalars(select(PortalSession.id)))) == 1


async def test_a_customer_merged_into_another_signs_in_again_as_that_one(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    """docs/portal.md, "Erasure and merged customers": the session ends with the merge; the
    address now leads to the record it went into, whose requests are all shown."""
    ada, inbox, ticket = await scene(desk)
    work, _reply = await ticket_with_reply(ada, inbox, email="cora@work.example")
    await sign_in(app, settings, sink, browser)
    assert numbers_in(await browser.get("/help/requests")) == [ticket["number"]]
    source = (await ticket_of(ada, ticket["id"]))["customer_id"]
    target = (await ticket_of(ada, work["id"]))["customer_id"]
    admin = await desk.agent(role="admin")
    merged = await admin.client.post(
        f"/api/v1/customers/{target}/merge", json={"source_id": source}
    )
    assert merged.status_code == 200, merged.text
    assert 'name="email"' in (await browser.get("/help/requests")).text
    await sign_in(app, settings, sink, browser)
    listing = await browser.get("/help/requests")
    assert sorted(numbers_in(listing)) == sorted([ticket["number"], work["number"]])
    page = await browser.get(f"/help/requests/{ticket['number']}")
    assert "It left the warehouse today." in page.text


async def test_in_french_the_pages_and_the_email(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await scene(desk)
    browser.headers["Accept-Language"] = "fr-FR,fr;q=0.9,en;q=0.5"
    form = await browser.get("/help/requests")
    assert '<html lang="fr">' in form.text
    assert "Mes demandes" in form.text
    assert ">Recevoir un lien</button>" in form.text
    asked = await ask(browser, CUSTOMER)
    assert "Si nous connaissons cette adresse, nous y avons envoyé un lien." in asked.text
    await deliver(app, with_smtp(settings, sink))
    (mail,) = [r for r in sink.received if "lien de connexion" in str(r.message["Subject"])]
    token = token_in(mail)
    page = await browser.get(f"/help/requests/sign-in/{token}")
    assert ">Se connecter</button>" in page.text
    await browser.post(f"/help/requests/sign-in/{token}")
    listing = await browser.get("/help/requests")
    assert '<span class="state solved">Résolue</span>' in listing.text
    assert "Se déconnecter" in listing.text


async def test_blocking_the_customers_address_ends_their_session(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    _ada, _inbox, ticket = await scene(desk)
    await sign_in(app, settings, sink, browser)
    path = f"/help/requests/{ticket['number']}"
    assert (await browser.get(path)).status_code == 200
    admin = await desk.agent(role="admin")
    blocked = await admin.client.post("/api/v1/blocked-senders", json={"pattern": "@example.org"})
    assert blocked.status_code == 201, blocked.text
    assert (await browser.get(path)).status_code == 303
    assert 'name="email"' in (await browser.get("/help/requests")).text


async def test_times_are_on_the_clock_the_customers_chat_said(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    visitors: Any,
    sink: SmtpSink,
    browser: httpx.AsyncClient,
) -> None:
    # Cora chatted from a browser in Paris: her requests read in Paris time, the zone named.
    ada, chat = await answered_chat(desk, visitors, locale="en-GB", time_zone="Europe/Paris")
    await sign_in(app, settings, sink, browser)
    ticket = await ticket_of(ada, chat["ticket_id"])
    paris = ZoneInfo("Europe/Paris")
    updated = datetime.fromisoformat(ticket["updated_at"]).astimezone(paris)
    listing = await browser.get("/help/requests")
    assert f"{updated:%H:%M} (Europe/Paris)</td>" in listing.text
    first = next(e for e in chat["events"] if e["type"] == "chat.message_added")
    said = datetime.fromisoformat(first["at"]).astimezone(paris)
    page = await browser.get(f"/help/requests/{ticket['number']}")
    assert f"{said:%H:%M} (Europe/Paris)</time>" in page.text
    assert " UTC</time>" not in page.text


async def test_a_customer_who_only_wrote_reads_the_teams_business_hours_clock(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    # Cora only ever wrote by email: no browser told her zone, so the pages use the clock of the
    # inbox that answers her (its business hours' zone), named, rather than UTC.
    ada, inbox, ticket = await scene(desk)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    hours = {"enabled": False, "time_zone": "America/New_York", "weekly": [], "holidays": []}
    put = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=hours)
    assert put.status_code == 200, put.text
    await sign_in(app, settings, sink, browser)
    seen = await ticket_of(ada, ticket["id"])
    updated = datetime.fromisoformat(seen["updated_at"]).astimezone(ZoneInfo("America/New_York"))
    listing = await browser.get("/help/requests")
    assert f"{updated:%H:%M} (America/New York)</td>" in listing.text
    assert " UTC</td>" not in listing.text
