"""An organisation's requests shared in the customer portal, and "This is solved"
(docs/portal.md, "Your organisation's requests", "This is solved"), through HTTP and the real
SMTP sink. While Acme shares its requests, Cora (of Acme) sees a tab "Acme's requests" listing
every Acme customer's request with who opened it, and reads a colleague's request as its own
customer sees it (their messages under their name, never a note), read only. Turning it off, or
Cora leaving Acme, takes it away at once; another organisation's requests are never there. Cora
marks her own open request solved: closed, the desk's timeline says so, nothing mailed; not
without the CSRF token, not a colleague's, not twice."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.portal.service import SOLVED_LINE
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import SUPPORT, SmtpSink, deliver, outbox, ticket_of, with_smtp
from tests.mail.test_portal import csrf_of, numbers_in, sign_in

pytestmark = SQLITE_ONLY

CORA = "cora@acme.example"
DAN = "dan@acme.example"
EVE = "eve@rival.example"
SHARED = "/help/requests/organisation"
TAB = '<a href="/help/requests/organisation"'


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk.test")


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Cora's browser: its own cookie jar."""
    async with await _client(app) as client:
        yield client


@pytest.fixture
async def dans_browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(app) as client:
        yield client


async def organisation(admin: Agent, **body: Any) -> dict[str, Any]:
    response = await admin.client.post("/api/v1/organisations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def share(admin: Agent, organisation_id: int, on: bool) -> dict[str, Any]:
    response = await admin.client.patch(
        f"/api/v1/organisations/{organisation_id}", json={"shared_requests": on}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def request_of(
    agent: Agent, inbox: dict[str, Any], *, email: str, name: str, subject: str, then: str
) -> dict[str, Any]:
    """A ticket for `email` that the agent answered by email."""
    created = await agent.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": email, "name": name},
            "subject": subject,
        },
    )
    assert created.status_code == 201, created.text
    ticket = dict(created.json())
    reply = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": f"We are looking into {subject.lower()}", "then": then},
    )
    assert reply.status_code == 201, reply.text
    return ticket


async def acme(desk: Desk) -> tuple[Agent, Agent, dict[str, Any], dict[str, dict[str, Any]]]:
    """Acme (sharing its requests) with Cora and Dan, Rival (sharing too) with Eve; each has a
    request Ada answered. Returns (admin, ada, acme, tickets by first name)."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Adele Admin")
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    company = await organisation(admin, name="Acme", domains=["acme.example"])
    assert company["shared_requests"] is False
    rival = await organisation(admin, name="Rival", domains=["rival.example"])
    await share(admin, company["id"], True)
    await share(admin, rival["id"], True)
    tickets = {
        "cora": await request_of(
            ada, inbox, email=CORA, name="Cora Customer", subject="Invoice copy", then="send"
        ),
        "dan": await request_of(
            ada, inbox, email=DAN, name="Dan Colleague", subject="Broken login", then="hold"
        ),
        "eve": await request_of(
            ada, inbox, email=EVE, name="Eve Rival", subject="Price list", then="send"
        ),
    }
    return admin, ada, company, tickets


# Statements no other test sends to PostgreSQL (bench/store_shapes.py): the session's
# organisation, the organisation's keyset page, the colleague's side.
@BOTH_STORES
async def test_a_colleague_s_request_is_listed_and_read_as_its_customer_sees_it(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    browser: httpx.AsyncClient,
    dans_browser: httpx.AsyncClient,
) -> None:
    _admin, ada, _acme, tickets = await acme(desk)
    dan = tickets["dan"]
    note = await ada.client.post(
        f"/api/v1/tickets/{dan['id']}/notes", json={"text": "Secret: Dan forgot his password"}
    )
    assert note.status_code == 201, note.text
    # Dan answers his own request from the portal.
    await sign_in(app, settings, sink, dans_browser, DAN)
    page = await dans_browser.get(f"/help/requests/{dan['number']}")
    answered = await dans_browser.post(
        f"/help/requests/{dan['number']}/reply",
        data={"csrf": csrf_of(page), "text": "Still cannot log in."},
    )
    assert answered.status_code == 303, answered.text

    await sign_in(app, settings, sink, browser, CORA)
    mine = await browser.get("/help/requests")
    # Her own list stays hers; the tab leads to Acme's.
    assert numbers_in(mine) == [tickets["cora"]["number"]]
    assert TAB in mine.text
    assert "Acme&#x27;s requests" in mine.text

    shared = await browser.get(SHARED)
    assert shared.status_code == 200
    assert shared.headers["cache-control"] == "no-store"
    assert "<h1>Acme&#x27;s requests</h1>" in shared.text
    assert sorted(numbers_in(shared)) == sorted([tickets["cora"]["number"], dan["number"]])
    assert '<th scope="col">Opened by</th>' in shared.text
    assert '<td class="opener">Dan Colleague</td>' in shared.text
    assert '<td class="opener">Cora Customer</td>' in shared.text
    assert "Price list" not in shared.text

    read = await browser.get(f"/help/requests/{dan['number']}")
    assert read.status_code == 200
    assert "Broken login" in read.text
    assert "We are looking into broken login" in read.text
    assert '<span class="who">Dan Colleague</span>' in read.text
    assert "Still cannot log in." in read.text
    assert '<span class="who">You</span>' not in read.text
    assert "Secret" not in read.text
    # Read only: no answer form, no "This is solved", and both refused.
    assert "This is Dan Colleague&#x27;s request." in read.text
    assert 'name="text"' not in read.text
    assert "This is solved" not in read.text
    csrf = csrf_of(read)
    refused = await browser.post(
        f"/help/requests/{dan['number']}/reply", data={"csrf": csrf, "text": "Me too"}
    )
    assert refused.status_code == 404
    solved = await browser.post(f"/help/requests/{dan['number']}/solve", data={"csrf": csrf})
    assert solved.status_code == 404
    seen = await ticket_of(ada, dan["id"])
    assert seen["state"] == "open"
    assert "Me too" not in str(seen["entries"])

    # Another organisation's request: not found, as an unknown number.
    other = await browser.get(f"/help/requests/{tickets['eve']['number']}")
    assert other.status_code == 404
    assert other.text == (await browser.get("/help/requests/999999")).text


async def test_turning_it_off_or_leaving_the_organisation_takes_it_away_at_once(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    admin, _ada, company, tickets = await acme(desk)
    dan = tickets["dan"]
    await sign_in(app, settings, sink, browser, CORA)
    assert (await browser.get(f"/help/requests/{dan['number']}")).status_code == 200

    await share(admin, company["id"], False)
    mine = await browser.get("/help/requests")
    assert TAB not in mine.text
    assert (await browser.get(SHARED)).status_code == 404
    assert (await browser.get(f"/help/requests/{dan['number']}")).status_code == 404
    assert numbers_in(mine) == [tickets["cora"]["number"]]

    await share(admin, company["id"], True)
    assert (await browser.get(f"/help/requests/{dan['number']}")).status_code == 200
    # Cora leaves Acme (an agent clears her organisation): gone with the next page.
    cora_id = tickets["cora"]["customer_id"]
    left = await admin.client.patch(f"/api/v1/customers/{cora_id}", json={"organisation_id": None})
    assert left.status_code == 200, left.text
    assert (await browser.get(SHARED)).status_code == 404
    assert (await browser.get(f"/help/requests/{dan['number']}")).status_code == 404
    assert TAB not in (await browser.get("/help/requests")).text
    # Her own request is still hers.
    assert (await browser.get(f"/help/requests/{tickets['cora']['number']}")).status_code == 200


# The organisation's keyset page past the first: a statement no other test sends.
@BOTH_STORES
async def test_the_shared_list_pages_by_25(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    _admin, ada, _acme, tickets = await acme(desk)
    inbox = {"id": tickets["dan"]["inbox_id"]}
    for i in range(25):
        await request_of(
            ada, inbox, email=DAN, name="Dan Colleague", subject=f"Question {i}", then="send"
        )
    await sign_in(app, settings, sink, browser, CORA)
    first = await browser.get(SHARED)
    assert len(numbers_in(first)) == 25
    older = re.search(r'href="(/help/requests/organisation\?older=[0-9-]+)"', first.text)
    assert older is not None, first.text
    second = await browser.get(older.group(1))
    # 27 of Acme's: Cora's, Dan's first and his 25 questions, newest activity first.
    assert len(numbers_in(second)) == 2
    assert not set(numbers_in(first)) & set(numbers_in(second))
    assert tickets["eve"]["number"] not in numbers_in(first) + numbers_in(second)


async def test_the_customer_marks_their_request_solved(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    admin, ada, _acme, tickets = await acme(desk)
    cora = tickets["cora"]
    await sign_in(app, settings, sink, browser, CORA)
    path = f"/help/requests/{cora['number']}"
    page = await browser.get(path)
    assert f'action="{path}/solve"' in page.text
    assert ">This is solved</button>" in page.text

    # Without the session's token: refused, nothing changed.
    forged = await browser.post(f"{path}/solve", data={"csrf": "made-up"})
    assert forged.status_code == 403
    assert (await ticket_of(ada, cora["id"]))["state"] == "open"

    await deliver(app, with_smtp(settings, sink))
    mails = len(sink.received)
    queued = len(await outbox(admin))
    done = await browser.post(f"{path}/solve", data={"csrf": csrf_of(page)})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == path
    seen = await ticket_of(ada, cora["id"])
    assert seen["state"] == "closed"
    (line,) = [e for e in seen["entries"] if e["kind"] == "event" and e["data"].get("state")]
    assert line["text"] == SOLVED_LINE == "The customer marked it solved from the help center"
    assert line["author_user_id"] is None
    # Nothing mailed to the customer.
    assert len(await outbox(admin)) == queued
    await deliver(app, with_smtp(settings, sink))
    assert len(sink.received) == mails

    again = await browser.get(path)
    assert '<span class="state solved">Solved</span>' in again.text
    assert "This is solved" not in again.text
    twice = await browser.post(f"{path}/solve", data={"csrf": csrf_of(again)})
    assert twice.status_code == 409
    assert "This request is solved already." in twice.text

    # Answering later opens it again, as today.
    answered = await browser.post(
        f"{path}/reply", data={"csrf": csrf_of(again), "text": "One more thing."}
    )
    assert answered.status_code == 303
    assert (await ticket_of(ada, cora["id"]))["state"] == "open"
