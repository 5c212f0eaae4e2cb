"""Out of office in real Chromium: an agent sets it from the user menu, on their own clock (a time
zone preference), sees the banner and cannot go online, then ends it with End now (screenshots
docs/images/desk-out-of-office.png, the dialog, and desk-out-of-office-banner.png; the banner
also in dark mode)."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
PARIS = ZoneInfo("Europe/Paris")


async def test_set_from_the_menu_banner_and_end_now(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace", role="owner")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    await api("PATCH", "/api/v1/me", {"preferences": {"time_zone": "Europe/Paris"}})
    await page.reload()

    menu_button = page.get_by_role("button", name=re.compile("Ada Lovelace"))
    await menu_button.click()
    await page.get_by_role("menuitem", name="Out of office…").click()
    dialog = page.get_by_role("dialog", name="Out of office")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Times in Europe/Paris.")
    # Until Friday 18:00 on her clock, three days on.
    friday = (datetime.now(PARIS) + timedelta(days=3)).replace(hour=18, minute=0)
    await dialog.get_by_label("End date and time").fill(friday.strftime("%Y-%m-%dT%H:%M"))
    await dialog.get_by_label("Note for colleagues (optional)").fill(
        "At the conference; Bob has the Acme account."
    )
    await assert_accessible(page, "out of office dialog")
    await shoot(page, screenshots, "out-of-office")
    shutil.copy(screenshots / "desk-out-of-office.png", DOCS_IMAGES / "desk-out-of-office.png")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()

    # The banner, until when on her clock; the server has the instant she chose.
    banner = page.get_by_test_id("out-of-office-banner")
    await expect(banner).to_contain_text("You are out of office until")
    await expect(banner).to_contain_text("6:00 PM")
    await expect(banner).to_contain_text("Bob has the Acme account.")
    away = (await api("GET", "/api/v1/me"))["out_of_office"]
    assert datetime.fromisoformat(away["until"]) == friday.replace(second=0, microsecond=0)
    # Going online is greyed, and says why and what to do before anyone clicks it.
    await expect(menu_button).to_contain_text("Out of office")
    await menu_button.click()
    go_online = page.get_by_role("menuitem", name="Go Online")
    await expect(go_online).to_have_attribute("aria-disabled", "true")
    await expect(go_online).to_have_accessible_description(
        "You are out of office: end it (Out of office…) before going online."
    )
    await go_online.focus()
    await page.keyboard.press("Enter")  # does nothing: no request, no error
    await expect(page.get_by_role("alert")).to_have_count(0)
    await shoot(page, screenshots, "out-of-office-menu")
    await page.keyboard.press("Escape")
    await assert_accessible(page, "out of office banner")
    await shoot(page, screenshots, "out-of-office-banner")
    shutil.copy(
        screenshots / "desk-out-of-office-banner.png",
        DOCS_IMAGES / "desk-out-of-office-banner.png",
    )
    await page.emulate_media(color_scheme="dark")
    await expect_dark(page, "out of office banner")
    await shoot(page, screenshots, "dark-out-of-office-banner")
    await page.emulate_media(color_scheme="light")

    # The team list says it too (Settings → Users), where admins set anyone's.
    await page.goto(f"{live}/settings/users")
    row = page.get_by_role("row").filter(has_text="Ada Lovelace")
    await expect(row).to_contain_text(re.compile(r"Until .+6:00\sPM"))
    await expect(row).to_contain_text("Note: At the conference; Bob has the Acme account.")
    await expect(row.get_by_role("button", name="Out of office for Ada Lovelace")).to_be_visible()
    await shoot(page, screenshots, "out-of-office-users")
    # The Chats page lists her apart from the offline, with her note.
    await page.goto(f"{live}/chats")
    await expect(page.locator(f"[data-away='{ada['id']}']")).to_contain_text(
        re.compile(r"Ada Lovelace: out of office until .+ · At the conference")
    )
    # A ticket assigned to her says so under its assignee, with her note.
    ticket = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora"},
            "subject": "Invoice",
            "assignee_id": ada["id"],
        },
        status=201,
    )
    await page.goto(f"{live}/tickets/{ticket['id']}")
    warning = page.get_by_test_id("assignee-away")
    await expect(warning).to_contain_text("Ada Lovelace is out of office until")
    await expect(warning).to_contain_text("Note: At the conference; Bob has the Acme account.")
    await shoot(page, screenshots, "out-of-office-assignee")

    await banner.get_by_role("button", name="End now").click()
    await expect(banner).to_be_hidden()
    await expect(page.get_by_role("status").filter(has_text="Out of office ended.")).to_be_visible()
    assert (await api("GET", "/api/v1/me"))["out_of_office"] is None
