"""API tokens in real Chromium: Preferences → API tokens creates a read-only token for 30 days,
and the list shows each token's access, expiry (an expired one as such) and last use
(screenshot: screenshots/desk-api-tokens.png)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from playwright.async_api import Browser, expect
from sqlalchemy import update

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.users import service as users_service
from frontdesk.users.models import ApiToken
from tests.e2e.desk import DESK_TESTS, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS


async def expired_token(app: FastAPI, user_id: int) -> None:
    """A write token that ran out yesterday, used once before."""
    async with unit_of_work(app.state.sessionmaker) as session:
        owner = await users_service.get_user(session, user_id=user_id)
        token, _secret = await users_service.create_api_token(
            session, user=owner, name="Old import", by_token=False, expires_in_days=30
        )
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(
                created_at=utcnow() - timedelta(days=31),
                expires_at=utcnow() - timedelta(days=1),
                last_used_at=utcnow() - timedelta(days=2),
            )
        )


async def test_create_a_read_only_token_and_see_the_list(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    ada = await desk.user(name="Ada Agent")
    await expired_token(app, ada["id"])
    page = await open_desk(browser, live, ada)
    await page.goto(f"{live}/preferences")
    section = page.get_by_role("region", name="API tokens")
    await section.scroll_into_view_if_needed()
    # Least power by default: read only, 90 days.
    await expect(section.get_by_label("Access")).to_have_value("read")
    await expect(section.get_by_label("Expires")).to_have_value("90")
    await section.get_by_label("Token name").fill("Dashboard")
    await section.get_by_label("Expires").select_option("30")
    await section.get_by_role("button", name="Create token").click()
    shown = section.get_by_role("status")
    await expect(shown).to_contain_text("fd_")
    secret = (await shown.locator("code").inner_text()).strip()

    rows = section.get_by_role("row")
    dashboard = rows.filter(has_text="Dashboard")
    await expect(dashboard).to_contain_text("Read only")
    # Expires in 30 days; not used yet.
    await expect(dashboard).to_contain_text(re.compile(r"20\d\d"))
    await expect(dashboard.get_by_role("cell").nth(5)).to_have_text("Never")
    old = rows.filter(has_text="Old import")
    await expect(old).to_contain_text("Expired")
    await expect(old).to_contain_text("Read, write")
    await shoot(page, screenshots, "api-tokens")
    await section.screenshot(path=str(screenshots / "desk-api-tokens-list.png"))
    await assert_accessible(page, "API tokens")

    # The token the page showed reads, and is refused a write with a message that says why.
    async with httpx.AsyncClient(
        base_url=live, headers={"Authorization": f"Bearer {secret}"}
    ) as script:
        assert (await script.get("/api/v1/me")).status_code == 200
        refused = await script.patch("/api/v1/me", json={"name": "Bot"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "token_read_only"
    await page.reload()
    used = section.get_by_role("row").filter(has_text="Dashboard").get_by_role("cell").nth(5)
    await expect(used).not_to_have_text("Never")
