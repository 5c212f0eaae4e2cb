""" "Was this helpful?" over HTTP: one vote per help center browser (its voter cookie) and per
messenger visitor (its token); voting again changes the answer rather than adding one; two
clicks at once count once (both stores); a visitor's votes go when the visitor is erased."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.knowledge.models import ArticleVote
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.knowledge.test_knowledge_api import URL, publish, vote, write
from tests.unit.support import count_rows, error_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

ORIGIN = {"Origin": "http://desk.test"}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def browser(app: FastAPI) -> httpx.AsyncClient:
    """Another browser: a cookie jar of its own."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk.test")


async def counts(agent: Agent, article: dict[str, Any]) -> tuple[int, int]:
    read = (await agent.client.get(f"{URL}/articles/{article['id']}")).json()
    return read["helpful_yes"], read["helpful_no"]


async def published(admin: Agent, title: str) -> tuple[dict[str, Any], str]:
    article = await publish(admin, await write(admin, title, "Send it back."))
    return article, urlsplit(article["url"]).path


async def post(client: httpx.AsyncClient, path: str, answer: str) -> httpx.Response:
    return await client.post(f"{path}/feedback", data={"helpful": answer}, headers=ORIGIN)


class TestHelpCenter:
    async def test_a_browser_votes_once_and_may_change_its_answer(
        self, app: FastAPI, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        admin = await desk.agent(role="admin")
        article, path = await published(admin, "Returns")
        # The page gives no cookie: it is cached, shared caches included.
        assert "set-cookie" not in (await http.get(path)).headers

        # The first vote: the browser is given its cookie and sends the vote again with it.
        first = await post(http, path, "yes")
        assert (first.status_code, first.headers["location"]) == (
            307,
            f"{path}/feedback?voter=new",
        )
        name, _, rest = first.headers["set-cookie"].partition("=")
        attributes = {part.strip().lower() for part in rest.split(";")[1:]}
        assert name == "frontdesk_voter"
        assert {"httponly", "path=/help", "samesite=lax", "max-age=34560000"} <= attributes
        assert "secure" not in attributes
        assert await counts(admin, article) == (0, 0)
        again = await http.post(first.headers["location"], data={"helpful": "yes"}, headers=ORIGIN)
        assert (again.status_code, again.headers["location"]) == (303, f"{path}?thanks=1")
        assert await counts(admin, article) == (1, 0)

        # The same browser again: still its one vote; the other answer moves it.
        same = await post(http, path, "yes")
        assert (same.status_code, "set-cookie" in same.headers) == (303, False)
        assert await counts(admin, article) == (1, 0)
        await post(http, path, "no")
        assert await counts(admin, article) == (0, 1)

        # Another browser: a vote of its own, which it may change too.
        async with browser(app) as other:
            await vote(other, path, "no")
            assert await counts(admin, article) == (0, 2)
            await vote(other, path, "yes")
            assert await counts(admin, article) == (1, 1)
            # Its vote on another article is that article's.
            second, second_path = await published(admin, "Shipping")
            assert (await post(other, second_path, "yes")).status_code == 303
            assert await counts(admin, second) == (1, 0)
            assert await counts(admin, article) == (1, 1)

        # A cookie of another shape than ours is replaced, as none.
        async with browser(app) as odd:
            odd.cookies.set("frontdesk_voter", "x", domain="desk.test", path="/help")
            replaced = await post(odd, path, "no")
            assert replaced.status_code == 307
            assert replaced.headers["set-cookie"].startswith("frontdesk_voter=")

        # A browser that keeps no cookie comes back without it: counted, as a voter of its own
        # (nothing tells its votes apart).
        async with browser(app) as forgetful:
            kept = await forgetful.post(
                f"{path}/feedback?voter=new", data={"helpful": "yes"}, headers=ORIGIN
            )
            assert kept.status_code == 303
        assert await counts(admin, article) == (2, 1)
        # A vote is not a change of the article.
        assert (await admin.client.get(f"{URL}/articles/{article['id']}")).json()["version"] == 2

    async def test_the_voter_cookie_is_secure_when_the_desk_is_served_over_https(
        self, app: FastAPI, desk: Desk, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        admin = await desk.agent(role="admin")
        _article, path = await published(admin, "Returns")
        https = app.state.settings.model_copy(update={"public_url": "https://desk.test"})
        monkeypatch.setattr(app.state, "settings", https)
        first = await post(http, path, "yes")
        assert first.status_code == 307
        attributes = {part.strip().lower() for part in first.headers["set-cookie"].split(";")}
        assert "secure" in attributes

    @BOTH_STORES
    async def test_two_clicks_at_once_count_once(
        self, app: FastAPI, desk: Desk, http: httpx.AsyncClient, visitors: Any
    ) -> None:
        admin = await desk.agent(role="admin")
        article, path = await published(admin, "Returns")
        _other, other_path = await published(admin, "Shipping")
        # The browser holds its cookie (from its vote on another article).
        await vote(http, other_path, "yes")

        clicks = await asyncio.gather(post(http, path, "yes"), post(http, path, "yes"))
        assert [click.status_code for click in clicks] == [303, 303]
        assert await counts(admin, article) == (1, 0)
        # Yes and No at once: still one vote, whichever came last.
        clicks = await asyncio.gather(post(http, path, "no"), post(http, path, "yes"))
        assert [click.status_code for click in clicks] == [303, 303]
        assert sum(await counts(admin, article)) == 1

        # Two clicks before the browser had its cookie: neither counts, each brings a cookie,
        # and the vote the browser sends again (with the cookie it holds then) counts once.
        before = await counts(admin, article)
        async with browser(app) as fresh:
            firsts = await asyncio.gather(post(fresh, path, "no"), post(fresh, path, "no"))
            assert [click.status_code for click in firsts] == [307, 307]
            assert await counts(admin, article) == before
            for click in firsts:
                back = await fresh.post(
                    click.headers["location"], data={"helpful": "no"}, headers=ORIGIN
                )
                assert back.status_code == 303
        assert await counts(admin, article) == (before[0], before[1] + 1)

        # A messenger visitor's two clicks at once.
        inbox = await desk.inbox()
        visitor = await visitors(inbox)
        feedback = f"/messenger/v1/help/articles/{article['id']}/feedback"
        params = {"inbox": inbox["public_key"], "helpful": "true"}
        clicks = await asyncio.gather(
            visitor.client.post(feedback, params=params),
            visitor.client.post(feedback, params=params),
        )
        assert [click.status_code for click in clicks] == [204, 204]
        assert await counts(admin, article) == (before[0] + 1, before[1] + 1)
        # Changed, it moves from one count to the other.
        changed = await visitor.client.post(feedback, params={**params, "helpful": "false"})
        assert changed.status_code == 204
        assert await counts(admin, article) == (before[0], before[1] + 2)
        assert await count_rows(app, ArticleVote, ArticleVote.article_id == article["id"]) == 3


class TestMessenger:
    # Both stores: the erasure leans on the foreign key's cascade, which each store enforces.
    @BOTH_STORES
    async def test_a_visitor_votes_once_per_article_and_their_votes_go_with_them(
        self, app: FastAPI, desk: Desk, http: httpx.AsyncClient, visitors: Any
    ) -> None:
        owner = await desk.agent(role="owner")
        inbox = await desk.inbox()
        article, _path = await published(owner, "Returns")
        feedback = f"/messenger/v1/help/articles/{article['id']}/feedback"
        key = {"inbox": inbox["public_key"]}

        # Without a visitor token: refused, saying how to have one.
        refused = await http.post(feedback, params={**key, "helpful": "true"})
        assert (
            "POST /messenger/v1/visitors" in error_of(refused, 401, "bad_visitor_token")["message"]
        )
        assert await counts(owner, article) == (0, 0)

        cora = await visitors(inbox)
        for helpful in ("true", "true"):
            sent = await cora.client.post(feedback, params={**key, "helpful": helpful})
            assert sent.status_code == 204, sent.text
        assert await counts(owner, article) == (1, 0)
        await cora.client.post(feedback, params={**key, "helpful": "false"})
        assert await counts(owner, article) == (0, 1)
        boris = await visitors(inbox)
        await boris.client.post(feedback, params={**key, "helpful": "true"})
        assert await counts(owner, article) == (1, 1)
        nowhere = "/messenger/v1/help/articles/999999/feedback"
        error_of(await boris.client.post(nowhere, params={**key, "helpful": "true"}), 404)

        # Cora is erased: her vote's row goes with her; the counts, which name nobody, stay.
        await cora.identify("cora@example.org")
        erased = await owner.client.post("/api/v1/erasures", json={"email": "cora@example.org"})
        assert erased.status_code == 200, erased.text
        assert await count_rows(app, ArticleVote, ArticleVote.visitor_id == cora.id) == 0
        assert await count_rows(app, ArticleVote, ArticleVote.visitor_id == boris.id) == 1
        assert await counts(owner, article) == (1, 1)
