"""Tickets: create, read with the thread, the desk's list (filters, sort, cursor pages), counts."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

from frontdesk.config import Settings
from frontdesk.customers.models import Customer
from frontdesk.tickets.models import Ticket, TicketEntry
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import count_rows, error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


class TestCreate:
    async def test_create_finds_or_creates_the_customer_by_email(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        first = await new_ticket(
            agent.client, inbox, customer={"email": "Marie@Example.org", "name": "Marie Curie"}
        )
        assert first["customer"]["emails"] == ["marie@example.org"]
        assert first["customer"]["name"] == "Marie Curie"
        second = await new_ticket(agent.client, inbox, customer={"email": "marie@example.org"})
        assert second["customer_id"] == first["customer_id"]
        assert second["number"] == first["number"] + 1
        by_id = await new_ticket(agent.client, inbox, customer={"id": first["customer_id"]})
        assert by_id["customer_id"] == first["customer_id"]
        assert await count_rows(desk.app, Customer) == 1

    async def test_create_with_assignee_labels_state_and_a_first_note(self, desk: Desk) -> None:
        agent = await desk.agent()
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox(members=[agent])
        bug = (await admin.client.post("/api/v1/labels", json={"name": "bug"})).json()
        ticket = await new_ticket(
            agent.client,
            inbox,
            subject="  Checkout broken  ",
            type="web",
            state="hold",
            assignee_id=agent.id,
            label_ids=[bug["id"], bug["id"]],
            note="Called them; they use Safari.",
        )
        assert ticket["subject"] == "Checkout broken"
        assert ticket["type"] == "web"
        assert ticket["state"] == "hold"
        assert ticket["assignee_id"] == agent.id
        assert ticket["inbox_id"] == inbox["id"]
        assert [label["name"] for label in ticket["labels"]] == ["bug"]
        assert [(e["kind"], e["text"], e["author_user_id"]) for e in ticket["entries"]] == [
            ("note", "Called them; they use Safari.", agent.id)
        ]
        closed = await new_ticket(agent.client, inbox, state="closed")
        assert closed["closed_at"] is not None
        assert ticket["closed_at"] is None

    async def test_refused_creations_leave_nothing_behind(self, desk: Desk) -> None:
        agent = await desk.agent()
        outsider = await desk.user()
        inactive = await desk.user(name="Gone")
        inbox = await desk.inbox(members=[agent, inactive])
        admin = await desk.agent(role="admin")
        await admin.client.patch(f"/api/v1/users/{inactive['id']}", json={"is_active": False})
        good: dict[str, Any] = {
            "inbox_id": inbox["id"],
            "customer": {"email": "new@example.org", "name": "New"},
            "subject": "Hello",
        }
        made = await agent.client.post(
            "/api/v1/customers", json={"name": "Known", "emails": ["known@example.org"]}
        )
        known = made.json()
        cases: list[tuple[dict[str, Any], int, str]] = [
            ({k: v for k, v in good.items() if k != "customer"}, 422, "customer"),
            (good | {"customer": {"name": "No way to find"}}, 422, "customer"),
            (good | {"customer": {"email": "nope"}}, 422, "customer.email"),
            (good | {"subject": "   "}, 422, "subject"),
            (good | {"subject": "x" * 301}, 422, "subject"),
            (good | {"type": "fax"}, 422, "type"),
            (good | {"state": "pending"}, 422, "state"),
            (good | {"state": "snoozed"}, 422, "state"),
            (good | {"inbox_id": "support"}, 422, "inbox_id"),
            (good | {"label_ids": [999999]}, 422, "label_ids"),
            (good | {"assignee_id": outsider["id"]}, 422, "assignee_id"),
            (good | {"assignee_id": inactive["id"]}, 422, "assignee_id"),
            (good | {"priority": "extreme"}, 422, "priority"),
            (good | {"note": ""}, 422, "note"),
            # An unknown assignee is a bad value of the body, like an unknown label.
            (good | {"assignee_id": 999999}, 422, "assignee_id"),
            # An id and an address that name two different people: neither is guessed.
            (
                good | {"customer": {"id": known["id"], "email": "other@example.org"}},
                422,
                "customer.email",
            ),
            (good | {"inbox_id": 999999}, 404, ""),
            (good | {"customer": {"id": 999999}}, 404, ""),
        ]
        for body, status, field in cases:
            error = error_of(await agent.client.post("/api/v1/tickets", json=body), status)
            if field:
                assert field in fields_of(error), (body, error)
        assert await count_rows(desk.app, Ticket) == 0
        assert await count_rows(desk.app, Customer) == 1
        # A refused creation does not use up a number.
        assert (await new_ticket(agent.client, inbox))["number"] == 1


class TestRead:
    async def test_ticket_comes_with_its_customer_and_thread_in_order(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        ticket = await new_ticket(agent.client, inbox, note="first")
        url = f"/api/v1/tickets/{ticket['id']}"
        await agent.client.post(f"{url}/notes", json={"text": "second"})
        await agent.client.patch(url, json={"state": "closed"})
        await agent.client.post(f"{url}/replies", json={"text": "third"})
        detail = (await agent.client.get(url)).json()
        assert detail["customer"]["emails"] == ["customer@example.org"]
        assert [(e["kind"], e["text"]) for e in detail["entries"]] == [
            ("note", "first"),
            ("note", "second"),
            ("event", f"{agent.user['name']} set the state to Closed"),
            ("reply", "third"),
            ("event", f"{agent.user['name']} assigned the ticket to {agent.user['name']}"),
            ("event", f"{agent.user['name']} set the state to Open"),
        ]
        assert detail["entries"][3]["message_id"].endswith("@desk.test>")

    async def test_unknown_ticket_is_404(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        error = error_of(await admin.client.get("/api/v1/tickets/999999"), 404, "not_found")
        assert error["message"] == "No such ticket."


@dataclass
class Scene:
    admin: Agent
    ada: Agent
    grace: Agent
    support: dict[str, Any]
    sales: dict[str, Any]
    bug: dict[str, Any]
    t: list[dict[str, Any]]


@pytest.fixture
async def scene(desk: Desk) -> Scene:
    admin = await desk.agent(role="admin", name="Admin")
    ada = await desk.agent(name="Ada")
    grace = await desk.agent(name="Grace")
    support = await desk.inbox(name="Support", members=[ada, grace])
    sales = await desk.inbox(name="Sales", members=[grace])
    bug = (await admin.client.post("/api/v1/labels", json={"name": "bug"})).json()
    marie = {"email": "marie@radium.example", "name": "Marie Curie"}
    t = [
        await new_ticket(
            admin.client,
            support,
            customer=marie,
            subject="Refund please",
            assignee_id=ada.id,
            label_ids=[bug["id"]],
        ),
        await new_ticket(
            admin.client,
            support,
            customer={"email": "alan@enigma.example", "name": "Alan"},
            subject="Safari checkout",
            type="web",
            state="hold",
        ),
        await new_ticket(
            admin.client,
            sales,
            customer=marie,
            subject="Invoice copy",
            type="chat",
            state="closed",
            assignee_id=grace.id,
        ),
        await new_ticket(
            admin.client,
            support,
            customer={"email": "kj@nasa.example", "name": "Katherine"},
            subject="Dashboard",
            note="Could it show weekly totals?",
        ),
    ]
    return Scene(admin, ada, grace, support, sales, bug, t)


async def listed(agent: Agent, **params: Any) -> list[int]:
    response = await agent.client.get("/api/v1/tickets", params=params)
    assert response.status_code == 200, response.text
    return [ticket["number"] for ticket in response.json()["items"]]


class TestListFilters:
    @BOTH_STORES
    async def test_each_filter(self, scene: Scene) -> None:
        admin, n = scene.admin, [ticket["number"] for ticket in scene.t]
        every = {"sort": "number"}
        assert await listed(admin, **every) == n
        assert await listed(admin, inbox_id=scene.support["id"], **every) == [n[0], n[1], n[3]]
        assert await listed(admin, state="open", **every) == [n[0], n[3]]
        assert await listed(admin, state=["hold", "closed"], **every) == [n[1], n[2]]
        assert await listed(admin, assignee_id=scene.ada.id, **every) == [n[0]]
        assert await listed(admin, unassigned="true", **every) == [n[1], n[3]]
        assert await listed(scene.grace, mine="true", **every) == [n[2]]
        assert await listed(admin, label_id=scene.bug["id"], **every) == [n[0]]
        assert await listed(admin, customer_id=scene.t[0]["customer_id"], **every) == [n[0], n[2]]
        assert await listed(admin, type="web", **every) == [n[1]]
        assert await listed(
            admin, inbox_id=scene.support["id"], state="open", unassigned="true"
        ) == [n[3]]

    @BOTH_STORES
    async def test_text_search(self, scene: Scene) -> None:
        admin, n = scene.admin, [ticket["number"] for ticket in scene.t]
        assert await listed(admin, q="REFUND", sort="number") == [n[0]]
        assert await listed(admin, q="marie", sort="number") == [n[0], n[2]]
        assert await listed(admin, q="enigma.example") == [n[1]]
        assert await listed(admin, q="weekly totals") == [n[3]]
        assert await listed(admin, q=f"#{n[2]}") == [n[2]]
        assert await listed(admin, q="%") == []
        assert await listed(admin, q="nothing like this") == []

    @BOTH_STORES
    async def test_an_agent_lists_only_tickets_of_their_inboxes(self, scene: Scene) -> None:
        n = [ticket["number"] for ticket in scene.t]
        assert await listed(scene.ada, sort="number") == [n[0], n[1], n[3]]
        assert await listed(scene.ada, q=f"#{n[2]}") == []
        assert await listed(scene.ada, customer_id=scene.t[0]["customer_id"]) == [n[0]]
        assert await listed(scene.ada, mine="true") == [n[0]]

    async def test_bad_filters_are_422_naming_the_parameter(self, scene: Scene) -> None:
        for query, field in [
            ("state=pending", "state.0"),
            ("type=fax", "type"),
            ("inbox_id=support", "inbox_id"),
            ("assignee_id=me", "assignee_id"),
            ("unassigned=perhaps", "unassigned"),
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("q=" + "x" * 201, "q"),
            ("sort=priority", "sort"),
            ("sort=-subject", "sort"),
        ]:
            response = await scene.admin.client.get(f"/api/v1/tickets?{query}")
            error = error_of(response, 422, "invalid")
            assert fields_of(error) == {field}, (query, error)
        error = error_of(await scene.admin.client.get("/api/v1/tickets?sort=priority"), 422)
        assert "-updated_at" in error["message"]
        error_of(await scene.admin.client.get("/api/v1/tickets?inbox_id=999999"), 404)


class TestSort:
    @BOTH_STORES
    async def test_sorts(self, scene: Scene) -> None:
        admin, n = scene.admin, [ticket["number"] for ticket in scene.t]
        assert await listed(admin, sort="-number") == n[::-1]
        assert await listed(admin, sort="created_at") == n
        assert await listed(admin, sort="-created_at") == n[::-1]
        await admin.client.post(f"/api/v1/tickets/{scene.t[1]['id']}/notes", json={"text": "up"})
        assert await listed(admin) == [n[1], n[3], n[2], n[0]]
        assert await listed(admin, sort="updated_at") == [n[0], n[2], n[3], n[1]]


async def all_pages(agent: Agent, *, limit: int, **params: Any) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        body = (await agent.client.get("/api/v1/tickets", params=query)).json()
        pages.append([ticket["number"] for ticket in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


class TestPagination:
    @BOTH_STORES
    async def test_pages_cover_every_ticket_once_in_every_sort(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        numbers = [(await new_ticket(agent.client, inbox))["number"] for _ in range(7)]
        for sort in ("-updated_at", "number", "-created_at"):
            pages = await all_pages(agent, limit=3, sort=sort)
            assert [len(page) for page in pages] == [3, 3, 1], sort
            flat = [number for page in pages for number in page]
            assert flat == (numbers if sort == "number" else numbers[::-1]), sort
            assert await all_pages(agent, limit=7, sort=sort) == [flat]

    async def test_pages_stay_stable_while_tickets_change(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        tickets = [await new_ticket(agent.client, inbox) for _ in range(7)]
        first = (await agent.client.get("/api/v1/tickets", params={"limit": 2})).json()
        seen = [ticket["number"] for ticket in first["items"]]
        assert seen == [tickets[6]["number"], tickets[5]["number"]]
        # Meanwhile: an already-seen ticket is touched and moves up, a new one arrives on top.
        await agent.client.post(f"/api/v1/tickets/{tickets[5]['id']}/notes", json={"text": "hi"})
        await new_ticket(agent.client, inbox)
        cursor = first["next_cursor"]
        while cursor:
            page = (
                await agent.client.get("/api/v1/tickets", params={"limit": 2, "cursor": cursor})
            ).json()
            seen += [ticket["number"] for ticket in page["items"]]
            cursor = page["next_cursor"]
        assert seen == [ticket["number"] for ticket in tickets[::-1]]

    async def test_bad_cursors_are_422_with_advice(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        for _ in range(3):
            await new_ticket(agent.client, inbox)
        by_number = (await agent.client.get("/api/v1/tickets?limit=1&sort=number")).json()

        def forged(value: Any) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

        for cursor, sort in [
            ("not a cursor!", "-updated_at"),
            (forged({"a": 1}), "-updated_at"),
            (forged(["2026-01-01T00:00:00+00:00", "7"]), "-updated_at"),
            (forged(["yesterday", 7]), "-updated_at"),
            (by_number["next_cursor"], "-updated_at"),
            ("x" * 501, "number"),
        ]:
            response = await agent.client.get(
                "/api/v1/tickets", params={"cursor": cursor, "sort": sort}
            )
            error = error_of(response, 422, "invalid")
            assert fields_of(error) == {"cursor"}, (cursor, error)
        error = error_of(await agent.client.get("/api/v1/tickets?cursor=zzz"), 422)
        assert "first page" in error["message"]

    async def test_cursor_of_another_sort_or_without_time_zone_is_422(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        for _ in range(3):
            await new_ticket(agent.client, inbox)
        by_time = (await agent.client.get("/api/v1/tickets?limit=1")).json()["next_cursor"]
        naive = base64.urlsafe_b64encode(b'["2026-01-01T00:00:00", 7]').decode().rstrip("=")
        for cursor, sort in [(naive, "-updated_at"), (by_time, "number")]:
            response = await agent.client.get(
                "/api/v1/tickets", params={"cursor": cursor, "sort": sort}
            )
            error_of(response, 422, "invalid")


class TestCounts:
    async def test_counts_per_state_mine_and_unassigned(self, scene: Scene) -> None:
        zero = {
            "open": 0,
            "hold": 0,
            "snoozed": 0,
            "closed": 0,
            "mine": 0,
            "unassigned": 0,
            "breaching": 0,
            "spam": 0,
        }
        everything = (await scene.admin.client.get("/api/v1/tickets/counts")).json()
        assert everything == zero | {"open": 2, "hold": 1, "closed": 1, "unassigned": 1}
        ada = (await scene.ada.client.get("/api/v1/tickets/counts")).json()
        assert ada == zero | {"open": 2, "hold": 1, "mine": 1, "unassigned": 1}
        grace_sales = await scene.grace.client.get(
            "/api/v1/tickets/counts", params={"inbox_id": scene.sales["id"]}
        )
        assert grace_sales.json() == zero | {"closed": 1}
        error_of(await scene.ada.client.get("/api/v1/tickets/counts?inbox_id=x"), 422, "invalid")


class TestTextLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"max_text_length": 100})

    async def test_oversize_first_note_refuses_the_whole_ticket(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        body = {
            "inbox_id": inbox["id"],
            "customer": {"email": "new@example.org"},
            "subject": "Hello",
            "note": "x" * 101,
        }
        error = error_of(await agent.client.post("/api/v1/tickets", json=body), 422, "invalid")
        assert "100" in error["message"]
        # Named as the body names it.
        assert error["fields"] == [
            {
                "field": "note",
                "code": "too_long",
                "limit": 100,
                "message": "At most 100 characters.",
            },
        ]
        assert await count_rows(desk.app, Ticket) == 0
        assert await count_rows(desk.app, TicketEntry) == 0
        assert await count_rows(desk.app, Customer) == 0
        assert (await new_ticket(agent.client, inbox, note="x" * 100))["number"] == 1
