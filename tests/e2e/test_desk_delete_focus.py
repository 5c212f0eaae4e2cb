"""Deleting from a list with the keyboard, in real Chromium (WCAG 2.4.3, docs/desk.md, "Keyboard
and accessibility"): on Settings → Rules, Settings → Webhooks, Macros and Saved replies, as on
Settings → Labels, Delete asks in its row with the focus on Cancel; Cancel or Esc put it back on
that Delete; once deleted, the focus goes to the Delete of the row that took its place, else of
the one above, else to the list's New button. It never falls to the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from frontdesk.config import Settings
from tests.conftest import Desk
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, eventually, open_desk

pytestmark = DESK_TESTS


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The webhooks point at a closed port on this machine: never called, only listed.
    return settings.model_copy(update={"webhooks_allow_private": True})


# What has the focus, as the page sees it: document.activeElement, its name and the question it
# is in ("body" when it fell to the page).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return "body";
  const name = el.getAttribute("aria-label") || el.textContent.trim();
  const group = el.closest("[role=group]");
  const where = group ? ` in “${group.getAttribute("aria-label")}”` : "";
  return `${el.tagName.toLowerCase()} ${name}${where}`;
}"""


async def focus_is(page: Page, expected: str) -> None:
    seen = ""

    async def probe() -> bool:
        nonlocal seen
        seen = str(await page.evaluate(FOCUSED))
        return seen == expected

    try:
        await eventually(probe, timeout=3)
    except AssertionError:
        raise AssertionError(f"the focus is on {seen!r}, not on {expected!r}") from None


@dataclass
class Listing:
    path: str
    row: str  # the attribute naming each row
    delete: str  # a row's Delete, with {name}
    new: str  # the button that adds one, where the focus goes when none is left
    create: Callable[[PageApi, str], Awaitable[Any]]


async def a_rule(api: PageApi, name: str) -> Any:
    body = {
        "name": name,
        "when": {"type": "created"},
        "actions": [{"type": "set_state", "state": "hold"}],
    }
    return await api("POST", "/api/v1/rules", body, status=201)


async def a_webhook(api: PageApi, name: str) -> Any:
    body = {"name": name, "url": "http://127.0.0.1:9/hook", "events": ["ticket.created"]}
    return await api("POST", "/api/v1/webhooks", body, status=201)


async def a_macro(api: PageApi, name: str) -> Any:
    body = {"name": name, "actions": [{"type": "set_state", "state": "hold"}]}
    return await api("POST", "/api/v1/macros", body, status=201)


async def a_saved_reply(api: PageApi, name: str) -> Any:
    body = {"name": name, "text": f"Hello, {name} here."}
    return await api("POST", "/api/v1/saved-replies", body, status=201)


LISTINGS = {
    "rules": Listing(
        "/settings/rules", "data-rule", "Delete the rule {name}", "Add a rule", a_rule
    ),
    "webhooks": Listing(
        "/settings/webhooks", "data-webhook", "Delete {name}", "Add a webhook", a_webhook
    ),
    "macros": Listing("/macros", "data-macro", "Delete {name}", "Add a macro", a_macro),
    "saved replies": Listing(
        "/replies", "data-reply", "Delete {name}", "Add a saved reply", a_saved_reply
    ),
}


@pytest.mark.parametrize("kind", list(LISTINGS))
async def test_deleting_with_the_keyboard_keeps_the_focus_in_the_list(
    desk: Desk, live: str, browser: Browser, kind: str
) -> None:
    listing = LISTINGS[kind]
    inbox = await desk.inbox(name="Support")
    grace = await desk.user(role="admin", name="Grace Hopper")
    await desk.add_member(inbox, grace)
    page = await open_desk(browser, live, grace)
    api = PageApi(page, live)
    for name in ("Alpha", "Bravo", "Charlie"):
        await listing.create(api, name)
    await page.goto(f"{live}{listing.path}")
    rows = page.locator(f"[{listing.row}]")
    await expect(rows).to_have_count(3)
    order = await rows.evaluate_all(f"(els) => els.map((el) => el.getAttribute('{listing.row}'))")
    first, middle, last = order

    def delete(name: str) -> str:
        return f"button {listing.delete.format(name=name)}"

    def in_question(button: str, name: str) -> str:
        return f"button {button} in “{listing.delete.format(name=name)}”"

    # Delete asks in the row, on Cancel: Enter on it (or Esc) deletes nothing and comes back.
    await page.get_by_role("button", name=listing.delete.format(name=middle), exact=True).focus()
    await page.keyboard.press("Enter")
    await focus_is(page, in_question("Cancel", middle))
    await assert_accessible(page, f"{kind}: a deletion asked")
    await page.keyboard.press("Enter")
    await focus_is(page, delete(middle))
    await page.keyboard.press("Enter")
    await focus_is(page, in_question("Cancel", middle))
    await page.keyboard.press("Escape")
    await focus_is(page, delete(middle))
    await expect(rows).to_have_count(3)

    # Deleted: the focus on the row that took its place, then on the one above, then on New.
    for gone, then in (
        (middle, delete(last)),
        (last, delete(first)),
        (first, f"button {listing.new}"),
    ):
        await page.get_by_role("button", name=listing.delete.format(name=gone), exact=True).focus()
        await page.keyboard.press("Enter")
        await focus_is(page, in_question("Cancel", gone))
        await page.keyboard.press("Tab")
        await focus_is(page, in_question("Delete", gone))
        await page.keyboard.press("Enter")
        await expect(page.locator(f"[{listing.row}='{gone}']")).to_have_count(0)
        await focus_is(page, then)
        await expect(page.get_by_text(f"“{gone}” deleted.")).to_be_visible()
    await expect(rows).to_have_count(0)
    await page.context.close()
