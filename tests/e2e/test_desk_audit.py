"""The audit log in real Chromium: an owner reads who signed in (and who failed), a role change
with its before and after, and a settings change; filters to failed sign-ins, downloads the CSV;
an admin has no such page (screenshot docs/images/audit-log.png). Each change reads as words, in
English and in French: "Role: Admin → Agent", "Rôle : Administrateur → Agent"; structured values
too (a rule's conditions and actions as the rules list words them, weekly hours, messenger
settings), a label deleted since as "deleted label #12", never as JSON or a bare id."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# Weekly hours join days and times with an en dash: "Mon<DASH>Fri 09:00<DASH>17:00".
DASH = "\u2013"


async def test_an_owner_reads_and_filters_the_audit_log(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    olga = await desk.user(role="owner", name="Olga Owner")
    adam = await desk.user(role="admin", name="Adam Admin")
    inbox = await desk.inbox(name="Support")
    page = await open_desk(browser, live, olga)
    api = PageApi(page, live)
    # Someone guesses a password; a name with markup must show as text.
    guess = await page.request.post(
        f"{live}/api/v1/auth/login",
        data={"email": adam["email"], "password": "<b>guess</b>-1234"},
    )
    assert guess.status == 401
    await api("PATCH", f"/api/v1/users/{adam['id']}", {"role": "agent"})
    await api(
        "PATCH",
        f"/api/v1/inboxes/{inbox['id']}",
        {"name": "<i>Support</i> EU", "identity_secret": "s" * 24},
    )
    refunds = await api("POST", "/api/v1/labels", {"name": "Refunds", "color": "#e0457b"}, 201)
    brief = await api("POST", "/api/v1/labels", {"name": "Brief", "color": "#888888"}, 201)
    definition = {
        "when": {"type": "created", "by": "customer"},
        "match": "all",
        "conditions": [{"field": "label", "op": "has", "value": refunds["id"]}],
        "actions": [{"type": "label", "add": [brief["id"]]}],
    }
    rule = await api("POST", "/api/v1/rules", {"name": "Tag refunds", **definition}, 201)
    # A label a rule uses cannot be deleted: the rule drops it first.
    definition["actions"] = [{"type": "label", "add": [refunds["id"]]}]
    await api("PATCH", f"/api/v1/rules/{rule['id']}", {"definition": definition})
    await api("DELETE", f"/api/v1/labels/{brief['id']}", status=204)
    week = [
        {"day": day, "opens": "09:00", "closes": "17:00"}
        for day in ("mon", "tue", "wed", "thu", "fri")
    ]
    hours = {
        "enabled": True,
        "time_zone": "UTC",
        "weekly": week,
        "holidays": [],
        "away_message": "",
    }
    await api("PUT", f"/api/v1/inboxes/{inbox['id']}/hours", hours)
    await api(
        "PATCH", f"/api/v1/inboxes/{inbox['id']}", {"messenger_settings": {"greeting": "Hello"}}
    )

    await page.goto(f"{live}/settings/users")
    await page.get_by_role("link", name="Audit log").click()
    table = page.get_by_test_id("audit-events")
    role_row = table.locator("tbody tr[data-action='user.role_changed']")
    await expect(role_row).to_contain_text("Role changed")
    await expect(role_row).to_contain_text("Role: Admin → Agent")
    await expect(role_row).to_contain_text(olga["email"])
    # Newest first: the greeting's change, then the rename.
    inbox_row = table.locator("tbody tr[data-action='inbox.updated']").last
    await expect(inbox_row).to_contain_text("Name: Support → <i>Support</i> EU")
    await expect(inbox_row).to_contain_text("Identity secret: changed")
    assert await inbox_row.locator("i").count() == 0
    failed = table.locator("tbody tr[data-action='auth.login_failed']")
    await expect(failed).to_contain_text("Not signed in")
    await expect(failed).to_contain_text("127.0.0.1")
    await expect(failed).to_contain_text(adam["email"])
    await expect(failed).to_contain_text("Reason: Wrong password")
    login = table.locator("tbody tr[data-action='auth.login']").first
    await expect(login).to_contain_text("Sign-in method: Password")
    rule_row = table.locator("tbody tr[data-action='rule.created']")
    await expect(rule_row).to_contain_text("When: A ticket is created by a customer")
    await expect(rule_row).to_contain_text("Conditions: Label has “Refunds”")
    await expect(rule_row).to_contain_text(f"Actions: Add deleted label #{brief['id']}")
    # One save, one entry with what was saved (a first save also wrote "Business hours set:
    # Status: Off, Time zone: UTC" until 2026-12-07); "enabled" no longer reads "Status".
    hours_row = table.locator("tbody tr[data-action='hours.created']")
    await expect(hours_row).to_contain_text(f"Weekly hours: Mon{DASH}Fri 09:00{DASH}17:00")
    await expect(hours_row).to_contain_text("Turned on: Yes")
    await expect(table.locator("tbody tr[data-action^='hours.']")).to_have_count(1)
    greeting_row = table.locator("tbody tr[data-action='inbox.updated']").first
    await expect(greeting_row).to_contain_text("Messenger settings · Greeting: — → Hello")
    assert "{" not in await table.inner_text()
    await assert_accessible(page, "Audit log")
    await shoot(page, screenshots, "audit-log")
    shutil.copy(screenshots / "desk-audit-log.png", DOCS_IMAGES / "audit-log.png")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "audit-log-dark")
    await page.emulate_media(color_scheme="light")

    await page.get_by_label("What").select_option(label="Sign-in")
    await page.get_by_role("button", name="Filter").click()
    await expect(table.locator("tbody tr[data-action='user.role_changed']")).to_have_count(0)
    await expect(failed).to_have_count(1)
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download CSV").click()
    download = await download_info.value
    csv = await asyncio.to_thread(Path(await download.path()).read_text)
    assert "auth.login_failed" in csv
    assert "user.role_changed" not in csv

    # In French, the changes' names and values are French words too.
    await api("PATCH", "/api/v1/me", {"preferences": {"language": "fr"}})
    await page.reload()
    await page.get_by_role("button", name="Effacer").click()
    await expect(role_row).to_contain_text("Rôle : Administrateur → Agent")
    await expect(inbox_row).to_contain_text("Secret d'identité : modifié")
    await expect(failed).to_contain_text("Raison : Mot de passe erroné")
    await expect(login).to_contain_text("Méthode de connexion : Mot de passe")
    await expect(hours_row).to_contain_text(
        f"Horaires de la semaine : lun.{DASH}ven. 09:00{DASH}17:00"
    )
    await expect(hours_row).to_contain_text("Activé : Oui")
    # French quotes a rule's value in guillemets, with narrow no-break spaces, as the rules list.
    await expect(rule_row).to_contain_text("Étiquette a « Refunds »")
    assert "«\u202fRefunds\u202f»" in await rule_row.inner_text()
    await rule_row.screenshot(path=str(screenshots / "desk-audit-log-fr-rule.png"))
    # A date input writes the day in the browser's order (03/04/2026 here, whatever the desk's
    # language): the label says it in the desk's.
    await page.locator("input[name='from']").fill("2026-03-04")
    await expect(page.get_by_test_id("audit-from-day")).to_have_text("4 mars 2026")
    # A screen reader hears it as the field's description; the field's name stays "Du".
    await expect(page.locator("input[name='from']")).to_have_accessible_name("Du")
    await expect(page.locator("input[name='from']")).to_have_accessible_description("4 mars 2026")
    await expect(rule_row).to_contain_text(f"Ajouter étiquette supprimée n° {brief['id']}")
    await shoot(page, screenshots, "audit-log-fr")
    await page.emulate_media(color_scheme="dark")
    await shoot(page, screenshots, "audit-log-fr-dark")

    anna = await desk.user(role="admin", name="Anna Admin")
    admin_page = await open_desk(browser, live, anna)
    await admin_page.goto(f"{live}/settings/audit")
    await expect(admin_page).to_have_url(f"{live}/settings/users")
    await expect(admin_page.get_by_role("link", name="Audit log")).to_have_count(0)
