"""A ticket list as a CSV file (docs/desk.md, "Exporting a list"): the list's own filters and
sort, every ticket they find across batches, what the list hides kept hidden. SQLite alone but
the batches' keyset pages, the search and the custom fields' filter, on both stores."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.audit.models import AuditEvent
from frontdesk.db.session import unit_of_work
from frontdesk.tickets import export
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/tickets/export.csv"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two tickets a batch: a few tickets already make several batches."""
    monkeypatch.setattr(export, "BATCH", 2)


async def exported(agent: Agent, **params: Any) -> list[dict[str, str]]:
    response = await agent.client.get(URL, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="frontdesk-tickets-'), disposition
    assert disposition.endswith('.csv"'), disposition
    return list(csv.DictReader(io.StringIO(response.text)))


async def listed(agent: Agent, **params: Any) -> list[int]:
    """The numbers the list itself shows, every page, in its order."""
    numbers: list[int] = []
    cursor: dict[str, str] = {}
    while True:
        page = await agent.client.get("/api/v1/tickets", params={**params, "limit": 2, **cursor})
        assert page.status_code == 200, page.text
        numbers += [item["number"] for item in page.json()["items"]]
        if page.json()["next_cursor"] is None:
            return numbers
        cursor = {"cursor": page.json()["next_cursor"]}


def numbers_of(rows: list[dict[str, str]]) -> list[int]:
    return [int(row["number"]) for row in rows]


@BOTH_STORES
async def test_every_ticket_once_across_batches_in_the_lists_order(desk: Desk) -> None:
    ada = await desk.agent()
    inbox = await desk.inbox(name="Support", members=[ada])
    made = [await new_ticket(ada.client, inbox, subject=f"Order {n}") for n in range(7)]
    # A change reorders the list (newest change first): the file follows.
    await ada.client.patch(f"/api/v1/tickets/{made[2]['id']}", json={"priority": "high"})
    rows = await exported(ada, inbox_id=inbox["id"])
    assert numbers_of(rows) == await listed(ada, inbox_id=inbox["id"])
    assert sorted(numbers_of(rows)) == sorted(ticket["number"] for ticket in made)
    assert numbers_of(rows)[0] == made[2]["number"]
    by_number = await exported(ada, inbox_id=inbox["id"], sort="number")
    assert numbers_of(by_number) == sorted(ticket["number"] for ticket in made)
    first = by_number[0]
    assert list(first)[: len(export.COLUMNS)] == list(export.COLUMNS)
    assert first["subject"] == "Order 0"
    assert first["state"] == "open"
    assert first["inbox"] == "Support"
    assert first["customer_name"] == "Cora Customer"
    assert first["customer_email"] == "customer@example.org"
    assert first["type"] == "email"
    assert first["priority"] == "normal"
    assert first["created_at"] == made[0]["created_at"].replace("Z", "+00:00")[:19] + "+00:00"
    assert (first["closed_at"], first["assignee"]) == ("", "")


@BOTH_STORES
async def test_a_folder_a_label_a_search_and_a_view(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    ada = await desk.agent(name="Ada Lovelace")
    inbox = await desk.inbox(members=[ada])
    bug = (await admin.client.post("/api/v1/labels", json={"name": "bug"})).json()
    vip = (await admin.client.post("/api/v1/labels", json={"name": "vip"})).json()
    refund = await new_ticket(
        ada.client, inbox, subject="Refund for the blue kettle", label_ids=[bug["id"], vip["id"]]
    )
    held = await new_ticket(ada.client, inbox, subject="Shipping", state="hold")
    mine = await new_ticket(ada.client, inbox, subject="Invoice", assignee_id=ada.id)
    closed = await new_ticket(ada.client, inbox, subject="Old refund", state="closed")

    # The Mine folder, as the desk asks for it.
    rows = await exported(ada, inbox_id=inbox["id"], state="open", mine="true")
    assert numbers_of(rows) == [mine["number"]]
    assert rows[0]["assignee"] == "Ada Lovelace"
    # Two states.
    rows = await exported(ada, inbox_id=inbox["id"], state=["hold", "closed"], sort="number")
    assert numbers_of(rows) == [held["number"], closed["number"]]
    assert rows[1]["closed_at"] != ""
    # A label, and its labels joined in one cell.
    rows = await exported(ada, label_id=bug["id"])
    assert numbers_of(rows) == [refund["number"]]
    assert rows[0]["labels"] == "bug, vip"
    # A search.
    rows = await exported(ada, q="refund", sort="number")
    assert numbers_of(rows) == [refund["number"], closed["number"]]
    assert numbers_of(await exported(ada, q="kettle")) == [refund["number"]]
    # A saved view: its filters and its sort.
    made = await ada.client.post(
        "/api/v1/views",
        json={"name": "Open", "filters": {"state": ["open"]}, "sort": "-number"},
    )
    assert made.status_code == 201, made.text
    rows = await exported(ada, view_id=made.json()["id"])
    assert numbers_of(rows) == [mine["number"], refund["number"]]
    # As in the list: a view brings its own filters.
    error_of(await ada.client.get(URL, params={"view_id": made.json()["id"], "q": "x"}), 422)
    error_of(await ada.client.get(URL, params={"sort": "sideways"}), 422)


async def test_another_inboxs_tickets_never_and_hidden_customers_stay_hidden(
    desk: Desk,
) -> None:
    admin = await desk.agent(role="admin")
    ada = await desk.agent()
    mine = await desk.inbox(name="Mine", members=[ada])
    theirs = await desk.inbox(name="Theirs")
    secret = await new_ticket(admin.client, theirs, email="secret@example.org")
    # A customer whose record Ada may not see (only an admin's ticket elsewhere shows them):
    # the ticket she files reaches them, and shows nothing of them, in the list as in the file.
    hidden = await new_ticket(ada.client, mine, email="secret@example.org", subject="Hello")
    rows = await exported(ada)
    assert numbers_of(rows) == [hidden["number"]]
    assert (rows[0]["customer_name"], rows[0]["customer_email"]) == ("", "")
    assert "secret@example.org" not in (await ada.client.get(URL)).text
    listed_item = (await ada.client.get("/api/v1/tickets")).json()["items"]
    assert [(i["customer_name"], i["customer_email"]) for i in listed_item] == [("", None)]
    # Another inbox named: "no such inbox", as in the list.
    error_of(await ada.client.get(URL, params={"inbox_id": theirs["id"]}), 404)
    # An admin sees both, and the customer.
    rows = await exported(admin, sort="number")
    assert numbers_of(rows) == [secret["number"], hidden["number"]]
    assert rows[1]["customer_email"] == "secret@example.org"


async def test_cells_that_start_like_a_formula_are_written_as_text(desk: Desk) -> None:
    ada = await desk.agent()
    inbox = await desk.inbox(name="=cmd|' /C calc'!A0", members=[ada])
    await new_ticket(
        ada.client,
        inbox,
        subject='=HYPERLINK("http://evil.example","Click")',
        customer={"email": "plus@example.org", "name": "+33 1 23 45 67 89"},
    )
    [row] = await exported(ada)
    assert row["subject"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["customer_name"] == "'+33 1 23 45 67 89"
    assert row["inbox"] == "'=cmd|' /C calc'!A0"


@BOTH_STORES
async def test_custom_fields_and_checklists_have_columns(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox(members=[admin])
    for label, kind, extra in (
        ("Plan", "list", {"options": ["Free", "Pro"]}),
        ("Seats", "number", {}),
        ("VIP", "checkbox", {}),
        ("Old", "text", {}),
    ):
        made = await admin.client.post(
            "/api/v1/fields", json={"object": "ticket", "label": label, "kind": kind, **extra}
        )
        assert made.status_code == 201, made.text
        if label == "Old":
            archived = await admin.client.patch(
                f"/api/v1/fields/{made.json()['id']}", json={"archived": True}
            )
            assert archived.status_code == 200, archived.text
    ticket = await new_ticket(admin.client, inbox)
    changed = await admin.client.patch(
        f"/api/v1/tickets/{ticket['id']}",
        json={"fields": {"plan": "Pro", "seats": 5, "vip": True}},
    )
    assert changed.status_code == 200, changed.text
    bare = await new_ticket(admin.client, inbox)
    for text in ("Refund", "Reply"):
        item = await admin.client.post(
            f"/api/v1/tickets/{ticket['id']}/checklist/items", json={"text": text}
        )
        assert item.status_code == 201, item.text
    first_item = item.json()["id"]
    ticked = await admin.client.patch(
        f"/api/v1/tickets/{ticket['id']}/checklist/items/{first_item}", json={"done": True}
    )
    assert ticked.status_code == 200, ticked.text

    response = await admin.client.get(URL, params={"sort": "number"})
    header = next(csv.reader(io.StringIO(response.text)))
    assert header == [*export.COLUMNS, "fields.plan", "fields.seats", "fields.vip"]
    rows = await exported(admin, sort="number")
    assert numbers_of(rows) == [ticket["number"], bare["number"]]
    filled, empty = rows
    assert (filled["fields.plan"], filled["fields.seats"], filled["fields.vip"]) == (
        "Pro",
        "5",
        "true",
    )
    assert (empty["fields.plan"], empty["fields.seats"], empty["fields.vip"]) == ("", "", "false")
    assert (filled["checklist_done"], filled["checklist_total"]) == ("1", "2")
    assert (empty["checklist_done"], empty["checklist_total"]) == ("", "")
    # The list's field filter.
    rows = await exported(admin, field="plan:pro")
    assert numbers_of(rows) == [ticket["number"]]


async def test_an_export_is_in_the_audit_log(desk: Desk, app: FastAPI) -> None:
    ada = await desk.agent()
    inbox = await desk.inbox(members=[ada])
    await new_ticket(ada.client, inbox)
    await exported(ada, inbox_id=inbox["id"], state="open")
    async with unit_of_work(app.state.sessionmaker) as session:
        events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "tickets.exported"))
        ).all()
    assert [(event.actor_id, event.changes) for event in events] == [
        (ada.id, {"filters": {"inbox_id": inbox["id"], "state": ["open"]}, "sort": None})
    ]
