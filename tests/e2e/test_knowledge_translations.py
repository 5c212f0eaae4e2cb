"""An article in two languages, in real Chromium: an admin adds a French translation in the
desk's editor (its own tab, title, text and published state), sees it marked outdated when the
original changes and marks it up to date; a colleague's saves of the translation reach the open
editor live (taken with nothing typed, a banner over unsaved typing, which stays); a reader
asking for French (`?lang=fr`) reads it in the help center, with the switcher to the English
original (screenshots docs/images/kb-translations.png, help-center-translation.png)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, expect

from tests.e2e.desk import DESK_TESTS, PageApi, api_as, assert_accessible, open_desk, shoot
from tests.e2e.settle import settled

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
ENGLISH = """Most orders can be returned **within 30 days** of delivery.

1. Open your order in your account.
2. Choose *Return an item* and print the label.
3. Drop the parcel at any post office.
"""
FRENCH = """La plupart des commandes peuvent être retournées **sous 30 jours** après la livraison.

1. Ouvrez votre commande dans votre compte.
2. Choisissez *Retourner un article* et imprimez l'étiquette.
3. Déposez le colis dans un bureau de poste.
"""


async def test_an_admin_adds_a_french_translation_read_in_the_help_center(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    admin = await desk.user(role="admin", name="Grace Hopper")
    # A colleague, known to the desk when it opens (its bylines name him).
    ben = await desk.user(role="admin", name="Ben Okafor")
    page = await open_desk(browser, live, admin)
    api = PageApi(page, live)
    await api("PUT", "/api/v1/knowledge/settings", {"name": "Northwind Goods"})
    article = await api(
        "POST",
        "/api/v1/knowledge/articles",
        {"title": "How do I return an order?", "body": ENGLISH},
        status=201,
    )
    article = await api(
        "POST", f"/api/v1/knowledge/articles/{article['id']}/publish", {"version": 1}
    )
    await page.goto(f"{live}/knowledge/{article['id']}")
    tabs = page.get_by_test_id("language-tabs")
    await expect(tabs.get_by_role("tab", selected=True)).to_contain_text("English")

    await page.get_by_test_id("add-translation-language").select_option(label="French")
    await tabs.get_by_role("button", name="Add", exact=True).click()
    await expect(tabs.get_by_role("tab", selected=True)).to_contain_text("French")
    translation = page.get_by_test_id("translation")
    await translation.get_by_label("Title in French").fill("Comment retourner une commande ?")
    await translation.get_by_label("Text in French (Markdown)").fill(FRENCH)
    await expect(translation.locator(".rendered strong")).to_have_text("sous 30 jours")
    await translation.get_by_label("Published in the help center").check()
    await translation.get_by_role("button", name="Save translation").click()
    await expect(translation.get_by_role("status")).to_have_text("Translation saved.")
    await expect(tabs.get_by_role("tab", selected=True)).to_contain_text("Published")

    # The original changes (a colleague's save): the translation is marked outdated, live.
    await api(
        "PATCH",
        f"/api/v1/knowledge/articles/{article['id']}",
        {"version": article["version"], "body": ENGLISH + "\nRefunds take 5 working days.\n"},
    )
    await expect(tabs.get_by_test_id("tab-outdated")).to_be_visible()
    await expect(page.get_by_test_id("translation-outdated")).to_contain_text("Outdated")
    await shoot(page, screenshots, "kb-translations")
    shutil.copy(screenshots / "desk-kb-translations.png", DOCS_IMAGES / "kb-translations.png")
    await assert_accessible(page, "article translations")
    await translation.get_by_role("button", name="Mark up to date").click()
    await expect(translation.get_by_role("status")).to_have_text("Marked up to date.")
    await expect(page.get_by_test_id("translation-outdated")).to_have_count(0)
    await expect(tabs.get_by_test_id("tab-outdated")).to_have_count(0)

    # A colleague saves the translation: the open editor, with nothing typed, takes it at once.
    colleague = await api_as(desk, ben)
    french = f"/api/v1/knowledge/articles/{article['id']}/translations/fr"
    text = translation.get_by_label("Text in French (Markdown)")
    fields = {"title": "Comment retourner une commande ?", "published": True}
    theirs = await colleague("GET", french)
    theirs = await colleague(
        "PUT", french, {**fields, "version": theirs["version"], "body": FRENCH + "\nMerci !"}
    )
    await expect(text).to_have_value(FRENCH + "\nMerci !")
    live_line = translation.get_by_test_id("translation-live")
    await expect(live_line).to_have_text(
        "Ben Okafor changed this translation: this is their version."
    )
    await shoot(page, screenshots, "kb-translation-loaded")
    # Typing here when they save again: their version is said, the typed text stays.
    await text.fill(FRENCH + "\nÀ bientôt.")
    await colleague(
        "PUT", french, {**fields, "version": theirs["version"], "body": FRENCH + "\nMerci."}
    )
    await expect(live_line).to_contain_text("Ben Okafor saved a newer version of this translation.")
    await expect(text).to_have_value(FRENCH + "\nÀ bientôt.")
    await shoot(page, screenshots, "kb-translation-live")
    await assert_accessible(page, "a translation saved by a colleague meanwhile")
    await live_line.get_by_role("button", name="Reload the translation").click()
    await expect(text).to_have_value(FRENCH + "\nMerci.")
    await expect(live_line).to_have_count(0)

    public = await page.context.new_page()
    path = urlsplit(article["url"]).path
    await public.goto(f"{live}{path}?lang=fr")
    await expect(
        public.get_by_role("heading", level=1, name="Comment retourner une commande ?")
    ).to_be_visible()
    await expect(public.locator("html")).to_have_attribute("lang", "fr")
    switcher = public.get_by_role("navigation", name="Cet article dans d'autres langues")
    await expect(switcher.get_by_role("link", name="English")).to_have_attribute(
        "href", f"{path}?lang=en"
    )
    await public.set_viewport_size({"width": 1100, "height": 800})
    await settled(public)
    await public.screenshot(path=str(screenshots / "help-center-translation.png"))
    shutil.copy(
        screenshots / "help-center-translation.png", DOCS_IMAGES / "help-center-translation.png"
    )
    await assert_accessible(public, "translated article")
    await switcher.get_by_role("link", name="English").click()
    await expect(
        public.get_by_role("heading", level=1, name="How do I return an order?")
    ).to_be_visible()
    await expect(public.locator("body")).not_to_contain_text(re.compile("pas encore"))
