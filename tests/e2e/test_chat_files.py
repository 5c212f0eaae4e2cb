"""Files and images in chats, in real Chromium (issue #14, "Files and images"): the visitor sends an
image and a PDF from the messenger on another website, the agent sees them live and opens them;
the agent sends a file the visitor sees; an oversized or disguised file is refused with its
reason on both sides; an upload whose answer is lost is retried and appears once."""

# The messenger's `website` and `context` fixtures are imported, then named as parameters.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from PIL import Image
from playwright.async_api import Browser, BrowserContext, FilePayload, Page, Route, expect

from frontdesk.chats.models import ChatFile
from frontdesk.config import Settings
from tests.conftest import Desk
from tests.e2e.desk import (
    DESK_TESTS,
    PageApi,
    assert_accessible,
    bar_item,
    open_desk,
    set_online,
    shoot,
)
from tests.e2e.test_messenger import (  # noqa: F401  (fixtures)
    Website,
    axe_ok,
    chat_id,
    context,
    launcher,
    messenger,
    shot,
    website,
)
from tests.unit.support import count_rows

pytestmark = DESK_TESTS

LIMIT = 300 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_chat_file_bytes": LIMIT})


def png(width: int, height: int) -> bytes:
    """A picture with some shape to it, so a thumbnail is worth looking at."""
    image = Image.new("RGB", (width, height), "#dbeafe")
    for x in range(width):
        for y in range(height // 3, height // 3 + height // 4):
            image.putpixel((x, y), (37, 99, 235) if (x // 40) % 2 else (250, 204, 21))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


SCREEN = png(640, 400)
PDF = b"%PDF-1.4\n" + b"0" * 40_000 + b"\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def upload(name: str, mime: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": mime, "buffer": content}


async def visitor_in_chat(
    website: Website, context: BrowserContext, desk: Desk, app: FastAPI
) -> tuple[Page, Any, dict[str, Any], int]:
    """A visitor chatting on the website, and Ada of the inbox, online."""
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    await set_online(app, ada)
    website.key = inbox["public_key"]
    page = await context.new_page()
    await page.goto(website.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Your name").fill("Marie Curie")
    await panel.get_by_label("Message", exact=True).fill("My screen shows an error")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_be_visible()
    return page, panel, ada, await chat_id(page, website.key)


async def agent_in_chat(browser: Browser, live: str, ada: dict[str, Any]) -> Page:
    desk_page = await open_desk(browser, live, ada)
    await bar_item(desk_page, "Marie Curie").click()
    await desk_page.get_by_role("button", name="Join Chat").click()
    await expect(desk_page.get_by_label(re.compile("^Message to"))).to_be_visible()
    return desk_page


async def test_visitor_sends_an_image_and_a_pdf_the_agent_sees_and_opens_them(
    app: FastAPI,
    desk: Desk,
    website: Website,
    context: BrowserContext,
    browser: Browser,
    live: str,
    screenshots: Path,
) -> None:
    page, panel, ada, chat = await visitor_in_chat(website, context, desk, app)
    desk_page = await agent_in_chat(browser, live, ada)
    await expect(panel).to_contain_text("Ada Lovelace joined the chat")

    await expect(panel.get_by_role("button", name="Attach a file or image")).to_be_visible()
    await (
        messenger(page)
        .locator("input[type=file]")
        .set_input_files(
            [
                upload("screen.png", "image/png", SCREEN),
                upload("invoice.pdf", "application/pdf", PDF),
            ]
        )
    )
    own = panel.locator(".msg.own").last
    await expect(own.get_by_role("img", name="screen.png")).to_be_visible()
    await expect(own.locator(".file-card")).to_contain_text("invoice.pdf")
    await expect(own.locator(".file-card")).to_contain_text("PDF · 39 KB")
    await expect(own).not_to_have_attribute("data-state", re.compile("."))
    # The thumbnail's address comes with its signed link, after the message shows (an <img>
    # without a source is `complete` too): waited for until the picture itself is there.
    await expect(own.get_by_role("img", name="screen.png")).to_have_js_property("naturalWidth", 480)
    await shot(page, screenshots, "files")
    await axe_ok(page, "files in the conversation")

    log = desk_page.get_by_role("log", name="Conversation")
    thumb = log.get_by_role("img", name="screen.png")
    await expect(thumb).to_be_visible()
    await expect(thumb).to_have_js_property("naturalWidth", 480)
    card = log.get_by_role("link", name=re.compile("invoice.pdf"))
    await expect(card).to_contain_text("PDF")
    await shoot(desk_page, screenshots, "chat-files")
    await assert_accessible(desk_page, "chat window with files")

    # The image opens full size in a tab of its own; the PDF downloads.
    async with desk_page.context.expect_page() as opened:
        await thumb.click()
    full = await opened.value
    await full.wait_for_load_state()
    assert await full.evaluate("document.images[0].naturalWidth") == 640
    await full.close()
    async with desk_page.expect_download() as downloading:
        await card.click()
    download = await downloading.value
    assert download.suggested_filename == "invoice.pdf"
    saved = await download.path()
    assert await asyncio.to_thread(saved.read_bytes) == PDF

    # Ended, the chat's files are in its ticket, under their message in the transcript.
    ended = await PageApi(desk_page, live)("POST", f"/api/v1/chats/{chat}/end")
    await desk_page.goto(f"{live}/tickets/{ended['ticket_id']}")
    transcript = desk_page.get_by_role("article", name="Transcript")
    # The image keeps its thumbnail there and opens full size; the PDF is a download.
    for name, href in (
        ("screen.png", r"/files/\d+\?variant=file$"),
        ("invoice.pdf", r"/files/\d+$"),
    ):
        link = transcript.get_by_role("link", name=re.compile(re.escape(name)))
        await expect(link).to_have_attribute("href", re.compile(href))
    async with desk_page.expect_download() as downloading:
        await transcript.get_by_role("link", name=re.compile("invoice.pdf")).click()
    saved = await (await downloading.value).path()
    assert await asyncio.to_thread(saved.read_bytes) == PDF
    await desk_page.context.close()


async def test_agent_sends_a_file_the_visitor_sees_light_and_dark(
    app: FastAPI,
    desk: Desk,
    website: Website,
    context: BrowserContext,
    browser: Browser,
    live: str,
    screenshots: Path,
) -> None:
    page, panel, ada, _chat = await visitor_in_chat(website, context, desk, app)
    desk_page = await agent_in_chat(browser, live, ada)
    await (
        messenger(page)
        .locator("input[type=file]")
        .set_input_files([upload("screen.png", "image/png", SCREEN)])
    )
    await expect(panel.locator(".msg.own").last.get_by_role("img")).to_be_visible()

    await desk_page.get_by_test_id("chat-file-input").set_input_files(
        [upload("Guide d'installation.pdf", "application/pdf", PDF)]
    )
    card = panel.locator(".msg.agent .file-card")
    await expect(card).to_contain_text("Guide d'installation.pdf")
    await expect(card).to_have_attribute("href", re.compile(r"variant=download&expires=\d+"))
    async with page.expect_download() as downloading:
        await card.click()
    assert (await downloading.value).suggested_filename == "Guide d'installation.pdf"
    await shot(page, screenshots, "files-agent")
    await page.emulate_media(color_scheme="dark")
    await shot(page, screenshots, "files-dark")
    await desk_page.emulate_media(color_scheme="dark")
    await shoot(desk_page, screenshots, "dark-chat-files")
    await desk_page.context.close()


async def test_an_oversized_or_disguised_file_is_refused_with_its_reason(
    app: FastAPI,
    desk: Desk,
    website: Website,
    context: BrowserContext,
    browser: Browser,
    live: str,
    screenshots: Path,
) -> None:
    page, panel, ada, _chat = await visitor_in_chat(website, context, desk, app)
    desk_page = await agent_in_chat(browser, live, ada)
    picker = messenger(page).locator("input[type=file]")
    await picker.set_input_files([upload("cat.png", "image/png", HTML)])
    refused = panel.locator(".msg.own").last
    await expect(refused).to_have_attribute("data-state", "failed")
    await expect(refused).to_contain_text("Not sent: cat.png is not what its name says.")
    await picker.set_input_files([upload("huge.pdf", "application/pdf", PDF * 10)])
    await expect(panel.locator(".msg.own").last).to_contain_text("Not sent: huge.pdf is too large.")
    await shot(page, screenshots, "file-refused")

    await desk_page.get_by_test_id("chat-file-input").set_input_files(
        [upload("setup.exe", "application/x-msdownload", b"MZ\x90\x00" + bytes(64))]
    )
    # In the conversation, where the message would have been: why, and Discard; no Retry, which
    # would be refused again.
    refused = desk_page.get_by_role("log", name="Conversation").locator(".pending")
    await expect(refused).to_contain_text("setup.exe")
    await expect(refused).to_contain_text("Not sent")
    await expect(refused).to_contain_text("setup.exe is a program or script.")
    await expect(refused.get_by_role("button", name="Retry")).to_have_count(0)
    await expect(refused.get_by_role("button", name="Discard")).to_be_visible()
    await shoot(desk_page, screenshots, "chat-file-refused")
    assert await count_rows(app, ChatFile) == 0
    await desk_page.context.close()


async def test_an_upload_whose_answer_is_lost_is_retried_and_appears_once(
    app: FastAPI,
    desk: Desk,
    website: Website,
    context: BrowserContext,
    browser: Browser,
    live: str,
) -> None:
    page, panel, ada, chat = await visitor_in_chat(website, context, desk, app)
    desk_page = await agent_in_chat(browser, live, ada)
    tries: list[str] = []

    async def drop_first_answer(route: Route) -> None:
        tries.append(route.request.url)
        if len(tries) == 1:
            # The server stores the file, then the connection drops before the answer arrives.
            await route.fetch()
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route(re.compile(r"/messenger/v1/uploads\?"), drop_first_answer)
    await (
        messenger(page)
        .locator("input[type=file]")
        .set_input_files([upload("screen.png", "image/png", SCREEN)])
    )
    own = panel.locator(".msg.own").last
    await expect(own.get_by_role("img", name="screen.png")).to_be_visible()
    assert len(tries) == 2
    # The retry is the same upload: the same client id.
    assert len({parse_qs(urlsplit(url).query)["client_id"][0] for url in tries}) == 1
    log = desk_page.get_by_role("log", name="Conversation")
    await expect(log.get_by_role("img", name="screen.png")).to_have_count(1)
    await expect(panel.get_by_role("img", name="screen.png")).to_have_count(1)
    assert await count_rows(app, ChatFile, ChatFile.chat_id == chat) == 1
    await desk_page.context.close()
