"""Blocking a chat's visitor tells webhook receivers that the chat ended and that its ticket was
filed, in Spam (docs/chat.md, "Blocking a visitor"): the ticket is made and marked spam in one
transaction, so it is told once, as it ends up."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import online
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.test_webhook_events import deliver, subscribe

pytestmark = SQLITE_ONLY


async def test_a_blocked_chat_is_told_as_ended_with_its_ticket_in_spam(
    app: FastAPI, desk: Desk, visitors: Any, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await subscribe(admin, hooks)
    await online(admin)
    troll = await visitors(inbox)
    chat = await troll.start_chat("you are all useless")
    assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    blocked = await admin.client.post(f"/api/v1/chats/{chat['id']}/block-visitor")
    assert blocked.status_code == 200, blocked.text
    ticket_id = blocked.json()["ticket"]["id"]

    await deliver(app)
    (ended,) = hooks.events("chat.ended")
    assert ended["data"]["chat"]["id"] == chat["id"]
    (created,) = hooks.events("ticket.created")
    assert created["data"]["ticket"]["id"] == ticket_id
    # Filed and marked in one transaction: the ticket is told once, as it is now, in Spam.
    assert created["data"]["ticket"]["state"] == "spam"
    assert hooks.events("ticket.updated") == []
