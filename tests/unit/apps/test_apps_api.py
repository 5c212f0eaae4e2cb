"""Sidebar apps: admins manage them; the desk POSTs the customer, signed, to each enabled app and
shows the sanitised HTML it answers, or "unavailable" when the app is slow, failing or too big."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from frontdesk.apps import service
from frontdesk.apps.models import SidebarApp
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.realtime import serve
from tests.unit.support import count_rows, error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

SECRET = "s3cret-s3cret-s3cret"
HOSTILE = (
    '<p onclick="steal()">Plan: <strong>Pro</strong> <em>since 2024</em></p>'
    "<script>alert(1)</script><img src=x onerror=alert(2)>"
    '<a href="javascript:alert(3)">bad</a> <a href="https://crm.example.com/c/1">CRM</a>'
    "<ul><li>one</li></ul><table><tr><td><code>42</code></td></tr></table>"
)


@pytest.fixture(autouse=True)
def _cheap_passwords_and_quick_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)
    # The production 2 s would make the slow-app test slow; the behaviour is the same.
    monkeypatch.setattr(service, "APP_TIMEOUT", 1.0)


@dataclass
class CompanyApp:
    """The company's side: records what it receives and answers per path."""

    base: str = ""
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    slow_started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"http://{self.base}{path}"


@pytest.fixture
async def company() -> AsyncIterator[CompanyApp]:
    state = CompanyApp()
    web = FastAPI()

    @web.post("/good")
    async def good(request: Request) -> Response:
        state.received.append((await request.body(), dict(request.headers)))
        return HTMLResponse(HOSTILE)

    @web.post("/slow")
    async def slow() -> Response:
        state.slow_started.set()
        await asyncio.wait_for(state.release.wait(), 10)
        return HTMLResponse("<p>too late</p>")

    @web.post("/broken")
    async def broken() -> Response:
        return HTMLResponse("<p>oops</p>", status_code=500)

    @web.post("/huge")
    async def huge() -> Response:
        return HTMLResponse("<p>" + "x" * (service.MAX_BODY + 1) + "</p>")

    async with serve(web) as base:
        state.base = base
        try:
            yield state
        finally:
            state.release.set()


async def new_app(admin: Agent, **body: Any) -> dict[str, Any]:
    response = await admin.client.post("/api/v1/apps", json={"secret": SECRET} | body)
    assert response.status_code == 201, response.text
    app: dict[str, Any] = response.json()
    return app


class TestManage:
    @BOTH_STORES
    async def test_admin_crud_agents_read_without_secret(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        made = await admin.client.post(
            "/api/v1/apps", json={"name": " CRM ", "url": "https://crm.example.com/fd"}
        )
        assert made.status_code == 201, made.text
        app = made.json()
        assert app["name"] == "CRM"
        assert app["enabled"] is True
        assert len(app["secret"]) >= 16  # generated when left out

        listed = (await admin.client.get("/api/v1/apps")).json()
        assert [a["secret"] for a in listed] == [app["secret"]]
        seen = (await agent.client.get("/api/v1/apps")).json()
        assert [(a["name"], a["secret"]) for a in seen] == [("CRM", None)]

        url = f"/api/v1/apps/{app['id']}"
        patched = await admin.client.patch(url, json={"enabled": False, "secret": SECRET})
        assert patched.status_code == 200, patched.text
        assert (patched.json()["enabled"], patched.json()["secret"]) == (False, SECRET)

        error_of(
            await agent.client.post("/api/v1/apps", json={"name": "x", "url": "http://x"}), 403
        )
        error_of(await agent.client.patch(url, json={"name": "mine"}), 403)
        error_of(await agent.client.delete(url), 403)

        assert (await admin.client.delete(url)).status_code == 204
        assert await count_rows(desk.app, SidebarApp) == 0
        error_of(await admin.client.delete(url), 404)

    async def test_only_http_urls(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        for url in ["ftp://crm.example.com", "javascript:alert(1)", "crm.example.com", "https://"]:
            response = await admin.client.post("/api/v1/apps", json={"name": "x", "url": url})
            assert "url" in fields_of(error_of(response, 422, "invalid")), url
        response = await admin.client.post(
            "/api/v1/apps", json={"name": "x", "url": "http://a.test", "secret": "short"}
        )
        assert "secret" in fields_of(error_of(response, 422, "invalid"))
        assert await count_rows(desk.app, SidebarApp) == 0


class TestPanels:
    async def test_signed_customer_record_and_sanitised_html(
        self, desk: Desk, company: CompanyApp
    ) -> None:
        admin = await desk.agent(role="admin")
        await new_app(admin, name="Off", url=company.url("/good"), enabled=False)
        app = await new_app(admin, name="CRM", url=company.url("/good"))
        customer = (
            await admin.client.post(
                "/api/v1/customers", json={"name": "Marie", "emails": ["marie@example.org"]}
            )
        ).json()

        response = await admin.client.get(f"/api/v1/customers/{customer['id']}/apps")
        assert response.status_code == 200, response.text
        [panel] = response.json()
        assert (panel["app_id"], panel["name"], panel["status"]) == (app["id"], "CRM", "ok")

        [(body, headers)] = company.received
        assert headers["content-type"] == "application/json"
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["frontdesk-signature"], expected)
        record = (await admin.client.get(f"/api/v1/customers/{customer['id']}")).json()
        assert json.loads(body) == record

        html = panel["html"]
        for gone in ["<script", "alert", "onclick", "<img", "onerror", "javascript:"]:
            assert gone not in html, (gone, html)
        for kept in ["<p>", "<strong>Pro</strong>", "<em>", "<li>one</li>", "<td><code>42"]:
            assert kept in html, (kept, html)
        link = '<a href="https://crm.example.com/c/1" target="_blank" rel="noopener noreferrer">'
        assert link + "CRM</a>" in html

    @BOTH_STORES
    async def test_slow_failing_and_huge_apps_are_unavailable(
        self, desk: Desk, company: CompanyApp, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Room for a loaded CI machine: with 2 s the exchange could time out before the company's
        # server (on this event loop) even started the slow answer the test waits for.
        monkeypatch.setattr(service, "APP_TIMEOUT", 3.0)
        admin = await desk.agent(role="admin")
        for position, path in enumerate(["/slow", "/broken", "/huge", "/good", "/nowhere"]):
            await new_app(admin, name=path[1:], url=company.url(path), position=10 - position)
        # An app nothing listens on: the connection is refused.
        await new_app(admin, name="closed", url="http://127.0.0.1:9/", position=99)
        customer = (await admin.client.post("/api/v1/customers", json={"name": "Ada"})).json()
        other = await desk.agent()

        started = time.monotonic()
        task = asyncio.create_task(admin.client.get(f"/api/v1/customers/{customer['id']}/apps"))
        await asyncio.wait_for(company.slow_started.wait(), 15)
        # While an app is being asked, the desk is not blocked: no transaction is held open (on
        # SQLite the pool's one connection would otherwise wait for the slow app to time out).
        assert (await other.client.get("/api/v1/apps")).status_code == 200
        assert not task.done()
        response = await task
        elapsed = time.monotonic() - started

        assert response.status_code == 200, response.text
        panels = {p["name"]: (p["status"], p["html"]) for p in response.json()}
        assert [p["name"] for p in response.json()] == [
            "nowhere", "good", "huge", "broken", "slow", "closed"
        ]  # fmt: skip
        assert panels["good"][0] == "ok"
        assert "<strong>Pro</strong>" in str(panels["good"][1])
        for name in ["slow", "broken", "huge", "nowhere", "closed"]:
            assert panels[name] == ("unavailable", None), name
        # Concurrently: one timeout in all, not one per app.
        assert elapsed < service.APP_TIMEOUT * 3 + 1

    async def test_agent_outside_the_customers_inbox_gets_404(
        self, desk: Desk, company: CompanyApp
    ) -> None:
        admin = await desk.agent(role="admin")
        await new_app(admin, name="CRM", url=company.url("/good"))
        member = await desk.agent()
        outsider = await desk.agent()
        inbox = await desk.inbox(members=[member])
        await desk.inbox(name="Sales", members=[outsider])
        ticket = await new_ticket(member.client, inbox)
        url = f"/api/v1/customers/{ticket['customer_id']}/apps"

        assert [p["status"] for p in (await member.client.get(url)).json()] == ["ok"]
        error_of(await outsider.client.get(url), 404)
        error_of(await member.client.get("/api/v1/customers/999999/apps"), 404)
        assert len(company.received) == 1

    async def test_filing_a_ticket_on_their_address_sends_no_app_their_record(
        self, desk: Desk, company: CompanyApp
    ) -> None:
        admin = await desk.agent(role="admin")
        await new_app(admin, name="CRM", url=company.url("/good"))
        member = await desk.agent()
        outsider = await desk.agent()
        inbox = await desk.inbox(members=[member])
        sales = await desk.inbox(name="Sales", members=[outsider])
        theirs = await new_ticket(member.client, inbox, email="cora@example.org")
        mine = await new_ticket(outsider.client, sales, email="cora@example.org")
        assert mine["customer_id"] == theirs["customer_id"]

        error_of(await outsider.client.get(f"/api/v1/customers/{mine['customer_id']}/apps"), 404)
        assert company.received == []
