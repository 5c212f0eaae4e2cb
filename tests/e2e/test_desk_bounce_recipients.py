"""A reply copied to two people bounces for the customer and one of them, and is delayed for the
other: in real Chromium the thread shows the bounce with each address it failed for and why, and
the delay warning as a delivery report, not a bounce (screenshot
docs/images/desk-bounce-recipients.png)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.mail.dsn import Recipient, postfix_bounce
from tests.mail.support import CUSTOMER, SUPPORT, SmtpSink, deliver, send_to_listener, with_smtp

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
BOSS = "boss@example.org"
COLLEAGUE = "colleague@example.net"


async def test_a_bounce_names_every_recipient_it_failed_for(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    listener: InboundListener,
    sink: SmtpSink,
) -> None:
    settings: Settings = app.state.settings
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
    reply = {
        "text": "A replacement is on its way.",
        "cc": [BOSS, COLLEAGUE],
        "then": "close",
    }
    await api("POST", f"/api/v1/tickets/{ticket['id']}/replies", reply, status=201)
    assert await deliver(app, with_smtp(settings, sink)) == 1
    sent = sink.received[0].raw

    bounce = postfix_bounce(
        sent,
        [
            Recipient(
                CUSTOMER,
                "failed",
                "5.1.1",
                f"550 5.1.1 <{CUSTOMER}>: Recipient address rejected: User unknown in virtual "
                "mailbox table",
            ),
            Recipient(BOSS, "failed", "5.2.2", "552 5.2.2 Mailbox full"),
        ],
    )
    warning = postfix_bounce(
        sent,
        [
            Recipient(
                COLLEAGUE,
                "delayed",
                "4.4.1",
                "connect to mx.example.net[198.51.100.7]:25: Connection timed out",
            )
        ],
    )
    for report in (bounce, warning):
        assert await send_to_listener(listener.port, report, sender="", recipients=[SUPPORT]) == {}

    await page.goto(f"{live}/tickets/{ticket['id']}")
    await expect(page.get_by_role("heading", name="Parcel arrived crushed")).to_be_visible()
    bounced, delayed = [page.locator("article.entry.reply.in").nth(index) for index in range(2)]
    await expect(bounced.get_by_text("Bounce", exact=True)).to_be_visible()
    failed = bounced.get_by_role("list", name="What became of the message for each recipient")
    await expect(failed.get_by_role("listitem")).to_have_count(2)
    await expect(failed.get_by_role("listitem").nth(0)).to_contain_text(
        f"Not delivered{CUSTOMER}5.1.1 · 550 5.1.1"
    )
    await expect(failed.get_by_role("listitem").nth(1)).to_contain_text(
        f"Not delivered{BOSS}5.2.2 · 552 5.2.2 Mailbox full"
    )
    await expect(delayed.get_by_text("Delivery report", exact=True)).to_be_visible()
    await expect(delayed.locator(".entry-head")).to_contain_text("mailer-daemon@mail.example.org")
    await expect(delayed.get_by_text("Bounce", exact=True)).to_have_count(0)
    await expect(
        delayed.get_by_role("list", name="What became of the message for each recipient")
    ).to_contain_text(f"Delayed{COLLEAGUE}4.4.1")
    # Neither reopened the ticket.
    await expect(page.get_by_text("Closed", exact=True).first).to_be_visible()

    await bounced.scroll_into_view_if_needed()
    await shoot(page, screenshots, "bounce-recipients")
    await assert_accessible(page, "a bounce for two recipients and a delay warning")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "bounce-recipients-dark")
    await assert_accessible(page, "a bounce for two recipients, dark")
    shutil.copy(
        screenshots / "desk-bounce-recipients.png", DOCS_IMAGES / "desk-bounce-recipients.png"
    )
