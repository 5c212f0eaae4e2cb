"""Syncing changes (`GET /tickets?updated_since=`): every change once it is committed, oldest
first, from a cursor kept between syncs, even past a transaction that commits late."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets import sync
from tests.clock import FrozenClock
from tests.conftest import POSTGRESQL_ONLY, Agent, Desk
from tests.unit.support import error_of, fields_of, new_ticket, use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def changes(agent: Agent, **params: Any) -> dict[str, Any]:
    response = await agent.client.get("/api/v1/tickets", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["next_cursor"], "a sync's page always says where the next one starts"
    return body


async def sync_all(agent: Agent, cursor: str, *, limit: int = 2) -> tuple[list[int], str]:
    """The documented loop: pages until one is short; the ids seen and the cursor to keep."""
    seen: list[int] = []
    while True:
        body = await changes(agent, cursor=cursor, limit=limit)
        seen += [ticket["id"] for ticket in body["items"]]
        cursor = body["next_cursor"]
        if len(body["items"]) < limit:
            return seen, cursor


class TestSync:
    async def test_every_change_oldest_first_from_a_cursor_kept_between_syncs(
        self, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # An hour behind the wall clock: PostgreSQL's transactions, by its clock, are later.
        clock = FrozenClock(
            monkeypatch, datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        )
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        tickets = []
        for _ in range(3):
            tickets.append(await new_ticket(agent.client, inbox))
            clock.advance(seconds=1)
        ids = [ticket["id"] for ticket in tickets]
        since = (clock.now - timedelta(minutes=5)).isoformat()
        # Changed within the last seconds: held back.
        first = await changes(agent, updated_since=since, limit=2)
        assert first["items"] == []
        clock.advance(seconds=sync.LAG.total_seconds())
        seen, cursor = await sync_all(agent, first["next_cursor"])
        assert seen == ids
        # Nothing new: the same place again.
        assert await sync_all(agent, cursor) == ([], cursor)
        await agent.client.post(f"/api/v1/tickets/{ids[0]}/notes", json={"text": "changed"})
        assert (await sync_all(agent, cursor))[0] == []
        clock.advance(seconds=sync.LAG.total_seconds() + 1)
        seen, cursor = await sync_all(agent, cursor)
        assert seen == [ids[0]]
        # A later start leaves the earlier changes out.
        later = await changes(agent, updated_since=tickets[2]["updated_at"], limit=10)
        assert [t["id"] for t in later["items"]] == [ids[2], ids[0]]

    async def test_what_a_sync_is_not(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        for _ in range(2):
            await new_ticket(agent.client, inbox)
        since = "2026-01-01T00:00:00Z"
        cursor = (await changes(agent, updated_since=since, state="open"))["next_cursor"]
        listed = (await agent.client.get("/api/v1/tickets?limit=1")).json()
        for params, field, words in [
            ({"updated_since": since, "cursor": cursor}, "cursor", "cursor alone"),
            ({"updated_since": since, "cursor": listed["next_cursor"]}, "cursor", "alone"),
            ({"updated_since": since, "sort": "-updated_at"}, "sort", "updated_at"),
            ({"cursor": cursor, "state": "open", "sort": "number"}, "sort", "updated_at"),
            ({"updated_since": since, "q": "help"}, "q", "q"),
            ({"cursor": cursor}, "cursor", "other filters"),
            ({"cursor": cursor, "state": "closed"}, "cursor", "other filters"),
            ({"updated_since": "yesterday"}, "updated_since", ""),
        ]:
            response = await agent.client.get("/api/v1/tickets", params=params)
            error = error_of(response, 422, "invalid")
            assert fields_of(error) == {field}, (params, error)
            assert words in error["message"], (params, error)
        assert (await changes(agent, cursor=cursor, state="open"))["items"] == []


@POSTGRESQL_ONLY
async def test_a_change_that_commits_late_is_not_missed(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ticket changed early in a long transaction (a bulk action over many tickets) commits
    with an `updated_at` older than changes committed meanwhile. The recipe docs/api.md gave
    before (newest first, until tickets updated before the last sync) never sees it; a sync
    holds back what was committed after it until the transaction ends."""
    # Short, so that the test waits little: what counts is that the transaction outlasts it.
    monkeypatch.setattr(sync, "LAG", timedelta(seconds=1))
    pause = sync.LAG.total_seconds() + 0.5
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    a, b, _ = [(await new_ticket(admin.client, inbox))["id"] for _ in range(3)]
    await asyncio.sleep(pause)

    async def newest_first_until(since: datetime) -> tuple[list[int], datetime]:
        started, seen, cursor = utcnow(), list[int](), None
        while True:
            params: dict[str, Any] = {"sort": "-updated_at", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await admin.client.get("/api/v1/tickets", params=params)).json()
            for ticket in page["items"]:
                if datetime.fromisoformat(ticket["updated_at"]) < since:
                    return seen, started
                seen.append(ticket["id"])
            cursor = page["next_cursor"]
            if cursor is None:
                return seen, started

    _, last_sync = await newest_first_until(datetime.min.replace(tzinfo=UTC))
    _, cursor = await sync_all(
        admin, (await changes(admin, updated_since="2020-01-01"))["next_cursor"]
    )

    written, release = asyncio.Event(), asyncio.Event()

    async def long_transaction() -> None:
        async with unit_of_work(app.state.sessionmaker) as session:
            ticket = await tickets_service.get_ticket_by_id(session, ticket_id=a)
            assert ticket is not None
            await tickets_service.update_ticket(
                session, actor=None, ticket=ticket, subject="Changed early, committed late"
            )
            written.set()
            await release.wait()

    transaction = asyncio.create_task(long_transaction())
    await written.wait()
    noted = await admin.client.post(f"/api/v1/tickets/{b}/notes", json={"text": "meanwhile"})
    assert noted.status_code == 201
    await asyncio.sleep(pause)
    old_first, last_sync = await newest_first_until(last_sync)
    new_first, cursor = await sync_all(admin, cursor)
    release.set()
    await transaction
    await asyncio.sleep(pause)
    old_second, _ = await newest_first_until(last_sync)
    new_second, cursor = await sync_all(admin, cursor)

    # The old recipe saw the note on b, and never the change of a.
    assert old_first == [b]
    assert a not in old_first + old_second
    # The sync held both back while the transaction ran, and has both now.
    assert new_first == []
    assert sorted(new_second) == sorted([a, b])
    shown = (await admin.client.get(f"/api/v1/tickets/{a}")).json()
    assert shown["subject"] == "Changed early, committed late"
