"""Webhooks in real Chromium: an owner creates one on Settings → Webhooks, copies the secret
shown once, sends a test and sees it delivered in the log (the receiver on loopback checks the
signature with the docs' verifier), and replays it; one that frontdesk switched off says why and
until when it holds its events (screenshots docs/images/webhooks-*.png)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Dialog, expect

from frontdesk.config import Settings
from frontdesk.webhooks.timers import deliver_webhooks
from tests.e2e.desk import DESK_TESTS, assert_accessible, open_desk, shoot
from tests.unit.webhooks.receiver import docs_verifier, patient, receiver

pytestmark = DESK_TESTS

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhooks_allow_private": True})


async def test_an_owner_creates_a_webhook_and_sees_its_deliveries(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient(monkeypatch)
    olga = await desk.user(role="owner", name="Olga Owner")
    page = await open_desk(browser, live, olga)

    with receiver() as hooks:
        await page.goto(f"{live}/settings/webhooks")
        empty = page.get_by_text("No webhooks yet. Add one with Add a webhook.")
        await expect(empty).to_be_visible()
        await page.get_by_role("button", name="Add a webhook").click()
        form = page.get_by_role("form", name="Add a webhook")
        await form.get_by_label("Name").fill("CRM sync")
        await form.get_by_label("URL").fill(hooks.url)
        await form.get_by_label("Rating received").uncheck()
        await assert_accessible(page, "webhook form")
        await shoot(page, screenshots, "webhooks-form")
        await form.get_by_role("button", name="Save").click()

        item = page.locator("[data-webhook='CRM sync']")
        secret = item.locator("[data-secret]")
        await expect(secret).to_contain_text("whsec_")
        hooks.secret = (await secret.inner_text()).strip()
        await expect(item).to_contain_text("Ticket created")
        await expect(item).not_to_contain_text("Rating received")

        await item.get_by_role("button", name="Send test").click()
        await expect(page.get_by_role("status")).to_contain_text("A test event is on its way.")
        rows = item.locator("table.deliveries tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text("Pending")

        await deliver_webhooks(app.state.sessionmaker, app.state.settings)
        await item.get_by_role("button", name="Refresh").click()
        await expect(rows.first).to_contain_text("Delivered")
        await expect(rows.first).to_contain_text("200")
        await expect(rows.first).to_contain_text("thanks")
        assert [r.verified for r in hooks.requests] == [True]
        event_id = hooks.requests[0].headers["Frontdesk-Event-Id"]
        await assert_accessible(page, "webhook delivery log")
        await shoot(page, screenshots, "webhooks-log")
        await page.emulate_media(color_scheme="dark")
        await shoot(page, screenshots, "webhooks-log-dark")
        await page.emulate_media(color_scheme="light")

        await rows.first.get_by_role("button", name="Replay").click()
        await expect(page.get_by_role("status")).to_contain_text("sent again")
        await deliver_webhooks(app.state.sessionmaker, app.state.settings)
        assert [r.headers["Frontdesk-Event-Id"] for r in hooks.requests] == [event_id] * 2

    for name in ("webhooks-form", "webhooks-log", "webhooks-log-dark"):
        shutil.copyfile(screenshots / f"desk-{name}.png", IMAGES / f"{name}.png")


async def test_an_owner_sees_a_webhook_frontdesk_switched_off_and_gets_what_it_held(
    app: FastAPI,
    desk: Any,
    live: str,
    browser: Browser,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient(monkeypatch)
    olga = await desk.user(role="owner", name="Olga Owner")
    agent = await desk.login(olga)
    with receiver() as hooks:
        made = await agent.client.post(
            "/api/v1/webhooks",
            json={"name": "CRM sync", "url": hooks.url, "events": ["ticket.created"]},
        )
        assert made.status_code == 201, made.text
        webhook = made.json()
        hooks.secret, hooks.statuses = webhook["secret"], [410]
        sent = await agent.client.post(f"/api/v1/webhooks/{webhook['id']}/test")
        assert sent.status_code == 202, sent.text
        await deliver_webhooks(app.state.sessionmaker, app.state.settings)

        page = await open_desk(browser, live, olga)
        await page.goto(f"{live}/settings/webhooks")
        item = page.locator("[data-webhook='CRM sync']")
        await expect(item.get_by_role("status")).to_contain_text("410 Gone")
        await expect(item.locator("[data-holding]")).to_contain_text("Its events are kept until")
        await assert_accessible(page, "webhook switched off")
        await shoot(page, screenshots, "webhooks-switched-off")

        await item.get_by_role("checkbox").check()
        await expect(item.locator("[data-holding]")).to_have_count(0)
        await expect(item).not_to_contain_text("Switched off")

    shutil.copyfile(
        screenshots / "desk-webhooks-switched-off.png", IMAGES / "webhooks-switched-off.png"
    )


async def test_an_owner_rotates_a_secret_and_the_old_one_signs_for_a_day(
    app: FastAPI, desk: Any, live: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient(monkeypatch)
    olga = await desk.user(role="owner", name="Olga Owner")
    agent = await desk.login(olga)
    with receiver() as hooks:
        made = await agent.client.post(
            "/api/v1/webhooks",
            json={"name": "CRM sync", "url": hooks.url, "events": ["customer.created"]},
        )
        assert made.status_code == 201, made.text
        old = made.json()["secret"]

        page = await open_desk(browser, live, olga)
        await page.goto(f"{live}/settings/webhooks")
        item = page.locator("[data-webhook='CRM sync']")
        await expect(item).to_contain_text("Customer created")
        asked: list[str] = []

        async def answer(dialog: Dialog) -> None:
            asked.append(dialog.message)
            await dialog.accept()

        page.once("dialog", answer)
        await item.get_by_role("button", name="Rotate secret", exact=True).click()
        # The new secret, shown once; the old one still signs, and the page says until when.
        shown = item.locator("[data-secret]")
        await expect(shown).to_contain_text("whsec_")
        new = (await shown.inner_text()).strip()
        assert new != old
        await expect(page.get_by_role("status").first).to_contain_text("the old one also signs")
        # Beside the overlap, the question warns of the verifier that read only the last `v1=`.
        [question] = asked
        assert "for 24 hours" in question
        assert "only the last v1=" in question
        await expect(item.locator("[data-overlap]")).to_contain_text("also signs until")
        await assert_accessible(page, "webhook secret rotated")

        sent = await agent.client.post(f"/api/v1/webhooks/{made.json()['id']}/test")
        assert sent.status_code == 202, sent.text
        await deliver_webhooks(app.state.sessionmaker, app.state.settings)
        [request] = hooks.requests
        verify = docs_verifier()
        header = request.headers["Frontdesk-Signature"]
        assert verify(new, header, request.body)
        assert verify(old, header, request.body)
