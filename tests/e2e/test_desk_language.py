"""The desk in the agent's language and time zone: an agent switches to French in Preferences and
the whole desk follows at once (words, dates, <html lang>), times show in the zone they chose,
and an agent who chose nothing gets their browser's language and zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import update

from frontdesk.db.session import unit_of_work
from frontdesk.tickets.models import Ticket, TicketEntry
from tests.conftest import PASSWORD
from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, log_in, shoot, user_menu

pytestmark = DESK_TESTS

# 01:30 UTC: 10:30 in Tokyo, 02:30 in Paris, 20:30 the evening before in New York.
WRITTEN_AT = datetime(2026, 3, 3, 1, 30, tzinfo=UTC)


async def new_context(browser: Browser, *, locale: str, time_zone: str) -> BrowserContext:
    return await browser.new_context(
        viewport={"width": 1360, "height": 860}, locale=locale, timezone_id=time_zone
    )


async def seed_ticket(app: FastAPI, api: PageApi, inbox: dict[str, Any]) -> int:
    """A ticket with a note, both written at WRITTEN_AT."""
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": "rosalind@example.org", "name": "Rosalind Franklin"},
        "subject": "Invoice shows the wrong VAT number",
        "note": "The VAT number changed in January; finance knows.",
    }
    ticket_id = int((await api("POST", "/api/v1/tickets", body, status=201))["id"])
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(TicketEntry)
            .where(TicketEntry.ticket_id == ticket_id)
            .values(created_at=WRITTEN_AT)
        )
        await session.execute(
            update(Ticket).where(Ticket.id == ticket_id).values(updated_at=WRITTEN_AT)
        )
    return ticket_id


def nav(page: Page) -> Any:
    return page.locator("nav.nav")


async def choose(page: Page, test_id: str, value: str) -> None:
    await page.get_by_test_id(test_id).select_option(value)


async def test_an_agent_switches_the_desk_to_french_and_back(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support", email_address="support@desk.test")
    ada_user = await desk.user(role="owner", name="Ada Lovelace")
    await desk.add_member(inbox, ada_user)
    # An English browser in Paris: without a choice of their own, Ada reads English, Paris time.
    context = await new_context(browser, locale="en-US", time_zone="Europe/Paris")
    page = await context.new_page()
    await page.goto(f"{live}/login")
    await log_in(page, ada_user["email"], PASSWORD)
    await expect(user_menu(page)).to_contain_text("Ada Lovelace")
    api = PageApi(page, live)
    ticket_id = await seed_ticket(app, api, inbox)
    await expect(page.locator("html")).to_have_attribute("lang", "en")

    await nav(page).get_by_role("link", name="Preferences").click()
    await expect(page.get_by_test_id("language").locator("option:checked")).to_have_text(
        "Automatic — follows the browser (English)"
    )
    await expect(page.get_by_test_id("time-zone").locator("option:checked")).to_have_text(
        "Automatic — Europe/Paris (your browser)"
    )

    # Français: the page, the nav and the document change at once, without a reload.
    await page.evaluate("window.__notReloaded = true")
    await choose(page, "language", "fr")
    await expect(page.get_by_role("heading", name="Préférences", level=1)).to_be_visible()
    await expect(nav(page).get_by_role("link", name="Paramètres")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page).to_have_title("Préférences · frontdesk")
    assert await page.evaluate("window.__notReloaded === true")

    # A time zone found by searching the list: Tokyo.
    await page.get_by_label("Chercher un fuseau horaire").fill("tokyo")
    await expect(page.get_by_role("status").filter(has_text="fuseau")).to_have_text(
        "1 fuseau horaire correspond"
    )
    await choose(page, "time-zone", "Asia/Tokyo")
    await expect(page.get_by_test_id("time-zone").locator("option:checked")).to_contain_text(
        "Asia/Tokyo"
    )
    me = await api("GET", "/api/v1/me")
    assert (me["preferences"]["language"], me["preferences"]["time_zone"]) == ("fr", "Asia/Tokyo")
    await page.get_by_label("Chercher un fuseau horaire").fill("")
    await shoot(page, screenshots, "fr-preferences")
    await assert_accessible(page, "preferences in French")

    # The ticket list and the ticket: French words, French dates, Tokyo time.
    await nav(page).get_by_role("link", name=re.compile("^Ouverts")).click()
    row = page.get_by_role("link", name=re.compile("wrong VAT"))
    await expect(row).to_contain_text("3 mars")
    await shoot(page, screenshots, "fr-tickets")
    await assert_accessible(page, "ticket list in French")

    await row.click()
    await expect(page).to_have_url(re.compile(rf"/tickets/{ticket_id}$"))
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Ouvert")
    await expect(page.get_by_role("tab", name="Répondre")).to_be_visible()
    await expect(page.get_by_role("complementary", name="Client")).to_contain_text(
        "Tickets précédents"
    )
    note = page.get_by_label("Fil").locator("article.note")
    await expect(note).to_contain_text("Note privée")
    await expect(note.locator("time")).to_have_text(re.compile(r"^3 mars 2026.* 10:30$"))
    # French runs longer: the ticket's header and the reply buttons still fit a 1280 px screen.
    await page.set_viewport_size({"width": 1280, "height": 800})
    buttons = page.locator(".reply-box footer")
    assert await buttons.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    await shoot(page, screenshots, "fr-ticket")
    await page.set_viewport_size({"width": 1360, "height": 860})
    await assert_accessible(page, "ticket page in French")

    # A snooze time is picked on Ada's clock: 09:00 in Tokyo, whatever the browser's zone.
    await page.get_by_test_id("snooze-menu").click()
    menu = page.get_by_role("dialog", name="Reporter ce ticket")
    await expect(menu.get_by_role("button", name=re.compile("^Demain matin"))).to_be_visible()
    await menu.get_by_role("button", name="Choisir une date et une heure…").click()
    await menu.get_by_label(re.compile("^Reporter jusqu")).fill("2027-06-01T09:00")
    await menu.get_by_role("button", name="Reporter", exact=True).click()
    await expect(page.get_by_test_id("ticket-state")).to_have_text("Reporté")
    await expect(page.get_by_text("(actuellement 1 juin 2027")).to_contain_text("09:00")
    snoozed = (await api("GET", f"/api/v1/tickets/{ticket_id}"))["snoozed_until"]
    assert datetime.fromisoformat(snoozed) == datetime(2027, 6, 1, 0, 0, tzinfo=UTC)

    # A settings page.
    await nav(page).get_by_role("link", name="Paramètres").click()
    settings_nav = page.get_by_role("navigation", name="Paramètres")
    await expect(settings_nav.get_by_role("link", name="Utilisateurs")).to_be_visible()
    await settings_nav.get_by_role("link", name="Boîtes de réception").click()
    await expect(
        page.get_by_role("heading", name="Boîtes de réception", exact=True)
    ).to_be_visible()
    await expect(
        page.get_by_role("button", name="Enregistrer la boîte", exact=True)
    ).to_be_visible()
    await shoot(page, screenshots, "fr-settings-inboxes")
    await assert_accessible(page, "inbox settings in French")
    await settings_nav.get_by_role("link", name="Utilisateurs").click()
    await expect(page.get_by_role("columnheader", name="Rôle")).to_be_visible()
    await expect(page.get_by_role("button", name="Ajouter l'utilisateur")).to_be_visible()
    await shoot(page, screenshots, "fr-settings-users")
    await assert_accessible(page, "user settings in French")

    # A server error in French: the server explains by code, the desk says it in French.
    taken = {"email": "grace@example.org", "name": "Grace Hopper", "password": "long enough pass"}
    await api("POST", "/api/v1/users", taken, status=201)
    form = page.locator("form").filter(has=page.get_by_role("button", name="Ajouter l'utilisateur"))
    await form.get_by_label("Nom").fill("Grace Again")
    await form.get_by_label("E-mail").fill("grace@example.org")
    await form.get_by_label("Mot de passe").fill("long enough pass")
    await form.get_by_role("button", name="Ajouter l'utilisateur").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Un utilisateur a déjà cette adresse e-mail."
    )

    # Back to the browser's language: English again at once; the time zone stays Tokyo.
    await nav(page).get_by_role("link", name="Préférences").click()
    await choose(page, "language", "")
    await expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
    await expect(nav(page).get_by_role("link", name="Settings")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.goto(f"{live}/tickets/{ticket_id}")
    note = page.get_by_label("Thread").locator("article.note")
    await expect(note.locator("time")).to_have_text(re.compile(r"^Mar 3, 2026.* 10:30\sAM$"))
    await context.close()


async def test_an_agent_who_chose_nothing_gets_the_browsers_language_and_zone(
    app: FastAPI, desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support", email_address="support@desk.test")
    grace_user = await desk.user(name="Grace Hopper")
    await desk.add_member(inbox, grace_user)
    context = await new_context(browser, locale="fr-FR", time_zone="America/New_York")
    page = await context.new_page()

    # Already the login page, and its error, are French.
    await page.goto(f"{live}/login")
    await expect(page.get_by_role("heading", name="Connexion à votre desk")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await page.get_by_label("E-mail").fill(grace_user["email"])
    await page.get_by_label("Mot de passe").fill("not the password")
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("alert")).to_have_text("E-mail ou mot de passe incorrect.")
    await shoot(page, screenshots, "fr-login")
    await assert_accessible(page, "login in French")
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(user_menu(page)).to_contain_text("Grace Hopper")

    api = PageApi(page, live)
    me = await api("GET", "/api/v1/me")
    assert (me["preferences"]["language"], me["preferences"]["time_zone"]) == ("", "")
    ticket_id = await seed_ticket(app, api, inbox)
    await expect(nav(page).get_by_role("link", name="Préférences")).to_be_visible()

    # New York time: the evening before.
    await page.goto(f"{live}/tickets/{ticket_id}")
    note = page.get_by_label("Fil").locator("article.note")
    await expect(note.locator("time")).to_have_text(re.compile(r"^2 mars 2026.* 20:30$"))

    await nav(page).get_by_role("link", name="Préférences").click()
    await expect(page.get_by_test_id("language").locator("option:checked")).to_have_text(
        "Automatique — suit le navigateur (Français)"
    )
    await expect(page.get_by_test_id("time-zone").locator("option:checked")).to_have_text(
        "Automatique — America/New_York (votre navigateur)"
    )
    await context.close()
