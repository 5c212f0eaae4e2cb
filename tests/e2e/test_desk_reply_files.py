"""Files dropped on and pasted into the reply box, in real Chromium: each upload shows its
progress, then is listed; the reply sends them and the customer's mail, caught by an SMTP server
on loopback, carries them (screenshot docs/images/desk-reply-files.png); in the thread an image
shows as a thumbnail that opens full size, another file as a download card
(docs/images/desk-ticket-files.png); a private note takes files with the same picker and shows
them the same way (docs/images/desk-note-files.png)."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from PIL import Image
from playwright.async_api import Browser, Page, Route, expect

from frontdesk.config import Settings
from frontdesk.files.models import StoredFile
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.support import CUSTOMER, SUPPORT, SmtpSink, deliver, with_smtp
from tests.unit.support import count_rows

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

# A file made in the page, then handed to the reply box as a drop or a paste would hand it.
_HAND_OVER = """([kind, name, text]) => {
  const box = document.querySelector("#reply-text");
  const data = new DataTransfer();
  const how = { bubbles: true, cancelable: true };
  data.items.add(new File([text], name, { type: "text/plain" }));
  if (kind === "drop") {
    box.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, ...how }));
    box.dispatchEvent(new DragEvent("drop", { dataTransfer: data, ...how }));
  } else {
    box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, ...how }));
  }
}"""


async def hand_over(page: Page, kind: str, name: str, text: str) -> None:
    await page.evaluate(_HAND_OVER, [kind, name, text])


async def test_files_dropped_and_pasted_into_the_reply_box_go_out_with_the_mail(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path, sink: SmtpSink
) -> None:
    settings: Settings = app.state.settings
    smtp = with_smtp(settings, sink)
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": CUSTOMER, "name": "Cora Customer"},
        "subject": "Invoice for order 1042",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Invoice for order 1042")).to_be_visible()

    # The first try of the pasted file's upload is held, so that its progress shows; then the
    # connection drops after the server stored it, and the retry (same client id) gets that file.
    held = asyncio.Event()
    release = asyncio.Event()
    tries: list[str] = []

    async def hold_paste(route: Route) -> None:
        url = route.request.url
        if "filename=terms.txt" not in url:
            await route.continue_()
            return
        tries.append(url)
        if len(tries) > 1:
            await route.continue_()
            return
        held.set()
        await release.wait()
        await route.fetch()  # stored by the server, answer never delivered
        await route.abort("connectionreset")

    await page.route("**/api/v1/uploads?*", hold_paste)

    await hand_over(page, "drop", "invoice-1042.txt", "Invoice 1042: 3 items, 59.90 EUR")
    files = page.get_by_role("list", name="Attachments")
    await expect(files).to_contain_text("invoice-1042.txt")
    await hand_over(page, "paste", "terms.txt", "Returns within 30 days.")
    await asyncio.wait_for(held.wait(), 10)
    progress = page.get_by_test_id("reply-upload")
    await expect(progress).to_contain_text("Uploading terms.txt")
    await expect(progress.get_by_role("progressbar")).to_be_visible()
    await page.get_by_label("Reply to the customer").fill("Here is your invoice, and our terms.")
    await expect(page.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    await shoot(page, screenshots, "reply-files")
    shutil.copy(screenshots / "desk-reply-files.png", DOCS_IMAGES / "desk-reply-files.png")
    await assert_accessible(page, "reply box with an upload in progress")

    release.set()
    await expect(files).to_contain_text("terms.txt")
    await expect(progress).to_have_count(0)
    assert len(tries) == 2
    assert "client_id=" in tries[0]
    assert tries[0] == tries[1]  # the retry repeats the client id
    # Stored once although sent twice.
    assert await count_rows(app, StoredFile, StoredFile.filename == "terms.txt") == 1

    await page.get_by_role("button", name="Send", exact=True).click()
    entry = page.locator("article.entry.reply.out").last
    await expect(entry).to_contain_text("Here is your invoice")
    assert await deliver(app, smtp) == 1
    mail = sink.received[-1]
    assert mail.rcpt_tos == [CUSTOMER]
    parts = {part.get_filename(): part.get_content() for part in mail.message.iter_attachments()}
    assert parts == {
        "invoice-1042.txt": "Invoice 1042: 3 items, 59.90 EUR",
        "terms.txt": "Returns within 30 days.",
    }


async def test_an_image_sent_with_a_reply_shows_as_a_thumbnail_that_opens_full_size(
    desk: Any, live: str, browser: Browser, screenshots: Path, tmp_path: Path
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": CUSTOMER, "name": "Cora Customer"},
        "subject": "Parcel arrived crushed",
    }
    ticket = await api("POST", "/api/v1/tickets", body, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Parcel arrived crushed")).to_be_visible()

    photo = tmp_path / "replacement.png"
    Image.new("RGB", (1200, 800), "#2f7d6d").save(photo, format="PNG")
    label = tmp_path / "return-label.pdf"
    label.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    await page.locator("#reply-files").set_input_files([str(photo), str(label)])
    files = page.get_by_role("list", name="Attachments")
    await expect(files).to_contain_text("return-label.pdf")
    await page.get_by_label("Reply to the customer").fill(
        "Here is a photo of your replacement, and the label to send the broken one back."
    )
    await page.get_by_role("button", name="Send", exact=True).click()

    entry = page.locator("article.entry.reply.out").last
    thumbnail = entry.get_by_role("img", name="replacement.png")
    await expect(thumbnail).to_be_visible()
    # Drawn from the server's thumbnail, not the 1200-pixel original.
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await thumbnail.element_handle()
    )
    assert await thumbnail.evaluate("img => img.naturalWidth") == 480
    card = entry.get_by_role("link", name=re.compile("return-label.pdf"))
    await expect(card).to_contain_text("PDF")
    await expect(card).to_have_attribute("download", "")
    await shoot(page, screenshots, "ticket-thumbnails")
    shutil.copy(screenshots / "desk-ticket-thumbnails.png", DOCS_IMAGES / "desk-ticket-files.png")
    await assert_accessible(page, "ticket thread with an image and a file")

    async with page.context.expect_page() as opening:
        await entry.get_by_role("link", name="replacement.png", exact=True).click()
    full = await opening.value
    await full.wait_for_load_state()
    assert "variant=file" in full.url
    size = await full.evaluate("(i => [i.naturalWidth, i.naturalHeight])(document.images[0])")
    assert size == [1200, 800]
    await full.close()

    # A private note takes files the same way (the same picker), and shows them in the thread as
    # the reply does: the team's screenshot and log, never sent to the customer.
    await page.get_by_role("tab", name="Private note").click()
    screen = tmp_path / "crash-screen.png"
    Image.new("RGB", (1000, 700), "#8a4b2f").save(screen, format="PNG")
    log = tmp_path / "server-log.pdf"
    log.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 60 + b"\n%%EOF\n")
    await page.locator("#reply-files").set_input_files([str(screen), str(log)])
    chosen = page.locator("form.reply-box").get_by_role("list", name="Attachments")
    await expect(chosen).to_contain_text("server-log.pdf")
    await expect(chosen).to_contain_text("crash-screen.png")
    await page.locator("#reply-text").fill("For the engineers: the crash screen and the log.")
    await page.locator("form.reply-box footer").scroll_into_view_if_needed()
    await shoot(page, screenshots, "note-box-files")
    await page.get_by_role("button", name="Add note").click()
    note = page.locator("article.entry.note").last
    await expect(note).to_contain_text("For the engineers")
    shown = note.get_by_role("img", name="crash-screen.png")
    await expect(shown).to_be_visible()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await shown.element_handle()
    )
    assert await shown.evaluate("img => img.naturalWidth") == 480
    log_card = note.get_by_role("link", name=re.compile("server-log.pdf"))
    await expect(log_card).to_contain_text("PDF")
    await expect(log_card).to_have_attribute("download", "")
    await expect(chosen).to_have_count(0)
    await note.scroll_into_view_if_needed()
    await shoot(page, screenshots, "note-files")
    shutil.copy(screenshots / "desk-note-files.png", DOCS_IMAGES / "desk-note-files.png")
