"""Macros over HTTP: who sees and manages which (404, never 403), what a macro may refer to, a
macro on one ticket and on many, its line on the timeline, and the same macro applied twice at
the same moment."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from frontdesk.macros.models import Macro
from frontdesk.mail.models import OutboxMessage
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/macros"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def create(agent: Agent, name: str, actions: list[Any], **fields: Any) -> dict[str, Any]:
    response = await agent.client.post(URL, json={"name": name, "actions": actions, **fields})
    assert response.status_code == 201, response.text
    macro: dict[str, Any] = response.json()
    return macro


async def label(admin: Agent, name: str) -> dict[str, Any]:
    response = await admin.client.post("/api/v1/labels", json={"name": name})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


NOTE = [{"type": "note", "text": "Looked at it"}]


class TestWhoSeesWhat:
    @BOTH_STORES
    async def test_personal_is_the_owners_alone_team_is_the_inboxs(self, desk: Desk) -> None:
        support = await desk.inbox(name="Support")
        sales = await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support])
        bob = await desk.agent(inboxes=[support])
        carol = await desk.agent(inboxes=[sales])
        owner = await desk.agent(role="owner")
        mine = await create(ada, "Mine", NOTE)
        team = await create(ada, "Team", NOTE, inbox_id=support["id"])
        assert (mine["scope"], mine["owner_id"]) == ("personal", ada.id)
        assert (team["scope"], team["inbox_id"]) == ("team", support["id"])
        assert [m["name"] for m in (await ada.client.get(URL)).json()] == ["Mine", "Team"]
        assert [m["name"] for m in (await bob.client.get(URL)).json()] == ["Team"]
        assert [m["name"] for m in (await owner.client.get(URL)).json()] == ["Team"]
        assert (await carol.client.get(URL)).json() == []
        for other in (bob, owner, carol):
            path = f"{URL}/{mine['id']}"
            error_of(await other.client.get(path), 404, "not_found")
            error_of(await other.client.patch(path, json={"name": "x"}), 404, "not_found")
            error_of(await other.client.delete(path), 404, "not_found")
        error_of(await carol.client.delete(f"{URL}/{team['id']}"), 404, "not_found")
        renamed = await bob.client.patch(f"{URL}/{team['id']}", json={"name": "Team macro"})
        assert (renamed.json()["name"], renamed.json()["updated_by_id"]) == ("Team macro", bob.id)
        assert (await bob.client.delete(f"{URL}/{team['id']}")).status_code == 204
        assert await count_rows(desk.app, Macro) == 1
        error_of(
            await carol.client.post(
                URL, json={"name": "x", "actions": NOTE, "inbox_id": support["id"]}
            ),
            404,
        )

    async def test_a_team_macro_refers_only_to_what_the_team_may_use(self, desk: Desk) -> None:
        support = await desk.inbox(name="Support")
        ada = await desk.agent(inboxes=[support])
        outsider = await desk.agent(name="Olga")
        personal = (
            await ada.client.post("/api/v1/saved-replies", json={"name": "Hi", "text": "Hello"})
        ).json()
        for actions in (
            [{"type": "assign", "assignee": outsider.id}],
            [{"type": "reply", "saved_reply_id": personal["id"]}],
            [{"type": "label", "add": [424242]}],
        ):
            response = await ada.client.post(
                URL, json={"name": "x", "actions": actions, "inbox_id": support["id"]}
            )
            error_of(response, 422, "invalid")
        # Personal: the author's own saved reply is fine.
        await create(ada, "Hi", [{"type": "reply", "saved_reply_id": personal["id"]}])

    async def test_bad_input(self, desk: Desk) -> None:
        ada = await desk.agent()
        for body in (
            {"name": "", "actions": NOTE},
            {"name": "   ", "actions": NOTE},
            {"name": "x" * 101, "actions": NOTE},
            {"name": "x", "actions": []},
            {"name": "x", "actions": [{"type": "nope"}]},
            {"name": "x"},
        ):
            error_of(await ada.client.post(URL, json=body), 422, "invalid")
        assert await count_rows(desk.app, Macro) == 0


class TestApplying:
    async def test_a_macro_on_one_ticket_leaves_its_name_and_the_usual_lines(
        self, desk: Desk
    ) -> None:
        ada = await desk.agent(name="Ada")
        inbox = await desk.inbox(members=[ada], email_address="help@acme.test")
        admin = await desk.agent(role="admin")
        refund = await label(admin, "refund")
        saved = (
            await ada.client.post(
                "/api/v1/saved-replies",
                json={
                    "name": "Refunded",
                    "text": "Hi {{customer.first_name}}, refunded.",
                    "inbox_id": inbox["id"],
                },
            )
        ).json()
        macro = await create(
            ada,
            "Refund done",
            [
                {"type": "label", "add": [refund["id"]]},
                {"type": "assign", "assignee": "me"},
                {"type": "note", "text": "Refund sent"},
                {"type": "reply", "saved_reply_id": saved["id"]},
                {"type": "set_state", "state": "closed"},
            ],
            inbox_id=inbox["id"],
        )
        ticket = await new_ticket(ada.client, inbox)
        response = await ada.client.post(
            f"{URL}/{macro['id']}/apply", json={"ticket_id": ticket["id"]}
        )
        assert response.status_code == 200, response.text
        assert response.json()["applied"] == ["label", "assign", "note", "reply", "set_state"]
        detail = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert [e["text"] for e in detail["entries"]] == [
            "Ada applied the macro “Refund done”",
            "Ada added the label refund",
            "Ada assigned the ticket to Ada",
            "Refund sent",
            "Hi Cora, refunded.",
            "Ada set the state to Closed",
        ]
        assert detail["entries"][0]["data"] == {
            "macro_id": macro["id"],
            "macro_name": "Refund done",
        }
        assert (detail["state"], detail["assignee_id"]) == ("closed", ada.id)
        assert await count_rows(desk.app, OutboxMessage) == 1
        used = (await ada.client.get(f"/api/v1/saved-replies/{saved['id']}")).json()
        assert used["usage_count"] == 1

    async def test_a_team_macro_only_on_its_inboxs_tickets(self, desk: Desk) -> None:
        support = await desk.inbox(name="Support")
        sales = await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support, sales])
        macro = await create(ada, "Team", NOTE, inbox_id=support["id"])
        other = await new_ticket(ada.client, sales)
        response = await ada.client.post(
            f"{URL}/{macro['id']}/apply", json={"ticket_id": other["id"]}
        )
        error_of(response, 409, "other_inbox")
        error_of(
            await ada.client.post(f"{URL}/{macro['id']}/apply", json={"ticket_id": 999999}), 404
        )

    async def test_many_tickets_with_one_hidden(self, desk: Desk) -> None:
        ada = await desk.agent(name="Ada")
        inbox = await desk.inbox(members=[ada])
        bob = await desk.agent()
        hidden = await new_ticket(bob.client, await desk.inbox(members=[bob]))
        macro = await create(
            ada, "Park", [{"type": "snooze", "minutes": 120}, {"type": "note", "text": "Parked"}]
        )
        tickets = [await new_ticket(ada.client, inbox) for _ in range(9)]
        ids = [t["id"] for t in tickets] + [hidden["id"]]
        response = await ada.client.post(
            f"{URL}/{macro['id']}/apply-many", json={"ticket_ids": ids}
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["done"], result["refused"]) == (9, 1)
        assert result["results"][-1]["error"]["code"] == "not_found"
        for ticket in tickets:
            detail = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
            assert detail["state"] == "snoozed"
            assert [e["text"] for e in detail["entries"]] == [
                "Ada applied the macro “Park”",
                "Ada set the state to Snoozed",
                "Parked",
            ]

    @BOTH_STORES
    async def test_the_same_macro_twice_at_once_leaves_a_consistent_ticket(
        self, desk: Desk
    ) -> None:
        ada = await desk.agent(name="Ada")
        bob = await desk.agent(name="Bob")
        inbox = await desk.inbox(members=[ada, bob])
        admin = await desk.agent(role="admin")
        urgent = await label(admin, "urgent")
        macro = await create(
            ada,
            "Escalate",
            [
                {"type": "label", "add": [urgent["id"]]},
                {"type": "assign", "assignee": "me"},
                {"type": "set_state", "state": "hold"},
            ],
            inbox_id=inbox["id"],
        )
        ticket = await new_ticket(ada.client, inbox)
        url = f"{URL}/{macro['id']}/apply"
        first, second = await asyncio.gather(
            ada.client.post(url, json={"ticket_id": ticket["id"]}),
            bob.client.post(url, json={"ticket_id": ticket["id"]}),
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        detail = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert [each["name"] for each in detail["labels"]] == ["urgent"]
        assert detail["state"] == "hold"
        texts = [e["text"] for e in detail["entries"]]
        # The second application found the label and the state done already: only the
        # assignment (to whoever applied it last) and its own line are new.
        for line in ("added the label urgent", "set the state to Hold"):
            assert sum(text.endswith(line) for text in texts) == 1, texts
        assert sum(text.endswith("applied the macro “Escalate”") for text in texts) == 2
        winner = "Ada" if texts[-1].startswith("Ada") else "Bob"
        assert detail["assignee_id"] == (ada.id if winner == "Ada" else bob.id)
