"""Labels on a ticket's page in real Chromium: a ticket takes existing labels only, so a name
typed that is none of them is said, next to the field with the text kept, never dropped in
silence; the start of exactly one label's name is that label."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, agent_of_an_inbox, assert_accessible

pytestmark = DESK_TESTS


async def test_a_label_typed_on_a_ticket_is_added_or_said_to_be_unknown(
    desk: Any, live: str, browser: Browser
) -> None:
    owner = await desk.agent(role="owner", name="Olga Owner")
    for name in ("vip", "billing", "bug"):
        response = await owner.client.post("/api/v1/labels", json={"name": name})
        assert response.status_code == 201, response.text
    inbox, page, api = await agent_of_an_inbox(desk, browser, live)
    body = {"inbox_id": inbox["id"], "customer": {"email": "lena@example.com", "name": "Lena"}}
    ticket = await api("POST", "/api/v1/tickets", {**body, "subject": "Labels"}, status=201)
    await page.goto(f"{live}/tickets/{ticket['id']}")
    field = page.get_by_label("Add a label")
    chips = page.locator(".label-chip")

    await field.fill("vi")
    await field.press("Enter")
    await expect(chips.filter(has_text="vip").first).to_be_visible()
    await expect(field).to_have_value("")

    alert = page.locator(".label-unknown")
    for typed in ("b", "brand-new"):  # two labels start with "b"; none is "brand-new"
        await field.fill(typed)
        await field.press("Enter")
        await expect(alert).to_have_text(
            f"No label “{typed}”: choose one from the list. Admins add labels in Settings → Labels."
        )
        await expect(field).to_have_value(typed)
        await expect(field).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "a ticket's unknown label")

    await field.fill("Bug")
    await expect(alert).to_have_count(0)
    await field.press("Enter")
    await expect(chips.filter(has_text="bug").first).to_be_visible()
    saved = await api("GET", f"/api/v1/tickets/{ticket['id']}")
    assert sorted(label["name"] for label in saved["labels"]) == ["bug", "vip"]
    await page.context.close()
