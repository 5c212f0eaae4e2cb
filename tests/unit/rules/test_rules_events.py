"""Rules that answer events, over HTTP: a customer's emailed reply, a new ticket, labels; the
timeline line each run leaves, a refused run that leaves the triggering change alone, and two
rules that would undo each other forever stopped by the loop bound."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.config import Settings
from frontdesk.rules.engine import MAX_DEPTH
from frontdesk.rules.models import RuleRun
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail
from tests.unit.rules.support import (
    URL,
    create_rule,
    label_names,
    make_label,
    runs,
    ticket,
    timeline,
)
from tests.unit.support import (
    count_rows,
    error_of,
    fields_of,
    new_ticket,
    use_cheap_passwords,
)

pytestmark = SQLITE_ONLY

SUPPORT = "support@shop.test"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def _mailed(http: httpx.AsyncClient, *, text: str, subject: str, **kw: Any) -> None:
    response = await post_mime(http, reply_mail(to=SUPPORT, text=text, subject=subject, **kw))
    assert response.status_code in (200, 202), response.text


class TestCustomerReplies:
    async def test_an_emailed_reply_with_the_words_labels_and_assigns_it(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        billing = await make_label(admin, "Billing")
        rule = await create_rule(
            admin,
            "Refunds to Bob",
            when={"type": "customer_replied"},
            conditions=[{"field": "text", "op": "contains", "value": "refund"}],
            actions=[
                {"type": "label", "add": [billing["id"]]},
                {"type": "assign", "assignee": bob.id},
            ],
        )
        made = await new_ticket(ada.client, inbox, email="cora@example.org", subject="Parcel")
        reply = await ada.client.post(
            f"/api/v1/tickets/{made['id']}/replies", json={"text": "On its way", "then": "hold"}
        )
        assert reply.status_code == 201, reply.text
        in_reply_to = reply.json()["message_id"]

        await _mailed(
            http,
            text="Thanks, it came.",
            subject="Re: Parcel",
            in_reply_to=in_reply_to,
            sender="cora@example.org",
        )
        quiet = await ticket(ada, made["id"])
        assert (label_names(quiet), quiet["assignee_id"]) == ([], ada.id)

        await _mailed(
            http,
            text="It is broken, I want a REFUND.",
            subject="Re: Parcel",
            in_reply_to=in_reply_to,
            sender="cora@example.org",
        )
        after = await ticket(ada, made["id"])
        assert (label_names(after), after["assignee_id"]) == (["Billing"], bob.id)
        lines = timeline(after)
        ran = lines.index("The rule “Refunds to Bob” ran")
        assert lines[ran + 1 :][:2] == [
            "frontdesk added the label Billing",
            "frontdesk assigned the ticket to Bob",
        ]
        (run,) = await runs(admin, rule)
        assert (run["outcome"], run["applied"], run["ticket"]["id"]) == (
            "done",
            ["label", "assign"],
            made["id"],
        )


class TestNewTickets:
    @BOTH_STORES
    async def test_a_new_mail_ticket_from_a_domain_is_put_on_hold_others_not(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox])
        await create_rule(
            admin,
            "Partners wait",
            when={"type": "created"},
            match="all",
            conditions=[
                {"field": "customer_domain", "op": "equals", "value": "partner.test"},
                {"field": "channel", "op": "is", "value": "email"},
                {"field": "inbox", "op": "is", "value": inbox["id"]},
            ],
            actions=[{"type": "set_state", "state": "hold"}, {"type": "note", "text": "Partner"}],
        )
        await _mailed(http, text="Hello", subject="From a partner", sender="p@partner.test")
        await _mailed(http, text="Hello", subject="From a customer", sender="c@example.org")
        listed = await admin.client.get("/api/v1/tickets", params={"inbox_id": inbox["id"]})
        states = {t["subject"]: t["state"] for t in listed.json()["items"]}
        assert states == {"From a partner": "hold", "From a customer": "open"}
        partner = next(t for t in listed.json()["items"] if t["subject"] == "From a partner")
        full = await ticket(admin, partner["id"])
        notes = [e for e in full["entries"] if e["kind"] == "note"]
        assert [(n["text"], n["author_user_id"]) for n in notes] == [("Partner", None)]

    async def test_any_of_the_conditions_is_enough(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        urgent = await make_label(admin, "Urgent")
        await create_rule(
            admin,
            "Urgent words",
            when={"type": "created"},
            match="any",
            conditions=[
                {"field": "text", "op": "contains", "value": "down"},
                {"field": "customer_name", "op": "contains", "value": "vip"},
            ],
            actions=[{"type": "label", "add": [urgent["id"]]}],
        )
        by_subject = await new_ticket(admin.client, inbox, subject="Site is DOWN")
        by_name = await new_ticket(
            admin.client, inbox, subject="Hi", customer={"email": "v@x.org", "name": "Vip Val"}
        )
        neither = await new_ticket(admin.client, inbox, subject="Hi", email="n@x.org")
        assert label_names(await ticket(admin, by_subject["id"])) == ["Urgent"]
        assert label_names(await ticket(admin, by_name["id"])) == ["Urgent"]
        assert label_names(await ticket(admin, neither["id"])) == []

    @BOTH_STORES
    async def test_who_created_the_ticket_customer_or_agent(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        """An "Ack every new email" rule must not email a caller an agent filed a ticket for:
        they never wrote. A split-off ticket is the agent's too."""
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox])
        by_customer = await create_rule(
            admin,
            "Ack every new email",
            when={"type": "created", "by": "customer"},
            actions=[{"type": "reply", "text": "We have your message."}],
        )
        assert by_customer["when"] == {"type": "created", "by": "customer"}
        by_agent = await create_rule(
            admin,
            "Filed by hand",
            when={"type": "created", "by": "agent"},
            actions=[{"type": "note", "text": "Filed by hand."}],
        )
        filed = await new_ticket(
            admin.client, inbox, subject="Phoned in", note="Cora phoned about her parcel."
        )
        await _mailed(http, text="Where is my parcel?", subject="Parcel", sender="c@example.org")
        listed = (await admin.client.get("/api/v1/tickets")).json()["items"]
        mailed = next(t for t in listed if t["subject"] == "Parcel")
        assert [r["ticket"]["id"] for r in await runs(admin, by_customer)] == [mailed["id"]]
        assert [r["ticket"]["id"] for r in await runs(admin, by_agent)] == [filed["id"]]
        phoned = await ticket(admin, filed["id"])
        assert [e["kind"] for e in phoned["entries"] if e["kind"] != "event"] == ["note", "note"]

        # The dry run tells them apart by the ticket's first message.
        for when, expected in (("customer", mailed["id"]), ("agent", filed["id"])):
            body = {
                "when": {"type": "created", "by": when},
                "actions": [{"type": "note", "text": "x"}],
            }
            tried = await admin.client.post(f"{URL}/dry-run", json=body)
            assert [t["id"] for t in tried.json()["tickets"]] == [expected], tried.text
        both = {"when": {"type": "created"}, "actions": [{"type": "note", "text": "x"}]}
        tried = await admin.client.post(f"{URL}/dry-run", json=both)
        assert len(tried.json()["tickets"]) == 2
        wrong = {"when": {"type": "created", "by": "someone"}, "actions": both["actions"]}
        error_of(await admin.client.post(f"{URL}/dry-run", json=wrong), 422)

        # Splitting the customer's message off makes a ticket the agent created.
        full = await ticket(admin, mailed["id"])
        (message,) = [e for e in full["entries"] if e["direction"] == "in"]
        split = await admin.client.post(
            f"/api/v1/tickets/{mailed['id']}/entries/{message['id']}/split", json={}
        )
        assert split.status_code == 201, split.text
        new_id = split.json()["target_ticket_id"]
        assert [r["ticket"]["id"] for r in await runs(admin, by_agent)] == [new_id, filed["id"]]
        assert len(await runs(admin, by_customer)) == 1


class TestLoops:
    async def test_two_rules_undoing_each_other_stop_at_the_bound(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        ping = await make_label(admin, "Ping")
        pong = await make_label(admin, "Pong")
        ping_rule = await create_rule(
            admin,
            "Ping to pong",
            when={"type": "label_added", "label_id": ping["id"]},
            actions=[{"type": "label", "add": [pong["id"]], "remove": [ping["id"]]}],
        )
        pong_rule = await create_rule(
            admin,
            "Pong to ping",
            when={"type": "label_added", "label_id": pong["id"]},
            actions=[{"type": "label", "add": [ping["id"]], "remove": [pong["id"]]}],
        )
        made = await new_ticket(admin.client, inbox)
        patched = await admin.client.patch(
            f"/api/v1/tickets/{made['id']}", json={"label_ids": [ping["id"]]}
        )
        assert patched.status_code == 200, patched.text
        after = await ticket(admin, made["id"])
        lines = timeline(after)
        ran = [line for line in lines if line.endswith("” ran")]
        assert len(ran) == MAX_DEPTH
        stopped = [line for line in lines if "was not run" in line]
        assert len(stopped) == 1
        assert f"{MAX_DEPTH} times in a row" in stopped[0]
        outcomes = [r["outcome"] for r in await runs(admin, ping_rule)]
        outcomes += [r["outcome"] for r in await runs(admin, pong_rule)]
        assert sorted(outcomes) == sorted(["done"] * MAX_DEPTH + ["stopped"])
        assert await count_rows(desk.app, RuleRun) == MAX_DEPTH + 1

    async def test_a_refused_rule_leaves_the_change_that_set_it_off(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        outsider = await desk.agent(name="Olga")
        rule = await create_rule(
            admin,
            "To Olga",
            when={"type": "state_changed", "state": "hold"},
            actions=[{"type": "note", "text": "held"}, {"type": "assign", "assignee": outsider.id}],
        )
        made = await new_ticket(admin.client, inbox)
        patched = await admin.client.patch(f"/api/v1/tickets/{made['id']}", json={"state": "hold"})
        assert patched.status_code == 200, patched.text
        after = await ticket(admin, made["id"])
        assert after["state"] == "hold"
        assert after["assignee_id"] is None
        assert [e for e in after["entries"] if e["kind"] == "note"] == []
        assert timeline(after)[-1] == (
            "The rule “To Olga” could not run: Olga is not a member of this ticket's inbox."
        )
        (run,) = await runs(admin, rule)
        assert run["outcome"] == "failed"
        assert "not a member" in run["error"]


class TestManaging:
    async def test_only_admins_and_what_a_rule_may_not_say(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        agent = await desk.agent(inboxes=[inbox])
        body = {
            "name": "x",
            "when": {"type": "created"},
            "actions": [{"type": "note", "text": "n"}],
        }
        error_of(await agent.client.get(URL), 403)
        error_of(await agent.client.post(URL, json=body), 403)
        for wrong in (
            {**body, "when": {"type": "sometimes"}},
            {**body, "when": {"type": "no_reply", "hours": 0}},
            {**body, "actions": [{"type": "assign", "assignee": "me"}]},
            {**body, "conditions": [{"field": "text", "op": "equals", "value": "x"}]},
            {**body, "conditions": [{"field": "label", "op": "has", "value": "x"}]},
            {**body, "actions": []},
        ):
            error_of(await admin.client.post(URL, json=wrong), 422)
        error_of(
            await admin.client.post(
                URL, json={**body, "actions": [{"type": "reply", "text": "{{agent.name}}"}]}
            ),
            422,
            "invalid",
        )
        error_of(
            await admin.client.post(
                URL, json={**body, "actions": [{"type": "label", "add": [9999]}]}
            ),
            422,
        )

    async def test_list_order_disable_edit_delete(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        note = [{"type": "note", "text": "seen"}]
        first = await create_rule(admin, "First", when={"type": "created"}, actions=note)
        second = await create_rule(admin, "Second", when={"type": "created"}, actions=note)
        assert [r["name"] for r in (await admin.client.get(URL)).json()] == ["First", "Second"]
        reordered = await admin.client.put(
            f"{URL}/order", json={"rule_ids": [second["id"], first["id"]]}
        )
        assert [r["name"] for r in reordered.json()] == ["Second", "First"]
        error_of(await admin.client.put(f"{URL}/order", json={"rule_ids": [first["id"]]}), 422)
        off = await admin.client.patch(f"{URL}/{first['id']}", json={"enabled": False})
        assert off.json()["enabled"] is False
        edited = await admin.client.patch(
            f"{URL}/{second['id']}",
            json={
                "name": "Second rule",
                "definition": {
                    "when": {"type": "created"},
                    "actions": [{"type": "note", "text": "new"}],
                },
            },
        )
        assert (edited.json()["name"], edited.json()["actions"][0]["text"]) == (
            "Second rule",
            "new",
        )
        made = await new_ticket(admin.client, inbox)
        notes = [
            e["text"] for e in (await ticket(admin, made["id"]))["entries"] if e["kind"] == "note"
        ]
        assert notes == ["new"]
        assert (await admin.client.delete(f"{URL}/{first['id']}")).status_code == 204
        error_of(await admin.client.get(f"{URL}/{first['id']}"), 404)


async def _status(admin: Any, name: str, state: str) -> dict[str, Any]:
    made = await admin.client.post("/api/v1/ticket-statuses", json={"name": name, "state": state})
    assert made.status_code == 201, made.text
    status: dict[str, Any] = made.json()
    return status


class TestTicketConditions:
    """Priority, assignee and custom status: read from the ticket as the rule sees it then."""

    @BOTH_STORES
    async def test_urgent_and_nobodys_when_the_customer_replies(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        escalate = await make_label(admin, "Escalate")
        rule = await create_rule(
            admin,
            "Urgent and nobody's",
            when={"type": "customer_replied"},
            conditions=[
                {"field": "priority", "op": "is", "value": "urgent"},
                {"field": "assignee", "op": "is", "value": None},
            ],
            actions=[{"type": "label", "add": [escalate["id"]]}],
        )
        assert rule["conditions"][1] == {"field": "assignee", "op": "is", "value": None}
        adas = await create_rule(
            admin,
            "Ada's, not low",
            when={"type": "customer_replied"},
            conditions=[
                {"field": "assignee", "op": "is", "value": ada.id},
                {"field": "priority", "op": "is_not", "value": "low"},
            ],
            actions=[{"type": "note", "text": "Ada's customer wrote."}],
        )
        cases = {
            "urgent, nobody": {"priority": "urgent", "assignee_id": None},
            "urgent, Ada": {"priority": "urgent", "assignee_id": ada.id},
            "normal, nobody": {"priority": "normal", "assignee_id": None},
            "low, Ada": {"priority": "low", "assignee_id": ada.id},
        }
        ids = {}
        for subject, change in cases.items():
            made = await new_ticket(ada.client, inbox, email="cora@example.org", subject=subject)
            reply = await ada.client.post(
                f"/api/v1/tickets/{made['id']}/replies", json={"text": "Looking", "then": "hold"}
            )
            assert reply.status_code == 201, reply.text
            patched = await ada.client.patch(f"/api/v1/tickets/{made['id']}", json=change)
            assert patched.status_code == 200, patched.text
            await _mailed(
                http,
                text="Any news?",
                subject=f"Re: {subject}",
                in_reply_to=reply.json()["message_id"],
                sender="cora@example.org",
            )
            ids[subject] = made["id"]
        labelled = {
            subject: label_names(await ticket(admin, ticket_id))
            for subject, ticket_id in ids.items()
        }
        assert labelled == {
            "urgent, nobody": ["Escalate"],
            "urgent, Ada": [],
            "normal, nobody": [],
            "low, Ada": [],
        }
        assert [r["ticket"]["id"] for r in await runs(admin, adas)] == [ids["urgent, Ada"]]

        # The dry run reads them alike.
        tried = await admin.client.post(
            f"{URL}/dry-run",
            json={k: rule[k] for k in ("when", "match", "conditions", "actions")},
        )
        assert [t["id"] for t in tried.json()["tickets"]] == [ids["urgent, nobody"]], tried.text

    @BOTH_STORES
    async def test_status_is_and_is_not_after_an_earlier_rule(self, desk: Desk) -> None:
        """A rule sees the status an earlier rule of the same moment set; a state's plain
        status is the state without a custom one."""
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        vendor = await _status(admin, "Waiting on vendor", "hold")
        chased = await make_label(admin, "Chase vendor")
        plain = await make_label(admin, "Plain hold")
        other = await make_label(admin, "Not the vendor")
        await create_rule(
            admin,
            "Parts wait on the vendor",
            when={"type": "created"},
            conditions=[{"field": "text", "op": "contains", "value": "parts"}],
            actions=[{"type": "set_status", "status_id": vendor["id"]}],
        )
        await create_rule(
            admin,
            "Chase the vendor",
            when={"type": "created"},
            conditions=[{"field": "status", "op": "is", "value": vendor["id"]}],
            actions=[{"type": "label", "add": [chased["id"]]}],
        )
        await create_rule(
            admin,
            "On plain hold",
            when={"type": "created"},
            conditions=[{"field": "status", "op": "is", "value": "hold"}],
            actions=[{"type": "label", "add": [plain["id"]]}],
        )
        await create_rule(
            admin,
            "Anything else",
            when={"type": "created"},
            conditions=[{"field": "status", "op": "is_not", "value": vendor["id"]}],
            actions=[{"type": "label", "add": [other["id"]]}],
        )
        parts = await new_ticket(admin.client, inbox, subject="Spare parts")
        held = await new_ticket(admin.client, inbox, subject="Later", state="hold")
        filed = await new_ticket(
            admin.client, inbox, subject="Filed waiting", status_id=vendor["id"]
        )
        opened = await new_ticket(admin.client, inbox, subject="Hello")
        found = {
            made["subject"]: label_names(await ticket(admin, made["id"]))
            for made in (parts, held, filed, opened)
        }
        assert found == {
            "Spare parts": ["Chase vendor"],
            "Later": ["Not the vendor", "Plain hold"],
            "Filed waiting": ["Chase vendor"],
            "Hello": ["Not the vendor"],
        }
        tried = await admin.client.post(
            f"{URL}/dry-run",
            json={
                "when": {"type": "label_added"},
                "conditions": [{"field": "status", "op": "is", "value": vendor["id"]}],
                "actions": [{"type": "note", "text": "x"}],
            },
        )
        assert sorted(t["id"] for t in tried.json()["tickets"]) == [parts["id"], filed["id"]]

    async def test_what_the_conditions_may_name(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        vendor = await _status(admin, "Waiting on vendor", "hold")
        old = await _status(admin, "Old", "open")
        archived = await admin.client.patch(
            f"/api/v1/ticket-statuses/{old['id']}", json={"archived": True}
        )
        assert archived.status_code == 200, archived.text
        definition = {"when": {"type": "created"}, "actions": [{"type": "note", "text": "n"}]}
        note = {"field": "text", "op": "contains", "value": "a"}
        for condition, field, words in (
            ({"field": "assignee", "op": "is", "value": 9999}, "conditions.1.value", "9999"),
            ({"field": "status", "op": "is", "value": 9999}, "conditions.1.value", "deleted"),
            ({"field": "status", "op": "is_not", "value": old["id"]}, "conditions.1.value", "Old"),
        ):
            tried = {**definition, "conditions": [note, condition]}
            for path, sent in ((URL, {"name": "x", **tried}), (f"{URL}/dry-run", tried)):
                refused = error_of(await admin.client.post(path, json=sent), 422)
                assert fields_of(refused) == {field}, refused
                assert words in refused["message"]
        for wrong in (
            {"field": "priority", "op": "is", "value": "asap"},
            {"field": "priority", "op": "has", "value": "urgent"},
            {"field": "assignee", "op": "is"},
            {"field": "assignee", "op": "is", "value": "nobody"},
            {"field": "status", "op": "is", "value": "spam"},
            {"field": "status", "op": "contains", "value": vendor["id"]},
            {"field": "status", "op": "is", "value": str(vendor["id"])},
        ):
            sent = {"name": "x", **definition, "conditions": [wrong]}
            refused = error_of(await admin.client.post(URL, json=sent), 422)
            assert any(f.startswith("conditions.0") for f in fields_of(refused)), refused
        # A deactivated agent is still compared with: deactivating them is not refused.
        not_bobs = [{"field": "assignee", "op": "is_not", "value": bob.id}]
        await create_rule(admin, "Not Bob's", **definition, conditions=not_bobs)
        gone = await admin.client.patch(f"/api/v1/users/{bob.id}", json={"is_active": False})
        assert gone.status_code == 200, gone.text
        bobs = [{"field": "assignee", "op": "is", "value": bob.id}]
        again = await admin.client.post(
            URL, json={"name": "Bob's", **definition, "conditions": bobs}
        )
        assert again.status_code == 201, again.text

    async def test_a_status_a_rule_tests_is_not_archived_nor_deleted(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        vendor = await _status(admin, "Waiting on vendor", "hold")
        remind = await create_rule(
            admin,
            "Remind the vendor",
            enabled=False,
            when={"type": "in_state", "state": "hold", "hours": 120},
            conditions=[{"field": "status", "op": "is", "value": vendor["id"]}],
            actions=[{"type": "note", "text": "Chase the vendor."}],
        )
        at = f"/api/v1/ticket-statuses/{vendor['id']}"
        for refused in (
            await admin.client.patch(at, json={"archived": True}),
            await admin.client.delete(at),
        ):
            error = error_of(refused, 409, "status_in_use")
            assert "the rule “Remind the vendor” (switched off) tests it" in error["message"]
        setter = await create_rule(
            admin,
            "Vendor orders",
            when={"type": "created"},
            actions=[{"type": "set_status", "status_id": vendor["id"]}],
        )
        error = error_of(await admin.client.patch(at, json={"archived": True}), 409)
        assert error["message"] == (
            "The status “Waiting on vendor” cannot be archived: the rule “Vendor orders” sets "
            "it; the rule “Remind the vendor” (switched off) tests it. Change them first "
            "(Settings → Rules)."
        )
        for rule in (remind, setter):
            assert (await admin.client.delete(f"{URL}/{rule['id']}")).status_code == 204
        archived = await admin.client.patch(at, json={"archived": True})
        assert archived.status_code == 200, archived.text
