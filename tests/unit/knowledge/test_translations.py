"""Articles in several languages (docs/knowledge-base.md, "Languages"): translations over the
API (who may, versions and 409s, outdated), the help center in the reader's language (the
fallback line, `lang`, hreflang and the switcher, titles in lists), and search finding
translations by their text, in the help center and the messenger, on both stores."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/knowledge"
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def write(agent: Agent, title: str, body: str = "", **fields: Any) -> dict[str, Any]:
    response = await agent.client.post(
        f"{URL}/articles", json={"title": title, "body": body, **fields}
    )
    assert response.status_code == 201, response.text
    article: dict[str, Any] = response.json()
    return article


async def publish(agent: Agent, article: dict[str, Any]) -> dict[str, Any]:
    response = await agent.client.post(
        f"{URL}/articles/{article['id']}/publish", json={"version": article["version"]}
    )
    assert response.status_code == 200, response.text
    published: dict[str, Any] = response.json()
    return published


async def translate(
    agent: Agent, article: dict[str, Any], language: str = "fr", **fields: Any
) -> dict[str, Any]:
    response = await agent.client.put(
        f"{URL}/articles/{article['id']}/translations/{language}", json=fields
    )
    assert response.status_code == 200, response.text
    translation: dict[str, Any] = response.json()
    return translation


def page_path(article: dict[str, Any]) -> str:
    return urlsplit(str(article["url"])).path


class TestTranslationsApi:
    @BOTH_STORES
    async def test_add_change_outdated_and_delete_with_versions(self, desk: Desk) -> None:
        ada = await desk.agent(name="Ada Lovelace")
        bob = await desk.agent(name="Bob Marley")
        draft = await write(ada, "Returns", "Within **30 days**.")
        assert draft["language"] == "en"
        path = f"{URL}/articles/{draft['id']}/translations"
        assert (await ada.client.get(path)).json() == []

        added = await translate(ada, draft, title="Retours", body="Sous **30 jours**.")
        assert (added["language"], added["version"], added["status"]) == ("fr", 1, "draft")
        assert added["html"] == "<p>Sous <strong>30 jours</strong>.</p>"
        assert added["outdated"] is False
        assert added["url"].endswith("?lang=fr")

        # Added twice (both on no version): the second is told, nothing is overwritten.
        twice = await bob.client.put(f"{path}/fr", json={"title": "Renvois"})
        error_of(twice, 409, "translation_changed")

        # Two saves on version 1: the second names who saved first.
        first = await bob.client.put(
            f"{path}/fr", json={"version": 1, "title": "Retours", "body": "Sous 60 jours."}
        )
        assert first.status_code == 200, first.text
        assert first.json()["version"] == 2
        late = await ada.client.put(
            f"{path}/fr", json={"version": 1, "title": "Retours", "body": "Sous 14 jours."}
        )
        message = error_of(late, 409, "translation_changed")["message"]
        assert "Bob Marley changed the Français translation" in message
        assert (await ada.client.get(f"{path}/fr")).json()["body"] == "Sous 60 jours."

        # The original's words change: the translation is outdated; publishing is not a
        # change of words. Saving it unchanged ("Mark up to date") makes it current.
        changed = await ada.client.patch(
            f"{URL}/articles/{draft['id']}", json={"version": 1, "body": "Within 60 days."}
        )
        assert changed.status_code == 200, changed.text
        listed = (await ada.client.get(path)).json()
        assert [(t["language"], t["outdated"]) for t in listed] == [("fr", True)]
        current = await translate(
            ada, draft, version=2, title="Retours", body="Sous 60 jours.", published=False
        )
        assert (current["outdated"], current["version"]) == (False, 3)

        # The translation's own language cannot be the article's, nor an unknown one.
        error_of(await ada.client.put(f"{path}/en", json={"title": "Returns"}), 422)
        error_of(await ada.client.get(f"{path}/de"), 404, "not_found")
        error_of(await ada.client.get(f"{path}/xx-long-x"), 422)
        # Nor the article's own language a language a translation has.
        taken = await ada.client.patch(
            f"{URL}/articles/{draft['id']}", json={"version": 2, "language": "fr"}
        )
        assert error_of(taken, 422)["fields"][0]["field"] == "language"

        missing = error_of(await ada.client.delete(f"{path}/fr"), 422)
        assert "?version=" in missing["message"]
        stale = await ada.client.delete(f"{path}/fr", params={"version": 2})
        assert "Nothing was deleted" in error_of(stale, 409, "translation_changed")["message"]
        gone = await ada.client.delete(f"{path}/fr", params={"version": 3})
        assert gone.status_code == 204
        error_of(await ada.client.get(f"{path}/fr"), 404, "not_found")

        owner = await desk.agent(role="owner")
        audit = await owner.client.get("/api/v1/audit-events", params={"action": "article"})
        actions = {event["action"] for event in audit.json()["items"]}
        assert {
            "article.translation_created",
            "article.translation_updated",
            "article.translation_deleted",
        } <= actions

    async def test_who_may_translate_is_who_may_edit_the_article(self, desk: Desk) -> None:
        ada = await desk.agent()
        admin = await desk.agent(role="admin")
        draft = await write(ada, "Returns", "Within 30 days.")
        path = f"{URL}/articles/{draft['id']}/translations/fr"
        # An agent may write a draft translation of a draft, not publish it.
        refused = await ada.client.put(path, json={"title": "Retours", "published": True})
        assert "admins and owners" in error_of(refused, 403, "knowledge_admins_only")["message"]
        added = await translate(ada, draft, title="Retours")
        shown = await translate(admin, draft, version=1, title="Retours", published=True)
        assert shown["status"] == "published"
        # A published translation, or any of a published article: admins and owners.
        error_of(
            await ada.client.put(path, json={"version": 2, "title": "Retour"}),
            403,
            "knowledge_admins_only",
        )
        error_of(await ada.client.delete(path, params={"version": 2}), 403, "knowledge_admins_only")
        other = await write(ada, "Shipping", "Two days.")
        await publish(admin, other)
        error_of(
            await ada.client.put(
                f"{URL}/articles/{other['id']}/translations/fr", json={"title": "Livraison"}
            ),
            403,
            "knowledge_admins_only",
        )
        assert added["author_id"] == ada.id
        # Gone with the article.
        article = (await admin.client.get(f"{URL}/articles/{draft['id']}")).json()
        deleted = await admin.client.delete(
            f"{URL}/articles/{draft['id']}", params={"version": article["version"]}
        )
        assert deleted.status_code == 204
        error_of(await admin.client.get(path), 404, "not_found")


class TestHelpCenter:
    @BOTH_STORES
    async def test_the_readers_language_its_fallback_and_the_other_languages(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        admin = await desk.agent(role="admin")
        article = await publish(admin, await write(admin, "Returns", "Within 30 days."))
        path = page_path(article)

        # No French translation yet: the English text, said so in French, its language marked.
        page = await http.get(path, headers=FR)
        assert page.status_code == 200
        html = page.text
        assert '<html lang="fr">' in html
        assert "Cet article n'est pas encore disponible en français." in html
        assert '<div class="text" lang="en"><h1>Returns</h1>' in html
        assert "hreflang" not in html
        english = (await http.get(path)).text
        assert "not available" not in english
        assert '<div class="text"><h1>Returns</h1>' in english

        # A draft translation is not shown; a published one is, to French readers only.
        await translate(admin, article, title="Retours", body="Sous 30 jours.")
        assert "Cet article n'est pas encore" in (await http.get(path, headers=FR)).text
        await translate(
            admin, article, version=1, title="Retours", body="Sous 30 jours.", published=True
        )
        french = await http.get(path, headers=FR)
        assert french.headers["etag"] != page.headers["etag"]
        html = french.text
        assert '<div class="text"><h1>Retours</h1>' in html
        assert "<p>Sous 30 jours.</p>" in html
        assert "<title>Retours - Help center</title>" in html
        assert "pas encore disponible" not in html
        base = f"http://desk.test{path}"
        assert f'<link rel="alternate" hreflang="en" href="{base}?lang=en">' in html
        assert f'<link rel="alternate" hreflang="fr" href="{base}?lang=fr">' in html
        assert f'<link rel="alternate" hreflang="x-default" href="{base}">' in html
        switcher = re.search(r'<nav class="languages"[^>]*>(.*?)</nav>', html)
        assert switcher is not None
        assert f'<a href="{path}?lang=en" hreflang="en" lang="en">English</a>' in switcher[1]
        assert '<span lang="fr" aria-current="true">Français</span>' in switcher[1]
        # ?lang= chooses over the browser's language.
        chosen = (await http.get(path, params={"lang": "en"}, headers=FR)).text
        assert '<html lang="en">' in chosen
        assert "<h1>Returns</h1>" in chosen

        # Lists show the French title to French readers.
        home = (await http.get("/help", headers=FR)).text
        assert f'<a href="{path}">Retours</a>' in home
        assert f'<a href="{path}">Returns</a>' in (await http.get("/help")).text

    async def test_a_translation_title_is_escaped(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        admin = await desk.agent(role="admin")
        article = await publish(admin, await write(admin, "Returns", "Within 30 days."))
        await translate(
            admin,
            article,
            title="<script>alert(1)</script>",
            body="<script>alert(2)</script> **gras**",
            published=True,
        )
        html = (await http.get(page_path(article), params={"lang": "fr"})).text
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt; <strong>gras</strong>" in html
        home = (await http.get("/help", params={"lang": "fr"})).text
        assert "<script>" not in home
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home


class TestSearch:
    @BOTH_STORES
    async def test_french_words_find_the_french_translation(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        returns = await publish(admin, await write(admin, "Returns", "Send the parcel back."))
        shipping = await publish(admin, await write(admin, "Shipping", "Two working days."))
        await translate(
            admin,
            returns,
            title="Retours",
            body="Renvoyez le colis à l'entrepôt.",
            published=True,
        )
        # A draft translation is not searched in public; the desk searches every one.
        await translate(admin, shipping, title="Livraison", body="Entrepôt fermé le dimanche.")

        found = await http.get("/help/search", params={"q": "entrepot", "lang": "fr"})
        html = found.text
        assert f'<a href="{page_path(returns)}">Retours</a>' in html
        assert "Renvoyez le colis" in html
        assert "Livraison" not in html
        assert "Shipping" not in html
        assert "1 résultat" in html
        # An English reader is not answered from the French translation.
        english = (await http.get("/help/search", params={"q": "entrepot", "lang": "en"})).text
        assert "No article matches" in english
        # The original's words still find it, shown in the reader's language.
        both = (await http.get("/help/search", params={"q": "parcel", "lang": "fr"})).text
        assert ">Retours</a>" in both

        desk_found = await admin.client.get(f"{URL}/articles", params={"q": "entrepot"})
        assert sorted(item["title"] for item in desk_found.json()["items"]) == [
            "Returns",
            "Shipping",
        ]

        messenger = "/messenger/v1/help/articles"
        key = {"inbox": inbox["public_key"]}
        answered = await http.get(messenger, params={**key, "q": "colis", "lang": "fr"})
        assert answered.status_code == 200, answered.text
        items = answered.json()["items"]
        assert [(i["title"], i["language"]) for i in items] == [("Retours", "fr")]
        assert items[0]["excerpt"].startswith("Renvoyez le colis")
        opened = await http.get(f"{messenger}/{returns['id']}", params={**key, "lang": "fr"})
        assert (opened.json()["title"], opened.json()["translated"]) == ("Retours", True)
        assert opened.json()["html"] == "<p>Renvoyez le colis à l'entrepôt.</p>"
        fallback = await http.get(f"{messenger}/{shipping['id']}", params={**key, "lang": "fr"})
        assert fallback.json()["title"] == "Shipping"
        assert (fallback.json()["language"], fallback.json()["translated"]) == ("en", False)
