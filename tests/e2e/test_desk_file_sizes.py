"""File sizes in the desk, in real Chromium: written as the messenger writes them ("31 B", "40 KB",
"1.5 MB"), in the reply box and on the entry's cards, and in French with French symbols. Intl's
short unit for a byte is the whole English word: the desk showed "31 byte"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.desk import DESK_TESTS, PageApi, log_in, user_menu

pytestmark = DESK_TESTS


async def page_in(browser: Browser, live: str, agent: dict[str, Any], locale: str) -> Page:
    context = await browser.new_context(viewport={"width": 1360, "height": 860}, locale=locale)
    page = await context.new_page()
    await page.goto(f"{live}/login")
    if locale.startswith("fr"):
        await page.get_by_label("E-mail").fill(agent["email"])
        await page.get_by_label("Mot de passe").fill(PASSWORD)
        await page.get_by_role("button", name="Se connecter").click()
    else:
        await log_in(page, agent["email"], PASSWORD)
    await expect(user_menu(page)).to_contain_text(agent["name"])
    return page


async def test_sizes_read_as_in_the_messenger_in_the_agents_language(
    desk: Any, live: str, browser: Browser, tmp_path: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await page_in(browser, live, ada, "en-US")
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "cora@example.org", "name": "Cora Customer"},
        "subject": "Logs attached",
    }
    ticket = await PageApi(page, live)("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Logs attached")).to_be_visible()

    sizes = {"note.txt": 31, "log.txt": 40 * 1024, "dump.txt": 3 * 1024 * 1024 // 2}
    paths = []
    for name, size in sizes.items():
        path = tmp_path / name
        path.write_bytes(b"x" * size)
        paths.append(str(path))
    await page.locator("#reply-files").set_input_files(paths)
    chips = page.get_by_role("list", name="Attachments").get_by_role("listitem")
    expected = {"note.txt": "31 B", "log.txt": "40 KB", "dump.txt": "1.5 MB"}
    for name, shown in expected.items():
        await expect(chips.filter(has_text=name)).to_contain_text(shown)
    await page.get_by_label("Reply to the customer").fill("The files you asked for.")
    await page.get_by_role("button", name="Send", exact=True).click()
    entry = page.locator("article.entry.reply.out").last
    for name, shown in expected.items():
        await expect(entry.get_by_role("link", name=name)).to_contain_text(f"TXT · {shown}")
    await expect(entry).not_to_contain_text("byte")

    french = await page_in(browser, live, ada, "fr-FR")
    await french.goto(f"{live}/tickets/{ticket['id']}")
    entry = french.locator("article.entry.reply.out").last
    for name, shown in {"note.txt": "31 o", "log.txt": "40 Ko", "dump.txt": "1,5 Mo"}.items():
        await expect(entry.get_by_role("link", name=name)).to_contain_text(f"TXT · {shown}")
