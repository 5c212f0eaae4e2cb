"""What readers searched for (docs/knowledge-base.md, "What readers searched for"): the help
center's and the messenger's searches counted per normalised term, day and language, a
reader's repeats and the messenger's as-you-type searches not counted, the desk's list with its
period, totals, paging and "only without results" filter, admins and owners only, searches at
the same moment all counted (both stores), a failed count logged while the reader has their
answer, and the retention pass dropping the old days."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.knowledge import searches
from frontdesk.knowledge.models import KnowledgeSearch
from frontdesk.knowledge.search_log import Repeats
from frontdesk.privacy import timers as privacy_timers
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.knowledge.test_knowledge_api import URL, publish, write
from tests.unit.support import error_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

MESSENGER = "/messenger/v1/help/articles"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def reader(app: FastAPI, name: str) -> httpx.AsyncClient:
    """A reader of their own: the count's memory of repeats knows a reader by address and
    browser name, never stored."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://desk.test",
        headers={"User-Agent": f"Browser of {name}"},
    )


async def listed(agent: Agent, **params: Any) -> dict[str, Any]:
    response = await agent.client.get(f"{URL}/searches", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def counts(page: dict[str, Any]) -> list[tuple[str, str, int, int, int]]:
    return [
        (item["term"], item["language"], item["searches"], item["no_results"], item["results"])
        for item in page["items"]
    ]


async def count_on(app: FastAPI, term: str, language: str, results: int, days_ago: int) -> None:
    async with unit_of_work(app.state.sessionmaker) as session:
        await searches.count_search(
            session,
            term=term,
            language=language,
            results=results,
            day=searches.today() - timedelta(days=days_ago),
        )


def test_terms_are_trimmed_case_folded_and_spaces_collapsed() -> None:
    assert searches.normalised("  Refund\t\n  POLICY  ") == "refund policy"
    assert searches.normalised("Re\u0301glages") == searches.normalised("Réglages") == "réglages"
    assert searches.normalised("STRASSE Straße") == "strasse strasse"
    assert searches.normalised("   ") == ""
    assert len(searches.normalised("a" * 500)) == 200


def test_a_reader_repeating_a_search_counts_once_per_window() -> None:
    now = [0.0]
    repeats = Repeats(window=600, size=3, clock=lambda: now[0])
    assert repeats.first("ada", "refund", "en")
    assert not repeats.first("ada", "refund", "en")
    assert repeats.first("ada", "refund", "fr")
    assert repeats.first("bob", "refund", "en")
    now[0] = 601
    assert repeats.first("ada", "refund", "en")
    # Full: the oldest is forgotten first.
    assert repeats.first("ada", "a", "en")
    assert repeats.first("ada", "b", "en")
    assert repeats.first("ada", "c", "en")
    assert repeats.first("ada", "refund", "en")


class TestCounting:
    @BOTH_STORES
    async def test_help_center_and_messenger_searches_are_counted_for_the_desk(
        self, app: FastAPI, desk: Desk
    ) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        await publish(admin, await write(admin, "Refund policy", "Money back within 30 days."))
        await write(admin, "Shipping draft", "Not public: found by nobody.")
        async with reader(app, "ada") as ada, reader(app, "bob") as bob:
            # The help center's page: counted as normalised, in the page's language, with the
            # number of articles shown.
            shown = await ada.get("/help/search", params={"q": "  Refund   POLICY "})
            assert shown.status_code == 200
            assert "Refund policy" in shown.text
            # Ada again (a reload, the back button): still one. Bob: two.
            await ada.get("/help/search", params={"q": "refund policy"})
            await bob.get("/help/search", params={"q": "REFUND policy"})
            # Nothing found, in French; a draft is not found either.
            await ada.get("/help/search", params={"q": "Livraison", "lang": "fr"})
            await ada.get("/help/search", params={"q": "shipping"})
            # Nothing to count: no query, no word.
            await ada.get("/help/search", params={"q": "   "})
            await ada.get("/help/search", params={"q": "!!!"})

            # The messenger: what it sends as the visitor types is not counted; the settled
            # query is, in the messenger's language.
            key = {"inbox": inbox["public_key"]}
            for typed in ("r", "re", "ref", "refu"):
                found = await bob.get(MESSENGER, params={**key, "q": typed, "typing": "true"})
                assert found.status_code == 200, found.text
            settled = await bob.get(MESSENGER, params={**key, "q": "Refund", "lang": "fr"})
            assert [item["title"] for item in settled.json()["items"]] == ["Refund policy"]
            # Without `lang`: the browser's language.
            await bob.get(
                MESSENGER,
                params={**key, "q": "returns"},
                headers={"Accept-Language": "fr-CA, en;q=0.5"},
            )
            await bob.get(MESSENGER, params=key)

        page = await listed(admin)
        assert counts(page) == [
            ("refund policy", "en", 2, 0, 1),
            ("livraison", "fr", 1, 1, 0),
            ("returns", "fr", 1, 1, 0),
            ("shipping", "en", 1, 1, 0),
            ("refund", "fr", 1, 0, 1),
        ]
        assert (page["searches"], page["no_results"], page["next_offset"]) == (6, 3, None)
        today = searches.today()
        assert page["since"] == (today - timedelta(days=29)).isoformat()
        assert {item["last_day"] for item in page["items"]} == {today.isoformat()}

        only = await listed(admin, no_results="true")
        assert [item["term"] for item in only["items"]] == ["livraison", "returns", "shipping"]
        # The totals stay the period's, whatever the filter.
        assert (only["searches"], only["no_results"]) == (6, 3)

        first = await listed(admin, limit=2)
        assert [item["term"] for item in first["items"]] == ["refund policy", "livraison"]
        assert first["next_offset"] == 2
        rest = await listed(admin, limit=2, offset=2)
        assert [item["term"] for item in rest["items"]] == ["returns", "shipping"]
        last = await listed(admin, limit=2, offset=4)
        assert ([item["term"] for item in last["items"]], last["next_offset"]) == (["refund"], None)

    @BOTH_STORES
    async def test_the_period_and_the_latest_search_decide(self, app: FastAPI, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        # "gift card" found nothing 40 and 3 days ago; today an article answers it.
        await count_on(app, "gift card", "en", 0, 40)
        await count_on(app, "gift card", "en", 0, 3)
        await count_on(app, "gift card", "en", 2, 0)
        await count_on(app, "invoice", "en", 0, 8)
        await count_on(app, "invoice", "en", 0, 8)

        assert counts(await listed(admin, days=7)) == [("gift card", "en", 2, 1, 2)]
        assert counts(await listed(admin, days=30)) == [
            ("invoice", "en", 2, 2, 0),
            ("gift card", "en", 2, 1, 2),
        ]
        ninety = await listed(admin, days=90)
        assert counts(ninety)[0] == ("gift card", "en", 3, 2, 2)
        assert (ninety["searches"], ninety["no_results"]) == (5, 4)
        # Answered now: no longer among the terms without results.
        assert [
            item["term"] for item in (await listed(admin, days=90, no_results="true"))["items"]
        ] == ["invoice"]
        error_of(await admin.client.get(f"{URL}/searches", params={"days": 0}), 422)
        error_of(await admin.client.get(f"{URL}/searches", params={"days": 401}), 422)

    async def test_only_admins_and_owners_see_what_readers_searched(self, desk: Desk) -> None:
        agent = await desk.agent()
        owner = await desk.agent(role="owner")
        refused = error_of(await agent.client.get(f"{URL}/searches"), 403, "knowledge_admins_only")
        assert "admins and owners" in refused["message"]
        assert (await listed(owner))["items"] == []

    @BOTH_STORES
    async def test_searches_at_the_same_moment_all_count(self, app: FastAPI, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        readers = [reader(app, f"reader {n}") for n in range(6)]
        try:
            answers = await asyncio.gather(
                *(
                    client.get(
                        MESSENGER, params={"inbox": inbox["public_key"], "q": "Opening hours"}
                    )
                    for client in readers[:3]
                ),
                *(
                    client.get("/help/search", params={"q": "opening  HOURS"})
                    for client in readers[3:]
                ),
            )
        finally:
            for client in readers:
                await client.aclose()
        assert [answer.status_code for answer in answers] == [200] * 6
        assert counts(await listed(admin)) == [("opening hours", "en", 6, 6, 0)]

    async def test_a_count_that_fails_is_logged_and_the_reader_has_the_answer(
        self,
        app: FastAPI,
        desk: Desk,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        await publish(admin, await write(admin, "Refund policy", "Money back."))

        async def broken(*_args: Any, **_kwargs: Any) -> None:
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(searches, "count_search", broken)
        caplog.set_level(logging.WARNING, logger="frontdesk.knowledge.search_log")
        async with reader(app, "ada") as ada:
            page = await ada.get("/help/search", params={"q": "refund"})
            found = await ada.get(MESSENGER, params={"inbox": inbox["public_key"], "q": "money"})
        assert page.status_code == 200
        assert "Refund policy" in page.text
        assert [item["title"] for item in found.json()["items"]] == ["Refund policy"]
        failures = [
            r for r in caplog.records if r.message == "A help center search was not counted"
        ]
        assert len(failures) == 2
        assert all(r.exc_info and "the disk is full" in str(r.exc_info[1]) for r in failures)


class TestRetention:
    @BOTH_STORES
    async def test_the_retention_pass_drops_the_days_past_400(self, app: FastAPI) -> None:
        for days_ago in (0, 399, 400, 800):
            await count_on(app, f"{days_ago} days ago", "en", 0, days_ago)
        await privacy_timers.apply_retention(
            app.state.sessionmaker, app.state.settings, now=utcnow()
        )
        async with app.state.sessionmaker() as session:
            left = (await session.scalars(select(KnowledgeSearch.term))).all()
        assert sorted(left) == ["0 days ago", "399 days ago"]
