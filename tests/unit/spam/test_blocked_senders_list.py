"""The blocked senders list over the API: searched by a part of the address or domain (taken
literally), newest first, a page at a time with a cursor that neither repeats nor skips a row while
senders are blocked meanwhile, and its limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.kit import cursors
from frontdesk.spam.models import BlockedSender
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, fields_of

pytestmark = SQLITE_ONLY

URL = "/api/v1/blocked-senders"
LONG_AGO = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def team(desk: Desk) -> tuple[Agent, Agent]:
    inbox = await desk.inbox(name="Support", email_address="help@eu.shop.example")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Root")
    return ada, admin


async def block(admin: Agent, *patterns: str) -> None:
    for pattern in patterns:
        made = await admin.client.post(URL, json={"pattern": pattern})
        assert made.status_code == 201, made.text


async def found(admin: Agent, q: str) -> list[str]:
    answer = await admin.client.get(URL, params={"q": q})
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_cursor"] is None
    return [row["pattern"] for row in answer.json()["items"]]


async def seed(app: FastAPI, count: int) -> list[int]:
    """`count` senders blocked long ago, four to a minute and not in id order (so the keyset's
    tie on created_at is decided by id); their ids newest first, the order the list shows."""
    rows = [
        BlockedSender(
            pattern=f"{'even' if n % 2 == 0 else 'odd'}{n}@bulk.example",
            created_at=LONG_AGO + timedelta(minutes=(n * 7) % (count // 4)),
        )
        for n in range(count)
    ]
    async with app.state.sessionmaker() as session:
        session.add_all(rows)
        await session.commit()
        return [
            row.id for row in sorted(rows, key=lambda row: (row.created_at, row.id), reverse=True)
        ]


class TestSearch:
    async def test_by_a_part_of_an_address_or_a_domain_in_any_case(self, team: Any) -> None:
        ada, admin = team
        await block(admin, "ada.lovelace@junk.example", "@spam.example", "bob@mail.spam.example")
        assert await found(admin, "LoveLace") == ["ada.lovelace@junk.example"]
        assert await found(admin, " @junk ") == ["ada.lovelace@junk.example"]
        # Newest first: a domain, and an address under it.
        assert await found(admin, "spam.example") == ["bob@mail.spam.example", "@spam.example"]
        assert await found(admin, "nobody") == []
        assert len(await found(admin, "")) == 3
        error_of(await ada.client.get(URL, params={"q": "junk"}), 403)

    async def test_wildcards_and_the_escape_character_are_plain_text(self, team: Any) -> None:
        _ada, admin = team
        await block(admin, "a_b@x.example", "axb@x.example", "ab@x.example")
        await block(admin, "100%@y.example", "1000@y.example")
        assert await found(admin, "a_b") == ["a_b@x.example"]
        assert await found(admin, "_") == ["a_b@x.example"]
        assert await found(admin, "0%") == ["100%@y.example"]
        assert await found(admin, "%") == ["100%@y.example"]
        # The escape character itself: `a\b` is not `ab` with `b` escaped.
        assert await found(admin, "a\\b") == []


class TestPaging:
    @BOTH_STORES
    async def test_pages_through_every_row_once_while_senders_are_blocked(
        self, app: FastAPI, team: Any
    ) -> None:
        _ada, admin = team
        newest_first = await seed(app, 120)
        seen: list[int] = []
        cursor: str | None = None
        for turn in range(3):
            params: dict[str, Any] = {"limit": 50}
            if cursor:
                params["cursor"] = cursor
            answer = await admin.client.get(URL, params=params)
            assert answer.status_code == 200, answer.text
            seen += [row["id"] for row in answer.json()["items"]]
            cursor = answer.json()["next_cursor"]
            if turn == 0:
                # Blocked between two pages: newest, so before the first page; the next pages go
                # on where the first ended.
                await block(admin, "late@bulk.example")
        assert cursor is None
        assert seen == newest_first
        first = (await admin.client.get(URL, params={"limit": 1})).json()
        assert [row["pattern"] for row in first["items"]] == ["late@bulk.example"]

        # A search pages the same way, and its cursor continues that search only.
        evens: list[str] = []
        cursor = None
        while True:
            params = {"q": "EVEN", "limit": 25}
            if cursor:
                params["cursor"] = cursor
            answer = await admin.client.get(URL, params=params)
            assert answer.status_code == 200, answer.text
            evens += [row["pattern"] for row in answer.json()["items"]]
            cursor = answer.json()["next_cursor"]
            if cursor is None:
                break
            other = await admin.client.get(URL, params={"q": "odd", "cursor": cursor})
            assert "cursor" in fields_of(error_of(other, 422)), other.text
        assert len(evens) == len(set(evens)) == 60
        assert all(pattern.startswith("even") for pattern in evens)

    async def test_limits_and_bad_cursors_are_refused(self, app: FastAPI, team: Any) -> None:
        _ada, admin = team
        await seed(app, 120)
        default = (await admin.client.get(URL)).json()
        assert len(default["items"]) == 50
        assert default["next_cursor"]
        everything = (await admin.client.get(URL, params={"limit": 200})).json()
        assert (len(everything["items"]), everything["next_cursor"]) == (120, None)
        for limit in (0, 201, "many"):
            refused = error_of(await admin.client.get(URL, params={"limit": limit}), 422)
            assert "limit" in fields_of(refused), refused
        paged = (await admin.client.get(URL, params={"limit": 3})).json()
        assert len(paged["items"]) == 3
        assert paged["next_cursor"]
        huge = cursors.encode(
            "newest", cursors.digest({"q": None}), "2026-01-01T00:00:00+00:00", 2**40
        )
        for bad in ("nonsense", paged["next_cursor"][:-4], huge):
            refused = error_of(await admin.client.get(URL, params={"cursor": bad}), 422)
            assert "cursor" in fields_of(refused), refused
