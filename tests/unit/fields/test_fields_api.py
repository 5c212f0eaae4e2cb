"""Custom fields: admins define them for tickets and customers; agents set their values on what
they see, each value checked by its field's kind; merges keep them, erasures take them."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from frontdesk.fields import renames as field_renames
from frontdesk.fields import service as fields_service
from frontdesk.fields import values as field_values
from frontdesk.fields.models import CustomerFieldValue, CustomField, TicketFieldValue
from frontdesk.tickets.models import Ticket
from frontdesk.webhooks.models import WebhookDelivery
from tests.conftest import BOTH_STORES, POSTGRESQL_ONLY, SQLITE_ONLY, Agent, Desk, Published
from tests.unit.audit.support import only
from tests.unit.rules.support import create_rule, label_names, make_label, ticket, timeline
from tests.unit.support import count_rows, error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/fields"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def define(admin: Agent, label: str, kind: str, **extra: Any) -> dict[str, Any]:
    body = {"object": extra.pop("object", "ticket"), "label": label, "kind": kind, **extra}
    made = await admin.client.post(URL, json=body)
    assert made.status_code == 201, made.text
    field: dict[str, Any] = made.json()
    return field


async def patch_fields(agent: Agent, ticket: dict[str, Any], **values: Any) -> Any:
    return await agent.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"fields": values})


async def fields_of_ticket(agent: Agent, ticket: dict[str, Any]) -> dict[str, Any]:
    got = await agent.client.get(f"/api/v1/tickets/{ticket['id']}")
    assert got.status_code == 200, got.text
    values: dict[str, Any] = got.json()["fields"]
    return values


async def hook(owner: Agent, *events: str) -> None:
    """A webhook; its deliveries are read from the table (`told`), never sent."""
    body = {"name": "CRM", "url": "https://crm.example.com/hook", "events": list(events)}
    made = await owner.client.post("/api/v1/webhooks", json=body)
    assert made.status_code == 201, made.text


async def told(app: FastAPI, event: str) -> list[dict[str, Any]]:
    """The `data` of each delivery of `event`, oldest first."""
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        return [row.payload["data"] for row in rows if row.event_type == event]


class Setup:
    def __init__(self, owner: Agent, agent: Agent, inbox: dict[str, Any]) -> None:
        self.owner, self.agent, self.inbox = owner, agent, inbox


@pytest.fixture
async def setup(desk: Desk) -> Setup:
    """An owner, an agent of one inbox, and one field of each kind on tickets."""
    owner = await desk.agent(role="owner")
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    await define(owner, "Plan", "list", options=["Free", "Pro", "Enterprise"])
    await define(owner, "Order number", "text")
    await define(owner, "Seats", "number")
    await define(owner, "Renewal date", "date")
    await define(owner, "Urgent callback", "checkbox")
    return Setup(owner, agent, inbox)


class TestDefinitions:
    async def test_admins_define_fields_and_every_agent_reads_them(
        self, desk: Desk, setup: Setup
    ) -> None:
        listed = (await setup.agent.client.get(URL, params={"object": "ticket"})).json()
        assert [(f["key"], f["kind"], f["position"]) for f in listed] == [
            ("plan", "list", 0),
            ("order_number", "text", 1),
            ("seats", "number", 2),
            ("renewal_date", "date", 3),
            ("urgent_callback", "checkbox", 4),
        ]
        assert listed[0]["options"] == ["Free", "Pro", "Enterprise"]
        # An agent may not define one.
        error_of(
            await setup.agent.client.post(
                URL, json={"object": "ticket", "label": "X", "kind": "text"}
            ),
            403,
        )
        # A label folded like label names is taken; a key made from a label gets a suffix.
        taken = await setup.owner.client.post(
            URL, json={"object": "ticket", "label": "PLAN", "kind": "text"}
        )
        assert "PLAN" in error_of(taken, 409, "field_exists")["message"]
        again = await define(setup.owner, "Plan?", "text")
        assert again["key"] == "plan_2"
        # The same label on customers is another field.
        customer_plan = await define(setup.owner, "Plan", "text", object="customer")
        assert customer_plan["key"] == "plan"
        only_customers = (await setup.agent.client.get(URL, params={"object": "customer"})).json()
        assert [f["id"] for f in only_customers] == [customer_plan["id"]]

    async def test_bad_definitions_are_422_naming_what_is_wrong(
        self, desk: Desk, setup: Setup
    ) -> None:
        for body, field in [
            ({"object": "ticket", "label": " ", "kind": "text"}, "label"),
            ({"object": "ticket", "label": "x" * 61, "kind": "text"}, "label"),
            ({"object": "chat", "label": "X", "kind": "text"}, "object"),
            ({"object": "ticket", "label": "X", "kind": "colour"}, "kind"),
            ({"object": "ticket", "label": "X", "kind": "list"}, "options"),
            ({"object": "ticket", "label": "X", "kind": "list", "options": ["a", "A"]}, "options"),
            ({"object": "ticket", "label": "X", "kind": "list", "options": ["a", " "]}, "options"),
            (
                {"object": "ticket", "label": "X", "kind": "list", "options": ["a" * 101]},
                "options.0",
            ),
            (
                {"object": "ticket", "label": "X", "kind": "list", "options": ["o"] * 101},
                "options",
            ),
            ({"object": "ticket", "label": "X", "kind": "text", "options": ["a"]}, "options"),
            ({"object": "ticket", "label": "X", "kind": "text", "key": "Bad key"}, "key"),
        ]:
            refused = await setup.owner.client.post(URL, json=body)
            assert field in fields_of(error_of(refused, 422, "invalid")), (body, refused.text)
        assert await count_rows(desk.app, CustomField) == 5

    async def test_at_most_fifty_fields_per_object(self, desk: Desk) -> None:
        owner = await desk.agent(role="owner")
        for number in range(50):
            await define(owner, f"Field {number}", "text", object="customer")
        refused = await owner.client.post(
            URL, json={"object": "customer", "label": "One more", "kind": "text"}
        )
        assert "50" in error_of(refused, 409, "too_many_fields")["message"]
        await define(owner, "One more", "text")  # tickets have their own fifty

    @BOTH_STORES
    async def test_rename_options_reorder_archive_and_delete(
        self, desk: Desk, setup: Setup
    ) -> None:
        owner, agent = setup.owner, setup.agent
        fields = {f["key"]: f for f in (await owner.client.get(URL)).json()}
        plan = fields["plan"]
        ticket = await new_ticket(agent.client, setup.inbox)
        assert (await patch_fields(agent, ticket, plan="Pro")).status_code == 200
        # Renamed: the key stays. Options added and reordered; one in use stays.
        renamed = await owner.client.patch(
            f"{URL}/{plan['id']}",
            json={"label": "Subscription", "options": ["Pro", "Free", "Team"]},
        )
        assert renamed.status_code == 200, renamed.text
        assert (renamed.json()["key"], renamed.json()["options"]) == (
            "plan",
            ["Pro", "Free", "Team"],
        )
        in_use = await owner.client.patch(f"{URL}/{plan['id']}", json={"options": ["Free"]})
        assert "“Pro” (1 ticket)" in error_of(in_use, 409, "option_in_use")["message"]
        # Reordered: every field of the object, once.
        ids = [f["id"] for f in fields.values()]
        order = await owner.client.put(
            f"{URL}/order", json={"object": "ticket", "field_ids": ids[::-1]}
        )
        assert [f["id"] for f in order.json()] == ids[::-1]
        error_of(
            await owner.client.put(f"{URL}/order", json={"object": "ticket", "field_ids": ids[1:]}),
            422,
        )
        assert next(iter(await fields_of_ticket(agent, ticket))) == "urgent_callback"
        # Archived: hidden and not settable, its values kept.
        await owner.client.patch(f"{URL}/{plan['id']}", json={"archived": True})
        assert "plan" not in await fields_of_ticket(agent, ticket)
        archived = error_of(await patch_fields(agent, ticket, plan="Free"), 422)
        assert "archived" in archived["message"]
        # Not the value's fault: the desk shows this message rather than what the kind takes.
        assert archived["fields"][0]["code"] == "unavailable"
        await owner.client.patch(f"{URL}/{plan['id']}", json={"archived": False})
        assert (await fields_of_ticket(agent, ticket))["plan"] == "Pro"
        # Deleted: what the desk's confirmation says first, then every value goes.
        assert (await owner.client.get(f"{URL}/{plan['id']}")).json()["in_use"] == 1
        assert (await agent.client.get(f"{URL}/{plan['id']}")).json()["in_use"] is None
        error_of(await agent.client.delete(f"{URL}/{plan['id']}"), 403)
        assert (await owner.client.delete(f"{URL}/{plan['id']}")).status_code == 204
        assert "plan" not in await fields_of_ticket(agent, ticket)
        assert await count_rows(desk.app, TicketFieldValue) == 0
        # The audit log has each change of the definition.
        created = await only(setup.owner, "field.created", target_id=plan["id"])
        assert created["changes"]["label"] == [None, "Plan"]
        assert (await only(owner, "field.deleted", target_id=plan["id"]))["target_label"]

    @POSTGRESQL_ONLY
    async def test_a_field_deleted_while_an_agent_sets_it_is_one_clean_outcome(
        self, app: FastAPI, desk: Desk, setup: Setup, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        owner, agent = setup.owner, setup.agent
        ids = {f["key"]: f["id"] for f in (await owner.client.get(URL)).json()}
        ticket = await new_ticket(agent.client, setup.inbox)
        steps = StartAfter(app, monkeypatch)
        read = steps.step(field_values, "_named_fields")
        deleted = steps.step(fields_service, "delete_field")
        # The agent's write read the field first: the delete waits, then takes the value.
        steps.then[read] = lambda: owner.client.delete(f"{URL}/{ids['seats']}")
        assert (await patch_fields(agent, ticket, seats=3)).status_code == 200
        assert (await steps.started[read]).status_code == 204
        assert "seats" not in await fields_of_ticket(agent, ticket)
        # The delete came first: the write waits, then hears the field is gone.
        steps.then[deleted] = lambda: patch_fields(agent, ticket, plan="Pro")
        assert (await owner.client.delete(f"{URL}/{ids['plan']}")).status_code == 204
        late = await steps.started[deleted]
        assert "no ticket field has the key 'plan'" in error_of(late, 422)["message"].lower()
        assert await count_rows(desk.app, TicketFieldValue) == 0

    @POSTGRESQL_ONLY
    async def test_an_option_renamed_while_an_agent_sets_it_is_one_clean_outcome(
        self, app: FastAPI, desk: Desk, setup: Setup, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        owner, agent = setup.owner, setup.agent
        ids = {f["key"]: f["id"] for f in (await owner.client.get(URL)).json()}
        plan_url = f"{URL}/{ids['plan']}"
        ticket = await new_ticket(agent.client, setup.inbox)
        steps = StartAfter(app, monkeypatch)
        read = steps.step(field_values, "_named_fields")
        renamed = steps.step(field_renames, "rename_options")
        # The agent's write read the field first: the rename waits, then renames the value too.
        steps.then[read] = lambda: owner.client.patch(plan_url, json={"renames": {"Pro": "Pro+"}})
        assert (await patch_fields(agent, ticket, plan="Pro")).status_code == 200
        assert (await steps.started[read]).status_code == 200
        assert (await fields_of_ticket(agent, ticket))["plan"] == "Pro+"
        # The rename came first: the write waits, then hears the old name is no option.
        steps.then[renamed] = lambda: patch_fields(agent, ticket, plan="Pro+")
        answer = await owner.client.patch(plan_url, json={"renames": {"Pro+": "Premium"}})
        assert answer.status_code == 200, answer.text
        assert "not one of its options" in error_of(await steps.started[renamed], 422)["message"]
        assert (await fields_of_ticket(agent, ticket))["plan"] == "Premium"

    @POSTGRESQL_ONLY
    async def test_two_admins_adding_the_same_field_at_once_make_one(self, desk: Desk) -> None:
        olive, max_ = await desk.agent(role="admin"), await desk.agent(role="admin")
        body = {"object": "ticket", "label": "Region", "kind": "text"}
        first, second = await asyncio.gather(
            olive.client.post(URL, json=body),
            max_.client.post(URL, json={**body, "label": "REGION"}),
        )
        assert sorted([first.status_code, second.status_code]) == [201, 409]
        loser = first if first.status_code == 409 else second
        assert error_of(loser, 409)["code"] == "field_exists"
        assert await count_rows(desk.app, CustomField) == 1


class StartAfter:
    """Requests started as soon as a step of the server returns (`then[step]`), each then left
    running until it waits for a row lock or has finished: the order two requests meet in."""

    def __init__(self, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app, self.monkeypatch = app, monkeypatch
        self.then: dict[str, Callable[[], Awaitable[Any]]] = {}
        self.started: dict[str, asyncio.Future[Any]] = {}

    def step(self, owner: Any, name: str) -> str:
        real = getattr(owner, name)

        async def then_start(*args: Any, **kwargs: Any) -> Any:
            result = await real(*args, **kwargs)
            request = self.then.pop(name, None)
            if request is not None:
                self.started[name] = asyncio.ensure_future(request())
                await blocked_or_done(self.app, self.started[name])
            return result

        self.monkeypatch.setattr(owner, name, then_start)
        return name


async def blocked_or_done(app: FastAPI, task: asyncio.Future[Any]) -> None:
    """Until `task` waits for a row lock (PostgreSQL's own view) or has finished."""
    for _ in range(2000):
        async with app.state.sessionmaker() as session:
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            )
        if waiting or task.done():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the request neither waited for a lock nor finished")


class TestValues:
    async def test_each_kind_is_checked_and_saved(self, setup: Setup, published: Published) -> None:
        agent = setup.agent
        ticket = await new_ticket(agent.client, setup.inbox)
        assert ticket["fields"] == {
            "plan": None,
            "order_number": None,
            "seats": None,
            "renewal_date": None,
            "urgent_callback": False,
        }
        published.clear()
        saved = await patch_fields(
            agent,
            ticket,
            plan="pro",
            order_number="  A-1042 ",
            seats="12.5",
            renewal_date="2027-02-28",
            urgent_callback=True,
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["fields"] == {
            "plan": "Pro",
            "order_number": "A-1042",
            "seats": 12.5,
            "renewal_date": "2027-02-28",
            "urgent_callback": True,
        }
        # Desks viewing the ticket hear it changed.
        assert [(m.envelope.type, m.envelope.data["changes"]) for m in published.messages] == [
            ("ticket.updated", ["fields"])
        ]
        assert not published.problems
        # Its timeline says who set what.
        entries = (await agent.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["entries"]
        assert entries[-1]["text"].endswith(
            "set Plan to Pro, set Order number to A-1042, set Seats to 12.5, "
            "set Renewal date to 2027-02-28, ticked Urgent callback"
        )
        for key, value, wrong in [
            ("plan", "Gold", "not one of its options"),
            ("plan", 3, "one of its options"),
            ("order_number", "x" * 501, "500"),
            ("order_number", "two\nlines", "single line"),
            ("seats", "twelve", "not a number"),
            ("seats", True, "not true or false"),
            ("seats", 1e16, "under"),
            ("seats", 10**400, "under"),
            ("seats", "9" * 400, "under"),
            ("seats", "1.23456789012345678", "15 significant digits"),
            ("seats", "\u0661\u0662", "not a number"),
            ("order_number", "two\u2028lines", "single line"),
            ("renewal_date", "2027-02-30", "not a date"),
            ("renewal_date", "28/02/2027", "not a date"),
            ("urgent_callback", "yes", "true or false"),
            ("nope", "x", "No ticket field has the key 'nope'"),
        ]:
            refused = await patch_fields(agent, ticket, **({"seats": 3} | {key: value}))
            error = error_of(refused, 422)
            assert fields_of(error) == {f"fields.{key}"}, (key, error)
            assert wrong in error["message"], (key, error)
        # An unknown key is named once, cut short.
        unknown = await patch_fields(agent, ticket, **{"k" * 5000: 1})
        assert len(unknown.text) < 1000, unknown.text
        error = error_of(unknown, 422)
        assert fields_of(error) == {f"fields.{'k' * 40}…"}
        assert error["fields"][0]["code"] == "unavailable"
        # Nothing of a refused write was kept, the valid `seats` beside it neither.
        assert (await fields_of_ticket(agent, ticket))["seats"] == 12.5

    @BOTH_STORES
    async def test_only_the_named_fields_change_and_null_or_empty_unsets(
        self, desk: Desk, setup: Setup
    ) -> None:
        agent = setup.agent
        ticket = await new_ticket(agent.client, setup.inbox)
        await patch_fields(agent, ticket, plan="Free", seats=3, urgent_callback=True)
        changed = await patch_fields(agent, ticket, seats=4)
        assert changed.json()["fields"] | {"seats": 4} == changed.json()["fields"]
        assert changed.json()["fields"]["plan"] == "Free"
        cleared = await patch_fields(agent, ticket, plan=None, seats="", urgent_callback=False)
        assert cleared.json()["fields"] == {
            "plan": None,
            "order_number": None,
            "seats": None,
            "renewal_date": None,
            "urgent_callback": False,
        }
        assert await count_rows(desk.app, TicketFieldValue) == 0
        error_of(
            await agent.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"fields": None}), 422
        )

    @BOTH_STORES
    async def test_an_agent_sets_no_field_on_a_ticket_of_another_inbox(
        self, desk: Desk, setup: Setup
    ) -> None:
        await define(setup.owner, "Company", "text", object="customer")
        ticket = await new_ticket(
            setup.owner.client, await desk.inbox(name="Billing"), email="bo@example.org"
        )
        refused = await patch_fields(setup.agent, ticket, plan="Pro")
        error_of(refused, 404, "not_found")
        assert await count_rows(desk.app, TicketFieldValue) == 0
        # Nor on its customer, who has written to no inbox of theirs.
        customer = await setup.agent.client.patch(
            f"/api/v1/customers/{ticket['customer_id']}", json={"fields": {"company": "X"}}
        )
        error_of(customer, 404, "not_found")
        assert await count_rows(desk.app, CustomerFieldValue) == 0

    @BOTH_STORES
    async def test_customer_fields_are_set_on_the_customer(
        self, app: FastAPI, desk: Desk, setup: Setup
    ) -> None:
        await hook(setup.owner, "customer.updated")
        await define(setup.owner, "Tier", "list", object="customer", options=["Gold", "Silver"])
        await define(setup.owner, "Company", "text", object="customer")
        await define(setup.owner, "Employees", "number", object="customer")
        ticket = await new_ticket(setup.agent.client, setup.inbox)
        url = f"/api/v1/customers/{ticket['customer_id']}"
        huge = await setup.agent.client.patch(url, json={"fields": {"employees": 10**400}})
        assert "under" in error_of(huge, 422)["message"]
        saved = await setup.agent.client.patch(
            url, json={"fields": {"tier": "Gold", "company": "Lindqvist AB"}}
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["fields"] == {
            "tier": "Gold",
            "company": "Lindqvist AB",
            "employees": None,
        }
        # Their webhook carries them, and the change from what to what.
        (updated,) = await told(app, "customer.updated")
        assert updated["customer"]["fields"]["company"] == "Lindqvist AB"
        assert updated["diff"]["fields"]["from"]["company"] is None
        assert updated["diff"]["fields"]["to"] == updated["customer"]["fields"]
        refused = await setup.agent.client.patch(url, json={"fields": {"plan": "Pro"}})
        assert "No customer field" in error_of(refused, 422)["message"]
        got = (await setup.agent.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert got["customer"]["fields"]["tier"] == "Gold"
        # A customer's values are no audit matter: the log outlives an erasure.
        audit = await setup.owner.client.get("/api/v1/audit-events.csv")
        assert "customer field Company" in audit.text
        assert "Lindqvist" not in audit.text


class TestMergesAndErasure:
    @BOTH_STORES
    async def test_a_ticket_merge_keeps_the_targets_values_and_fills_gaps_until_undone(
        self, app: FastAPI, setup: Setup
    ) -> None:
        agent = setup.agent
        await hook(setup.owner, "ticket.updated")
        source = await new_ticket(agent.client, setup.inbox)
        target = await new_ticket(agent.client, setup.inbox)
        await patch_fields(agent, source, plan="Pro", seats=3, order_number="A-1")
        await patch_fields(agent, target, plan="Free")
        # Webhooks carry the values, and the change from what to what.
        (changed,) = [
            d for d in await told(app, "ticket.updated") if d["ticket"]["id"] == target["id"]
        ]
        assert changed["ticket"]["fields"]["plan"] == "Free"
        assert changed["diff"]["fields"]["from"]["plan"] is None
        assert changed["diff"]["fields"]["to"] == changed["ticket"]["fields"]
        merged = await agent.client.post(
            f"/api/v1/tickets/{source['id']}/merge", json={"into_ticket_id": target["id"]}
        )
        assert merged.status_code == 201, merged.text
        kept = await fields_of_ticket(agent, target)
        assert (kept["plan"], kept["seats"], kept["order_number"]) == ("Free", 3, "A-1")
        # An agent changes a value the merge filled: the undo leaves it theirs.
        await patch_fields(agent, target, seats=5)
        move = merged.json()
        undone = await agent.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
        assert undone.status_code == 200, undone.text
        after = await fields_of_ticket(agent, target)
        assert (after["plan"], after["seats"], after["order_number"]) == ("Free", 5, None)
        assert (await fields_of_ticket(agent, source))["seats"] == 3
        last = (await told(app, "ticket.updated"))[-1]
        assert last["ticket"]["id"] == target["id"]
        assert "fields" in last["changes"]
        assert last["diff"]["fields"]["from"]["order_number"] == "A-1"

    async def test_a_customer_merge_fills_gaps_the_export_has_them_an_erasure_takes_them(
        self, desk: Desk, setup: Setup
    ) -> None:
        owner = setup.owner
        await define(owner, "Tier", "list", object="customer", options=["Gold", "Silver"])
        company = await define(owner, "Company", "text", object="customer")
        kept = await new_ticket(owner.client, setup.inbox, email="cora@example.org")
        gone = await new_ticket(owner.client, setup.inbox, email="cora.l@example.org")
        await owner.client.patch(
            f"/api/v1/customers/{kept['customer_id']}", json={"fields": {"tier": "Gold"}}
        )
        await owner.client.patch(
            f"/api/v1/customers/{gone['customer_id']}",
            json={"fields": {"tier": "Silver", "company": "Lindqvist AB"}},
        )
        await patch_fields(owner, kept, plan="Pro")
        merged = await owner.client.post(
            f"/api/v1/customers/{kept['customer_id']}/merge",
            json={"source_id": gone["customer_id"]},
        )
        assert merged.status_code == 200, merged.text
        assert merged.json()["fields"] == {"tier": "Gold", "company": "Lindqvist AB"}
        # Their data export holds them, by label, and their tickets' (archived fields' too).
        await owner.client.patch(f"{URL}/{company['id']}", json={"archived": True})
        export = await owner.client.get(f"/api/v1/customers/{kept['customer_id']}/export")
        assert export.status_code == 200, export.text
        with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
            customer = json.loads(archive.read("customer.json"))
            ticket = json.loads(archive.read(f"tickets/{kept['id']}.json"))
        assert customer["customer"]["fields"] == {"Tier": "Gold", "Company": "Lindqvist AB"}
        assert ticket["fields"] == {"Plan": "Pro"}
        erased = await owner.client.post(
            f"/api/v1/customers/{kept['customer_id']}/erase", json={"confirm": "cora@example.org"}
        )
        assert erased.status_code == 200, erased.text
        assert await count_rows(desk.app, CustomerFieldValue) == 0
        # Their tickets went, and their tickets' values with them.
        assert await count_rows(desk.app, TicketFieldValue) == 0


class TestFilter:
    @BOTH_STORES
    async def test_the_list_and_a_saved_view_filter_by_a_list_or_a_checkbox(
        self, desk: Desk, setup: Setup
    ) -> None:
        agent = setup.agent
        pro, free, _bare = [
            await new_ticket(agent.client, setup.inbox, subject=subject)
            for subject in ("Pro", "Free", "Bare")
        ]
        await patch_fields(agent, pro, plan="Pro", urgent_callback=True)
        await patch_fields(agent, free, plan="Free")

        async def listed(**params: Any) -> list[str]:
            page = await agent.client.get("/api/v1/tickets", params=params)
            assert page.status_code == 200, page.text
            return sorted(item["subject"] for item in page.json()["items"])

        assert await listed(field="plan:pro") == ["Pro"]
        assert await listed(field="urgent_callback:true") == ["Pro"]
        assert await listed(field="urgent_callback:false") == ["Bare", "Free"]
        for wrong, said in [
            ("plan:Gold", "not an option"),
            ("seats:three", "is a number"),
            ("urgent_callback:yes", "is a checkbox"),
            ("nope:1", "names no ticket field"),
            ("plan", "key:value"),
        ]:
            error = error_of(
                await agent.client.get("/api/v1/tickets", params={"field": wrong}), 422
            )
            assert said in error["message"], (wrong, error)
            assert fields_of(error) == {"field"}

        # A view keeps it as the field writes it, lists and counts by it.
        made = await agent.client.post(
            "/api/v1/views", json={"name": "Pro plans", "filters": {"field": "plan:pro"}}
        )
        assert made.status_code == 201, made.text
        view = made.json()
        assert view["filters"]["field"] == "plan:Pro"
        assert await listed(view_id=view["id"]) == ["Pro"]
        counts = (await agent.client.get("/api/v1/views/counts")).json()["views"]
        assert counts == [{"id": view["id"], "count": 1}]
        refused = await agent.client.post(
            "/api/v1/views", json={"name": "Gold", "filters": {"field": "plan:Gold"}}
        )
        assert fields_of(error_of(refused, 422)) == {"filters.field"}
        # The field deleted, the view lists nothing rather than everything.
        plan = next(f for f in (await agent.client.get(URL)).json() if f["key"] == "plan")
        assert (await setup.owner.client.delete(f"{URL}/{plan['id']}")).status_code == 204
        assert await listed(view_id=view["id"]) == []
        # And says why, as for a deleted label.
        views = (await agent.client.get("/api/v1/views")).json()
        assert next(v for v in views if v["id"] == view["id"])["missing"] == ["field"]

    @BOTH_STORES
    async def test_text_number_and_date_filters_compare_by_kind_and_views_keep_them(
        self, setup: Setup
    ) -> None:
        agent = setup.agent
        values = {
            "Small": {"seats": 2, "renewal_date": "2026-12-31", "order_number": "ACME-7"},
            "Nine": {"seats": 9, "renewal_date": "2027-01-01", "order_number": "acme-7"},
            "Big": {"seats": 10.5, "renewal_date": "2027-02-15", "order_number": "Other"},
            "Bare": {},
        }
        for subject, given in values.items():
            ticket = await new_ticket(setup.agent.client, setup.inbox, subject=subject)
            if given:
                assert (await patch_fields(agent, ticket, **given)).status_code == 200

        async def listed(**params: Any) -> list[str]:
            page = await agent.client.get("/api/v1/tickets", params=params)
            assert page.status_code == 200, page.text
            return sorted(item["subject"] for item in page.json()["items"])

        # Numbers as numbers: 9 < 10.5, which text would put the other way round.
        assert await listed(field="seats:>9") == ["Big"]
        assert await listed(field="seats:>=9") == ["Big", "Nine"]
        assert await listed(field="seats:<10") == ["Nine", "Small"]
        assert await listed(field="seats:9") == ["Nine"]
        assert await listed(field="seats:2..9") == ["Nine", "Small"]
        assert await listed(field="seats:3..") == ["Big", "Nine"]
        assert await listed(field="seats:..2") == ["Small"]
        # Dates across a year's end.
        assert await listed(field="renewal_date:>2026-12-31") == ["Big", "Nine"]
        assert await listed(field="renewal_date:2027-01-01") == ["Nine"]
        assert await listed(field="renewal_date:2026-12-01..2027-01-31") == ["Nine", "Small"]
        # A text whole, in any case; not a part of it.
        assert await listed(field="order_number:ACME-7") == ["Nine", "Small"]
        assert await listed(field="order_number:acme") == []
        # Not set: the tickets without a value.
        assert await listed(field="seats:") == ["Bare"]
        assert await listed(field="plan:") == ["Bare", "Big", "Nine", "Small"]

        for wrong, said in [
            ("seats:>many", "is a number"),
            ("seats:10..2", "starts after it ends"),
            ("seats:..", "at least one end"),
            ("seats:1e999", "is a number"),
            ("seats:>1000000000000000", "larger than any value"),
            ("renewal_date:2026-02-30", "is a date"),
            ("renewal_date:>12/01/2026", "YYYY-MM-DD"),
        ]:
            error = error_of(
                await agent.client.get("/api/v1/tickets", params={"field": wrong}), 422
            )
            assert said in error["message"], (wrong, error)
            assert fields_of(error) == {"field"}

        made = await agent.client.post(
            "/api/v1/views", json={"name": "Big", "filters": {"field": " seats: >= 9 "}}
        )
        assert made.status_code == 201, made.text
        view = made.json()
        assert view["filters"]["field"] == "seats:>= 9"
        assert await listed(view_id=view["id"]) == ["Big", "Nine"]
        refused = await agent.client.post(
            "/api/v1/views", json={"name": "Bad", "filters": {"field": "renewal_date:soon"}}
        )
        assert fields_of(error_of(refused, 422)) == {"filters.field"}


class TestRulesAndMacros:
    """Rules read a ticket's and its customer's fields and set a ticket's; macros set them; what
    names a field keeps it from being deleted, archived or losing the option named."""

    async def test_a_rule_with_field_conditions_fires_on_the_tickets_that_match(
        self, setup: Setup
    ) -> None:
        owner, agent = setup.owner, setup.agent
        await define(owner, "VIP", "checkbox", object="customer")
        big = await make_label(owner, "Big account")
        await create_rule(
            owner,
            "Big Pro accounts",
            when={"type": "created"},
            conditions=[
                # Written in any case, as a ticket's value may be; saved as the option.
                {"field": "ticket_field", "key": "plan", "op": "is", "value": "pro"},
                {"field": "ticket_field", "key": "seats", "op": "gte", "value": 10},
            ],
            actions=[{"type": "label", "add": [big["id"]]}],
        )
        vip_rule = await create_rule(
            owner,
            "VIPs first",
            when={"type": "created"},
            conditions=[{"field": "customer_field", "key": "vip", "op": "is", "value": True}],
            actions=[{"type": "set_fields", "fields": {"urgent_callback": True}}],
        )
        assert vip_rule["conditions"][0]["value"] is True
        listed = (await owner.client.get("/api/v1/rules")).json()
        assert listed[0]["conditions"][0]["value"] == "Pro"

        pro = await new_ticket(agent.client, setup.inbox, fields={"plan": "Pro", "seats": 12})
        small = await new_ticket(agent.client, setup.inbox, fields={"plan": "Pro", "seats": 3})
        free = await new_ticket(agent.client, setup.inbox, fields={"plan": "Free", "seats": 40})
        assert pro["fields"]["seats"] == 12
        assert [label_names(await ticket(agent, each["id"])) for each in (pro, small, free)] == [
            ["Big account"],
            [],
            [],
        ]
        # The customer's field: the second ticket of a customer ticked VIP meanwhile.
        first = await new_ticket(agent.client, setup.inbox, email="vip@example.org")
        assert first["fields"]["urgent_callback"] is False
        ticked = await agent.client.patch(
            f"/api/v1/customers/{first['customer_id']}", json={"fields": {"vip": True}}
        )
        assert ticked.status_code == 200, ticked.text
        second = await new_ticket(agent.client, setup.inbox, email="vip@example.org")
        after = await ticket(agent, second["id"])
        assert after["fields"]["urgent_callback"] is True
        assert "frontdesk ticked Urgent callback" in timeline(after)
        assert (await ticket(agent, first["id"]))["fields"]["urgent_callback"] is False
        # A dry run reads them as the rule does.
        dry = await owner.client.post(
            "/api/v1/rules/dry-run",
            json={
                "when": {"type": "created"},
                "conditions": [
                    {"field": "ticket_field", "key": "seats", "op": "lt", "value": "10"},
                    {"field": "ticket_field", "key": "plan", "op": "set"},
                ],
                "actions": [{"type": "set_state", "state": "hold"}],
            },
        )
        assert [each["id"] for each in dry.json()["tickets"]] == [small["id"]]

    async def test_a_macro_sets_fields_on_the_tickets_its_agent_sees(
        self, desk: Desk, setup: Setup
    ) -> None:
        agent = setup.agent
        made = await agent.client.post(
            "/api/v1/macros",
            json={
                "name": "Upgraded",
                "actions": [
                    {"type": "set_fields", "fields": {"plan": "ENTERPRISE", "seats": "25"}}
                ],
            },
        )
        assert made.status_code == 201, made.text
        macro = made.json()
        assert macro["actions"][0]["fields"] == {"plan": "Enterprise", "seats": 25}
        mine = await new_ticket(agent.client, setup.inbox)
        applied = await agent.client.post(
            f"/api/v1/macros/{macro['id']}/apply", json={"ticket_id": mine["id"]}
        )
        assert applied.status_code == 200, applied.text
        assert applied.json()["applied"] == ["set_fields"]
        after = await ticket(agent, mine["id"])
        assert (after["fields"]["plan"], after["fields"]["seats"]) == ("Enterprise", 25)
        lines = timeline(after)
        ran = lines.index(f"{agent.user['name']} applied the macro “Upgraded”")
        assert lines[ran + 1] == f"{agent.user['name']} set Plan to Enterprise, set Seats to 25"
        # Applied again: nothing left to change.
        again = await agent.client.post(
            f"/api/v1/macros/{macro['id']}/apply", json={"ticket_id": mine["id"]}
        )
        assert again.json()["applied"] == []
        # A ticket of an inbox the agent does not see: not found, nothing set.
        other = await new_ticket(setup.owner.client, await desk.inbox(name="Billing"))
        hidden = await agent.client.post(
            f"/api/v1/macros/{macro['id']}/apply", json={"ticket_id": other["id"]}
        )
        error_of(hidden, 404, "not_found")
        assert (await ticket(setup.owner, other["id"]))["fields"]["plan"] is None

    async def test_what_names_a_field_is_checked_when_saved(self, desk: Desk, setup: Setup) -> None:
        owner = setup.owner
        await define(owner, "Old", "text")
        old = (await owner.client.get(URL, params={"object": "ticket"})).json()[-1]
        await owner.client.patch(f"{URL}/{old['id']}", json={"archived": True})

        def rule(condition: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
            return {
                "name": "R",
                "when": {"type": "created"},
                "conditions": [condition] if condition else [],
                "actions": [{"type": "set_fields", "fields": fields}]
                if fields
                else [{"type": "set_state", "state": "hold"}],
            }

        for body, field, says in [
            (
                rule({"field": "ticket_field", "key": "colour", "op": "set"}),
                "conditions.0.key",
                "colour",
            ),
            (
                rule({"field": "ticket_field", "key": "old", "op": "set"}),
                "conditions.0.key",
                "archived",
            ),
            (
                rule({"field": "ticket_field", "key": "plan", "op": "gt", "value": "Pro"}),
                "conditions.0.op",
                "Plan",
            ),
            (
                rule({"field": "ticket_field", "key": "plan", "op": "is", "value": "Gold"}),
                "conditions.0.value",
                "Gold",
            ),
            (
                rule({"field": "ticket_field", "key": "seats", "op": "gte"}),
                "conditions.0.value",
                "Seats",
            ),
            (
                rule({"field": "customer_field", "key": "plan", "op": "set"}),
                "conditions.0.key",
                "plan",
            ),
            (rule(seats="many"), "actions.0.fields.seats", "Seats"),
            (rule(old="x"), "actions.0.fields.old", "archived"),
        ]:
            refused = await owner.client.post("/api/v1/rules", json=body)
            error = error_of(refused, 422)
            assert fields_of(error) == {field}, (body, refused.text)
            assert says in error["message"], (body, error)
        macro = await setup.agent.client.post(
            "/api/v1/macros",
            json={"name": "M", "actions": [{"type": "set_fields", "fields": {"plan": "Gold"}}]},
        )
        assert fields_of(error_of(macro, 422)) == {"actions.0.fields.plan"}
        # A ticket created with a wrong value is not created.
        before = await count_rows(desk.app, Ticket)
        filed = await setup.agent.client.post(
            "/api/v1/tickets",
            json={
                "inbox_id": setup.inbox["id"],
                "customer": {"email": "x@example.org"},
                "subject": "Hi",
                "fields": {"renewal_date": "31/01/2027"},
            },
        )
        assert fields_of(error_of(filed, 422)) == {"fields.renewal_date"}
        assert await count_rows(desk.app, Ticket) == before

    async def test_a_field_a_rule_or_macro_names_is_neither_deleted_nor_archived(
        self, desk: Desk, setup: Setup
    ) -> None:
        owner = setup.owner
        by_key = {f["key"]: f for f in (await owner.client.get(URL)).json()}
        plan, seats = by_key["plan"], by_key["seats"]
        rule = await create_rule(
            owner,
            "Enterprise on hold",
            enabled=False,
            when={"type": "created"},
            conditions=[{"field": "ticket_field", "key": "plan", "op": "is_not", "value": "Free"}],
            actions=[{"type": "set_state", "state": "hold"}],
        )
        made = await owner.client.post(
            "/api/v1/macros",
            json={"name": "Seats", "actions": [{"type": "set_fields", "fields": {"seats": 5}}]},
        )
        assert made.status_code == 201, made.text
        deleted = await owner.client.delete(f"{URL}/{plan['id']}")
        message = error_of(deleted, 409, "field_in_use")["message"]
        assert "the rule “Enterprise on hold” (switched off)" in message
        archived = await owner.client.patch(f"{URL}/{plan['id']}", json={"archived": True})
        error_of(archived, 409, "field_in_use")
        # The option the rule names stays; another goes.
        kept = await owner.client.patch(
            f"{URL}/{plan['id']}", json={"options": ["Pro", "Enterprise"]}
        )
        assert "Enterprise on hold" in error_of(kept, 409, "option_in_use")["message"]
        dropped = await owner.client.patch(f"{URL}/{plan['id']}", json={"options": ["Free", "Pro"]})
        assert dropped.status_code == 200, dropped.text
        named = error_of(await owner.client.delete(f"{URL}/{seats['id']}"), 409, "field_in_use")
        assert f"{owner.user['name']}'s macro “Seats”" in named["message"]
        # Once the rule no longer names it, it goes.
        assert (await owner.client.delete(f"/api/v1/rules/{rule['id']}")).status_code == 204
        assert (await owner.client.delete(f"{URL}/{plan['id']}")).status_code == 204

    @BOTH_STORES
    async def test_a_renamed_option_is_followed_by_values_rules_macros_and_views(
        self, setup: Setup
    ) -> None:
        owner, agent = setup.owner, setup.agent
        plan = next(f for f in (await agent.client.get(URL)).json() if f["key"] == "plan")
        url = f"{URL}/{plan['id']}"
        pro = await new_ticket(agent.client, setup.inbox, fields={"plan": "Pro"})
        free = await new_ticket(agent.client, setup.inbox, fields={"plan": "Free"})
        rule = await create_rule(
            owner,
            "Pro first",
            when={"type": "created"},
            conditions=[{"field": "ticket_field", "key": "plan", "op": "is_not", "value": "Pro"}],
            actions=[{"type": "set_fields", "fields": {"plan": "Pro", "seats": 1}}],
        )
        macro = await agent.client.post(
            "/api/v1/macros",
            json={
                "name": "Upgrade",
                "actions": [{"type": "set_fields", "fields": {"plan": "Pro"}}],
            },
        )
        assert macro.status_code == 201, macro.text
        view = await agent.client.post(
            "/api/v1/views", json={"name": "Pro", "filters": {"field": "plan:Pro"}}
        )
        assert view.status_code == 201, view.text

        # Refused as a new list would be, and nothing changes.
        for renames, said in [
            ({"Pro": "free"}, "twice"),
            ({"Pro": " "}, "cannot be empty"),
            ({"Gold": "Platinum"}, "not an option"),
        ]:
            refused = error_of(await owner.client.patch(url, json={"renames": renames}), 422)
            assert said in refused["message"], refused
        both = await owner.client.patch(url, json={"renames": {"Pro": "X"}, "options": ["X"]})
        assert "on their own" in error_of(both, 422)["message"]
        seats = next(f for f in (await agent.client.get(URL)).json() if f["key"] == "seats")
        not_list = await owner.client.patch(f"{URL}/{seats['id']}", json={"renames": {"1": "2"}})
        assert "Only a list" in error_of(not_list, 422)["message"]
        assert error_of(await agent.client.patch(url, json={"renames": {"Pro": "X"}}), 403)

        renamed = await owner.client.patch(url, json={"renames": {"pro": "Professional"}})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["options"] == ["Free", "Professional", "Enterprise"]
        assert (await fields_of_ticket(agent, pro))["plan"] == "Professional"
        assert (await fields_of_ticket(agent, free))["plan"] == "Free"
        got_rule = (await owner.client.get(f"/api/v1/rules/{rule['id']}")).json()
        assert got_rule["conditions"][0]["value"] == "Professional"
        assert got_rule["actions"][0]["fields"] == {"plan": "Professional", "seats": 1}
        got_macro = (await agent.client.get(f"/api/v1/macros/{macro.json()['id']}")).json()
        assert got_macro["actions"][0]["fields"] == {"plan": "Professional"}
        views = (await agent.client.get("/api/v1/views")).json()
        got_view = next(v for v in views if v["id"] == view.json()["id"])
        assert (got_view["filters"]["field"], got_view["missing"]) == ("plan:Professional", [])
        page = await agent.client.get("/api/v1/tickets", params={"view_id": got_view["id"]})
        assert [t["id"] for t in page.json()["items"]] == [pro["id"]]
        # The rule runs with the new name: a new ticket without Professional gets it.
        made = await new_ticket(agent.client, setup.inbox, fields={"plan": "Free"})
        assert (await fields_of_ticket(agent, made))["plan"] == "Professional"
