"""A ticket's header and side panel at a laptop's width (1280 by 800) in French, the longer of
the desk's languages: the subject keeps its line while the actions wrap below it, "Labels" stays
level with its field, and the side panel's buttons and checkboxes stay in their place
(screenshot: screenshots/desk-fr-ticket-head.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.desk import DESK_TESTS, PageApi, open_desk, shoot

pytestmark = DESK_TESTS

LAPTOP: ViewportSize = {"width": 1280, "height": 800}


async def box(page: Page, selector: str) -> dict[str, float]:
    found = await page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return {key: float(found[key]) for key in ("x", "y", "width", "height")}


async def test_the_subject_keeps_its_line_and_buttons_stay_in_their_cards(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada_user = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    page = await open_desk(browser, live, ada_user, viewport=LAPTOP)
    api = PageApi(page, live)
    await api("PATCH", "/api/v1/me", {"preferences": {"language": "fr"}})
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "linus@example.org", "name": "Linus Pauling"},
        "subject": "Can't log in after password reset",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    title = page.get_by_role("heading", name="Can't log in after password reset")
    await expect(title).to_be_visible()
    start = page.get_by_test_id("side-start")
    await expect(start).to_have_text("Commencer une conversation annexe")

    # One line of subject (it was squeezed to four, a word or two a line, by Macros, Fusionner…,
    # Spam and Suivre); the actions went to the next line, whole.
    heading = await box(page, "#ticket-title")
    line = await page.locator("#ticket-title").evaluate(
        "(el) => parseFloat(getComputedStyle(el).lineHeight)"
    )
    assert heading["height"] < 1.5 * line, heading
    actions = await box(page, "[data-testid=ticket-actions]")
    assert actions["y"] >= heading["y"] + heading["height"] - 1, (actions, heading)
    row = await box(page, "[data-testid=ticket-title-row]")
    assert actions["x"] + actions["width"] <= row["x"] + row["width"] + 1

    # "Commencer une conversation annexe" wraps inside its card instead of running out of it.
    card = await box(page, "[data-testid=side-start] >> xpath=ancestor::section[1]")
    button = await box(page, "[data-testid=side-start]")
    assert button["x"] + button["width"] <= card["x"] + card["width"], (button, card)
    # An unknown label: "Étiquettes" stays level with the field, not halfway down the error.
    field = page.locator("#ticket-label-input")
    await field.fill("nosuchlabel")
    await field.press("Enter")
    await expect(page.locator(".label-unknown")).to_be_visible()
    caption = await box(page, "[data-testid=ticket-labels-caption]")
    entry = await box(page, "#ticket-label-input")
    middle = caption["y"] + caption["height"] / 2
    assert entry["y"] <= middle <= entry["y"] + entry["height"], (caption, entry)
    await shoot(page, screenshots, "fr-ticket-head")

    # The composer's checkbox sits at the start of its label (it took half the card's width).
    await start.click()
    include = page.get_by_test_id("side-include-last")
    await expect(include).to_be_visible()
    tick = await box(page, "[data-testid=side-include-last]")
    label = await box(page, "label:has([data-testid=side-include-last])")
    assert tick["width"] < 24, (tick, label)
    assert tick["x"] - label["x"] <= 6, (tick, label)
    await page.context.close()
