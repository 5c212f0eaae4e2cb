"""Files in the customer portal in real Chromium, without script (docs/portal.md, "Files"): a
signed-in customer chooses an image and a PDF for a new request (`set_input_files`), sends it and
sees the image as its thumbnail and the PDF as a download under their message, downloads it,
answers with another file; the desk shows the image's thumbnail on the ticket. The help center's
policy holds, no serious axe violation. Screenshots docs/images/portal-new-request-files.png and
portal-files-thumbnails.png."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from PIL import Image, ImageDraw
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, api_as, open_desk
from tests.e2e.settle import settled
from tests.e2e.test_portal import assert_accessible_without_script, signed_in_customer
from tests.mail.support import SmtpSink
from tests.mail.test_reply_attachments import PDF

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def error_screenshot() -> bytes:
    """A small picture of an error dialog, as a customer would attach one."""
    image = Image.new("RGB", (640, 400), "#e5e7eb")
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 90, 560, 310), fill="white", outline="#9ca3af", width=2)
    draw.rectangle((80, 90, 560, 130), fill="#b91c1c")
    draw.text((100, 102), "Payment failed", fill="white")
    draw.text((100, 160), "Error 402: the card was declined.", fill="#111827")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def test_a_customer_attaches_files_to_a_new_request_and_an_answer(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    sink: SmtpSink,
    screenshots: Path,
    policy_watch: Any,
    tmp_path: Path,
) -> None:
    support = await desk.inbox(name="Northwind Goods", email_address="help@northwind.test")
    requests = await desk.inbox(name="Help center requests")
    ada = await desk.user(role="admin", name="Ada Lovelace")
    await desk.add_member(support, ada)
    await desk.add_member(requests, ada)
    api = await api_as(desk, ada)
    await api("PUT", "/api/v1/knowledge/settings", {"name": "Northwind Goods"})
    await api("PUT", "/api/v1/knowledge/settings", {"portal_inbox_id": requests["id"]})
    older = await api(
        "POST",
        "/api/v1/tickets",
        {
            "inbox_id": support["id"],
            "customer": {"email": "cora@example.org", "name": "Cora Customer"},
            "subject": "Invoice for order 1043",
        },
        status=201,
    )
    await api(
        "POST",
        f"/api/v1/tickets/{older['id']}/replies",
        {"text": "Here it is, sent again.", "then": "close"},
        status=201,
    )
    shot = tmp_path / "payment-error.png"
    shot.write_bytes(error_screenshot())
    invoice = tmp_path / "invoice-1043.pdf"
    invoice.write_bytes(PDF)
    receipt = tmp_path / "bank-receipt.pdf"
    receipt.write_bytes(PDF)

    customer = await signed_in_customer(
        app, browser, live, sink, policy_watch, "cora@example.org", height=1000
    )
    await customer.get_by_role("link", name="New request").click()
    await customer.get_by_label("Subject", exact=True).fill("Payment refused at checkout")
    await customer.get_by_label("Message", exact=True).fill(
        "My card is refused when I pay for order 1043. The screenshot and the invoice are attached."
    )
    files = customer.get_by_label("Attach files", exact=True)
    await expect(files).to_have_attribute("multiple", "")
    await expect(
        customer.get_by_text("up to 5 files, 10 MB each and 25 MB together")
    ).to_be_visible()
    await files.set_input_files([shot, invoice])
    await assert_accessible_without_script(customer)
    await settled(customer)
    await customer.screenshot(path=str(screenshots / "portal-new-request-files.png"))
    shutil.copy(
        screenshots / "portal-new-request-files.png", DOCS_IMAGES / "portal-new-request-files.png"
    )
    await customer.get_by_role("button", name="Send request").click()

    await expect(
        customer.get_by_role("heading", level=1, name="Payment refused at checkout")
    ).to_be_visible()
    message = customer.locator("ol.thread li.customer").first
    # The image as its thumbnail (drawn by the server, decoded by the browser), linked to the
    # image, which opens in the browser; the PDF a download with its name and size.
    thumbnail = message.get_by_role("list", name="Images").get_by_role(
        "img", name="payment-error.png"
    )
    await expect(thumbnail).to_be_visible()
    await expect(thumbnail).to_have_js_property("naturalWidth", 480)
    await expect(thumbnail).to_have_js_property("complete", True)
    image_link = message.get_by_role("link", name="payment-error.png")
    href = await image_link.get_attribute("href")
    assert href is not None
    assert re.fullmatch(r"/help/requests/\d+/files/file-\d+", href), href
    await expect(thumbnail).to_have_attribute("src", f"{href}/thumbnail")
    full = await customer.request.get(f"{live}{href}")
    assert full.headers["content-type"] == "image/png"
    assert full.headers["content-disposition"].startswith("inline;")
    assert await full.body() == shot.read_bytes()
    listed = message.get_by_role("list", name="Files")
    await expect(listed.get_by_role("link")).to_have_text(["invoice-1043.pdf"])
    await expect(listed).to_contain_text("invoice-1043.pdf (75 KB)")
    async with customer.expect_download() as downloading:
        await listed.get_by_role("link", name="invoice-1043.pdf").click()
    download = await downloading.value
    assert download.suggested_filename == "invoice-1043.pdf"
    saved = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert saved == PDF

    # An answer with a file, and no text.
    await customer.get_by_label("Attach files", exact=True).set_input_files(receipt)
    await customer.get_by_role("button", name="Send", exact=True).click()
    answer = customer.locator("ol.thread li.customer").nth(1)
    await expect(answer.get_by_role("link", name="bank-receipt.pdf")).to_be_visible()
    await assert_accessible_without_script(customer)
    await settled(customer)
    await customer.screenshot(path=str(screenshots / "portal-request-files.png"), full_page=True)
    shutil.copy(
        screenshots / "portal-request-files.png", DOCS_IMAGES / "portal-files-thumbnails.png"
    )
    assert policy_watch.violations == []
    await customer.context.close()

    # The desk: the image's thumbnail and the PDF's card on Cora's message.
    listed_tickets = await api("GET", f"/api/v1/tickets?inbox_id={requests['id']}")
    (row,) = listed_tickets["items"]
    page = await open_desk(browser, live, ada, path=f"/tickets/{row['id']}")
    thumbnail = page.get_by_role("img", name="payment-error.png")
    await expect(thumbnail).to_be_visible()
    await expect(page.get_by_text("invoice-1043.pdf")).to_be_visible()
    await expect(page.get_by_text("bank-receipt.pdf")).to_be_visible()
    await page.context.close()
