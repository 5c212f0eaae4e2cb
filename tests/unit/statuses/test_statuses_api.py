"""Custom ticket statuses (docs/desk.md, "Ticket statuses"): admins define them under open, on
hold and closed; a ticket carries one of its state's; setting one sets the state, and a change to
another state leaves it, whoever makes it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.statuses.models import TicketStatus
from frontdesk.tickets.models import Ticket
from frontdesk.webhooks.models import WebhookDelivery
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import (
    count_rows,
    error_of,
    fields_of,
    new_ticket,
    use_cheap_passwords,
)

pytestmark = SQLITE_ONLY
URL = "/api/v1/ticket-statuses"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The webhook's deliveries are read from the table, never sent.
    return settings.model_copy(update={"webhooks_allow_private": True})


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def make(admin: Agent, name: str, state: str, **body: Any) -> dict[str, Any]:
    response = await admin.client.post(URL, json={"name": name, "state": state, **body})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def patch(who: Agent, ticket_id: int, **body: Any) -> dict[str, Any]:
    response = await who.client.patch(f"/api/v1/tickets/{ticket_id}", json=body)
    assert response.status_code == 200, response.text
    read: dict[str, Any] = response.json()
    return read


async def read(who: Agent, ticket_id: int) -> dict[str, Any]:
    response = await who.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def ref(status: dict[str, Any]) -> dict[str, Any]:
    return {"id": status["id"], "name": status["name"], "state": status["state"]}


def timeline(ticket: dict[str, Any]) -> list[str]:
    return [entry["text"] for entry in ticket["entries"] if entry["kind"] == "event"]


class TestDefinitions:
    async def test_admins_define_them_agents_read_them_in_order(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin", name="Olga")
        agent = await desk.agent()
        vendor = await make(admin, "  Waiting on vendor ", "hold", description="Parts ordered")
        assert vendor["name"] == "Waiting on vendor"
        assert (vendor["position"], vendor["archived"]) == (0, False)
        customer = await make(admin, "Pending customer reply", "hold")
        assert customer["position"] == 1
        await make(admin, "In progress", "open")
        await make(admin, "Resolved - duplicate", "closed")
        listed = (await agent.client.get(URL)).json()
        assert [(s["name"], s["state"]) for s in listed] == [
            ("In progress", "open"),
            ("Waiting on vendor", "hold"),
            ("Pending customer reply", "hold"),
            ("Resolved - duplicate", "closed"),
        ]
        assert listed[1]["description"] == "Parts ordered"
        # Moved up: the other one makes room.
        moved = await admin.client.patch(f"{URL}/{customer['id']}", json={"position": 0})
        assert moved.status_code == 200, moved.text
        listed = (await agent.client.get(URL)).json()
        assert [s["name"] for s in listed if s["state"] == "hold"] == [
            "Pending customer reply",
            "Waiting on vendor",
        ]
        assert [s["position"] for s in listed if s["state"] == "hold"] == [0, 1]
        # Audited as other settings are.
        events = (await desk.agent(role="owner")).client
        entries = (await events.get("/api/v1/audit-events")).json()["items"]
        actions = {entry["action"] for entry in entries}
        assert {"ticket_status.created", "ticket_status.updated"} <= actions
        # A change to the values it has is no change: answered with the status, not audited.
        same = {"name": "Waiting on vendor", "description": "Parts ordered", "position": 1}
        unchanged = await admin.client.patch(f"{URL}/{vendor['id']}", json=same)
        assert unchanged.status_code == 200, unchanged.text
        assert unchanged.json() == {**vendor, "position": 1}
        again = (await events.get("/api/v1/audit-events")).json()["items"]
        assert len(again) == len(entries)

    async def test_agents_may_not_write(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        made = await make(admin, "Waiting on vendor", "hold")
        body = {"name": "Mine", "state": "open"}
        error_of(await agent.client.post(URL, json=body), 403)
        error_of(await agent.client.patch(f"{URL}/{made['id']}", json={"name": "x"}), 403)
        error_of(await agent.client.delete(f"{URL}/{made['id']}"), 403)
        assert await count_rows(desk.app, TicketStatus) == 1

    @BOTH_STORES
    async def test_names_are_unique_whatever_the_case(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        first = await make(admin, "Waiting on vendor", "hold")
        other = await make(admin, "In progress", "open")
        error = error_of(
            await admin.client.post(URL, json={"name": "WAITING ON VENDOR", "state": "open"}), 409
        )
        assert error["code"] == "status_exists"
        renamed = await admin.client.patch(
            f"{URL}/{other['id']}", json={"name": "waiting on Vendor"}
        )
        assert error_of(renamed, 409)["code"] == "status_exists"
        # Its own name in another case is no clash.
        again = await admin.client.patch(f"{URL}/{first['id']}", json={"name": "Waiting on Vendor"})
        assert again.status_code == 200, again.text
        assert await count_rows(desk.app, TicketStatus) == 2

    async def test_bad_definitions_are_422(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        for body in (
            {"name": "Later", "state": "snoozed"},
            {"name": "Junk", "state": "spam"},
            {"name": "   ", "state": "open"},
            {"name": "x" * 41, "state": "open"},
            {"name": "Nameless"},
        ):
            error_of(await admin.client.post(URL, json=body), 422)
        made = await make(admin, "Waiting on vendor", "hold")
        # The state is fixed once made: tickets carry it as one of that state.
        error_of(await admin.client.patch(f"{URL}/{made['id']}", json={"state": "open"}), 422)
        assert await count_rows(desk.app, TicketStatus) == 1

    async def test_archive_restore_and_delete(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox(members=[admin])
        vendor = await make(admin, "Waiting on vendor", "hold")
        ticket = await new_ticket(admin.client, inbox)
        await patch(admin, ticket["id"], status_id=vendor["id"])
        archived = await admin.client.patch(f"{URL}/{vendor['id']}", json={"archived": True})
        assert archived.json()["archived"] is True
        # The ticket keeps it and shows it; no other ticket may be given it.
        assert (await read(admin, ticket["id"]))["status"] == ref(vendor)
        other = await new_ticket(admin.client, inbox, subject="Another")
        refused = await admin.client.patch(
            f"/api/v1/tickets/{other['id']}", json={"status_id": vendor["id"]}
        )
        assert "archived" in error_of(refused, 422)["message"]
        # Deleting is refused while a ticket has it.
        in_use = error_of(await admin.client.delete(f"{URL}/{vendor['id']}"), 409)
        assert in_use["code"] == "status_in_use"
        assert "1 ticket has it" in in_use["message"]
        restored = await admin.client.patch(f"{URL}/{vendor['id']}", json={"archived": False})
        assert restored.json()["archived"] is False
        await patch(admin, other["id"], status_id=vendor["id"])
        # Once no ticket has it, it goes.
        await patch(admin, ticket["id"], state="open")
        await patch(admin, other["id"], status_id=None)
        assert (await admin.client.delete(f"{URL}/{vendor['id']}")).status_code == 204
        assert await count_rows(desk.app, TicketStatus) == 0


class TestOnTickets:
    @BOTH_STORES
    async def test_a_status_sets_its_state_and_another_state_leaves_it(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        vendor = await make(admin, "Waiting on vendor", "hold")
        reply = await make(admin, "Pending customer reply", "hold")
        ticket = await new_ticket(ada.client, inbox)
        assert ticket["status"] is None
        changed = await patch(ada, ticket["id"], status_id=vendor["id"])
        assert (changed["state"], changed["status"]) == ("hold", ref(vendor))
        # Another status of the same state; the same state again keeps it.
        await patch(ada, ticket["id"], status_id=reply["id"])
        kept = await patch(ada, ticket["id"], state="hold")
        assert kept["status"] == ref(reply)
        # Back to the plain status, state unchanged.
        plain = await patch(ada, ticket["id"], status_id=None)
        assert (plain["state"], plain["status"]) == ("hold", None)
        await patch(ada, ticket["id"], status_id=vendor["id"])
        # A state of its own: the status goes.
        opened = await patch(ada, ticket["id"], state="open")
        assert (opened["state"], opened["status"]) == ("open", None)
        # A snooze too.
        await patch(ada, ticket["id"], status_id=vendor["id"])
        snoozed = await patch(ada, ticket["id"], snoozed_until="2099-01-01T09:00:00Z")
        assert (snoozed["state"], snoozed["status"]) == ("snoozed", None)
        # A status and a state that disagree are refused, with nothing changed.
        disagree = await ada.client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"status_id": vendor["id"], "state": "open"}
        )
        assert "status_id" in str(error_of(disagree, 422))
        assert (await read(ada, ticket["id"]))["state"] == "snoozed"
        assert timeline(await read(ada, ticket["id"]))[:6] == [
            "Ada set the status to Waiting on vendor",
            "Ada set the status to Pending customer reply",
            "Ada set the status to Hold",
            "Ada set the status to Waiting on vendor",
            "Ada set the state to Open",
            "Ada set the status to Waiting on vendor",
        ]
        missing = await ada.client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"status_id": 999999}
        )
        error_of(missing, 422)

    async def test_a_new_ticket_is_filed_with_a_status(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        vendor = await make(admin, "Waiting on vendor", "hold")
        old = await make(admin, "Old", "hold")
        assert (await admin.client.patch(f"{URL}/{old['id']}", json={"archived": True})).is_success
        # The status sets the state; a state sent with it must agree.
        filed = await new_ticket(ada.client, inbox, status_id=vendor["id"])
        assert (filed["state"], filed["status"]) == ("hold", ref(vendor))
        agreed = await new_ticket(ada.client, inbox, status_id=vendor["id"], state="hold")
        assert agreed["status"] == ref(vendor)
        listed = await ada.client.get("/api/v1/tickets", params={"status_id": vendor["id"]})
        assert {row["id"] for row in listed.json()["items"]} == {filed["id"], agreed["id"]}
        # With a message, the status goes with the `then` of its state, which keeps it.
        body = {"inbox_id": inbox["id"], "customer": {"email": "c@example.org"}, "subject": "Hi"}
        emailed = await ada.client.post(
            "/api/v1/tickets",
            json={**body, "status_id": vendor["id"], "message": {"text": "Hi", "then": "hold"}},
        )
        assert emailed.status_code == 201, emailed.text
        assert (emailed.json()["state"], emailed.json()["status"]) == ("hold", ref(vendor))
        # Refused before anything is written: archived, unknown, disagreeing (with a state, or
        # with a message's `then`).
        message = {"message": {"text": "Hello"}}
        for wrong in (
            {"status_id": old["id"]},
            {"status_id": 999999},
            {"status_id": vendor["id"], "state": "open"},
            {"status_id": vendor["id"], **message},
            {"status_id": vendor["id"], "message": {"text": "Hello", "then": "close"}},
        ):
            refused = await ada.client.post("/api/v1/tickets", json={**body, **wrong})
            assert fields_of(error_of(refused, 422)) == {"status_id"}, wrong
        assert await count_rows(desk.app, Ticket) == 3

    async def test_the_list_shows_and_filters_by_status(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        vendor = await make(admin, "Waiting on vendor", "hold")
        waiting = await new_ticket(ada.client, inbox, subject="Parts")
        await new_ticket(ada.client, inbox, subject="Other", state="hold")
        await patch(ada, waiting["id"], status_id=vendor["id"])
        page = (await ada.client.get("/api/v1/tickets", params={"status_id": vendor["id"]})).json()
        assert [(t["subject"], t["status"]) for t in page["items"]] == [("Parts", ref(vendor))]
        everything = (await ada.client.get("/api/v1/tickets")).json()["items"]
        assert {t["subject"]: t["status"] for t in everything} == {
            "Parts": ref(vendor),
            "Other": None,
        }
        nothing = (await ada.client.get("/api/v1/tickets", params={"status_id": 99})).json()
        assert nothing["items"] == []
        # A saved view keeps the filter.
        view = await ada.client.post(
            "/api/v1/views",
            json={"name": "Vendor", "filters": {"status_id": vendor["id"]}},
        )
        assert view.status_code == 201, view.text
        assert view.json()["filters"]["status_id"] == vendor["id"]
        viewed = await ada.client.get("/api/v1/tickets", params={"view_id": view.json()["id"]})
        assert [t["subject"] for t in viewed.json()["items"]] == ["Parts"]
        # The CSV file names it.
        exported = await ada.client.get(
            "/api/v1/tickets/export.csv", params={"inbox_id": inbox["id"], "sort": "number"}
        )
        lines = exported.text.splitlines()
        assert lines[0].split(",")[:4] == ["number", "subject", "state", "status"]
        assert lines[1].split(",")[2:4] == ["hold", "Waiting on vendor"]

    async def test_an_organisations_tickets_show_their_status(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        vendor = await make(admin, "Waiting on vendor", "hold")
        made = await admin.client.post(
            "/api/v1/organisations", json={"name": "Acme", "domains": ["acme.example"]}
        )
        assert made.status_code == 201, made.text
        wile = {"email": "wile@acme.example", "name": "Wile"}
        waiting = await new_ticket(ada.client, inbox, subject="Parts", customer=wile)
        await new_ticket(ada.client, inbox, subject="Other", customer=wile)
        await patch(ada, waiting["id"], status_id=vendor["id"])
        url = f"/api/v1/organisations/{made.json()['id']}/tickets"
        page = (await ada.client.get(url)).json()["items"]
        assert {t["subject"]: (t["state"], t["status"]) for t in page} == {
            "Parts": ("hold", ref(vendor)),
            "Other": ("open", None),
        }

    async def test_a_macro_sets_a_status_and_keeps_it_from_archiving(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        vendor = await make(admin, "Waiting on vendor", "hold")
        made = await ada.client.post(
            "/api/v1/macros",
            json={
                "name": "Vendor",
                "actions": [
                    {"type": "note", "text": "Asked the vendor"},
                    {"type": "set_status", "status_id": vendor["id"]},
                ],
            },
        )
        assert made.status_code == 201, made.text
        macro = made.json()
        ticket = await new_ticket(ada.client, inbox)
        applied = await ada.client.post(
            f"/api/v1/macros/{macro['id']}/apply", json={"ticket_id": ticket["id"]}
        )
        assert applied.status_code == 200, applied.text
        assert applied.json()["applied"] == ["note", "set_status"]
        after = await read(ada, ticket["id"])
        assert (after["state"], after["status"]) == ("hold", ref(vendor))
        assert "Ada set the status to Waiting on vendor" in timeline(after)
        # Neither archived nor deleted from under the macro.
        for refused in (
            await admin.client.patch(f"{URL}/{vendor['id']}", json={"archived": True}),
            await admin.client.delete(f"{URL}/{vendor['id']}"),
        ):
            error = error_of(refused, 409)
            assert error["code"] == "status_in_use"
            assert "Ada's macro “Vendor”" in error["message"]
        # Set a state and a status in one macro: refused.
        both = await ada.client.post(
            "/api/v1/macros",
            json={
                "name": "Both",
                "actions": [
                    {"type": "set_state", "state": "open"},
                    {"type": "set_status", "status_id": vendor["id"]},
                ],
            },
        )
        error_of(both, 422)
        unknown = await ada.client.post(
            "/api/v1/macros",
            json={"name": "Gone", "actions": [{"type": "set_status", "status_id": 999}]},
        )
        error_of(unknown, 422)

    async def test_a_rule_sets_a_status(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        vendor = await make(admin, "Waiting on vendor", "hold")
        rule = await admin.client.post(
            "/api/v1/rules",
            json={
                "name": "Vendor orders",
                "when": {"type": "created"},
                "conditions": [{"field": "inbox", "op": "is", "value": inbox["id"]}],
                "actions": [{"type": "set_status", "status_id": vendor["id"]}],
            },
        )
        assert rule.status_code == 201, rule.text
        ticket = await new_ticket(ada.client, inbox, subject="Spare parts")
        after = await read(ada, ticket["id"])
        assert (after["state"], after["status"]) == ("hold", ref(vendor))
        refused = error_of(await admin.client.delete(f"{URL}/{vendor['id']}"), 409)
        assert "the rule “Vendor orders”" in refused["message"]


async def test_webhooks_carry_the_status_and_its_change(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    owner = await desk.agent(role="owner")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    vendor = await make(owner, "Waiting on vendor", "hold")
    hook = await owner.client.post(
        "/api/v1/webhooks",
        json={"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["ticket.updated"]},
    )
    assert hook.status_code == 201, hook.text
    ticket = await new_ticket(ada.client, inbox)
    await patch(ada, ticket["id"], status_id=vendor["id"])
    await patch(ada, ticket["id"], state="open")
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.ticket_id == ticket["id"])
            .order_by(WebhookDelivery.id)
        )
        told = [row.payload["data"] for row in rows if row.event_type == "ticket.updated"]
    first, second = told
    assert first["ticket"]["status"] == ref(vendor)
    assert first["changes"] == ["state", "status"]
    assert first["diff"]["status"]["from"] is None
    assert first["diff"]["status"]["to"] == ref(vendor)
    assert second["ticket"]["status"] is None
    assert second["diff"]["status"] == {
        "from": ref(vendor),
        "to": None,
        "by": {"type": "agent", "id": ada.id, "name": "Ada", "email": ada.user["email"]},
    }
