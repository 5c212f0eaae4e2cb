"""Nobody keeps hearing of a ticket they can no longer see: after Bob is mentioned, taking him out
of the inbox (or moving the ticket to an inbox he is not in, or deactivating him) hides the item
from his bell and its count, and what still waited to go out to him (a push, an email) does not
go. Through HTTP, the push outbox with a push service on loopback that decrypts, and the mail
outbox with a real SMTP sink."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.models import OutboxMessage
from frontdesk.notifications.models import PushDelivery, PushSubscription
from frontdesk.notifications.push import deliver_push
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import SmtpSink, deliver, with_smtp
from tests.unit.notifications.support import Browser, PushService, bell, subscribe
from tests.unit.support import count_rows, new_ticket

pytestmark = SQLITE_ONLY


def handle(agent: Any) -> str:
    return str(agent.user["email"]).split("@")[0]


async def _mentioned(desk: Desk) -> tuple[Any, Any, Any, dict[str, Any], dict[str, Any]]:
    """Ada mentions Bob in a note on a ticket of their inbox; an owner to change things."""
    inbox = await desk.inbox()
    owner = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    ticket = await new_ticket(ada.client, inbox, subject="Salary review")
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes",
        json={"text": f"@{handle(bob)} the new salaries are in the sheet"},
    )
    assert note.status_code == 201, note.text
    return owner, ada, bob, inbox, ticket


async def _remove(owner: Any, inbox: dict[str, Any], agent: Any) -> None:
    removed = await owner.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{agent.id}")
    assert removed.status_code == 200, removed.text


@BOTH_STORES
async def test_the_bell_forgets_a_ticket_taken_out_of_sight_and_shows_it_again_when_back(
    desk: Desk,
) -> None:
    owner, _ada, bob, inbox, ticket = await _mentioned(desk)
    page = await bell(bob)
    assert [item["kind"] for item in page["items"]] == ["mentioned"]
    assert page["unread"] == 1

    await _remove(owner, inbox, bob)
    assert (await bob.client.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 404
    page = await bell(bob)
    assert (page["items"], page["unread"]) == ([], 0)
    assert (await bell(bob, unread=True))["items"] == []
    marked = await bob.client.post("/api/v1/notifications/read", json={"ids": None})
    assert marked.json() == {"unread": 0}

    # Back in the inbox, he sees the ticket and what he was told of it (read by "all read").
    added = await owner.client.post(
        f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": bob.id}
    )
    assert added.status_code == 204, added.text
    (item,) = (await bell(bob))["items"]
    assert item["params"]["excerpt"].startswith(f"@{handle(bob)} the new salaries")


async def test_a_ticket_moved_to_another_inbox_leaves_the_bell_of_who_cannot_follow_it(
    desk: Desk,
) -> None:
    owner, _ada, bob, _inbox, ticket = await _mentioned(desk)
    private = await desk.inbox(name="Payroll")
    moved = await owner.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"inbox_id": private["id"]}
    )
    assert moved.status_code == 200, moved.text
    assert (await bob.client.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 404
    page = await bell(bob)
    assert (page["items"], page["unread"]) == ([], 0)
    # The owner sees every inbox: nothing changes for an admin's own notifications.
    assert (await owner.client.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 200


@BOTH_STORES
async def test_a_queued_push_is_not_sent_once_its_reader_lost_the_inbox(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    inbox = await desk.inbox()
    owner = await desk.agent(role="owner")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    carol = await desk.agent(inboxes=[inbox], name="Carol")
    await subscribe(bob, Browser(), f"{push_service.origin}/push/bob")
    carols = Browser()
    await subscribe(carol, carols, f"{push_service.origin}/push/carol")
    ticket = await new_ticket(ada.client, inbox, subject="Salary review")
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes",
        json={"text": f"@{handle(bob)} @{handle(carol)} the new salaries are in the sheet"},
    )
    assert note.status_code == 201, note.text
    assert await count_rows(app, PushDelivery) == 2

    await _remove(owner, inbox, bob)
    assert await deliver_push(app.state.sessionmaker, settings) == 1
    # Carol, who still sees it, gets hers; Bob's is dropped unsent.
    (received,) = push_service.received
    assert received.path == "/push/carol"
    assert json.loads(carols.decrypt(received.body))["ticket_id"] == ticket["id"]
    assert await count_rows(app, PushDelivery) == 1
    assert await deliver_push(app.state.sessionmaker, settings) == 0
    # His browser stays subscribed: he is still an agent of the desk.
    assert await count_rows(app, PushSubscription, PushSubscription.user_id == bob.id) == 1


async def test_deactivating_an_agent_removes_their_browsers_and_their_queued_pushes(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    owner, ada, bob, _inbox, ticket = await _mentioned(desk)
    await subscribe(bob, Browser(), f"{push_service.origin}/push/bob")
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"@{handle(bob)} one more"}
    )
    assert note.status_code == 201, note.text
    assert await count_rows(app, PushDelivery) == 1

    off = await owner.client.patch(f"/api/v1/users/{bob.id}", json={"is_active": False})
    assert off.status_code == 200, off.text
    assert await count_rows(app, PushSubscription) == 0
    assert await count_rows(app, PushDelivery) == 0
    assert await deliver_push(app.state.sessionmaker, settings) == 0
    assert push_service.received == []


async def test_a_push_queued_for_someone_deactivated_since_is_dropped_when_claimed(
    desk: Desk, app: FastAPI, settings: Settings, push_service: PushService
) -> None:
    """The same without the router's clean-up (an account switched off another way): the push
    loop checks the recipient is still active as it claims."""
    from sqlalchemy import update

    from frontdesk.db.session import unit_of_work
    from frontdesk.users.models import User

    _owner, ada, bob, _inbox, ticket = await _mentioned(desk)
    await subscribe(bob, Browser(), f"{push_service.origin}/push/bob")
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"@{handle(bob)} one more"}
    )
    assert note.status_code == 201, note.text
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(update(User).where(User.id == bob.id).values(is_active=False))
    assert await deliver_push(app.state.sessionmaker, settings) == 0
    assert push_service.received == []
    assert await count_rows(app, PushDelivery) == 0


@BOTH_STORES
async def test_a_queued_notification_email_is_not_sent_once_its_reader_lost_the_ticket(
    desk: Desk, app: FastAPI, settings: Settings, sink: SmtpSink
) -> None:
    inbox = await desk.inbox()
    owner = await desk.agent(role="owner")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    carol = await desk.agent(inboxes=[inbox], name="Carol")
    for agent in (bob, carol):
        chose = await agent.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"mentioned": {"email": True}}},
        )
        assert chose.status_code == 200, chose.text
    ticket = await new_ticket(ada.client, inbox, subject="Salary review")
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes",
        json={"text": f"@{handle(bob)} @{handle(carol)} the new salaries are in the sheet"},
    )
    assert note.status_code == 201, note.text
    assert await count_rows(app, OutboxMessage) == 2

    await _remove(owner, inbox, bob)
    assert await deliver(app, with_smtp(settings, sink)) == 1
    (mail,) = sink.received
    assert mail.rcpt_tos == [carol.user["email"]]
    # Bob's is gone from the outbox, unsent.
    assert await count_rows(app, OutboxMessage) == 1


async def test_a_queued_notification_email_to_a_deactivated_agent_is_not_sent(
    desk: Desk, app: FastAPI, settings: Settings, sink: SmtpSink
) -> None:
    owner, ada, bob, _inbox, ticket = await _mentioned(desk)
    chose = await bob.client.put(
        "/api/v1/notifications/preferences", json={"preferences": {"mentioned": {"email": True}}}
    )
    assert chose.status_code == 200, chose.text
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"@{handle(bob)} one more"}
    )
    assert note.status_code == 201, note.text
    assert await count_rows(app, OutboxMessage) == 1
    off = await owner.client.patch(f"/api/v1/users/{bob.id}", json={"is_active": False})
    assert off.status_code == 200, off.text
    assert await deliver(app, with_smtp(settings, sink)) == 0
    assert sink.received == []
    assert await count_rows(app, OutboxMessage) == 0
