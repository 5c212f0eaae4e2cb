"""A ticket list's cursor continues only the list that gave it: its sort and its filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.unit.sla.support import policy
from tests.unit.support import error_of, fields_of, new_ticket, use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def page(agent: Agent, **params: Any) -> dict[str, Any]:
    response = await agent.client.get("/api/v1/tickets", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refused(agent: Agent, **params: Any) -> str:
    response = await agent.client.get("/api/v1/tickets", params=params)
    error = error_of(response, 422, "invalid")
    assert fields_of(error) == {"cursor"}, (params, error)
    message: str = error["message"]
    return message


class TestCursorOfItsList:
    async def test_another_sort_is_refused_not_answered_with_a_wrong_page(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        tickets = [await new_ticket(agent.client, inbox) for _ in range(4)]
        # Touched: by updated_at the oldest ticket is now the newest.
        await agent.client.post(f"/api/v1/tickets/{tickets[0]['id']}/notes", json={"text": "up"})
        newest = await page(agent, sort="-updated_at", limit=1)
        assert [t["id"] for t in newest["items"]] == [tickets[0]["id"]]
        cursor = newest["next_cursor"]
        # By created_at that position is the first ticket's creation: the old code answered
        # 200 with tickets 2 to 4, a page that does not continue either list.
        message = await refused(agent, cursor=cursor, sort="created_at")
        assert "sort=-updated_at" in message
        for sort in ("updated_at", "-created_at", "number", "-number", "sla_due_at"):
            await refused(agent, cursor=cursor, sort=sort)
        # Left out, the sort is the cursor's own; the same sort continues as before.
        for params in ({"cursor": cursor}, {"cursor": cursor, "sort": "-updated_at"}):
            rest = await page(agent, limit=10, **params)
            assert [t["id"] for t in rest["items"]] == [t["id"] for t in tickets[:0:-1]]
        by_number = await page(agent, sort="number", limit=2)
        rest = await page(agent, cursor=by_number["next_cursor"])
        assert [t["number"] for t in rest["items"]] == [t["number"] for t in tickets[2:]]

    async def test_other_filters_are_refused(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        other = await desk.inbox(name="Other", members=[agent])
        for _ in range(3):
            await new_ticket(agent.client, inbox, subject="Refund please")
            await new_ticket(agent.client, other, subject="Refund please", state="hold")
        filtered = {"inbox_id": inbox["id"], "state": ["open"], "limit": 1}
        cursor = (await page(agent, **filtered))["next_cursor"]
        for changed in (
            {"inbox_id": other["id"]},
            {"state": ["hold"]},
            {"state": ["open", "hold"]},
            {"inbox_id": None},
            {"unassigned": "true"},
            {"mine": "true"},
            {"type": "chat"},
            {"breaching": "true"},
        ):
            params = {k: v for k, v in (filtered | changed).items() if v is not None}
            message = await refused(agent, cursor=cursor, **params)
            assert "other filters" in message, changed
        # The same filters, in any order of the repeated state, continue it.
        same = await page(agent, cursor=cursor, inbox_id=inbox["id"], state="open", limit=5)
        assert len(same["items"]) == 2
        searched = await page(agent, q="refund", limit=2)
        assert "other filters" in await refused(agent, q="printer", cursor=searched["next_cursor"])
        assert "relevance" in await refused(agent, cursor=searched["next_cursor"], sort="number")
        more = await page(agent, q="refund", cursor=searched["next_cursor"], limit=10)
        assert len(more["items"]) == 4

    async def test_a_breaching_list_pages_on_although_its_instant_moves(
        self, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        clock = FrozenClock(monkeypatch, datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
        inbox = await desk.inbox()
        owner = await desk.agent(role="owner", inboxes=[inbox])
        await policy(owner, business_hours=False, resolution_minutes=30)
        tickets = [await new_ticket(owner.client, inbox) for _ in range(3)]
        clock.advance(hours=1)
        late = {"breaching": "true", "sort": "sla_due_at", "limit": 1}
        seen: list[int] = []
        cursor = None
        while True:
            body = await page(owner, **late, **({"cursor": cursor} if cursor else {}))
            seen += [t["id"] for t in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
            # "Due within the hour" is another instant at each request; the filter is the same.
            clock.advance(minutes=1)
        assert seen == [t["id"] for t in tickets]
        everything = await page(owner, sort="sla_due_at", limit=1)
        assert "other filters" in await refused(owner, cursor=everything["next_cursor"], **late)
