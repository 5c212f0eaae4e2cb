"""The chat bar at a laptop's width, in real Chromium: seven chats, every one reachable (the ones
that do not fit behind a "+N" menu with their state dots), names that tell chats apart, and labels
that never look like a chat's state (screenshots saved as screenshots/desk-chat-bar-*.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, ViewportSize, expect

from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    assert_accessible,
    bar_item,
    chat_bar,
    go_online,
    open_desk,
    shoot,
)

pytestmark = DESK_TESTS

LAPTOP: ViewportSize = {"width": 1280, "height": 800}

# Two long names that share their first twenty characters, and a second visitor with one of them.
VISITORS = [
    ("Maximilian-Alexander Schmidt", "max.schmidt@example.org"),
    ("Maximilian-Alexander Schneider", "schneider@example.org"),
    ("Maximilian-Alexander Schmidt", "m.schmidt@example.net"),
    ("Marie Curie", "marie@example.org"),
    ("Rosalind Franklin", "rosalind@example.org"),
    ("Lise Meitner", "lise@example.org"),
    ("Emmy Noether", "emmy@example.org"),
]

# The chat states' colours (styles.css --red, --orange, --green) as Chromium reports them.
STATE_COLOURS = {"rgb(217, 45, 32)", "rgb(232, 89, 12)", "rgb(22, 163, 74)"}


async def seven_chats(
    desk: Any, visitors: Any, browser: Browser, live: str
) -> tuple[Page, list[Any]]:
    inbox = await desk.inbox(name="Support", email_address="support@desk.test")
    ada_user = await desk.user(role="admin", name="Ada Lovelace", max_concurrent_chats=8)
    await desk.add_member(inbox, ada_user)
    page = await open_desk(browser, live, ada_user)
    await page.set_viewport_size(LAPTOP)
    await go_online(page)
    api = PageApi(page, live)
    chats = []
    for name, email in VISITORS:
        visitor = await visitors(inbox)
        chats.append(await visitor.start_chat(f"Hello, this is {name}", name=name, email=email))
    # Ada takes three: green and orange ones among the red.
    for chat in chats[3:6]:
        await api("POST", f"/api/v1/chats/{chat['id']}/join")
    # Every chat arrived (the pills on the bar and the number behind "+N" make seven), four wait.
    await page.wait_for_function(
        """n => {
          const more = document.querySelector('.chatbar button')?.getAttribute('title') ?? '';
          const hidden = Number((more.match(/^(\\d+) more/) ?? [0, 0])[1]);
          return document.querySelectorAll('.chatbar a.bar-item').length + hidden === n;
        }""",
        arg=len(VISITORS),
    )
    main_nav = page.get_by_role("navigation", name="Main")
    await expect(main_nav.get_by_role("link", name=re.compile("^Chats"))).to_contain_text("4")
    return page, chats


async def test_every_chat_is_on_the_bar_or_behind_its_more_button(
    desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    page, chats = await seven_chats(desk, visitors, browser, live)
    bar = chat_bar(page)
    links = bar.locator("a.bar-item")
    more = bar.get_by_role("button", name=re.compile(r"more chats?"))
    shown = await links.count()
    hidden = len(chats) - shown
    await shoot(page, screenshots, "chat-bar-laptop")

    # What the bar shows is on screen, whole: nothing runs off the right edge.
    for i in range(shown):
        box = await links.nth(i).bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= LAPTOP["width"], box
    # The rest is counted on a button.
    assert 1 <= hidden < len(chats)
    await expect(more).to_be_visible()
    await expect(more).to_contain_text(f"+{hidden}")
    await expect(more).to_have_accessible_name(re.compile(rf"^{hidden} more chats?"))
    box = await more.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= LAPTOP["width"], box

    # Names that tell chats apart: no two items read the same, and none is cut by the browser.
    texts = [
        " ".join(await links.nth(i).locator(".name, .hint").all_inner_texts()) for i in range(shown)
    ]
    assert len(set(texts)) == shown, texts
    assert any("Schmidt" in text for text in texts), texts
    assert any("Schneider" in text for text in texts), texts
    for i in range(shown):
        cut = await links.nth(i).locator(".name").evaluate("el => el.scrollWidth > el.clientWidth")
        assert not cut, texts[i]
    # Two visitors with one name: each item also shows what differs (the email).
    await expect(bar_item(page, "max.schmidt@example.org")).to_contain_text(
        "max.schmidt@example.org"
    )
    await expect(
        bar.get_by_role("link", name=re.compile("Maximilian-Alexander Schneider"))
    ).to_be_visible()

    # The menu lists the rest, each with its state in a dot and in words.
    await more.click()
    await expect(more).to_have_attribute("aria-expanded", "true")
    menu = page.locator("#chatbar-more")
    await expect(menu.get_by_role("link")).to_have_count(hidden)
    for i in range(hidden):
        dot = menu.get_by_role("link").nth(i).get_by_role("img")
        await expect(dot).to_have_attribute(
            "aria-label", re.compile("Waiting for an agent|Unread messages|No new messages")
        )
    listed = set(await links.locator(".sr-only").all_inner_texts()) | set(
        await menu.locator(".names").all_inner_texts()
    )
    assert len(listed) == len(chats), listed
    await shoot(page, screenshots, "chat-bar-more")
    await assert_accessible(page, "chat bar with its more menu")

    # Escape closes the menu, the focus goes back; a chat opened from it gets a place on the bar.
    await page.keyboard.press("Escape")
    await expect(menu).to_have_count(0)
    await expect(more).to_be_focused()
    await more.click()
    target = menu.get_by_role("link").first
    name = (await target.locator(".name").inner_text()).strip()
    await target.click()
    await expect(page).to_have_url(re.compile(r"/chats/\d+$"))
    await expect(menu).to_have_count(0)
    current = bar.locator("a.bar-item[aria-current=page]")
    await expect(current).to_have_count(1)
    await expect(current).to_contain_text(name.split(" ")[-1])
    await expect(links).to_have_count(shown)


async def test_labels_do_not_look_like_chat_states(
    desk: Any, visitors: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    page, chats = await seven_chats(desk, visitors, browser, live)
    api = PageApi(page, live)
    # A label saved in the state red through the API, as labels were before the palette.
    await api("POST", "/api/v1/labels", {"name": "urgent", "color": "#d92d20"}, status=201)
    await api("PUT", f"/api/v1/chats/{chats[3]['id']}/labels", {"labels": ["urgent", "vip"]})
    await page.goto(f"{live}/chats/{chats[3]['id']}")
    chips = page.locator(".convo-head .label-chip")
    await expect(chips).to_have_count(2)
    for i in range(2):
        chip = chips.nth(i)
        colours = await chip.evaluate(
            "el => [getComputedStyle(el).borderLeftColor, getComputedStyle(el).backgroundColor]"
            " .concat([...el.querySelectorAll('*')].map(c => getComputedStyle(c).backgroundColor))"
        )
        assert not STATE_COLOURS & set(colours), colours
        # A tag, not a dot: nothing round and filled inside it.
        await expect(chip.locator(".dot, .swatch")).to_have_count(0)
    await assert_accessible(page, "chat window with labels")

    # Settings offer only label colours: none of red, orange or green.
    await page.goto(f"{live}/settings/labels")
    await expect(page.get_by_role("heading", name="Labels", exact=True)).to_be_visible()
    colour = page.get_by_label("Colour of urgent")
    await expect(colour).to_be_visible()
    options = await colour.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert {"#d92d20", "#e8590c", "#16a34a"}.isdisjoint(options), options
    assert await colour.input_value() in options
    await page.get_by_label("New label name").fill("billing")
    await page.get_by_label("New label colour").select_option(label="Violet")
    await page.get_by_role("button", name="Add label").click()
    await expect(page.locator("table .label-chip", has_text="billing")).to_have_attribute(
        "data-label-color", "#7c3aed"
    )
    await shoot(page, screenshots, "settings-labels")
    await assert_accessible(page, "label settings")
