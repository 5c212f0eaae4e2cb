"""The texts rules and macros send and write, over HTTP (docs/routing.md, "Variables in what
rules and macros write"): a fallback for a value the ticket lacks, the whole run refused with its
reason when a variable has neither, anything in braces that is no variable refused when saved,
and notes filled and checked like replies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.rules.support import URL, create_rule, label_names, make_label, ticket, timeline
from tests.unit.support import error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def _texts(found: dict[str, Any], kind: str) -> list[str]:
    return [entry["text"] for entry in found["entries"] if entry["kind"] == kind]


async def _nameless(agent: Agent, inbox: dict[str, Any]) -> dict[str, Any]:
    """A ticket on a customer who gave an address and no name."""
    return await new_ticket(agent.client, inbox, customer={"email": "someone@example.org"})


async def test_a_customer_without_a_name_gets_the_fallback_and_the_rest_of_the_rule(
    desk: Desk,
) -> None:
    inbox = await desk.inbox(name="Shop Support")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Admin")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    vip = await make_label(admin, "New")
    await create_rule(
        admin,
        "Welcome",
        when={"type": "created"},
        actions=[
            {"type": "label", "add": [vip["id"]]},
            {"type": "assign", "assignee": bob.id},
            {"type": "reply", "text": "Hi {{ customer.first_name | there }}, welcome."},
            {"type": "note", "text": "Welcomed {{customer.name|a nameless customer}}."},
        ],
    )
    found = await ticket(admin, (await _nameless(admin, inbox))["id"])
    assert label_names(found) == ["New"]
    assert found["assignee_id"] == bob.id
    assert _texts(found, "reply") == ["Hi there, welcome."]
    assert _texts(found, "note") == ["Welcomed a nameless customer."]

    # With a name, the name.
    named = await new_ticket(admin.client, inbox, customer={"email": "m@example.org", "name": "Mo"})
    assert _texts(await ticket(admin, named["id"]), "reply") == ["Hi Mo, welcome."]


async def test_a_variable_without_value_or_fallback_refuses_the_whole_run_and_says_why(
    desk: Desk,
) -> None:
    inbox = await desk.inbox(name="Shop Support")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    vip = await make_label(admin, "New")
    await create_rule(
        admin,
        "Welcome",
        when={"type": "created"},
        actions=[
            {"type": "label", "add": [vip["id"]]},
            {"type": "reply", "text": "Hi {{customer.first_name}}, welcome."},
        ],
    )
    found = await ticket(admin, (await _nameless(admin, inbox))["id"])
    assert label_names(found) == []
    assert _texts(found, "reply") == []
    assert (
        "The rule “Welcome” could not run: This ticket has no value for "
        "{{customer.first_name}}; the reply was not sent. A fallback after a bar is written "
        "when there is none: {{customer.first_name|there}}."
    ) in timeline(found)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Hi {{customer-name}}", "{{customer-name}}"),  # not a name at all
        ("Hi {{customer.frist|there}}", "{{customer.frist}}"),  # a typo, even with a fallback
        ("Hi {{customer.first_name|}}", "{{customer.first_name|}}"),  # a fallback saying nothing
        ("Hi {{ }}", "{{}}"),
    ],
)
async def test_braces_that_are_no_variable_are_refused_when_saved(
    desk: Desk, text: str, named: str
) -> None:
    inbox = await desk.inbox(name="Shop Support")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    for action in ({"type": "reply", "text": text}, {"type": "note", "text": text}):
        body = {"name": "R", "when": {"type": "created"}, "actions": [action]}
        error = error_of(await admin.client.post(URL, json=body), 422, "invalid")
        assert fields_of(error) == {"actions"}
        assert f"No such variable: {named}." in error["message"]
        macro = {"name": "M", "actions": [action]}
        error = error_of(await admin.client.post("/api/v1/macros", json=macro), 422, "invalid")
        assert "No such variable" in error["message"]
    saved = {"name": "S", "text": text, "inbox_id": inbox["id"]}
    error = error_of(await admin.client.post("/api/v1/saved-replies", json=saved), 422, "invalid")
    assert fields_of(error) == {"text"}
    assert (await admin.client.get(URL)).json() == []
    assert (await admin.client.get("/api/v1/macros")).json() == []


async def test_notes_are_filled_and_a_rules_note_has_no_agent_but_a_fallback(desk: Desk) -> None:
    inbox = await desk.inbox(name="Shop Support")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Lovelace")
    macro = await admin.client.post(
        "/api/v1/macros",
        json={
            "name": "Refund done",
            "actions": [{"type": "note", "text": "Refund approved by {{agent.first_name}}."}],
        },
    )
    assert macro.status_code == 201, macro.text
    made = await new_ticket(admin.client, inbox)
    applied = await admin.client.post(
        f"/api/v1/macros/{macro.json()['id']}/apply", json={"ticket_id": made["id"]}
    )
    assert applied.status_code == 200, applied.text
    assert _texts(await ticket(admin, made["id"]), "note") == ["Refund approved by Ada."]

    # A rule runs as nobody: {{agent.name}} alone is refused, with a fallback it is written.
    body: dict[str, Any] = {
        "name": "Triage",
        "when": {"type": "created"},
        "actions": [{"type": "note", "text": "Seen by {{agent.name}} in {{inbox.name}}."}],
    }
    error = error_of(await admin.client.post(URL, json=body), 422, "invalid")
    assert "{{agent.name}}" in error["message"]
    body["actions"] = [
        {"type": "note", "text": "Seen by {{agent.name|the rules}} in {{inbox.name}}."}
    ]
    await create_rule(admin, **body)
    filed = await new_ticket(admin.client, inbox)
    assert _texts(await ticket(admin, filed["id"]), "note") == [
        "Seen by the rules in Shop Support."
    ]
