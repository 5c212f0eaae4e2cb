"""The plan SQLite gives the desk's ticket lists, on a desk without statistics as the app runs
it (docs/performance.md, "An agent's list without a filter"): each page, the first included,
is read in the list's (updated_at, id) order from an index, never every ticket of an agent's
inboxes read and sorted; and the pages hold the agent's tickets, newest change first."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SQLITE_ITSELF, Desk
from tests.unit.organisations.test_organisation_large import pages_sent, plans_of
from tests.unit.support import new_ticket, use_cheap_passwords

LIST = "/api/v1/tickets"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@SQLITE_ITSELF
async def test_every_page_of_an_agents_lists_is_read_in_order(desk: Desk) -> None:
    first = await desk.inbox(name="First")
    second = await desk.inbox(name="Second")
    other = await desk.inbox(name="Other")
    admin = await desk.agent(role="admin")
    agent = await desk.agent(inboxes=[first, second])
    filed: list[str] = []
    for n in range(6):
        inbox = (first, second, other)[n % 3]
        subject = f"Ticket {n}"
        fields: dict[str, Any] = {"assignee_id": agent.id} if n % 2 and inbox != other else {}
        await new_ticket(admin.client, inbox, subject=subject, **fields)
        if inbox != other:
            filed.append(subject)

    lists: tuple[dict[str, Any], ...] = (
        {},
        {"sort": "updated_at"},
        {"state": "open"},
        {"inbox_id": first["id"], "state": "open"},
        {"mine": "true", "state": "open"},
        {"unassigned": "true", "state": "open"},
    )
    with pages_sent(desk) as sent:
        for params in lists:
            page = await agent.client.get(LIST, params={**params, "limit": 1})
            assert page.status_code == 200, page.text
            cursor = page.json()["next_cursor"]
            assert cursor is not None, params
            again = await agent.client.get(LIST, params={**params, "cursor": cursor})
            assert again.status_code == 200, again.text
            if not params:
                subjects = [item["subject"] for item in page.json()["items"]]
                subjects += [item["subject"] for item in again.json()["items"]]
                assert subjects == filed[::-1]
    plans = await plans_of(desk, sent)
    assert len(plans) == 2 * len(lists), sent
    for plan in plans:
        main = [row for row in plan if "tickets USING" in row or row.startswith("SCAN tickets")]
        # A range of the list's order: each inbox's tickets (or the state's, the assignee's)
        # from where the page starts, not all of them before the sort.
        assert main, plan
        assert all("updated_at<?" in row or "updated_at>?" in row for row in main), plan
