"""Reports → Open work by status over HTTP (docs/reports.md, "Open work by status"): the tickets
open, on hold or snoozed now, per state and custom status, with the reports' filters, as CSV,
the tickets behind each row, and as an agent who sees one inbox only sees it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import BOTH_STORES, Agent, Desk
from tests.unit.support import error_of, new_ticket, use_cheap_passwords

pytestmark = BOTH_STORES

URL = "/api/v1/reports"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@dataclass
class Work:
    olga: Agent
    ada: Agent
    bob: Agent
    support: dict[str, Any]
    billing: dict[str, Any]
    status: dict[str, int]
    tickets: dict[str, int]
    label_id: int


async def _status(admin: Agent, name: str, state: str) -> int:
    made = await admin.client.post("/api/v1/ticket-statuses", json={"name": name, "state": state})
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


@pytest.fixture
async def work(desk: Desk) -> Work:
    olga = await desk.agent(role="admin", name="Olga")
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    # Ada sees Support only; Bob both.
    ada = await desk.agent(inboxes=[support], name="Ada")
    bob = await desk.agent(inboxes=[support, billing], name="Bob")
    status = {
        "progress": await _status(olga, "In progress", "open"),
        "vendor": await _status(olga, "Waiting on vendor", "hold"),
        "old": await _status(olga, "Old", "hold"),
        "customer": await _status(olga, "Pending customer reply", "hold"),
        "done": await _status(olga, "Done", "closed"),
    }
    label = await olga.client.post("/api/v1/labels", json={"name": "vip"})
    label_id = int(label.json()["id"])
    tickets: dict[str, int] = {}

    async def file(key: str, inbox: dict[str, Any], who: Agent | None, **body: Any) -> None:
        made = await new_ticket(
            olga.client, inbox, subject=key, assignee_id=who.id if who else None, **body
        )
        tickets[key] = int(made["id"])

    await file("open_plain", support, ada)
    await file("in_progress", support, ada, status_id=status["progress"])
    await file("vendor_ada", support, ada, status_id=status["vendor"], label_ids=[label_id])
    await file("hold_plain", support, bob, state="hold")
    await file("snoozed", support, ada)
    snoozed = await olga.client.patch(
        f"/api/v1/tickets/{tickets['snoozed']}", json={"snoozed_until": "2099-01-01T09:00:00Z"}
    )
    assert snoozed.status_code == 200, snoozed.text
    await file("closed", support, ada, status_id=status["done"])
    await file("spam", support, ada)
    spam = await olga.client.post(f"/api/v1/tickets/{tickets['spam']}/spam", json={})
    assert spam.status_code == 200, spam.text
    await file("vendor_bob", billing, bob, status_id=status["vendor"])
    await file("web", billing, None, type="web")
    await file("old", support, bob, status_id=status["old"])
    # Archived, "Old" is listed while a ticket has it.
    archived = await olga.client.patch(
        f"/api/v1/ticket-statuses/{status['old']}", json={"archived": True}
    )
    assert archived.status_code == 200, archived.text
    return Work(olga, ada, bob, support, billing, status, tickets, label_id)


async def get(agent: Agent, path: str, **params: Any) -> Any:
    response = await agent.client.get(f"{URL}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def table(agent: Agent, **params: Any) -> list[tuple[str, str, int]]:
    return [(r["state"], r["status"], r["tickets"]) for r in await get(agent, "statuses", **params)]


def rows(
    open_: int = 0,
    progress: int = 0,
    hold: int = 0,
    vendor: int = 0,
    old: int | None = None,
    customer: int = 0,
    snoozed: int = 0,
) -> list[tuple[str, str, int]]:
    return [
        ("open", "Open", open_),
        ("open", "In progress", progress),
        ("hold", "Hold", hold),
        ("hold", "Waiting on vendor", vendor),
        *([("hold", "Old", old)] if old is not None else []),
        ("hold", "Pending customer reply", customer),
        ("snoozed", "Snoozed", snoozed),
    ]


async def test_open_work_is_counted_per_state_and_status(work: Work) -> None:
    found = await get(work.olga, "statuses")
    # Closed and spam tickets are no open work; the closed status has no row.
    assert [(r["state"], r["status"], r["tickets"]) for r in found] == rows(
        open_=2, progress=1, hold=1, vendor=2, old=1, snoozed=1
    )
    by_name = {r["status"]: r for r in found}
    assert by_name["Hold"]["status_id"] is None
    assert by_name["Waiting on vendor"]["status_id"] == work.status["vendor"]
    assert (by_name["Old"]["archived"], by_name["Waiting on vendor"]["archived"]) == (True, False)
    # Now, not a range: dates sent change nothing.
    assert await table(work.olga, since="2020-01-01", until="2020-01-02") == rows(
        open_=2, progress=1, hold=1, vendor=2, old=1, snoozed=1
    )


async def test_the_filters_narrow_it(work: Work) -> None:
    olga = work.olga
    assert await table(olga, inbox_id=work.billing["id"]) == rows(open_=1, vendor=1)
    assert await table(olga, agent_id=work.ada.id) == rows(open_=1, progress=1, vendor=1, snoozed=1)
    assert await table(olga, agent_id=work.bob.id) == rows(hold=1, vendor=1, old=1)
    assert await table(olga, label_id=work.label_id) == rows(vendor=1)
    assert await table(olga, channel="web") == rows(open_=1)
    assert await table(olga, channel="chat") == rows()


async def test_an_agent_counts_their_own_tickets_of_their_inbox(work: Work) -> None:
    ada = work.ada
    mine = rows(open_=1, progress=1, vendor=1, snoozed=1)
    assert await table(ada) == mine
    # Another agent's figures are not hers to read, nor an inbox she does not see.
    assert await table(ada, agent_id=work.bob.id) == mine
    assert await table(ada, inbox_id=work.billing["id"]) == rows()
    vendor = {"figure": "open_work", "state": "hold", "status_id": work.status["vendor"]}
    tickets = await get(ada, "tickets", since="2026-01-01", until="2026-01-01", **vendor)
    assert [t["id"] for t in tickets] == [work.tickets["vendor_ada"]]
    # Bob sees both inboxes: his own tickets of each.
    assert await table(work.bob) == rows(hold=1, vendor=1, old=1)


async def test_each_row_opens_its_tickets(work: Work) -> None:
    dates = {"since": "2026-01-01", "until": "2026-01-01"}

    async def behind(**params: Any) -> list[str]:
        found = await get(work.olga, "tickets", figure="open_work", **dates, **params)
        names = {v: k for k, v in work.tickets.items()}
        return [names[t["id"]] for t in found]

    vendor = work.status["vendor"]
    assert await behind(state="hold", status_id=vendor) == ["vendor_bob", "vendor_ada"]
    assert await behind(state="hold") == ["hold_plain"]
    assert await behind(state="open") == ["web", "open_plain"]
    assert await behind(state="snoozed") == ["snoozed"]
    assert await behind(state="hold", status_id=vendor, inbox_id=work.support["id"]) == [
        "vendor_ada"
    ]
    for wrong in ({}, {"state": "closed"}, {"state": "spam"}):
        response = await work.olga.client.get(
            f"{URL}/tickets", params={"figure": "open_work", **dates, **wrong}
        )
        assert error_of(response, 422)


async def test_it_downloads_as_csv(work: Work) -> None:
    response = await work.olga.client.get(
        f"{URL}/statuses.csv", params={"inbox_id": work.billing["id"]}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="frontdesk-statuses-' in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == ["state", "status_id", "status", "archived", "tickets"]
    assert lines[1] == ["open", "", "Open", "False", "1"]
    assert lines[4] == ["hold", str(work.status["vendor"]), "Waiting on vendor", "False", "1"]


async def test_a_light_agent_sees_none(desk: Desk) -> None:
    light = await desk.agent(role="collaborator")
    error_of(await light.client.get(f"{URL}/statuses"), 403)
