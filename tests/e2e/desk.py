"""What the desk's browser tests share: logging agents in, the chat bar, the REST API with the
page's session, screenshots, the accessibility check, and waiting for a condition."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi import FastAPI
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Request,
    ViewportSize,
    expect,
)
from playwright.async_api import Error as PlaywrightError

from frontdesk.chats import service as chats_service
from frontdesk.db.session import unit_of_work
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind
from frontdesk.users import service as users_service
from tests.conftest import PASSWORD
from tests.e2e.settle import settled

DESK = Path(__file__).resolve().parents[2] / "web" / "desk"
AXE = DESK / "node_modules" / "axe-core" / "axe.min.js"

# Records every desktop notification the page raises; the real constructor still runs.
NOTIFICATION_SPY = """
(() => {
  if (!("Notification" in window)) return;
  const Real = window.Notification;
  window.__notifications = [];
  class Spy extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: options && options.body });
    }
  }
  Object.defineProperty(Spy, "permission", { get: () => Real.permission });
  Spy.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Spy;
})();
"""

desk_built = pytest.mark.skipif(
    not (DESK / "dist" / "index.html").is_file(),
    reason="the desk is not built: cd web/desk && npm ci && npm run build",
)
# Every desk browser module: `pytestmark = DESK_TESTS`.
DESK_TESTS = [pytest.mark.e2e, desk_built]

expect.set_options(timeout=8_000)

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 5.0) -> T:
    """What `probe` gives once it gives something true, asked every 0.1 s for `timeout` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def desk_context(
    browser: Browser,
    live: str,
    user: dict[str, Any],
    *,
    notifications: bool = False,
    viewport: ViewportSize | None = None,
) -> BrowserContext:
    """A browser context with `user` logged in and no page yet: for a test that routes the desk's
    requests or installs its clock before the desk loads, rather than loading it twice."""
    context = await browser.new_context(viewport=viewport or {"width": 1360, "height": 860})
    if notifications:
        await context.grant_permissions(["notifications"], origin=live)
    await context.add_init_script(NOTIFICATION_SPY)
    # Logged in with the request the login form sends, into the context's own cookies, then
    # the desk opened as by an agent coming back to it: up to 0.4 s less than loading the
    # login page and filling it in, which the tests of logging in still do (test_desk_dark.py's
    # every screen and colour scheme tests, the language, two-factor and SSO tests).
    answer = await context.request.post(
        f"{live}/api/v1/auth/login", data={"email": user["email"], "password": PASSWORD}
    )
    assert answer.ok, await answer.text()
    return context


async def open_page(context: BrowserContext, live: str, user: dict[str, Any], path: str) -> Page:
    """The desk of `context`'s user opened at `path`, once it shows who is logged in."""
    page = await context.new_page()
    await page.goto(f"{live}{path}")
    await expect(user_menu(page)).to_contain_text(user["name"])
    return page


class Requests:
    """The requests of pages, each page's in the order it sent them (as Playwright reports
    them). `sent_so_far` proves a page has sent nothing more yet, instead of a fixed wait."""

    WITNESS = "/healthz?witness="

    def __init__(self, *pages: Page) -> None:
        self.seen: list[Request] = []
        self._witnesses = 0
        for page in pages:
            page.on("request", self._heard)

    def _heard(self, request: Request) -> None:
        self.seen.append(request)

    @property
    def urls(self) -> list[str]:
        """What the pages asked, the test's own witnesses left out."""
        return [r.url for r in self.seen if self.WITNESS not in r.url]

    async def sent_so_far(self, page: Page, *, timers: int = 0) -> list[str]:
        """Every URL asked so far, once `page` has sent what it would have: first its timers due
        within `timers` ms are run (its clock installed: a debounced or retried request goes
        now), then the page itself fetches a witness of ours, which it sends after anything
        already started; once the witness is seen here, so is all that came before it."""
        if timers:
            await page.clock.run_for(timers)
        self._witnesses += 1
        witness = f"{self.WITNESS}{self._witnesses}"
        await page.evaluate("(url) => fetch(url).then(() => undefined, () => undefined)", witness)

        async def arrived() -> bool:
            return any(r.url.endswith(witness) for r in self.seen)

        await eventually(arrived)
        return self.urls


async def open_desk(
    browser: Browser,
    live: str,
    user: dict[str, Any],
    *,
    notifications: bool = False,
    viewport: ViewportSize | None = None,
    path: str = "/",
    clock: bool = False,
) -> Page:
    """The desk of `user` in a context of its own, opened at `path` (a test that goes to a page
    at once saves loading the desk twice). With `clock`, the page's time runs as usual and
    jumps when the test says (`page.clock.fast_forward`, `run_for`)."""
    context = await desk_context(
        browser, live, user, notifications=notifications, viewport=viewport
    )
    if clock:
        await context.clock.install()
    return await open_page(context, live, user, path)


class ApiClient:
    """The REST API as `user`, in a session of their own, without a browser: for a colleague
    whose desk the test never looks at (a browser context costs ~1.5 s of CPU to start).
    Called as `PageApi` is."""

    def __init__(self, agent: Any) -> None:
        self.client = agent.client
        self.user: dict[str, Any] = agent.user

    async def __call__(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = await self.client.request(method, path, json=body)
        assert response.status_code == status, response.text
        return response.json() if response.status_code != 204 else None


async def api_as(desk: Any, user: dict[str, Any]) -> ApiClient:
    return ApiClient(await desk.login(user))


async def agent_of_an_inbox(
    desk: Any, browser: Browser, live: str, **user: Any
) -> tuple[dict[str, Any], Page, PageApi]:
    """An inbox "Support", an agent of it ("Ada Lovelace" unless `user` says otherwise) logged
    in to the desk, and the API with their page's session."""
    inbox: dict[str, Any] = await desk.inbox(name="Support")
    agent = await desk.user(**({"name": "Ada Lovelace"} | user))
    await desk.add_member(inbox, agent)
    page = await open_desk(browser, live, agent)
    return inbox, page, PageApi(page, live)


async def log_in(page: Page, email: str, password: str) -> None:
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


def user_menu(page: Page) -> Locator:
    return page.locator(".menu-button")


async def go_online(page: Page) -> None:
    await user_menu(page).click()
    await page.get_by_role("menuitem", name="Go Online").click()
    await expect(user_menu(page)).to_contain_text("Online")
    await expect(user_menu(page)).to_have_class(re.compile(r"\bonline\b"))


def chat_bar(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Chats")


def bar_item(page: Page, name: str) -> Locator:
    return chat_bar(page).get_by_role("link", name=re.compile(name))


async def expect_dot(page: Page, name: str, meaning: str) -> None:
    dot = bar_item(page, name).get_by_role("img")
    await expect(dot).to_have_attribute("aria-label", meaning)
    await expect(dot).to_have_attribute("title", meaning)


async def to_background(page: Page) -> None:
    """Another tab in front: the desk loses focus, as when an agent works in another window."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Emulation.setFocusEmulationEnabled", {"enabled": False})
    other = await page.context.new_page()
    await other.bring_to_front()


async def shoot(page: Page, folder: Path, name: str) -> None:
    await settled(page)
    await page.screenshot(path=str(folder / f"desk-{name}.png"))


class PageApi:
    """The REST API with the browser's session cookie and CSRF token, like the desk's own calls."""

    def __init__(self, page: Page, live: str) -> None:
        self.page = page
        self.live = live

    async def __call__(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        cookies = {c["name"]: c["value"] for c in await self.page.context.cookies()}
        for attempt in (1, 2):
            try:
                response = await self.page.request.fetch(
                    f"{self.live}{path}",
                    method=method,
                    data=body,
                    headers={"X-CSRF-Token": cookies.get("frontdesk_csrf", "")},
                )
                break
            except PlaywrightError as exc:
                # The server closes a keep-alive connection idle for 5 s; a request sent on it
                # at that moment is reset. Only a read is safe to send again.
                if attempt == 2 or method != "GET" or "ECONNRESET" not in str(exc):
                    raise
        assert response.status == status, await response.text()
        return await response.json() if response.status != 204 else None


async def set_online(app: FastAPI, user: dict[str, Any]) -> None:
    async with unit_of_work(app.state.sessionmaker) as session:
        row = await users_service.get_user(session, user_id=user["id"])
        await chats_service.set_availability(session, user=row, available=True)


async def assert_accessible(page: Page, screen: str) -> None:
    if not await page.evaluate("typeof window.axe === 'object'"):
        # Evaluated, not added as a <script>: the desk's policy refuses inline scripts.
        await page.evaluate(AXE.read_text())
    violations = await page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ id: v.id, at: v.nodes.map((n) => n.target.join(" ")) }));
        }"""
    )
    assert violations == [], f"{screen}: {violations}"


async def seed_tickets(app: FastAPI, api: PageApi, inbox: dict[str, Any]) -> int:
    """A few tickets for the list, and one email conversation with history, a note and a reply."""
    labels = {}
    for name, color in (("billing", "#b42318"), ("shipping", "#2952cc"), ("urgent", "#e8590c")):
        label = await api("POST", "/api/v1/labels", {"name": name, "color": color}, status=201)
        labels[name] = label["id"]
    subjects = [
        (
            "Invoice shows the wrong VAT number",
            "Rosalind Franklin",
            "rosalind@example.org",
            "billing",
        ),
        ("Parcel stuck in customs", "Alan Turing", "alan@example.org", "shipping"),
        ("Cannot log in after the password reset", "Linus Pauling", "linus@example.org", "urgent"),
        ("Feature request: weekly totals", "Emmy Noether", "emmy@example.org", None),
    ]
    ids = []
    for subject, name, email, label in subjects:
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": email, "name": name},
            "subject": subject,
            "label_ids": [labels[label]] if label else [],
        }
        ids.append(int((await api("POST", "/api/v1/tickets", body, status=201))["id"]))
    first = ids[0]
    async with unit_of_work(app.state.sessionmaker) as session:
        ticket = await tickets_service.get_ticket_by_id(session, ticket_id=first)
        assert ticket is not None
        await tickets_service.add_entry(
            session,
            ticket=ticket,
            kind=EntryKind.reply,
            direction=Direction.inbound,
            text=(
                "Hello,\n\nthe invoice INV-2041 shows our old VAT number. Could you send a "
                "corrected one?\n\nThanks,\nRosalind\n\n"
                "On Mon, 3 Mar 2026 at 10:02, Support <support@desk.test> wrote:\n"
                "> Here is your invoice for February.\n> Best regards"
            ),
        )
    note = {"text": "The VAT number changed in January; finance knows."}
    await api("POST", f"/api/v1/tickets/{first}/notes", note, status=201)
    reply = {"text": "Sorry about that! A corrected invoice is on its way.", "then": "send"}
    await api("POST", f"/api/v1/tickets/{first}/replies", reply, status=201)
    return first


async def three_chats(api: PageApi, visitors: Any, inbox: dict[str, Any]) -> dict[str, Any]:
    """Three chats, one of each colour: Marie Curie answered and read (green, labelled
    "shipping", on a product page), Rosalind Franklin answered with an unread message (orange),
    Alan Turing waiting (red). Returns the green chat."""
    green, orange, red = [await visitors(inbox) for _ in range(3)]
    green_chat: dict[str, Any] = await green.start_chat(
        "Hello! Do you ship to Norway?",
        name="Marie Curie",
        page_url="https://shop.example.com/products/telescope",
        page_title="Refracting telescope 80 mm",
    )
    orange_chat = await orange.start_chat(
        "My discount code does not work", name="Rosalind Franklin", email="rosalind@example.org"
    )
    for chat in (green_chat, orange_chat):
        await api("POST", f"/api/v1/chats/{chat['id']}/join")
    await api(
        "POST",
        f"/api/v1/chats/{green_chat['id']}/messages",
        {"text": "Hi Marie! Yes, we ship to Norway within 3 days."},
        status=201,
    )
    await green.client.post(
        f"/messenger/v1/chats/{green_chat['id']}/messages",
        json={"text": "Great, and is customs included?", "client_msg_id": "g2"},
    )
    await api("PUT", f"/api/v1/chats/{green_chat['id']}/labels", {"labels": ["shipping"]})
    await orange.client.post(
        f"/messenger/v1/chats/{orange_chat['id']}/messages",
        json={"text": "It says SPRING25 has expired", "client_msg_id": "o2"},
    )
    await red.start_chat("Can I change my delivery address?", name="Alan Turing")
    return green_chat
