"""A reply held by Undo send and refused at its due time tells its author (`reply_not_sent`,
docs/notifications.md): in the bell with why, and by push and email as they chose. Over HTTP on
both databases, the clock frozen and moved, the sending loop's round called as the loop calls
it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.notifications import service as notifications_service
from frontdesk.notifications.models import Notification
from frontdesk.notifications.push import deliver_push
from frontdesk.pending_replies import service as pending_service
from frontdesk.pending_replies.timers import send_due_replies
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Published
from tests.mail.support import SUPPORT, SmtpSink, deliver, with_smtp
from tests.unit.notifications.support import Browser, PushService, bell, subscribe
from tests.unit.sla.support import ok
from tests.unit.support import count_rows

pytestmark = SQLITE_ONLY

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SUBJECT = "Where is my parcel?"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


async def setup(desk: Desk) -> tuple[Agent, dict[str, Any], dict[str, Any]]:
    """Ada, with Undo send at 10 seconds, and a new ticket of a customer with an address."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await ok(await ada.client.patch("/api/v1/me", json={"preferences": {"undo_send_seconds": 10}}))
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora"},
            "subject": SUBJECT,
        },
    )
    assert created.status_code == 201, created.text
    return ada, inbox, created.json()


async def hold(agent: Agent, ticket: dict[str, Any], **body: Any) -> dict[str, Any]:
    held = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "It left the warehouse today.", **body},
    )
    assert held.status_code == 202, held.text
    reply: dict[str, Any] = held.json()
    return reply


def not_sent(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in page["items"] if item["kind"] == "reply_not_sent"]


async def test_an_author_taken_out_of_the_inbox_is_told_on_every_channel_they_chose(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    clock: FrozenClock,
    push_service: PushService,
    sink: SmtpSink,
    published: Published,
) -> None:
    ada, inbox, ticket = await setup(desk)
    # The defaults: the bell and push; Ada also wants an email.
    choices = await ok(await ada.client.get("/api/v1/notifications/preferences"))
    assert choices["defaults"]["reply_not_sent"] == ["in_app", "push"]
    await ok(
        await ada.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"reply_not_sent": {"email": True}}},
        )
    )
    browser = Browser()
    await subscribe(ada, browser, f"{push_service.origin}/push/ada")
    held = await hold(ada, ticket)
    admin = await desk.agent(role="admin")
    await ok(await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}"))
    published.clear()

    clock.advance(seconds=10)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1

    # The bell says why, by the ticket's number alone: she may no longer open it, so it points
    # at no ticket and keeps none of its words.
    page = await bell(ada)
    (item,) = not_sent(page)
    assert page["unread"] == 1
    assert (item["ticket_id"], item["chat_id"], item["actor"]) == (None, None, None)
    shown = {key: value for key, value in item["params"].items() if value is not None}
    assert shown == {
        "number": ticket["number"],
        "reason": "You no longer have access to this ticket's inbox, so the reply was not sent.",
        "reason_code": "ticket_not_visible",
        "pending_reply_id": held["id"],
    }
    (live,) = [m for m in published.messages if m.envelope.type == "notification.created"]
    assert live.topics == [f"agent:{ada.id}"]
    assert published.problems == []

    # Push, then email: the same reason, in words for the author (the server's message, for API
    # clients, says again that the reply was not sent).
    words = "You no longer have access to this ticket's inbox."
    assert await deliver_push(app.state.sessionmaker, settings) == 1
    (pushed,) = push_service.received
    payload = json.loads(browser.decrypt(pushed.body))
    number = ticket["number"]
    assert payload["title"] == f"Your reply was not sent: #{number}"
    assert payload["body"] == words
    assert (payload["url"], payload["ticket_id"]) == ("/", None)
    await deliver(app, with_smtp(settings, sink))
    (mail,) = [m for m in sink.received if ada.user["email"] in m.rcpt_tos]
    assert mail.message["Subject"] == f"Your reply was not sent: #{number}"
    body = mail.message.get_body(("plain",))
    assert body is not None
    assert words in body.get_content()
    assert SUBJECT not in mail.message.as_string()

    # Told once: the next rounds have nothing left to record.
    clock.advance(seconds=1)
    assert await send_due_replies(app.state.sessionmaker, settings) == 0
    assert len(not_sent(await bell(ada))) == 1


@BOTH_STORES
async def test_a_reply_answered_meanwhile_points_at_its_ticket_with_why(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, sink: SmtpSink
) -> None:
    ada, inbox, ticket = await setup(desk)
    await ok(
        await ada.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"reply_not_sent": {"email": True}}},
        )
    )
    bob = await desk.agent(inboxes=[inbox], name="Bob")

    async def bob_answers(text: str) -> None:
        answered = await bob.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": text, "undo_seconds": 0}
        )
        assert answered.status_code == 201, answered.text

    await bob_answers("Looking into it.")
    shown = await ok(await ada.client.get(f"/api/v1/tickets/{ticket['id']}"))
    seen = max(int(entry["id"]) for entry in shown["entries"])
    held = await hold(ada, ticket, seen_entry_id=seen)
    # Bob answers again while Ada's reply waits: it is not sent over his.
    await bob_answers("Done here.")

    clock.advance(seconds=10)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1

    (failed,) = await ok(await ada.client.get("/api/v1/me/pending-replies"))
    assert failed["id"] == held["id"]
    (item,) = not_sent(await bell(ada))
    assert item["ticket_id"] == ticket["id"]
    assert item["params"]["number"] == ticket["number"]
    assert item["params"]["subject"] == SUBJECT
    assert item["params"]["reason_code"] == "stale_thread"
    assert item["params"]["reason"] == failed["error"]["message"]
    # The error's message is for API clients ("…with the newest id as `seen_entry_id`"): the
    # email says it in words for Ada, as the bell does (the desk's own words for the code).
    assert "seen_entry_id" in failed["error"]["message"]
    await deliver(app, with_smtp(settings, sink))
    (mail,) = [m for m in sink.received if ada.user["email"] in m.rcpt_tos]
    assert mail.message["Subject"] == f"Your reply was not sent: #{ticket['number']} {SUBJECT}"
    body = mail.message.get_body(("plain",))
    assert body is not None
    assert body.get_content().splitlines()[0] == (
        "New messages arrived on this ticket since you started writing: read them, then send again."
    )
    assert "seen_entry_id" not in body.get_content()
    # Bob, who answered, is told nothing of Ada's reply.
    assert not_sent(await bell(bob)) == []


async def test_the_bell_off_and_push_off_tell_nothing_and_a_deactivated_author_nothing(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    ada, inbox, ticket = await setup(desk)
    await ok(
        await ada.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"reply_not_sent": {"in_app": False, "push": False}}},
        )
    )
    await hold(ada, ticket)
    admin = await desk.agent(role="admin")
    await ok(await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}"))
    clock.advance(seconds=10)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert not_sent(await bell(ada)) == []

    grace = await desk.agent(inboxes=[inbox], name="Grace")
    await ok(
        await grace.client.patch("/api/v1/me", json={"preferences": {"undo_send_seconds": 10}})
    )
    await hold(grace, ticket)
    await ok(await admin.client.patch(f"/api/v1/users/{grace.id}", json={"is_active": False}))
    clock.advance(seconds=10)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert await count_rows(app, Notification, Notification.user_id == grace.id) == 0


async def test_a_fault_of_the_notification_still_fails_the_reply_and_the_others_go_out(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    clock: FrozenClock,
    published: Published,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The telling breaks after it wrote the notification: the reply is recorded failed all the
    same (the notification and its live event dropped with the savepoint, the fault logged), so
    it is not tried again first every round, and the reply due after it goes out."""
    ada, inbox, ticket = await setup(desk)
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    await ok(
        await grace.client.patch("/api/v1/me", json={"preferences": {"undo_send_seconds": 10}})
    )
    refused = await hold(ada, ticket)
    clock.advance(seconds=1)
    await hold(grace, ticket, text="Grace's answer.")
    admin = await desk.agent(role="admin")
    await ok(await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}"))
    real = notifications_service.reply_not_sent

    async def broken(session: Any, **kwargs: Any) -> None:
        await real(session, **kwargs)
        raise RuntimeError("a bug in the telling")

    monkeypatch.setattr(notifications_service, "reply_not_sent", broken)
    published.clear()
    clock.advance(seconds=10)
    with caplog.at_level(logging.ERROR, logger="frontdesk.pending_replies.service"):
        assert await send_due_replies(app.state.sessionmaker, settings) == 2
    assert "a bug in the telling" in caplog.text

    (failed,) = await ok(await ada.client.get("/api/v1/me/pending-replies"))
    assert (failed["id"], failed["state"]) == (refused["id"], "failed")
    assert failed["error"]["code"] == "ticket_not_visible"
    assert await ok(await grace.client.get("/api/v1/me/pending-replies")) == []
    shown = await ok(await grace.client.get(f"/api/v1/tickets/{ticket['id']}"))
    assert [e["text"] for e in shown["entries"] if e["kind"] == "reply"] == ["Grace's answer."]
    # Nobody was told of what the savepoint took back.
    assert await count_rows(app, Notification, Notification.user_id == ada.id) == 0
    assert [m for m in published.messages if m.envelope.type == "notification.created"] == []
    # Recorded once: the next round has nothing left.
    clock.advance(seconds=1)
    assert await send_due_replies(app.state.sessionmaker, settings) == 0


@BOTH_STORES
async def test_taking_the_reply_back_marks_its_notification_read(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, published: Published
) -> None:
    """Undone ("Back to the reply box", or the banner's dismissal, both the same DELETE), the
    failed reply's notification is read: the bell's count drops in every tab, and nothing else
    of hers is touched."""
    ada, inbox, ticket = await setup(desk)
    first = await hold(ada, ticket, text="First try.")
    second = await hold(ada, ticket, text="Second try.")
    admin = await desk.agent(role="admin")
    await ok(await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}"))
    clock.advance(seconds=10)
    assert await send_due_replies(app.state.sessionmaker, settings) == 2
    page = await bell(ada)
    assert page["unread"] == 2
    told = {item["params"]["pending_reply_id"]: item["id"] for item in not_sent(page)}
    assert set(told) == {first["id"], second["id"]}

    published.clear()
    taken = await ada.client.delete(f"/api/v1/tickets/{ticket['id']}/pending-replies/{first['id']}")
    assert taken.status_code == 200, taken.text
    assert taken.json()["text"] == "First try."
    page = await bell(ada)
    assert page["unread"] == 1
    read = {item["id"]: item["read"] for item in not_sent(page)}
    assert read == {told[first["id"]]: True, told[second["id"]]: False}
    (live,) = [m for m in published.messages if m.envelope.type == "notification.read"]
    assert live.topics == [f"agent:{ada.id}"]
    assert live.envelope.data == {"ids": [told[first["id"]]], "unread": 1}
    assert published.problems == []

    # Taken back again (its answer lost): nothing more to mark.
    published.clear()
    again = await ada.client.delete(f"/api/v1/tickets/{ticket['id']}/pending-replies/{first['id']}")
    assert again.status_code == 200, again.text
    assert [m for m in published.messages if m.envelope.type == "notification.read"] == []
    assert (await bell(ada))["unread"] == 1


async def test_an_undo_just_before_the_failure_is_recorded_tells_nobody(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sending refused the reply, and Ada undid it before the refusal was recorded: it stays
    undone, her text is hers, and she is told nothing of a reply she took back."""
    ada, inbox, ticket = await setup(desk)
    held = await hold(ada, ticket)
    admin = await desk.agent(role="admin")
    await ok(await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}"))
    real = pending_service.record_failure
    outcomes: list[bool] = []

    async def undone_first(session: Any, **kwargs: Any) -> bool:
        # Between the sending's rollback and the recording, in a transaction of its own.
        taken = await ada.client.delete(
            f"/api/v1/tickets/{ticket['id']}/pending-replies/{held['id']}"
        )
        assert taken.status_code == 200, taken.text
        outcomes.append(await real(session, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(pending_service, "record_failure", undone_first)
    clock.advance(seconds=10)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1
    assert outcomes == [False]
    assert await ok(await ada.client.get("/api/v1/me/pending-replies")) == []
    again = await ada.client.delete(f"/api/v1/tickets/{ticket['id']}/pending-replies/{held['id']}")
    assert again.json()["state"] == "undone"
    assert await count_rows(app, Notification, Notification.user_id == ada.id) == 0
