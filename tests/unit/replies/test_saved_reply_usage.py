"""Saved replies that rules and macros send, over HTTP (docs/routing.md, "Saved replies that
rules and macros send"): what a rule emails to every customer is changed by admins and owners
only, and into what a rule can say; no saved reply is deleted from under a rule or a macro; and
every change is in the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.audit.support import entries
from tests.unit.rules.support import create_rule
from tests.unit.support import error_of, fields_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/saved-replies"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def _team_reply(agent: Agent, inbox: dict[str, Any], text: str) -> dict[str, Any]:
    response = await agent.client.post(
        URL, json={"name": "Thanks", "text": text, "inbox_id": inbox["id"]}
    )
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


async def _sending(admin: Agent, reply: dict[str, Any], name: str = "Acknowledge") -> Any:
    return await create_rule(
        admin,
        name,
        when={"type": "created"},
        actions=[{"type": "reply", "saved_reply_id": reply["id"]}],
    )


async def test_only_admins_change_the_text_a_rule_sends(desk: Desk) -> None:
    inbox = await desk.inbox(name="Support")
    admin = await desk.agent(role="admin", name="Ada Admin")
    owner = await desk.agent(role="owner")
    plain = await desk.agent(inboxes=[inbox], name="Pat")
    reply = await _team_reply(plain, inbox, "Hello {{customer.first_name|there}}, we have it.")
    path = f"{URL}/{reply['id']}"
    # Not used by a rule yet: every member of the inbox edits it.
    edited = await plain.client.patch(path, json={"text": "Hello, we have your message."})
    assert edited.status_code == 200, edited.text
    await _sending(admin, reply)

    refused = await plain.client.patch(path, json={"text": "Send your card number to me."})
    error = error_of(refused, 403, "sent_by_rule")
    assert "the rule “Acknowledge”" in error["message"]
    assert "admin" in error["message"]
    again = await plain.client.get(path)
    assert again.json()["text"] == "Hello, we have your message."
    # Its name reaches nobody: still theirs to change, and the text as it is may be sent back.
    renamed = await plain.client.patch(
        path, json={"name": "Ack", "text": "Hello, we have your message."}
    )
    assert renamed.status_code == 200, renamed.text

    # An admin may, but only into what a rule can fill: a rule has no agent.
    unsigned = await admin.client.patch(path, json={"text": "Regards, {{agent.name}}"})
    error = error_of(unsigned, 422, "invalid")
    assert fields_of(error) == {"text"}
    assert "The rule “Acknowledge” sends this reply." in error["message"]
    assert "{{agent.name}}" in error["message"]
    changed = await admin.client.patch(path, json={"text": "Thanks, we read every message."})
    assert changed.status_code == 200, changed.text

    # Who changed the words, when: in the audit log.
    logged = await entries(owner, target_type="saved_reply")
    assert [(e["action"], e["actor_id"]) for e in logged] == [
        ("saved_reply.updated", admin.id),
        ("saved_reply.updated", plain.id),
        ("saved_reply.updated", plain.id),
        ("saved_reply.created", plain.id),
    ]
    assert logged[0]["changes"] == {
        "text": ["Hello, we have your message.", "Thanks, we read every message."]
    }
    assert logged[0]["target_label"] == "Ack"


async def test_a_reply_a_rule_or_a_macro_sends_is_not_deleted_from_under_it(desk: Desk) -> None:
    inbox = await desk.inbox(name="Support")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    reply = await _team_reply(bob, inbox, "We have your message.")
    path = f"{URL}/{reply['id']}"
    rule = await _sending(admin, reply)
    macro = await bob.client.post(
        "/api/v1/macros",
        json={"name": "Ack", "actions": [{"type": "reply", "saved_reply_id": reply["id"]}]},
    )
    assert macro.status_code == 201, macro.text

    for who in (admin, bob):
        error = error_of(await who.client.delete(path), 409, "saved_reply_in_use")
        assert "the rule “Acknowledge”" in error["message"]
        assert "Bob's macro “Ack”" in error["message"]
    # Once they send something else, it goes.
    changed = await admin.client.patch(
        f"/api/v1/rules/{rule['id']}",
        json={
            "definition": {
                "when": {"type": "created"},
                "actions": [{"type": "reply", "text": "We have it."}],
            }
        },
    )
    assert changed.status_code == 200, changed.text
    error = error_of(await bob.client.delete(path), 409, "saved_reply_in_use")
    assert "rule" not in error["message"]
    assert (await bob.client.delete(f"/api/v1/macros/{macro.json()['id']}")).status_code == 204
    assert (await bob.client.delete(path)).status_code == 204
