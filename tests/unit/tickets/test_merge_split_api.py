"""Merge, split and undo over HTTP: the thread in time order, what is combined, the pointer, the
timeline of both tickets, undo that restores exactly, refusals, and concurrent merges."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.tickets.models import TicketMove
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Published
from tests.unit.support import error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def get(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def note(agent: Agent, ticket_id: int, text: str) -> dict[str, Any]:
    response = await agent.client.post(f"/api/v1/tickets/{ticket_id}/notes", json={"text": text})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def merge(agent: Agent, source: int, target: int, **extra: Any) -> Any:
    return await agent.client.post(
        f"/api/v1/tickets/{source}/merge", json={"into_ticket_id": target, **extra}
    )


def messages(ticket: dict[str, Any]) -> list[str]:
    return [e["text"] for e in ticket["entries"] if e["kind"] != "event"]


def restorable(ticket: dict[str, Any]) -> dict[str, Any]:
    """What undo must put back exactly (the timeline gains lines about the undo)."""
    return {
        "messages": [(e["id"], e["text"]) for e in ticket["entries"] if e["kind"] != "event"],
        "events": [e["id"] for e in ticket["entries"] if e["kind"] == "event"],
        "labels": sorted(label["name"] for label in ticket["labels"]),
        "cc": ticket["cc"],
        "state": ticket["state"],
        "closed_at": ticket["closed_at"],
        "merged_into_id": ticket["merged_into_id"],
    }


async def setup(desk: Desk) -> tuple[Agent, dict[str, Any], dict[str, Any], dict[str, Any]]:
    ada = await desk.agent(name="Ada")
    inbox = await desk.inbox(members=[ada])
    admin = await desk.agent(role="admin")
    for name in ("bug", "vip"):
        await admin.client.post("/api/v1/labels", json={"name": name})
    labels = {
        label["name"]: label["id"] for label in (await ada.client.get("/api/v1/labels")).json()
    }
    first = await new_ticket(ada.client, inbox, subject="First", label_ids=[labels["bug"]])
    second = await new_ticket(ada.client, inbox, subject="Second", label_ids=[labels["vip"]])
    return ada, inbox, first, second


class TestMerge:
    async def test_one_thread_in_time_order_combined_and_pointing(
        self, desk: Desk, published: Published
    ) -> None:
        ada, _inbox, first, second = await setup(desk)
        await note(ada, first["id"], "one")
        await note(ada, second["id"], "two")
        await note(ada, first["id"], "three")
        published.clear()
        response = await merge(ada, first["id"], second["id"])
        # Both tickets' desks hear of it (held to the catalogue by the fixture).
        assert [(m.envelope.type, m.envelope.data["ticket"]["id"]) for m in published.messages] == [
            ("ticket.updated", first["id"]),
            ("ticket.updated", second["id"]),
        ]
        assert response.status_code == 201, response.text
        move = response.json()
        assert move["kind"] == "merge"
        assert (move["source_ticket_id"], move["target_ticket_id"]) == (first["id"], second["id"])

        kept = await get(ada, second["id"])
        assert messages(kept) == ["one", "two", "three"]
        assert sorted(label["name"] for label in kept["labels"]) == ["bug", "vip"]
        assert f"Ada merged #{first['number']} into this ticket" in [
            e["text"] for e in kept["entries"] if e["kind"] == "event"
        ]
        gone = await get(ada, first["id"])
        assert gone["merged_into_id"] == second["id"]
        assert gone["state"] == "closed"
        assert messages(gone) == []
        assert [e["text"] for e in gone["entries"]] == [
            f"Ada merged this ticket into #{second['number']}"
        ]
        assert gone["entries"][0]["data"]["move_id"] == move["id"]

    async def test_refusals(self, desk: Desk) -> None:
        ada, inbox, first, second = await setup(desk)
        error_of(await merge(ada, first["id"], first["id"]), 422)
        other = await new_ticket(ada.client, inbox, email="someone@example.org")
        refused = error_of(await merge(ada, first["id"], other["id"]), 409, "different_customers")
        assert "different customers" in refused["message"]
        outsider_inbox = await desk.inbox(name="Elsewhere")
        eve = await desk.agent(inboxes=[outsider_inbox])
        hidden = await new_ticket(eve.client, outsider_inbox)
        error_of(await merge(ada, first["id"], hidden["id"]), 404)
        error_of(await merge(eve, first["id"], hidden["id"]), 404)
        assert (await merge(ada, first["id"], second["id"])).status_code == 201
        error_of(await merge(ada, first["id"], second["id"]), 409, "ticket_merged")
        error_of(await merge(ada, other["id"], first["id"], other_customer=True), 409)
        reply = await ada.client.post(
            f"/api/v1/tickets/{first['id']}/replies", json={"text": "hello"}
        )
        error_of(reply, 409, "ticket_merged")

    async def test_other_customers_merge_when_confirmed(self, desk: Desk) -> None:
        ada, inbox, first, _second = await setup(desk)
        other = await new_ticket(ada.client, inbox, email="someone@example.org")
        response = await merge(ada, other["id"], first["id"], other_customer=True)
        assert response.status_code == 201, response.text
        assert (await get(ada, first["id"]))["customer_id"] == first["customer_id"]

    async def test_undo_restores_exactly(self, desk: Desk) -> None:
        ada, _inbox, first, second = await setup(desk)
        await note(ada, first["id"], "one")
        await note(ada, second["id"], "two")
        await ada.client.patch(f"/api/v1/tickets/{first['id']}", json={"state": "hold"})
        before = {t: restorable(await get(ada, t)) for t in (first["id"], second["id"])}
        move = (await merge(ada, first["id"], second["id"])).json()
        undone = await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
        assert undone.status_code == 200, undone.text
        assert undone.json()["undone_at"] is not None
        for ticket_id, was in before.items():
            now = restorable(await get(ada, ticket_id))
            lines = now.pop("events")
            assert lines[: len(was["events"])] == was["events"]
            was.pop("events")
            assert now == was
        timeline = [e["text"] for e in (await get(ada, first["id"]))["entries"]]
        assert f"Ada undid the merge into #{second['number']}" in timeline
        error_of(
            await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"),
            409,
            "already_undone",
        )

    async def test_undo_gives_back_the_custom_status_while_it_may_be_had(self, desk: Desk) -> None:
        """A merge closes the merged ticket, which loses a status of another state; its undo
        gives the status back with the state, unless it was archived or deleted meanwhile."""
        ada, _inbox, first, second = await setup(desk)
        admin = await desk.agent(role="admin")
        made = await admin.client.post(
            "/api/v1/ticket-statuses", json={"name": "Waiting on vendor", "state": "hold"}
        )
        assert made.status_code == 201, made.text
        vendor = {key: made.json()[key] for key in ("id", "name", "state")}
        url = f"/api/v1/tickets/{first['id']}"
        set_ = await ada.client.patch(url, json={"status_id": vendor["id"]})
        assert set_.status_code == 200, set_.text

        async def merged_and_undone(meanwhile: dict[str, Any] | None = None) -> dict[str, Any]:
            move = (await merge(ada, first["id"], second["id"])).json()
            closed = await get(ada, first["id"])
            assert (closed["state"], closed["status"]) == ("closed", None)
            if meanwhile is not None:
                changed = await admin.client.request(**meanwhile)
                assert changed.status_code in (200, 204), changed.text
            undone = await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
            assert undone.status_code == 200, undone.text
            return await get(ada, first["id"])

        back = await merged_and_undone()
        assert (back["state"], back["status"]) == ("hold", vendor)
        status_url = f"/api/v1/ticket-statuses/{vendor['id']}"
        # Archived while merged: the state comes back with the plain status.
        archived = {"method": "PATCH", "url": status_url, "json": {"archived": True}}
        back = await merged_and_undone(archived)
        assert (back["state"], back["status"]) == ("hold", None)
        # Deleted while merged (no ticket had it any more): the plain status too.
        restored = await admin.client.patch(status_url, json={"archived": False})
        assert restored.status_code == 200, restored.text
        assert (await ada.client.patch(url, json={"status_id": vendor["id"]})).status_code == 200
        back = await merged_and_undone({"method": "DELETE", "url": status_url})
        assert (back["state"], back["status"]) == ("hold", None)

    async def test_followers_are_combined_and_undo_takes_back_only_the_added(
        self, desk: Desk
    ) -> None:
        ada, inbox, first, second = await setup(desk)
        bob = await desk.agent(name="Bob", inboxes=[inbox])
        cy = await desk.agent(name="Cy", inboxes=[inbox])
        assert (await bob.client.put(f"/api/v1/tickets/{first['id']}/follow")).is_success
        assert (await cy.client.put(f"/api/v1/tickets/{first['id']}/follow")).is_success
        assert (await cy.client.put(f"/api/v1/tickets/{second['id']}/follow")).is_success

        async def following(ticket_id: int) -> list[str]:
            found = (await ada.client.get(f"/api/v1/tickets/{ticket_id}/followers")).json()
            return sorted(user["name"] for user in found["followers"])

        move = (await merge(ada, first["id"], second["id"])).json()
        assert await following(second["id"]) == ["Bob", "Cy"]
        undone = await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
        assert undone.status_code == 200, undone.text
        # Cy followed the kept ticket before the merge and still does; Bob came with the merge.
        assert await following(second["id"]) == ["Cy"]
        assert await following(first["id"]) == ["Bob", "Cy"]

    async def test_undo_after_the_window_or_behind_a_later_move_is_refused(
        self, app: FastAPI, desk: Desk
    ) -> None:
        ada, inbox, first, second = await setup(desk)
        third = await new_ticket(ada.client, inbox, subject="Third")
        move = (await merge(ada, first["id"], second["id"])).json()
        later = (await merge(ada, second["id"], third["id"])).json()
        error_of(
            await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"),
            409,
            "undo_blocked",
        )
        async with unit_of_work(app.state.sessionmaker) as session:
            await session.execute(
                update(TicketMove)
                .where(TicketMove.id == later["id"])
                .values(undo_until=utcnow() - timedelta(seconds=1))
            )
        error_of(
            await ada.client.post(f"/api/v1/tickets/moves/{later['id']}/undo"),
            409,
            "undo_expired",
        )
        eve = await desk.agent()
        error_of(await eve.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"), 404)

    @BOTH_STORES
    async def test_concurrent_merges_give_one_result(self, desk: Desk) -> None:
        """Both directions at once, and the same merge twice: exactly one merge stands."""
        ada, _inbox, first, second = await setup(desk)
        await note(ada, first["id"], "one")
        await note(ada, second["id"], "two")
        results = await asyncio.gather(
            merge(ada, first["id"], second["id"]),
            merge(ada, second["id"], first["id"]),
            merge(ada, first["id"], second["id"]),
        )
        codes = sorted(r.status_code for r in results)
        assert codes == [201, 409, 409], [r.text for r in results]
        a, b = await get(ada, first["id"]), await get(ada, second["id"])
        merged = [t for t in (a, b) if t["merged_into_id"] is not None]
        assert len(merged) == 1
        kept = b if merged[0] is a else a
        assert messages(kept) == ["one", "two"]
        assert messages(merged[0]) == []


class TestSplit:
    async def test_split_one_message_and_undo(self, desk: Desk) -> None:
        ada, _inbox, first, _second = await setup(desk)
        for text in ("one", "two", "three"):
            await note(ada, first["id"], text)
        before = restorable(await get(ada, first["id"]))
        two = next(e for e in (await get(ada, first["id"]))["entries"] if e["text"] == "two")
        response = await ada.client.post(
            f"/api/v1/tickets/{first['id']}/entries/{two['id']}/split", json={}
        )
        assert response.status_code == 201, response.text
        move = response.json()
        new = await get(ada, move["target_ticket_id"])
        assert messages(new) == ["two"]
        assert new["subject"] == "First"
        assert new["customer_id"] == first["customer_id"]
        assert [label["name"] for label in new["labels"]] == ["bug"]
        assert messages(await get(ada, first["id"])) == ["one", "three"]
        events = [
            e["text"] for e in (await get(ada, first["id"]))["entries"] if e["kind"] == "event"
        ]
        assert events == [f"Ada split a message out into #{new['number']}"]

        undone = await ada.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
        assert undone.status_code == 200, undone.text
        after = restorable(await get(ada, first["id"]))
        assert after["messages"] == before["messages"]
        emptied = await get(ada, new["id"])
        assert messages(emptied) == []
        assert emptied["state"] == "closed"
        assert emptied["merged_into_id"] == first["id"]

    @BOTH_STORES
    async def test_split_with_the_later_messages(self, desk: Desk) -> None:
        ada, _inbox, first, _second = await setup(desk)
        for text in ("one", "two", "three"):
            await note(ada, first["id"], text)
        two = next(e for e in (await get(ada, first["id"]))["entries"] if e["text"] == "two")
        move = (
            await ada.client.post(
                f"/api/v1/tickets/{first['id']}/entries/{two['id']}/split",
                json={"with_later": True},
            )
        ).json()
        assert messages(await get(ada, move["target_ticket_id"])) == ["two", "three"]
        assert messages(await get(ada, first["id"])) == ["one"]

    async def test_split_refusals(self, desk: Desk) -> None:
        ada, _inbox, first, second = await setup(desk)
        only = await note(ada, first["id"], "only")
        url = f"/api/v1/tickets/{first['id']}/entries"
        error_of(await ada.client.post(f"{url}/{only['id']}/split", json={}), 422)
        other = await note(ada, second["id"], "elsewhere")
        error_of(await ada.client.post(f"{url}/{other['id']}/split", json={}), 404)
        await note(ada, first["id"], "more")
        await ada.client.patch(f"/api/v1/tickets/{first['id']}", json={"state": "hold"})
        line = next(e for e in (await get(ada, first["id"]))["entries"] if e["kind"] == "event")
        error_of(await ada.client.post(f"{url}/{line['id']}/split", json={}), 422)
