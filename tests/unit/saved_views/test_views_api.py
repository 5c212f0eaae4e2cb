"""Saved views over HTTP: create, list, edit, move, delete; who sees and manages which; a view's
tickets and counts; the list's priority filter; bad input; what is published and what not."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from frontdesk.saved_views import kept, service
from frontdesk.saved_views.schemas import ViewFilters
from frontdesk.users.models import Role, User
from tests.conftest import (
    BOTH_STORES,
    SQLITE_ITSELF,
    SQLITE_ONLY,
    Agent,
    Desk,
    Published,
    Statements,
)
from tests.unit.support import error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts computed on every ask, but in the test of the cache."""
    monkeypatch.setattr(kept, "COUNTS_FRESH_FOR", 0.0)


async def create(agent: Agent, status: int = 201, **body: Any) -> Any:
    response = await agent.client.post("/api/v1/views", json={"name": "Urgent", **body})
    assert response.status_code == status, response.text
    return response.json() if status == 201 else response


async def numbers(agent: Agent, **params: Any) -> list[int]:
    response = await agent.client.get("/api/v1/tickets", params=params)
    assert response.status_code == 200, response.text
    return sorted(item["number"] for item in response.json()["items"])


async def items(agent: Agent, **params: Any) -> list[Any]:
    response = await agent.client.get("/api/v1/tickets", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def counts(agent: Agent) -> dict[int, int]:
    response = await agent.client.get("/api/v1/views/counts")
    assert response.status_code == 200, response.text
    return {each["id"]: each["count"] for each in response.json()["views"]}


class TestPersonalViews:
    @BOTH_STORES
    async def test_create_list_edit_and_delete(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        filters = {"inbox_id": inbox["id"], "state": ["open", "hold"], "priority": ["urgent"]}
        view = await create(ada, filters=filters, sort="sla_due_at")
        assert (view["name"], view["shared"], view["owner_id"]) == ("Urgent", False, ada.id)
        assert view["filters"] | filters == view["filters"]
        assert (view["sort"], view["missing"], view["position"]) == ("sla_due_at", [], 0)
        second = await create(ada, name="Mine", filters={"mine": True})
        assert second["position"] == 1

        listed = (await ada.client.get("/api/v1/views")).json()
        assert [each["name"] for each in listed] == ["Urgent", "Mine"]

        renamed = await ada.client.patch(
            f"/api/v1/views/{view['id']}",
            json={"name": "Very urgent", "filters": {"unassigned": True}},
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["name"] == "Very urgent"
        assert renamed.json()["filters"]["unassigned"] is True
        assert renamed.json()["filters"]["state"] == []  # filters are replaced as a whole

        assert (await ada.client.delete(f"/api/v1/views/{view['id']}")).status_code == 204
        error_of(await ada.client.get(f"/api/v1/views/{view['id']}"), 404, "not_found")
        assert [each["id"] for each in (await ada.client.get("/api/v1/views")).json()] == [
            second["id"]
        ]

    async def test_nobody_else_sees_or_touches_a_personal_view(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        admin = await desk.agent(role="admin")
        view = await create(ada)
        for other in (bob, admin):
            assert (await other.client.get("/api/v1/views")).json() == []
            path = f"/api/v1/views/{view['id']}"
            error_of(await other.client.get(path), 404, "not_found")
            error_of(await other.client.patch(path, json={"name": "Mine now"}), 404, "not_found")
            error_of(await other.client.delete(path), 404, "not_found")
            refused = await other.client.get("/api/v1/tickets", params={"view_id": view["id"]})
            error_of(refused, 404, "not_found")
            assert view["id"] not in await counts(other)
        # The same name is free for another owner.
        await create(bob)


class TestSharedViews:
    async def test_only_admins_manage_them_and_every_agent_sees_them(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        admin = await desk.agent(role="admin")
        refused = await create(ada, 403, shared=True)
        error_of(refused, 403, "shared_view_admins_only")
        shared = await create(admin, shared=True, filters={"state": ["open"]})
        assert (shared["shared"], shared["owner_id"]) == (True, None)
        own = await create(ada, name="Urgent")  # a personal name beside a shared one

        assert [each["id"] for each in (await ada.client.get("/api/v1/views")).json()] == [
            shared["id"],
            own["id"],
        ]
        path = f"/api/v1/views/{shared['id']}"
        error_of(
            await ada.client.patch(path, json={"name": "Ada's"}), 403, "shared_view_admins_only"
        )
        error_of(await ada.client.delete(path), 403, "shared_view_admins_only")
        assert (await admin.client.patch(path, json={"name": "Open"})).json()["name"] == "Open"
        assert (await admin.client.delete(path)).status_code == 204

    @BOTH_STORES
    async def test_each_agent_sees_only_their_inboxes_tickets(self, desk: Desk) -> None:
        support, sales = await desk.inbox(name="Support"), await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support])
        bob = await desk.agent(inboxes=[sales])
        admin = await desk.agent(role="admin")
        mine = await new_ticket(ada.client, support, priority="high", assignee_id=ada.id)
        theirs = await new_ticket(bob.client, sales, priority="high", assignee_id=bob.id)
        await new_ticket(bob.client, sales, priority="low")
        everywhere = await create(admin, shared=True, filters={"priority": ["high"]})
        sales_only = await create(
            admin, name="Sales", shared=True, filters={"inbox_id": sales["id"], "mine": True}
        )

        assert await numbers(ada, view_id=everywhere["id"]) == [mine["number"]]
        assert await numbers(bob, view_id=everywhere["id"]) == [theirs["number"]]
        assert len(await numbers(admin, view_id=everywhere["id"])) == 2
        # An inbox Ada does not see: no tickets, not an error.
        assert await numbers(ada, view_id=sales_only["id"]) == []
        assert await numbers(bob, view_id=sales_only["id"]) == [theirs["number"]]
        assert await counts(ada) == {everywhere["id"]: 1, sales_only["id"]: 0}
        assert await counts(bob) == {everywhere["id"]: 1, sales_only["id"]: 1}


async def move(agent: Agent, view: dict[str, Any], by: Any, status: int = 200) -> Any:
    response = await agent.client.post(f"/api/v1/views/{view['id']}/move", json={"by": by})
    assert response.status_code == status, response.text
    return response.json() if status == 200 else response


async def places(agent: Agent, *, shared: bool) -> list[tuple[str, int]]:
    """(name, position) of the agent's shared or own views, in the list's order."""
    listed = (await agent.client.get("/api/v1/views")).json()
    return [(each["name"], each["position"]) for each in listed if each["shared"] is shared]


def moves(published: Published) -> list[tuple[str, int]]:
    return [
        (m.envelope.data["change"], m.envelope.data["view_id"])
        for m in published.messages
        if m.envelope.type == "view.changed"
    ]


class TestOrder:
    async def test_a_move_renumbers_the_owners_views_in_one_go(
        self, desk: Desk, published: Published
    ) -> None:
        ada = await desk.agent()
        # Places out of step, as an older client's PATCHes may have left them: tied, gapped.
        a, b, c = [await create(ada, name=name, position=5) for name in "abc"]
        published.clear()
        answer = await move(ada, c, -1)
        assert [(each["name"], each["position"]) for each in answer] == [
            ("a", 0),
            ("c", 1),
            ("b", 2),
        ]
        assert await places(ada, shared=False) == [("a", 0), ("c", 1), ("b", 2)]
        assert moves(published) == [("moved", c["id"])]
        await move(ada, a, 1)
        assert await places(ada, shared=False) == [("c", 0), ("a", 1), ("b", 2)]
        # Past either end: nothing moves, nothing is published.
        published.clear()
        await move(ada, c, -1)
        await move(ada, b, 1)
        assert await places(ada, shared=False) == [("c", 0), ("a", 1), ("b", 2)]
        assert moves(published) == []
        for by in (0, 2, -2, "1", True, 1.0, None):
            error = error_of(await move(ada, a, by, 422), 422)
            assert fields_of(error) == {"by"}, (by, error)

    async def test_who_may_move_which(self, desk: Desk, published: Published) -> None:
        ada = await desk.agent()
        bob = await desk.agent()
        admin = await desk.agent(role="admin")
        _, second = [await create(admin, name=name, shared=True) for name in ("One", "Two")]
        own = await create(ada, name="Own")
        await create(ada, name="Also own")
        published.clear()
        error_of(await move(ada, second, -1, 403), 403, "shared_view_admins_only")
        error_of(await move(bob, own, 1, 404), 404, "not_found")
        error_of(await move(admin, own, 1, 404), 404, "not_found")
        assert moves(published) == []
        await move(admin, second, -1)
        # The shared views move among themselves, for everyone, and stay above one's own.
        listed = [each["name"] for each in (await ada.client.get("/api/v1/views")).json()]
        assert listed == ["Two", "One", "Own", "Also own"]
        assert await places(bob, shared=True) == [("Two", 0), ("One", 1)]
        assert moves(published) == [("moved", second["id"])]

    @BOTH_STORES
    async def test_two_moves_at_once_both_apply(self, desk: Desk) -> None:
        """Two admins moving shared views at the same moment: one move waits for the other (the
        views are locked), so neither is lost and no two views share a place."""
        olive = await desk.agent(role="admin")
        max_ = await desk.agent(role="admin")
        a, b, c = [await create(olive, name=name, shared=True) for name in "abc"]
        for _ in range(3):
            before = [name for name, _ in await places(olive, shared=True)]
            views = {each["name"]: each for each in (a, b, c)}
            last, first = views[before[2]], views[before[0]]
            await asyncio.gather(move(olive, last, -1), move(max_, first, 1))
            after = await places(max_, shared=True)
            assert [position for _, position in after] == [0, 1, 2]
            # The order of the two moves made one after the other, either way round.
            x, y, z = before
            assert [name for name, _ in after] in ([z, x, y], [y, z, x]), (before, after)

    async def test_refused_changes_publish_nothing(self, desk: Desk, published: Published) -> None:
        ada = await desk.agent()
        admin = await desk.agent(role="admin")
        urgent = await create(ada, name="Urgent")
        later = await create(ada, name="Later")
        shared = await create(admin, name="Shared", shared=True)
        published.clear()
        error_of(await create(ada, 409, name="urgent"), 409, "view_name_taken")
        renamed = await ada.client.patch(f"/api/v1/views/{later['id']}", json={"name": "URGENT"})
        error_of(renamed, 409, "view_name_taken")
        error_of(await create(ada, 403, name="Mine", shared=True), 403, "shared_view_admins_only")
        path = f"/api/v1/views/{shared['id']}"
        error_of(await ada.client.patch(path, json={"name": "x"}), 403, "shared_view_admins_only")
        error_of(await ada.client.delete(path), 403, "shared_view_admins_only")
        error_of(await move(ada, shared, 1, 403), 403, "shared_view_admins_only")
        assert moves(published) == []
        assert (await ada.client.delete(f"/api/v1/views/{urgent['id']}")).status_code == 204
        assert moves(published) == [("deleted", urgent["id"])]


class TestFilters:
    @BOTH_STORES
    async def test_priority_filter_and_its_cursor(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        made = {
            priority: [
                (await new_ticket(ada.client, inbox, priority=priority))["number"] for _ in "ab"
            ]
            for priority in ("low", "high", "urgent")
        }
        assert await numbers(ada, priority="low") == made["low"]
        both = await numbers(ada, priority=["high", "urgent"])
        assert both == sorted(made["high"] + made["urgent"])
        error_of(await ada.client.get("/api/v1/tickets", params={"priority": "soon"}), 422)

        first = await ada.client.get("/api/v1/tickets", params={"priority": "high", "limit": 1})
        cursor = first.json()["next_cursor"]
        assert cursor
        rest = await ada.client.get(
            "/api/v1/tickets", params={"priority": "high", "limit": 1, "cursor": cursor}
        )
        assert [t["number"] for t in first.json()["items"] + rest.json()["items"]] == sorted(
            made["high"], reverse=True
        )
        # A cursor continues only the list that gave it.
        for other in ({"priority": "low"}, {}):
            refused = await ada.client.get("/api/v1/tickets", params={**other, "cursor": cursor})
            assert "cursor" in fields_of(error_of(refused, 422))

    @BOTH_STORES
    async def test_a_views_tickets_are_its_filters_and_sort(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        tickets = [
            await new_ticket(ada.client, inbox, priority="urgent", type=kind, state=state)
            for kind, state in (("chat", "open"), ("email", "open"), ("chat", "closed"))
        ]
        await new_ticket(ada.client, inbox, priority="normal", type="chat")
        view = await create(
            ada,
            filters={"priority": ["urgent"], "type": "chat", "state": ["open", "closed"]},
            sort="number",
        )
        listed = await ada.client.get("/api/v1/tickets", params={"view_id": view["id"]})
        assert [t["id"] for t in listed.json()["items"]] == [tickets[0]["id"], tickets[2]["id"]]
        paged = await ada.client.get("/api/v1/tickets", params={"view_id": view["id"], "limit": 1})
        after = await ada.client.get(
            "/api/v1/tickets",
            params={"view_id": view["id"], "limit": 1, "cursor": paged.json()["next_cursor"]},
        )
        assert [t["id"] for t in after.json()["items"]] == [tickets[2]["id"]]
        assert (await counts(ada))[view["id"]] == 2
        # Filters beside a view: which should win is unclear, so neither does.
        mixed = await ada.client.get(
            "/api/v1/tickets", params={"view_id": view["id"], "state": "open"}
        )
        assert "view_id" in fields_of(error_of(mixed, 422))

    @BOTH_STORES
    async def test_a_label_deleted_under_a_view(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        admin = await desk.agent(role="admin", inboxes=[inbox])
        label = (await admin.client.post("/api/v1/labels", json={"name": "vip"})).json()
        for _ in range(2):
            await new_ticket(admin.client, inbox, label_ids=[label["id"]])
        await new_ticket(admin.client, inbox)
        view = await create(admin, filters={"label_id": label["id"]})
        assert (await counts(admin))[view["id"]] == 2
        assert (await admin.client.delete(f"/api/v1/labels/{label['id']}")).status_code == 204

        listed = (await admin.client.get("/api/v1/views")).json()
        assert listed[0]["missing"] == ["label_id"]
        assert await numbers(admin, view_id=view["id"]) == []
        assert (await counts(admin))[view["id"]] == 0
        fixed = await admin.client.patch(f"/api/v1/views/{view['id']}", json={"filters": {}})
        assert fixed.json()["missing"] == []
        assert len(await numbers(admin, view_id=view["id"])) == 3


class TestBadInput:
    async def test_names(self, desk: Desk) -> None:
        ada = await desk.agent()
        for name, code in (("   ", None), ("x" * 101, "too_long")):
            error = error_of(await create(ada, 422, name=name), 422)
            assert fields_of(error) == {"name"}
            if code:
                assert error["fields"][0]["code"] == code
        view = await create(ada, name="Urgent")
        taken = error_of(await create(ada, 409, name=" urgent "), 409, "view_name_taken")
        assert "another name" in taken["message"]
        await create(ada, name="Later")
        renamed = await ada.client.patch(f"/api/v1/views/{view['id']}", json={"name": "LATER"})
        error_of(renamed, 409, "view_name_taken")

    async def test_filters(self, desk: Desk) -> None:
        mine, other = await desk.inbox(name="Mine"), await desk.inbox(name="Other")
        ada = await desk.agent(inboxes=[mine])
        for filters, field in (
            ({"mine": True, "unassigned": True}, "filters"),
            ({"state": ["later"]}, "filters.state.0"),
            ({"colour": "red"}, "filters.colour"),
            ({"inbox_id": other["id"]}, "filters.inbox_id"),
            ({"label_id": 999}, "filters.label_id"),
            ({"assignee_id": 999}, "filters.assignee_id"),
        ):
            error = error_of(await create(ada, 422, filters=filters), 422)
            assert any(each.startswith(field) for each in fields_of(error)), (filters, error)
        error_of(await create(ada, 422, sort="relevance"), 422)
        assert (await ada.client.get("/api/v1/views")).json() == []

    async def test_names_folding_longer_or_written_apart(self, desk: Desk) -> None:
        """A name's key fits its column however far folding stretches it ("ß" is "ss"), and
        names that differ only by case or by how an accent is written are one name."""
        ada = await desk.agent()
        sharp = "ß" * 100
        long = "Größenprüfung " + "x" * 86
        accent = unicodedata.normalize("NFC", "Été")
        for name in (sharp, long, accent):
            assert (await create(ada, name=name))["name"] == name
        for same in (
            "ẞ" * 100,  # the capital sharp s, 100 characters as well
            "GRÖẞENPRÜFUNG " + "X" * 86,
            unicodedata.normalize("NFD", "Été"),
            unicodedata.normalize("NFD", "ÉTÉ"),
        ):
            error_of(await create(ada, 409, name=same), 409, "view_name_taken")

    async def test_a_name_saved_at_the_same_moment(
        self, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The unique key refuses what the check before it could not see (a view of that name
        saved in the meantime): 409, not 500."""

        async def unchecked(*_: Any, **__: Any) -> None:
            return None

        monkeypatch.setattr(service, "_ensure_free_name", unchecked)
        ada = await desk.agent()
        await create(ada, name="Urgent")
        error_of(await create(ada, 409, name="URGENT"), 409, "view_name_taken")
        later = await create(ada, name="Later")
        renamed = await ada.client.patch(f"/api/v1/views/{later['id']}", json={"name": "urgent"})
        error_of(renamed, 409, "view_name_taken")
        assert [each["name"] for each in (await ada.client.get("/api/v1/views")).json()] == [
            "Urgent",
            "Later",
        ]

    async def test_too_many_views(self, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(service, "MAX_VIEWS", 2)
        ada = await desk.agent()
        admin = await desk.agent(role="admin")
        await create(ada, name="One")
        await create(ada, name="Two")
        error_of(await create(ada, 409, name="Three"), 409, "too_many_views")
        # Shared views are counted apart from one's own.
        await create(admin, name="Shared", shared=True)


class TestViewsAndTheList:
    @BOTH_STORES
    async def test_a_sort_given_beside_a_view_wins(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        made = [(await new_ticket(ada.client, inbox))["number"] for _ in range(3)]
        view = await create(ada, sort="number")
        assert [t["number"] for t in await items(ada, view_id=view["id"])] == made
        descending = await items(ada, view_id=view["id"], sort="-number")
        assert [t["number"] for t in descending] == made[::-1]

    @BOTH_STORES
    async def test_a_sync_through_a_view(self, desk: Desk) -> None:
        """`updated_since` takes only its own order: the view's sort is not applied to it."""
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        urgent = [await new_ticket(ada.client, inbox, priority="urgent") for _ in range(2)]
        await new_ticket(ada.client, inbox, priority="low")
        view = await create(ada, filters={"priority": ["urgent"]}, sort="-number")
        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        first = await ada.client.get(
            "/api/v1/tickets", params={"view_id": view["id"], "updated_since": since, "limit": 1}
        )
        assert first.status_code == 200, first.text
        seen = [t["id"] for t in first.json()["items"]]
        cursor = first.json()["next_cursor"]
        while cursor:
            page = await ada.client.get(
                "/api/v1/tickets", params={"view_id": view["id"], "cursor": cursor, "limit": 1}
            )
            assert page.status_code == 200, page.text
            if not page.json()["items"]:
                break
            seen += [t["id"] for t in page.json()["items"]]
            cursor = page.json()["next_cursor"]
        # Oldest change first; the changes of the last seconds may be held back for later.
        assert seen == [t["id"] for t in urgent][: len(seen)]

    async def test_an_inbox_the_viewer_does_not_see_is_missing(self, desk: Desk) -> None:
        support, sales = await desk.inbox(name="Support"), await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support, sales])
        bob = await desk.agent(inboxes=[sales])
        admin = await desk.agent(role="admin")
        own = await create(ada, name="Support", filters={"inbox_id": support["id"]})
        shared = await create(admin, name="Sales", shared=True, filters={"inbox_id": sales["id"]})

        async def missing(agent: Agent) -> dict[int, list[str]]:
            listed = (await agent.client.get("/api/v1/views")).json()
            return {each["id"]: each["missing"] for each in listed}

        assert await missing(ada) == {shared["id"]: [], own["id"]: []}
        removed = await admin.client.delete(f"/api/v1/inboxes/{support['id']}/members/{ada.id}")
        assert removed.status_code == 200, removed.text
        assert await missing(ada) == {shared["id"]: [], own["id"]: ["inbox_id"]}
        one = await ada.client.get(f"/api/v1/views/{own['id']}")
        assert one.json()["missing"] == ["inbox_id"]
        assert await missing(bob) == {shared["id"]: []}
        outsider = await desk.agent(inboxes=[support])
        assert await missing(outsider) == {shared["id"]: ["inbox_id"]}
        assert await numbers(outsider, view_id=shared["id"]) == []


class TestCounts:
    async def test_counts_stop_at_most(self, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(service, "MOST_COUNTED", 2)
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        for _ in range(3):
            await new_ticket(ada.client, inbox, priority="high")
        await new_ticket(ada.client, inbox, priority="low")
        high = await create(ada, name="High", filters={"priority": ["high"]})
        low = await create(ada, name="Low", filters={"priority": ["low"]})
        answer = (await ada.client.get("/api/v1/views/counts")).json()
        assert answer["most"] == 2
        assert {each["id"]: each["count"] for each in answer["views"]} == {
            high["id"]: 2,
            low["id"]: 1,
        }

    @BOTH_STORES
    async def test_one_statement_counts_every_view(
        self, desk: Desk, statements: Statements
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        admin = await desk.agent(role="admin")
        await new_ticket(ada.client, inbox, priority="urgent", assignee_id=ada.id)
        shapes: list[dict[str, Any]] = [
            {"priority": ["urgent"]},
            {"state": ["closed"], "priority": ["urgent"]},
            {"mine": True},
            {"breaching": True},
            {"inbox_id": inbox["id"], "state": ["open"]},
        ]
        for n, filters in enumerate(shapes):
            await create(ada, name=f"Own {n}", filters=filters)
            await create(admin, name=f"Shared {n}", filters=filters, shared=True)
        with statements.count() as ran:
            answer = await counts(ada)
        assert len(answer) == 10
        assert sorted(answer.values()) == [0] * 4 + [1] * 6
        # The views, then one count for all of them (the same filters counted once), whatever
        # their number; the rest is the session's own (its user, the transaction).
        counting = [sql for sql in ran if "count(" in sql.lower()]
        assert len(counting) == 1, counting
        assert counting[0].lower().count("count(") == len(shapes)

    # SQLite only: PostgreSQL chooses its plan by the tables' statistics, which a test's few
    # rows do not make realistic; bench/views.py prints its plans over 100k tickets.
    @SQLITE_ITSELF
    async def test_a_priority_count_reads_its_index(self, desk: Desk) -> None:
        """`closed + urgent` reads the urgent closed tickets only, not every closed one."""
        engine = desk.app.state.engine
        user = User(id=1, email="a@b.c", name="A", role=Role.agent)
        filters = ViewFilters.model_validate({"state": ["closed"], "priority": ["urgent"]})
        query = service._counted(user, service.criteria_of(filters, user=user), sla_sort=False)
        compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
        async with engine.connect() as connection:
            plan = (await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
        assert any("ix_tickets_priority_state_inbox" in str(row) for row in plan), plan

    @BOTH_STORES
    async def test_kept_for_a_moment_per_viewer(
        self, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(kept, "COUNTS_FRESH_FOR", 3600.0)
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        view = await create(ada, filters={"priority": ["urgent"]})
        await create(bob, filters={"priority": ["urgent"]})

        async def answer(agent: Agent) -> tuple[int, bool]:
            body = (await agent.client.get("/api/v1/views/counts")).json()
            assert body["fresh_for"] == 3600.0
            return body["views"][0]["count"], body["cached"]

        assert await answer(ada) == (0, False)
        await new_ticket(ada.client, inbox, priority="urgent")
        # Within the moment: the kept answer, which says so.
        assert await answer(ada) == (0, True)
        # Another viewer's are their own.
        assert await answer(bob) == (1, False)
        # A view moved or renamed counts the same: the kept answer stands.
        other = await create(ada, name="Other", filters={"priority": ["low"]})
        assert await answer(ada) == (1, False)
        await new_ticket(ada.client, inbox, priority="urgent")
        await move(ada, other, -1)
        await ada.client.patch(f"/api/v1/views/{view['id']}", json={"name": "Hot"})
        body = (await ada.client.get("/api/v1/views/counts")).json()
        assert body["cached"] is True
        assert {each["id"]: each["count"] for each in body["views"]} == {
            other["id"]: 0,
            view["id"]: 1,
        }
        # A change to what a view counts counts again.
        await ada.client.patch(f"/api/v1/views/{view['id']}", json={"sort": "number"})
        assert (await answer(ada))[1] is False
