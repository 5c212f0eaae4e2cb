"""The knowledge base over HTTP: who writes, publishes and deletes; versions (409), deleting
included; the sanitizer; search ranked and without accents on both stores; the public help
center and the messenger's search. Votes: test_votes.py."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.conftest import BOTH_STORES, POSTGRESQL_ONLY, SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/knowledge"


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


async def vote(browser: httpx.AsyncClient, path: str, answer: str) -> httpx.Response:
    """The help center's Yes or No, as a browser sends it: from the article's page, and again
    with the voter cookie when the first answer gave it one (307)."""
    origin = {"Origin": "http://desk.test"}
    sent = await browser.post(f"{path}/feedback", data={"helpful": answer}, headers=origin)
    if sent.status_code == 307:
        sent = await browser.post(
            sent.headers["location"], data={"helpful": answer}, headers=origin
        )
    return sent


async def titles(agent: Agent, **params: Any) -> list[str]:
    response = await agent.client.get(f"{URL}/articles", params=params)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def _until_waiting(connection: asyncpg.Connection, count: int) -> None:
    """Until `count` other sessions wait for a lock (the database says so; no timing)."""
    async with asyncio.timeout(10):
        while (
            await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
            )
            < count
        ):
            await asyncio.sleep(0.02)


class TestWritingAndPublishing:
    @BOTH_STORES
    async def test_agents_write_drafts_admins_publish_and_versions_protect_edits(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada = await desk.agent(name="Ada Lovelace")
        bob = await desk.agent(name="Bob Marley")
        admin = await desk.agent(role="admin")
        draft = await write(ada, "How do I return an order?", "Within **30 days**.")
        assert draft["status"] == "draft"
        assert draft["version"] == 1
        assert draft["slug"] == "how-do-i-return-an-order"
        assert draft["html"] == "<p>Within <strong>30 days</strong>.</p>"
        assert draft["author_id"] == ada.id

        # Two agents on the same version: the second is told who saved first.
        path = f"{URL}/articles/{draft['id']}"
        first = await bob.client.patch(path, json={"version": 1, "body": "Within 60 days."})
        assert first.status_code == 200, first.text
        assert first.json()["version"] == 2
        assert first.json()["editor_id"] == bob.id
        late = await ada.client.patch(path, json={"version": 1, "body": "Within 14 days."})
        assert (
            "Bob Marley changed this article" in error_of(late, 409, "article_changed")["message"]
        )
        assert (await ada.client.get(path)).json()["body"] == "Within 60 days."

        # Agents may not publish, unpublish or delete; nor change a published article.
        refused = await ada.client.post(f"{path}/publish", json={"version": 2})
        assert "admins and owners" in error_of(refused, 403, "knowledge_admins_only")["message"]
        error_of(await ada.client.delete(path), 403, "knowledge_admins_only")
        assert (await http.get(f"/help/articles/{draft['id']}-{draft['slug']}")).status_code == 404

        published = await publish(admin, first.json())
        assert published["status"] == "published"
        assert published["published_at"] is not None
        error_of(
            await ada.client.patch(path, json={"version": 3, "title": "Returns"}),
            403,
            "knowledge_admins_only",
        )
        stale = await admin.client.post(f"{path}/unpublish", json={"version": 2})
        error_of(stale, 409, "article_changed")
        # Unpublished and published again: the first publication's time stays.
        back = await admin.client.post(f"{path}/unpublish", json={"version": 3})
        again = await publish(admin, back.json())
        assert again["published_at"] == published["published_at"]
        assert (await http.get(urlsplit(published["url"]).path)).status_code == 200

        deleted = await admin.client.delete(path, params={"version": again["version"]})
        assert deleted.status_code == 204
        error_of(await ada.client.get(path), 404, "not_found")
        category = (await admin.client.post(f"{URL}/categories", json={"name": "Orders"})).json()
        moved = await admin.client.patch(
            f"{URL}/categories/{category['id']}", json={"description": "Returns", "position": 9}
        )
        assert moved.status_code == 200, moved.text
        owner = await desk.agent(role="owner")
        audit = await owner.client.get("/api/v1/audit-events", params={"action": "article"})
        events = audit.json()
        assert {e["action"] for e in events["items"]} >= {
            "article.created",
            "article.updated",
            "article.published",
            "article.deleted",
        }
        categories = await owner.client.get(
            "/api/v1/audit-events", params={"action": "article_category"}
        )
        [changed] = [
            e for e in categories.json()["items"] if e["action"] == "article_category.updated"
        ]
        assert changed["changes"] == {"description": "changed", "position": [1, 9]}

    @POSTGRESQL_ONLY
    async def test_a_save_racing_another_on_the_same_version_is_refused(self, desk: Desk) -> None:
        """Ada's save holds the row when Bob's arrives; Bob's, made on the version Ada's
        replaces, is refused once hers is committed instead of writing over it."""
        ada = await desk.agent(name="Ada Lovelace")
        bob = await desk.agent(name="Bob Marley")
        draft = await write(ada, "Opening hours", "Nine to five.")
        path = f"{URL}/articles/{draft['id']}"
        url = desk.app.state.settings.database_url.replace("postgresql+asyncpg", "postgresql")
        adas = await asyncpg.connect(url)
        try:
            saving = adas.transaction()
            await saving.start()
            await adas.execute("SELECT 1 FROM articles WHERE id = $1 FOR UPDATE", draft["id"])
            bobs = asyncio.ensure_future(
                bob.client.patch(path, json={"version": 1, "body": "Ten to four."})
            )
            await _until_waiting(adas, 1)
            await adas.execute(
                "UPDATE articles SET body = 'Eight to six.', version = 2, editor_id = $2"
                " WHERE id = $1",
                draft["id"],
                ada.id,
            )
            await saving.commit()
            refused = await bobs
        finally:
            await adas.close()
        assert (
            "Ada Lovelace changed this article"
            in error_of(refused, 409, "article_changed")["message"]
        )
        stored = (await ada.client.get(path)).json()
        assert (stored["version"], stored["body"]) == (2, "Eight to six.")

    @BOTH_STORES
    async def test_a_delete_names_the_version_read_and_a_change_since_stops_it(
        self, desk: Desk
    ) -> None:
        admin = await desk.agent(role="admin")
        bob = await desk.agent(name="Bob Marley")
        draft = await write(admin, "Opening hours", "Nine to five.")
        path = f"{URL}/articles/{draft['id']}"
        changed = await bob.client.patch(path, json={"version": 1, "body": "Ten to four."})
        assert changed.status_code == 200, changed.text

        missing = error_of(await admin.client.delete(path), 422)
        assert missing["fields"][0]["field"] == "version"
        assert "?version=" in missing["message"]
        error_of(await admin.client.delete(path, params={"version": 0}), 422)
        stale = await admin.client.delete(path, params={"version": 1})
        message = error_of(stale, 409, "article_changed")["message"]
        assert "Bob Marley changed this article" in message
        assert "Nothing was deleted" in message
        assert (await admin.client.get(path)).json()["body"] == "Ten to four."

        gone = await admin.client.delete(path, params={"version": 2})
        assert gone.status_code == 204
        error_of(await admin.client.get(path), 404, "not_found")
        error_of(await admin.client.delete(path, params={"version": 2}), 404, "not_found")

    @BOTH_STORES
    async def test_a_delete_and_a_change_at_once_one_wins_whole(self, desk: Desk) -> None:
        """Both made on version 1: either the change is saved and the delete refused (409), or
        the article is deleted and the change finds nothing (404); never a deleted change."""
        admin = await desk.agent(role="admin")
        bob = await desk.agent(name="Bob Marley")
        draft = await write(admin, "Opening hours", "Nine to five.")
        path = f"{URL}/articles/{draft['id']}"
        changing, deleting = await asyncio.gather(
            bob.client.patch(path, json={"version": 1, "body": "Ten to four."}),
            admin.client.delete(path, params={"version": 1}),
        )
        stored = await admin.client.get(path)
        if deleting.status_code == 204:
            error_of(changing, 404, "not_found")
            error_of(stored, 404, "not_found")
        else:
            assert changing.status_code == 200, changing.text
            assert "Bob Marley" in error_of(deleting, 409, "article_changed")["message"]
            assert (stored.json()["version"], stored.json()["body"]) == (2, "Ten to four.")

    @POSTGRESQL_ONLY
    async def test_a_delete_waiting_for_a_change_sees_it_and_deletes_nothing(
        self, desk: Desk
    ) -> None:
        """Ada's save holds the row when the admin's delete, made on the version her save
        replaces, arrives: it waits, then is refused, naming her; the article stays."""
        ada = await desk.agent(name="Ada Lovelace")
        admin = await desk.agent(role="admin")
        draft = await write(ada, "Opening hours", "Nine to five.")
        path = f"{URL}/articles/{draft['id']}"
        url = desk.app.state.settings.database_url.replace("postgresql+asyncpg", "postgresql")
        adas = await asyncpg.connect(url)
        try:
            saving = adas.transaction()
            await saving.start()
            await adas.execute("SELECT 1 FROM articles WHERE id = $1 FOR UPDATE", draft["id"])
            deleting = asyncio.ensure_future(admin.client.delete(path, params={"version": 1}))
            await _until_waiting(adas, 1)
            await adas.execute(
                "UPDATE articles SET body = 'Eight to six.', version = 2, editor_id = $2"
                " WHERE id = $1",
                draft["id"],
                ada.id,
            )
            await saving.commit()
            refused = await deleting
        finally:
            await adas.close()
        message = error_of(refused, 409, "article_changed")["message"]
        assert "Ada Lovelace changed this article" in message
        stored = (await admin.client.get(path)).json()
        assert (stored["version"], stored["body"]) == (2, "Eight to six.")

    @POSTGRESQL_ONLY
    async def test_an_article_filed_under_a_category_being_deleted_is_told_so(
        self, desk: Desk
    ) -> None:
        """An admin's deletion of the category holds its row when Ada's new article names it:
        hers waits, then is refused with a 422 naming the field, never a 500."""
        admin = await desk.agent(role="admin")
        ada = await desk.agent()
        category = (await admin.client.post(f"{URL}/categories", json={"name": "Old"})).json()
        url = desk.app.state.settings.database_url.replace("postgresql+asyncpg", "postgresql")
        deleting = await asyncpg.connect(url)
        try:
            transaction = deleting.transaction()
            await transaction.start()
            await deleting.execute("DELETE FROM article_categories WHERE id = $1", category["id"])
            adas = asyncio.ensure_future(
                ada.client.post(
                    f"{URL}/articles", json={"title": "Filed", "category_id": category["id"]}
                )
            )
            await _until_waiting(deleting, 1)
            await transaction.commit()
            refused = await adas
        finally:
            await deleting.close()
        assert error_of(refused, 422)["fields"][0]["code"] == "unavailable"

    @BOTH_STORES
    async def test_bad_input_is_a_422_naming_the_field(self, desk: Desk) -> None:
        ada = await desk.agent()
        blank = await ada.client.post(f"{URL}/articles", json={"title": "  ", "body": ""})
        assert error_of(blank, 422)["fields"][0]["field"] == "title"
        long = await ada.client.post(f"{URL}/articles", json={"title": "x" * 201})
        assert error_of(long, 422)["fields"][0]["code"] == "too_long"
        huge = await ada.client.post(
            f"{URL}/articles", json={"title": "Big", "body": "x" * 100_001}
        )
        assert error_of(huge, 422)["fields"][0]["field"] == "body"
        nowhere = await ada.client.post(f"{URL}/articles", json={"title": "A", "category_id": 99})
        assert error_of(nowhere, 422)["fields"][0]["code"] == "unavailable"


class TestSanitizer:
    async def test_scripts_javascript_links_and_event_attributes_are_neutralised(
        self, desk: Desk
    ) -> None:
        ada = await desk.agent()
        body = (
            "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
            '<img src=x onerror="alert(3)">\n\n[ok](https://example.org)'
        )
        preview = await ada.client.post(f"{URL}/preview", json={"body": body})
        assert preview.status_code == 200, preview.text
        html = preview.json()["html"]
        assert "<script" not in html
        assert 'href="javascript' not in html
        assert "<img" not in html
        assert '<a href="https://example.org" rel="noopener nofollow">ok</a>' in html
        article = await write(ada, "Safe", body)
        assert article["html"] == html

    @pytest.mark.parametrize(
        ("body", "absent"),
        [
            ("![pic](javascript:alert(1))", "<img"),
            ("[a](JaVaScRiPt:alert(1))", "href"),
            ("[a](&#106;avascript:alert(1))", "href"),
            ("[a](javascript&colon;alert(1))", "href"),
            ("[a](<javascript:alert(1)>)", "href"),
            ("![a](data:image/svg+xml;base64,PHN2Zz4=)", "src"),
            ('[a](https://x.org "t\\" onmouseover=\\"alert(1)")', '" onmouseover'),
            ("![i](https://x.org/a.png 'q\" onerror=\"x')", '" onerror'),
        ],
    )
    async def test_schemes_and_titles_cannot_break_out(
        self, desk: Desk, body: str, absent: str
    ) -> None:
        ada = await desk.agent()
        html = (await ada.client.post(f"{URL}/preview", json={"body": body})).json()["html"]
        assert absent not in html, html

    async def test_table_alignment_is_a_class_and_other_styles_go(self, desk: Desk) -> None:
        ada = await desk.agent()
        body = "| a | b |\n|:-:|--:|\n| 1 | 2 |"
        html = (await ada.client.post(f"{URL}/preview", json={"body": body})).json()["html"]
        assert '<th class="align-center">a</th>' in html
        assert '<td class="align-right">2</td>' in html
        assert "style" not in html


class TestSearch:
    @BOTH_STORES
    async def test_titles_rank_above_bodies_accents_fold_and_drafts_stay_private(
        self, desk: Desk, http: httpx.AsyncClient, visitors: Any
    ) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        # The body's match is the newest change: only the rank puts the title's first.
        in_title = await write(admin, "Refund policy", "Money back within 30 days.")
        accented = await write(admin, "Réglages du compte", "Changer son mot de passe.")
        await write(admin, "Refund draft", "Not public yet.")
        body_only = await write(admin, "Shipping times", "We also ship a résumé of the refund.")
        for article in (in_title, accented, body_only):
            await publish(admin, article)

        everything = await titles(admin, q="refund")
        assert sorted(everything[:2]) == ["Refund draft", "Refund policy"]
        assert everything[2:] == ["Shipping times"]
        assert await titles(admin, q="refund", status="published") == [
            "Refund policy",
            "Shipping times",
        ]
        assert await titles(admin, q="REGLAGES") == ["Réglages du compte"]
        assert await titles(admin, q="resume") == ["Shipping times"]
        assert await titles(admin, q="refu") != []  # the last word is a prefix
        assert await titles(admin, q="refund nowhere") == []

        # The messenger's search: no visitor needed, the inbox's key and website are.
        key = {"inbox": inbox["public_key"]}
        messenger = "/messenger/v1/help/articles"
        found = await http.get(messenger, params={**key, "q": "refund"})
        assert found.status_code == 200, found.text
        assert [item["title"] for item in found.json()["items"]] == [
            "Refund policy",
            "Shipping times",
        ]
        opened = await http.get(f"{messenger}/{in_title['id']}", params=key)
        assert opened.json()["html"] == "<p>Money back within 30 days.</p>"
        draft_id = in_title["id"] + 2
        error_of(await http.get(f"{messenger}/{draft_id}", params=key), 404)
        error_of(await http.get(messenger, params={"inbox": "nope"}), 404)
        visitor = await visitors(inbox)
        helped = await visitor.client.post(
            f"{messenger}/{in_title['id']}/feedback", params={**key, "helpful": "true"}
        )
        assert helped.status_code == 204
        listed = (await admin.client.get(f"{URL}/articles/{in_title['id']}")).json()
        assert (listed["helpful_yes"], listed["helpful_no"]) == (1, 0)


async def settle_help_center(admin: Agent, **fields: str) -> dict[str, Any]:
    response = await admin.client.put(f"{URL}/settings", json=fields)
    assert response.status_code == 200, response.text
    settings: dict[str, Any] = response.json()
    return settings


class TestHelpCenter:
    async def test_public_pages_escape_redirect_cache_and_hide_drafts(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        # The help center's settings: defaults, admins only, a safe address.
        assert (await agent.client.get(f"{URL}/settings")).json() == {
            "name": "",
            "contact_url": "",
            "customer_portal": True,
            "portal_inbox_id": None,
            "languages": ["en", "fr"],
        }
        home = await http.get("/help")
        assert "<title>Help center</title>" in home.text
        assert "Contact us" not in home.text
        refused = await agent.client.put(f"{URL}/settings", json={"name": "Mine"})
        error_of(refused, 403, "knowledge_admins_only")
        for bad in ("javascript:alert(1)", "/demo", "https://", "https://a.example/ x"):
            wrong = await admin.client.put(f"{URL}/settings", json={"contact_url": bad})
            assert error_of(wrong, 422)["fields"][0]["field"] == "contact_url"
        await settle_help_center(
            admin, name="Northwind <Goods>", contact_url="https://northwind.example/contact"
        )
        category = await admin.client.post(
            f"{URL}/categories", json={"name": "Orders & <returns>", "description": "All of it"}
        )
        assert category.status_code == 201, category.text
        article = await write(
            admin,
            "Where is my <parcel>?",
            "Track it [here](https://example.org/track).",
            category_id=category.json()["id"],
        )
        draft = await write(admin, "Secret plans", "Not yet.")
        article = await publish(admin, article)

        home = await http.get("/help")
        assert home.status_code == 200
        assert '<html lang="en">' in home.text
        assert "<title>Northwind &lt;Goods&gt;</title>" in home.text
        assert home.text.count("<h1") == 1
        assert '<link rel="canonical" href="http://desk.test/help">' in home.text
        assert "Orders &amp; &lt;returns&gt;" in home.text
        assert "Where is my &lt;parcel&gt;?" in home.text
        assert "Secret plans" not in home.text
        assert 'href="https://northwind.example/contact">Contact us</a>' in home.text
        assert "script-src" not in home.headers["content-security-policy"]
        etag = home.headers["etag"]
        again = await http.get("/help", headers={"If-None-Match": etag})
        assert again.status_code == 304

        path = f"/help/articles/{article['id']}-where-is-my-parcel"
        assert article["url"].endswith(path)
        page = await http.get(path)
        assert page.status_code == 200
        assert page.text.count("<h1") == 1
        assert '<meta name="description" content="Track it here .">' in page.text
        assert 'rel="noopener nofollow"' in page.text
        assert "Was this article helpful?" in page.text
        moved = await http.get(f"/help/articles/{article['id']}-old-title")
        assert (moved.status_code, moved.headers["location"]) == (301, path)
        assert moved.headers["cache-control"] == "no-cache"
        bare = await http.get(f"/help/articles/{article['id']}")
        assert bare.headers["location"] == path
        assert (await http.get(f"/help/articles/{draft['id']}-secret-plans")).status_code == 404
        assert (await http.get("/help/articles/nothing")).status_code == 404

        # A vote counts, and is not a change of the article: its date and ETag stay.
        before = (await admin.client.get(f"{URL}/articles/{article['id']}")).json()
        voted = await vote(http, path, "no")
        assert (voted.status_code, voted.headers["location"]) == (303, f"{path}?thanks=1")
        # From a page of another website: not counted.
        elsewhere = await http.post(
            f"{path}/feedback", data={"helpful": "yes"}, headers={"Origin": "https://evil.test"}
        )
        assert (elsewhere.status_code, elsewhere.headers["location"]) == (303, path)
        referred = await http.post(
            f"{path}/feedback",
            data={"helpful": "yes"},
            headers={"Referer": "https://evil.test/page"},
        )
        assert referred.headers["location"] == path
        after = (await admin.client.get(f"{URL}/articles/{article['id']}")).json()
        assert (after["helpful_yes"], after["helpful_no"]) == (0, 1)
        assert after["updated_at"] == before["updated_at"]
        assert (await http.get(path)).headers["etag"] == page.headers["etag"]

        results = await http.get("/help/search", params={"q": "PARCEL <b>"})
        assert results.status_code == 200
        assert "&lt;b&gt;" in results.text
        assert '<meta name="robots" content="noindex">' in results.text
        results = await http.get("/help/search", params={"q": "parcel"})
        assert "1 result for" in results.text
        assert "Secret plans" not in (await http.get("/help/search?q=secret")).text

    async def test_a_304_renders_nothing_and_the_etag_follows_what_the_page_shows(
        self, desk: Desk, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from frontdesk.knowledge import rendering

        admin = await desk.agent(role="admin")
        category = (await admin.client.post(f"{URL}/categories", json={"name": "Orders"})).json()
        article = await publish(
            admin, await write(admin, "Returns", "Send it back.", category_id=category["id"])
        )
        path = urlsplit(article["url"]).path
        renders: list[str] = []

        def counted(body: str) -> str:
            renders.append(body)
            return f"<p>{body}</p>"

        monkeypatch.setattr(rendering, "render", counted)
        monkeypatch.setattr(rendering, "_CACHE", rendering._Cache())
        tags = [(await http.get(path)).headers["etag"]]
        assert len(renders) == 1
        fresh = await http.get(path, headers={"If-None-Match": tags[0]})
        assert (fresh.status_code, fresh.content) == (304, b"")
        assert (await http.get(path)).status_code == 200
        # Rendered once: the 304 rendered nothing, the second view came from the cache.
        assert len(renders) == 1

        await admin.client.patch(f"{URL}/categories/{category['id']}", json={"name": "Parcels"})
        tags.append((await http.get(path)).headers["etag"])
        await settle_help_center(admin, name="Northwind")
        tags.append((await http.get(path)).headers["etag"])
        back = (
            await admin.client.post(
                f"{URL}/articles/{article['id']}/unpublish", json={"version": 2}
            )
        ).json()
        changed = await admin.client.patch(
            f"{URL}/articles/{article['id']}", json={"version": back["version"], "body": "New."}
        )
        await publish(admin, changed.json())
        page = await http.get(path)
        tags.append(page.headers["etag"])
        assert "<p>New.</p>" in page.text
        french = await http.get(path, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        tags.append(french.headers["etag"])
        assert len(set(tags)) == len(tags), tags

    @BOTH_STORES
    async def test_languages_unknown_addresses_and_odd_searches(
        self, desk: Desk, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from frontdesk.knowledge import pages_api

        admin = await desk.agent(role="admin")
        for title in ("Refund policy", "Refund times"):
            await publish(admin, await write(admin, title, "Money back."))
        await settle_help_center(admin, contact_url="mailto:help@northwind.example")

        french = await http.get("/help", headers={"Accept-Language": "de, fr;q=0.8, en;q=0.5"})
        assert '<html lang="fr">' in french.text
        assert "Comment pouvons-nous vous aider ?" in french.text
        assert 'href="mailto:help@northwind.example">Contactez-nous</a>' in french.text
        assert "Accept-Language" in french.headers["vary"]
        chosen = await http.get("/help?lang=en", headers={"Accept-Language": "fr"})
        assert '<html lang="en">' in chosen.text
        page = await http.get("/help/articles/1-refund-policy?lang=fr")
        assert re.search(
            r"Mis à jour le \d+ (janvier|février|mars|avril|mai|juin|juillet|"
            r"août|septembre|octobre|novembre|décembre) \d{4}",
            page.text,
        )

        for nowhere in ("/help/nope", "/help/articles/1-refund-policy/more"):
            missing = await http.get(nowhere)
            assert missing.status_code == 404
            assert missing.headers["content-type"].startswith("text/html")
            assert "This page is not here" in missing.text
        slash = await http.get("/help/")
        assert (slash.status_code, slash.headers["location"]) == (301, "/help")

        long = await http.get("/help/search", params={"q": "refund " + "x" * 300})
        assert long.status_code == 200
        assert "No article matches" in long.text
        for punctuation in ("!!!", "&", '"'):
            empty = await http.get("/help/search", params={"q": punctuation})
            assert "Type a few words above." in empty.text
        monkeypatch.setattr(pages_api, "SEARCH_RESULTS", 1)
        cut = await http.get("/help/search", params={"q": "refund"})
        assert "Only the best 1 are shown" in cut.text

    async def test_out_of_range_ids_are_the_not_found_page(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        """PostgreSQL refuses a number past int4 outright: it must never reach the query."""
        for path in ("/help/articles/9999999999", "/help/articles/2147483648-x"):
            page = await http.get(path)
            assert (page.status_code, "This page is not here" in page.text) == (404, True)
        vote = await http.post("/help/articles/9999999999/feedback", data={"helpful": "yes"})
        assert vote.status_code == 404

    async def test_searches_views_and_votes_are_limited_per_address(
        self, app: Any, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        from frontdesk.kit.ratelimit import RateLimiter

        admin = await desk.agent(role="admin")
        article = await publish(admin, await write(admin, "Returns", "Send it back."))
        path = urlsplit(article["url"]).path
        limits = app.state.messenger_limits
        # A day's window: the count cannot start again between two of these requests.
        app.state.messenger_limits = replace(
            limits, ip=RateLimiter(limit=3, what="your network address", window=86_400)
        )
        try:
            for _ in range(3):
                assert (await http.get(path)).status_code == 200
            for late in (
                http.get(path),
                http.get("/help/search", params={"q": "returns"}),
                http.post(f"{path}/feedback", data={"helpful": "yes"}),
            ):
                assert (await late).status_code == 429
        finally:
            app.state.messenger_limits = limits


class TestDeskList:
    @BOTH_STORES
    async def test_the_list_comes_a_page_at_a_time_without_bodies(self, desk: Desk) -> None:
        ada = await desk.agent()
        for title in ("One", "Two", "Three"):
            await write(ada, title, "Refund " + "x" * 5000 + " end")
        first = (await ada.client.get(f"{URL}/articles", params={"limit": 2})).json()
        assert [a["title"] for a in first["items"]] == ["Three", "Two"]
        assert "body" not in first["items"][0]
        assert len(first["items"][0]["excerpt"]) < 200
        rest = await ada.client.get(
            f"{URL}/articles", params={"limit": 2, "offset": first["next_offset"]}
        )
        assert [a["title"] for a in rest.json()["items"]] == ["One"]
        assert rest.json()["next_offset"] is None
