"""A rule that answers the customer (docs/routing.md, "Then"): the mail goes out over real SMTP
signed by the inbox with the saved reply's variables filled, the thread names the rule, and it
answers nothing in the reports; what a rule's reply may not say is refused when it is saved."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.config import Settings
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    deliver,
    online,
    post_mime,
    reply_mail,
    with_smtp,
)
from tests.unit.reports.history import at
from tests.unit.rules.support import URL, create_rule, runs, ticket, timeline
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY

DAY = {"since": "2026-11-11", "until": "2026-11-11", "time_zone": "UTC"}


async def _saved(agent: Agent, text: str, inbox_id: int | None = None) -> dict[str, Any]:
    response = await agent.client.post(
        "/api/v1/saved-replies", json={"name": "Thanks", "text": text, "inbox_id": inbox_id}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _mailed(http: httpx.AsyncClient, text: str) -> int:
    response = await post_mime(
        http, reply_mail(to=SUPPORT, text=text, subject="Broken kettle"), to=[SUPPORT]
    )
    assert response.status_code in (200, 202), response.text
    ticket_id: int = response.json()["ticket_id"]
    return ticket_id


async def _first_responses(agent: Agent) -> int:
    response = await agent.client.get("/api/v1/reports/times", params=DAY)
    assert response.status_code == 200, response.text
    times = {row["figure"]: row for row in response.json()}
    count: int = times["first_response"]["count"]
    return count


async def test_a_new_ticket_gets_the_saved_reply_signed_by_the_inbox(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    http: httpx.AsyncClient,
    sink: SmtpSink,
    monkeypatch: Any,
) -> None:
    clock = FrozenClock(monkeypatch, at(9, day=11))
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Admin")
    saved = await _saved(
        admin,
        "Hello {{customer.first_name}}, we have your request #{{ticket.number}}. — {{inbox.name}}",
        inbox_id=inbox["id"],
    )
    rule = await create_rule(
        admin,
        "Acknowledge",
        when={"type": "created"},
        actions=[{"type": "reply", "saved_reply_id": saved["id"]}],
    )

    ticket_id = await _mailed(http, "My kettle does not boil.")
    found = await ticket(admin, ticket_id)
    assert await deliver(app, with_smtp(settings, sink)) == 1
    (received,) = sink.received
    message = received.message
    assert received.rcpt_tos == [CUSTOMER]
    assert received.mail_from == SUPPORT
    # The inbox signs it: no agent's name, since no agent wrote it.
    assert message["From"] == f"Shop Support <{SUPPORT}>"
    assert f"[#{found['number']}]" in message["Subject"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert str(body.get_content()).strip() == (
        f"Hello Cora, we have your request #{found['number']}. — Shop Support"
    )

    # The thread shows the reply as the rule's, after the customer's message.
    replies = [e for e in found["entries"] if e["kind"] == "reply"]
    assert [e["direction"] for e in replies] == ["in", "out"]
    sent = replies[1]
    assert sent["author_user_id"] is None
    assert sent["data"]["rule_name"] == "Acknowledge"
    assert sent["data"]["rule_id"] == rule["id"]
    assert sent["message_id"] == message["Message-ID"]
    assert "The rule “Acknowledge” ran" in timeline(found)
    assert [r["outcome"] for r in await runs(admin, rule)] == ["done"]
    # Nobody took the ticket, and it stays open for an agent to answer.
    assert (found["state"], found["assignee_id"]) == ("open", None)
    # Nor does it count as a use of the saved reply: nobody inserted it.
    listed = (await admin.client.get("/api/v1/saved-replies")).json()["items"]
    assert [r["usage_count"] for r in listed if r["id"] == saved["id"]] == [0]

    # The automatic reply answered nothing: the first response is the agent's, ten minutes on.
    assert await _first_responses(admin) == 0
    clock.set(at(9, 10, day=11))
    answered = await admin.client.post(
        f"/api/v1/tickets/{ticket_id}/replies", json={"text": "Try descaling it."}
    )
    assert answered.status_code == 201, answered.text
    response = await admin.client.get("/api/v1/reports/times", params=DAY)
    times = {row["figure"]: row for row in response.json()}
    assert (times["first_response"]["count"], times["first_response"]["p90_seconds"]) == (
        1,
        600.0,
    )


@BOTH_STORES
async def test_a_text_reply_with_a_closing_state_goes_out_and_closes(
    app: FastAPI, settings: Settings, desk: Desk, http: httpx.AsyncClient, sink: SmtpSink
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    await create_rule(
        admin,
        "Spam answer",
        when={"type": "created"},
        conditions=[{"field": "text", "op": "contains", "value": "unsubscribe"}],
        actions=[
            {"type": "reply", "text": "Dear {{customer.name}}, you are unsubscribed."},
            {"type": "set_state", "state": "closed"},
        ],
    )
    ticket_id = await _mailed(http, "Please unsubscribe me.")
    found = await ticket(admin, ticket_id)
    assert found["state"] == "closed"
    assert await deliver(app, with_smtp(settings, sink)) == 1
    body = sink.received[0].message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Dear Cora Customer, you are unsubscribed." in str(body.get_content())


async def test_what_a_rules_reply_may_not_say_is_refused_when_saved(desk: Desk) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    personal = await _saved(admin, "Hi {{customer.first_name}}")
    signed = await _saved(admin, "Regards, {{agent.name}}", inbox_id=inbox["id"])
    body = {"name": "R", "when": {"type": "created"}}
    for action, words in (
        ({"type": "reply", "text": "Thanks, {{agent.first_name}}"}, "{{agent.first_name}}"),
        ({"type": "reply", "saved_reply_id": signed["id"]}, "{{agent.name}}"),
        ({"type": "reply", "saved_reply_id": personal["id"]}, "team"),
        ({"type": "reply", "saved_reply_id": 99999}, "team"),
        ({"type": "reply", "text": "Hi {{customer.frist_name}}"}, "{{customer.frist_name}}"),
    ):
        response = await admin.client.post(URL, json={**body, "actions": [action]})
        error = error_of(response, 422, "invalid")
        assert words in str(error), error
    assert (await admin.client.get(URL)).json() == []


async def test_a_chats_ticket_is_answered_by_email(
    app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink
) -> None:
    """As an agent's reply on a chat's ticket: by email to the address the visitor gave."""
    secret = "identity-secret-of-the-shop"
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT, identity_secret=secret)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await online(admin)
    await create_rule(
        admin,
        "After a chat",
        when={"type": "created"},
        conditions=[{"field": "channel", "op": "is", "value": "chat"}],
        actions=[{"type": "reply", "text": "Glad we talked, {{customer.first_name}}."}],
    )
    visitor = await visitors(inbox)
    await visitor.identify(CUSTOMER, secret=secret)
    chat = await visitor.start_chat("Is this in stock?", email=CUSTOMER)
    assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    ended = await admin.client.post(f"/api/v1/chats/{chat['id']}/end")
    assert ended.status_code == 200, ended.text
    found = await ticket(admin, ended.json()["ticket_id"])
    assert [e["kind"] for e in found["entries"] if e["kind"] != "event"] == [
        "transcript",
        "reply",
    ]

    assert await deliver(app, with_smtp(settings, sink)) == 2
    bodies = {
        str(part.get_content()).strip(): received
        for received in sink.received
        if (part := received.message.get_body(preferencelist=("plain",))) is not None
    }
    thanks = [body for body in bodies if body.startswith("Glad we talked")]
    assert len(thanks) == 1, list(bodies)
    text = thanks[0]
    assert text == "Glad we talked, Marie."
    received = bodies[text]
    assert received.rcpt_tos == [CUSTOMER]
    assert received.message["From"] == f"Shop Support <{SUPPORT}>"
