"""Actions on tickets over HTTP: each action alone, the same timeline as the single edits, all
or nothing on one ticket, bulk with per-ticket refusals, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from frontdesk.mail.models import OutboxMessage
from frontdesk.replies.models import SavedReply
from frontdesk.tickets.models import TicketEntry
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Published
from tests.unit.support import count_rows, error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def act(agent: Agent, ticket: dict[str, Any], *actions: dict[str, Any]) -> Any:
    return await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/actions", json={"actions": list(actions)}
    )


async def fetch(agent: Agent, ticket: dict[str, Any]) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket['id']}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def lines(detail: dict[str, Any]) -> list[str]:
    return [entry["text"] for entry in detail["entries"]]


async def label(admin: Agent, name: str) -> dict[str, Any]:
    response = await admin.client.post("/api/v1/labels", json={"name": name})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


class TestEachAction:
    async def test_assign_label_state_snooze_note_and_reply(self, desk: Desk) -> None:
        ada = await desk.agent(name="Ada")
        bob = await desk.agent(name="Bob")
        inbox = await desk.inbox(members=[ada, bob], email_address="help@acme.test")
        admin = await desk.agent(role="admin")
        billing, vip = await label(admin, "billing"), await label(admin, "vip")
        ticket = await new_ticket(
            ada.client, inbox, customer={"email": "c@example.org", "name": "Cora Customer"}
        )

        done = (await act(ada, ticket, {"type": "assign", "assignee": bob.id})).json()
        assert (done["ok"], done["applied"], done["ticket"]["assignee_id"]) == (
            True,
            ["assign"],
            bob.id,
        )
        assert (await act(ada, ticket, {"type": "assign", "assignee": "me"})).json()["ticket"][
            "assignee_id"
        ] == ada.id
        response = await act(ada, ticket, {"type": "label", "add": [billing["id"], vip["id"]]})
        assert response.json()["applied"] == ["label"]
        response = await act(ada, ticket, {"type": "label", "remove": [vip["id"]]})
        assert [each["name"] for each in (await fetch(ada, ticket))["labels"]] == ["billing"]
        # Already as asked: nothing changes, nothing is written.
        again = (await act(ada, ticket, {"type": "label", "add": [billing["id"]]})).json()
        assert again["applied"] == []
        assert (await act(ada, ticket, {"type": "set_state", "state": "hold"})).json()["ticket"][
            "state"
        ] == "hold"
        snoozed = (await act(ada, ticket, {"type": "snooze", "minutes": 60})).json()
        assert snoozed["ticket"]["state"] == "snoozed"
        assert (await act(ada, ticket, {"type": "note", "text": "Checked the invoice"})).json()[
            "applied"
        ] == ["note"]
        reply = await act(
            ada,
            ticket,
            {"type": "reply", "text": "Hello {{customer.first_name}}, done."},
            {"type": "set_state", "state": "closed"},
        )
        # The reply closed it ("Send & Close"): both are said to have changed something.
        assert reply.json()["applied"] == ["reply", "set_state"]
        detail = await fetch(ada, ticket)
        assert detail["state"] == "closed"
        assert lines(detail) == [
            "Ada assigned the ticket to Bob",
            "Ada assigned the ticket to Ada",
            "Ada added the labels billing, vip",
            "Ada removed the label vip",
            "Ada set the state to Hold",
            "Ada set the state to Snoozed",
            "Checked the invoice",
            "Hello Cora, done.",
            "Ada set the state to Closed",
        ]
        assert await count_rows(desk.app, OutboxMessage) == 1

    async def test_unassign_and_the_same_lines_as_a_patch(self, desk: Desk) -> None:
        ada = await desk.agent(name="Ada")
        inbox = await desk.inbox(members=[ada])
        by_patch = await new_ticket(ada.client, inbox, assignee_id=ada.id)
        by_action = await new_ticket(ada.client, inbox, assignee_id=ada.id)
        patched = await ada.client.patch(
            f"/api/v1/tickets/{by_patch['id']}",
            json={"unassign": True, "state": "closed"},
        )
        assert patched.status_code == 200, patched.text
        await act(
            ada,
            by_action,
            {"type": "set_state", "state": "closed"},
            {"type": "assign", "assignee": None},
        )
        one, two = await fetch(ada, by_patch), await fetch(ada, by_action)
        assert (
            lines(one)
            == lines(two)
            == [
                "Ada set the state to Closed",
                "Ada unassigned the ticket",
            ]
        )
        assert (two["state"], two["assignee_id"]) == ("closed", None)

    async def test_events_after_commit(self, desk: Desk, published: Published) -> None:
        ada = await desk.agent()
        inbox = await desk.inbox(members=[ada])
        ticket = await new_ticket(ada.client, inbox)
        published.messages.clear()
        await act(
            ada, ticket, {"type": "set_state", "state": "hold"}, {"type": "note", "text": "x"}
        )
        kinds = [message.envelope.type for message in published.messages]
        assert kinds == ["ticket.updated", "ticket.entry_added"]


class TestAllOrNothing:
    async def test_a_refused_action_leaves_the_ticket_as_it_was(self, desk: Desk) -> None:
        ada = await desk.agent()
        inbox = await desk.inbox(members=[ada])
        outsider = await desk.agent(name="Olga")
        ticket = await new_ticket(ada.client, inbox)
        response = await act(
            ada,
            ticket,
            {"type": "note", "text": "first"},
            {"type": "set_state", "state": "closed"},
            {"type": "assign", "assignee": outsider.id},
        )
        error = error_of(response, 422, "invalid")
        assert "not a member" in error["message"]
        detail = await fetch(ada, ticket)
        assert (detail["state"], detail["entries"]) == ("open", [])

    async def test_a_reply_with_a_variable_the_ticket_lacks_is_refused(self, desk: Desk) -> None:
        ada = await desk.agent()
        inbox = await desk.inbox(members=[ada])
        ticket = await new_ticket(ada.client, inbox, customer={"email": "x@example.org"})
        response = await act(ada, ticket, {"type": "reply", "text": "Hi {{customer.first_name}}"})
        error = error_of(response, 422, "invalid")
        assert "{{customer.first_name}}" in error["message"]
        assert await count_rows(desk.app, OutboxMessage) == 0

    async def test_a_reply_with_a_mistyped_variable_is_never_sent(self, desk: Desk) -> None:
        """Nobody reads an action's reply over: "Hi {{customer.frist}}" must not reach the
        customer, whether the text is the action's or a saved reply's (changed since)."""
        ada = await desk.agent()
        inbox = await desk.inbox(members=[ada])
        ticket = await new_ticket(ada.client, inbox, customer={"email": "x@example.org"})
        response = await act(ada, ticket, {"type": "reply", "text": "Hi {{customer.frist}}"})
        assert "No such variable: {{customer.frist}}" in error_of(response, 422)["message"]
        # A saved reply with it is refused when saved; one saved before that was refused
        # (written here as it would be stored) is refused when it would be sent.
        typo = {"name": "Hello", "text": "Hi {{ customer.frist }}"}
        error_of(await ada.client.post("/api/v1/saved-replies", json=typo), 422, "invalid")
        saved = await ada.client.post(
            "/api/v1/saved-replies", json={"name": "Hello", "text": "Hi there"}
        )
        assert saved.status_code == 201, saved.text
        async with desk.app.state.sessionmaker() as session, session.begin():
            await session.execute(
                update(SavedReply)
                .where(SavedReply.id == saved.json()["id"])
                .values(text=typo["text"])
            )
        reply = {"type": "reply", "saved_reply_id": saved.json()["id"]}
        error_of(await act(ada, ticket, reply), 422)
        assert await count_rows(desk.app, OutboxMessage) == 0
        # Saved as a macro, the typo is refused before it can be applied.
        macro = {"name": "Greet", "actions": [{"type": "reply", "text": "Hi {{customer.frist}}"}]}
        refused = await ada.client.post("/api/v1/macros", json=macro)
        assert "No such variable" in error_of(refused, 422)["message"]

    async def test_a_ticket_one_may_not_see_is_404(self, desk: Desk) -> None:
        ada = await desk.agent()
        bob = await desk.agent()
        ticket = await new_ticket(ada.client, await desk.inbox(members=[ada]))
        error_of(await act(bob, ticket, {"type": "note", "text": "x"}), 404, "not_found")
        assert await count_rows(desk.app, TicketEntry) == 0


class TestBadInput:
    @pytest.mark.parametrize(
        "actions",
        [
            [],
            [{"type": "explode"}],
            [{"type": "note"}],
            [{"type": "note", "text": ""}],
            [{"type": "note", "text": "a"}, {"type": "note", "text": "b"}],
            [{"type": "set_state", "state": "snoozed"}],
            [{"type": "set_state", "state": "open"}, {"type": "snooze", "minutes": 5}],
            [{"type": "snooze"}],
            [{"type": "snooze", "minutes": 0}],
            [{"type": "snooze", "minutes": 5, "until": "2030-01-01T00:00:00Z"}],
            [{"type": "label"}],
            [{"type": "label", "add": [1], "remove": [1]}],
            [{"type": "reply"}],
            [{"type": "reply", "text": "x", "saved_reply_id": 1}],
            [{"type": "assign", "assignee": "someone"}],
            [{"type": "assign", "assignee": False}],
            [{"type": "note", "text": "x", "extra": 1}],
        ],
    )
    async def test_malformed_actions_are_422(self, desk: Desk, actions: list[Any]) -> None:
        ada = await desk.agent()
        ticket = await new_ticket(ada.client, await desk.inbox(members=[ada]))
        error = error_of(await act(ada, ticket, *actions), 422, "invalid")
        assert any(name.startswith("actions") for name in fields_of(error)), error

    async def test_unknown_references_are_422(self, desk: Desk) -> None:
        ada = await desk.agent()
        ticket = await new_ticket(ada.client, await desk.inbox(members=[ada]))
        for action in (
            {"type": "label", "add": [99999]},
            {"type": "assign", "assignee": 99999},
        ):
            error_of(await act(ada, ticket, action), 422, "invalid")
        error_of(await act(ada, ticket, {"type": "reply", "saved_reply_id": 99999}), 404)
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        error_of(await act(ada, ticket, {"type": "snooze", "until": past}), 422, "invalid")


class TestBulk:
    @BOTH_STORES
    async def test_ten_tickets_one_not_visible_is_refused_the_rest_done(self, desk: Desk) -> None:
        ada = await desk.agent(name="Ada")
        mine = await desk.inbox(members=[ada])
        bob = await desk.agent()
        theirs = await desk.inbox(members=[bob])
        admin = await desk.agent(role="admin")
        urgent = await label(admin, "urgent")
        tickets = [await new_ticket(ada.client, mine, subject=f"T{n}") for n in range(9)]
        hidden = await new_ticket(bob.client, theirs)
        ids = [t["id"] for t in tickets[:4]] + [hidden["id"]] + [t["id"] for t in tickets[4:]]
        response = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={
                "ticket_ids": ids,
                "actions": [
                    {"type": "label", "add": [urgent["id"]]},
                    {"type": "assign", "assignee": "me"},
                    {"type": "set_state", "state": "closed"},
                ],
            },
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["done"], result["refused"]) == (9, 1)
        assert [each["ticket_id"] for each in result["results"]] == ids
        refused = result["results"][4]
        assert (refused["ok"], refused["error"]["code"], refused["ticket"]) == (
            False,
            "not_found",
            None,
        )
        for ticket in tickets:
            detail = await fetch(ada, ticket)
            assert (detail["state"], detail["assignee_id"]) == ("closed", ada.id)
            assert [each["name"] for each in detail["labels"]] == ["urgent"]
        untouched = await fetch(bob, hidden)
        assert (untouched["state"], untouched["labels"], untouched["entries"]) == ("open", [], [])

    @BOTH_STORES
    async def test_snooze_many_until_a_time_in_the_future_only(self, desk: Desk) -> None:
        # The bulk bar's Snooze menu: one time for every ticket, checked as a single PATCH is.
        ada = await desk.agent()
        inbox = await desk.inbox(members=[ada])
        tickets = [await new_ticket(ada.client, inbox, subject=f"T{n}") for n in range(2)]
        ids = [ticket["id"] for ticket in tickets]
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        response = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={"ticket_ids": ids, "actions": [{"type": "snooze", "until": past}]},
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["done"], result["refused"]) == (0, 2)
        assert {each["error"]["message"] for each in result["results"]} == {
            "The snooze must end in the future."
        }
        for ticket in tickets:
            assert (await fetch(ada, ticket))["state"] == "open"
        until = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        response = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={"ticket_ids": ids, "actions": [{"type": "snooze", "until": until.isoformat()}]},
        )
        assert response.json()["done"] == 2, response.text
        for ticket in tickets:
            detail = await fetch(ada, ticket)
            assert detail["state"] == "snoozed"
            assert datetime.fromisoformat(detail["snoozed_until"]) == until

    async def test_a_refused_ticket_drops_its_events_and_rows(
        self, desk: Desk, published: Published
    ) -> None:
        ada = await desk.agent()
        inbox = await desk.inbox(members=[ada])
        good = await new_ticket(ada.client, inbox)
        # No address: a reply cannot reach this customer, so this ticket is refused whole.
        walk_in = (
            await ada.client.post(
                "/api/v1/customers", json={"name": "Walk in", "phones": ["555 0100"]}
            )
        ).json()
        bad = await new_ticket(ada.client, inbox, customer={"id": walk_in["id"]})
        published.messages.clear()
        response = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={
                "ticket_ids": [good["id"], bad["id"]],
                "actions": [
                    {"type": "note", "text": "bulk"},
                    {"type": "reply", "text": "Thanks, {{agent.first_name}}"},
                ],
            },
        )
        result = response.json()
        assert [each["ok"] for each in result["results"]] == [True, False]
        assert result["results"][1]["error"]["code"] == "no_recipient"
        assert (await fetch(ada, bad))["entries"] == []
        assert {message.envelope.data["ticket"]["id"] for message in published.messages} == {
            good["id"]
        }

    async def test_bounds_and_bad_ids(self, desk: Desk) -> None:
        ada = await desk.agent()
        note = [{"type": "note", "text": "x"}]
        for ids in ([], list(range(1, 102)), ["a"], [True]):
            response = await ada.client.post(
                "/api/v1/tickets/bulk", json={"ticket_ids": ids, "actions": note}
            )
            error_of(response, 422, "invalid")
        response = await ada.client.post(
            "/api/v1/tickets/bulk", json={"ticket_ids": [1], "actions": []}
        )
        error_of(response, 422, "invalid")
