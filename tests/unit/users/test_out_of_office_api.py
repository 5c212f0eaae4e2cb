"""Out of office through HTTP (docs/desk.md, "Out of office"): setting it and its refusals, what
it does to chat availability, invitations and auto-assignment, a customer's answer to a ticket of
an agent away, its start and end on time by the loop, and the loop and a person ending it at once
(on both stores)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.assignment.timers import assign_tickets
from frontdesk.config import Settings
from frontdesk.users.timers import start_and_end_absences
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Published
from tests.mail.support import INBOUND_TOKEN, SUPPORT, post_mime, reply_mail, ticket_with_reply
from tests.unit.support import error_of, fields_of, new_ticket, online, use_cheap_passwords

pytestmark = SQLITE_ONLY

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
URL = "/api/v1/me/out-of-office"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, MONDAY_9)


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def me(agent: Agent) -> dict[str, Any]:
    response = await agent.client.get("/api/v1/me")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def colleague(viewer: Agent, user_id: int) -> dict[str, Any]:
    (found,) = [u for u in (await viewer.client.get("/api/v1/users")).json() if u["id"] == user_id]
    return dict(found)


async def audit_actions(owner: Agent, user_id: int) -> list[tuple[str, int | None]]:
    page = (
        await owner.client.get(
            "/api/v1/audit-events", params={"target_type": "user", "target_id": user_id}
        )
    ).json()
    return [
        (item["action"], item["actor_id"])
        for item in reversed(page["items"])
        if item["action"].startswith("user.out_of_office")
    ]


async def test_setting_it_refusals_chat_and_who_may_end_it(
    desk: Desk, clock: FrozenClock, published: Published, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    owner = await desk.agent(role="owner", name="Olga")
    await online(ada)
    await online(bob)

    # Refusals name the field and say what to do; nothing is set.
    past = error_of(await ada.client.put(URL, json={"until": iso(clock.now)}), 422)
    assert fields_of(past) == {"until"}
    assert "in the past" in past["fields"][0]["message"]
    backwards = {
        "from": iso(clock.now + timedelta(days=2)),
        "until": iso(clock.now + timedelta(days=1)),
    }
    wrong = error_of(await ada.client.put(URL, json=backwards), 422)
    assert wrong["fields"][0]["message"] == "The end must come after the start."
    long = error_of(await ada.client.put(URL, json={"note": "x" * 201}), 422)
    assert fields_of(long) == {"note"}
    assert "200 characters" in long["fields"][0]["message"]
    assert (await me(ada))["out_of_office"] is None
    # An agent sets their own only.
    error_of(await ada.client.put(f"/api/v1/users/{bob.id}/out-of-office", json={}), 403)

    published.clear()
    until = clock.now + timedelta(days=3)
    body = {"until": iso(until), "note": "Back on Thursday; Bob has my VIPs", "keep_assigned": True}
    response = await ada.client.put(URL, json=body)
    assert response.status_code == 200, response.text
    away = {
        "from": iso(clock.now).replace("+00:00", "Z"),
        "until": iso(until).replace("+00:00", "Z"),
        "note": "Back on Thursday; Bob has my VIPs",
        "keep_assigned": True,
    }
    assert response.json()["out_of_office"] == away
    assert response.json()["available_for_chat"] is False
    # Colleagues read it (the pickers' warning), and heard it live with the going offline.
    seen = await colleague(bob, ada.id)
    assert (seen["out_of_office"], seen["available_for_chat"]) == (away, False)
    heard = {m.envelope.type: m for m in published.messages}
    assert heard["agent.out_of_office_changed"].topics == ["agents"]
    assert heard["agent.out_of_office_changed"].envelope.data["away"] is True
    assert heard["agent.availability_changed"].envelope.data["reason"] == "out_of_office"
    assert published.problems == []

    # No going online while away: the answer says until when and what to do.
    refused = error_of(
        await ada.client.put("/api/v1/me/availability", json={"available": True}),
        409,
        "out_of_office",
    )
    assert refused["message"] == (
        "You are out of office until 2026-12-10 09:00 UTC; end it first (Out of office… in your "
        "menu) to take chats."
    )
    # Nobody can invite her into a chat, as if she were offline.
    visitor = await visitors(inbox)
    chat = await visitor.start_chat()
    assert (await bob.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    error_of(
        await bob.client.post(f"/api/v1/chats/{chat['id']}/invite", json={"user_id": ada.id}),
        409,
        "not_online",
    )
    # Manual assignment stays allowed, and its answer carries nothing new.
    ticket = await new_ticket(bob.client, inbox, assignee_id=ada.id)
    assert ticket["assignee_id"] == ada.id

    # An owner ends it from the team page; chat availability stays off.
    ended = await owner.client.delete(f"/api/v1/users/{ada.id}/out-of-office")
    assert ended.status_code == 200, ended.text
    assert (ended.json()["out_of_office"], ended.json()["available_for_chat"]) == (None, False)
    assert (await ada.client.delete(URL)).status_code == 200  # nothing left to end: no change
    await online(ada)
    assert await audit_actions(owner, ada.id) == [
        ("user.out_of_office_set", ada.id),
        ("user.out_of_office_ended", owner.id),
    ]


async def test_who_may_set_it_for_another_and_what_the_log_keeps(
    desk: Desk, clock: FrozenClock
) -> None:
    """As for `PATCH /users/{id}`: an admin does not set or end an owner's, an owner does; a
    deactivated user has none to set. The log keeps the note; ending one already over is no
    change (the loop ends it, as the system)."""
    olga = await desk.agent(role="owner", name="Olga")
    ann = await desk.agent(role="admin", name="Ann")
    gone = await desk.agent(name="Gone")
    owners = f"/api/v1/users/{olga.id}/out-of-office"
    refused = error_of(await ann.client.put(owners, json={"note": "Ann did it"}), 403)
    assert refused["message"] == "Only an owner can change an owner."
    assert (await me(olga))["out_of_office"] is None
    assert (await olga.client.put(URL, json={"note": "Skiing"})).status_code == 200
    assert error_of(await ann.client.delete(owners), 403)["message"] == refused["message"]
    assert (await me(olga))["out_of_office"]["note"] == "Skiing"
    # An owner sets an admin's.
    body = {"until": iso(clock.now + timedelta(hours=1)), "note": "Dentist"}
    assert (
        await olga.client.put(f"/api/v1/users/{ann.id}/out-of-office", json=body)
    ).status_code == 200

    assert (
        await olga.client.patch(f"/api/v1/users/{gone.id}", json={"is_active": False})
    ).status_code == 200
    deactivated = error_of(
        await olga.client.put(f"/api/v1/users/{gone.id}/out-of-office", json={}),
        409,
        "user_deactivated",
    )
    assert deactivated["message"] == (
        "Gone is deactivated: reactivate them first to set their out of office."
    )

    # Past its end, End now changes nothing: the loop records the ending.
    clock.set(clock.now + timedelta(hours=2))
    # Olga's, under way, changed with its start sent back as it was: the start stays.
    skiing = (await me(olga))["out_of_office"]
    changed = await olga.client.put(URL, json={"from": skiing["from"], "note": "Skiing, Alps"})
    assert changed.json()["out_of_office"]["from"] == skiing["from"] == "2026-12-07T09:00:00Z"
    assert (await ann.client.delete(URL)).status_code == 200
    page = (
        await olga.client.get(
            "/api/v1/audit-events", params={"target_type": "user", "target_id": ann.id}
        )
    ).json()
    logged = [
        (item["action"], item["changes"]["out_of_office"])
        for item in page["items"]
        if item["action"].startswith("user.out_of_office")
    ]
    assert logged == [
        (
            "user.out_of_office_set",
            [
                None,
                {
                    "from": "2026-12-07T09:00:00+00:00",
                    "until": "2026-12-07T10:00:00+00:00",
                    "note": "Dentist",
                    "keep_assigned": False,
                },
            ],
        )
    ]


async def test_a_later_start_the_loop_and_auto_assignment(
    app: FastAPI, desk: Desk, clock: FrozenClock, published: Published
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="admin", name="Ann")
    for agent in (ada, bob):
        await online(agent)
    settings = {"mode": "round_robin", "ticket_limit": 10, "reassign_after_minutes": None}
    configured = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/assignment", json=settings)
    assert configured.status_code == 200, configured.text

    # Set by an admin for tomorrow: nothing changes today.
    start, until = clock.now + timedelta(days=1), clock.now + timedelta(days=2)
    planned = await admin.client.put(
        f"/api/v1/users/{ada.id}/out-of-office", json={"from": iso(start), "until": iso(until)}
    )
    assert planned.status_code == 200, planned.text
    # Cy, offline, planned his for the same day.
    cy = await desk.agent(inboxes=[inbox], name="Cy")
    assert (await cy.client.put(URL, json={"from": iso(start)})).status_code == 200
    assert planned.json()["available_for_chat"] is True
    await start_and_end_absences(app.state.sessionmaker, app.state.settings)
    assert (await me(ada))["available_for_chat"] is True

    # Tomorrow, before the loop has run, auto-assignment already passes her by.
    clock.set(start + timedelta(minutes=1))
    tickets = [await new_ticket(admin.client, inbox, subject=f"t{i}") for i in range(3)]
    await assign_tickets(app.state.sessionmaker)
    owners = {
        (await admin.client.get(f"/api/v1/tickets/{t['id']}")).json()["assignee_id"]
        for t in tickets
    }
    assert owners == {bob.id}
    # The loop makes her unavailable, once; every desk hears both absences start, Cy's too
    # though he was not online.
    published.clear()
    assert await start_and_end_absences(app.state.sessionmaker, app.state.settings) == 2
    assert await start_and_end_absences(app.state.sessionmaker, app.state.settings) == 0
    assert (await me(ada))["available_for_chat"] is False
    assert [
        (m.envelope.data["user"]["name"], m.envelope.data["away"])
        for m in published.messages
        if m.envelope.type == "agent.out_of_office_changed"
    ] == [("Ada", True), ("Cy", True)]

    # At its end the loop clears it, as the system; she stays offline until she chooses.
    clock.set(until)
    assert (await me(ada))["out_of_office"] is None  # over everywhere, even before the loop
    assert (await cy.client.delete(URL)).status_code == 200
    published.clear()
    assert await start_and_end_absences(app.state.sessionmaker, app.state.settings) == 1
    changed = [m for m in published.messages if m.envelope.type == "agent.out_of_office_changed"]
    assert [m.envelope.data["out_of_office"] for m in changed] == [None]
    assert (await me(ada))["available_for_chat"] is False
    owner = await desk.agent(role="owner")
    assert await audit_actions(owner, ada.id) == [
        ("user.out_of_office_set", admin.id),
        ("user.out_of_office_ended", None),
    ]


async def test_a_customer_answer_returns_the_ticket_to_the_team_unless_kept(
    desk: Desk, clock: FrozenClock, http: Any
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="admin")
    await online(bob)
    settings = {"mode": "round_robin", "ticket_limit": 10, "reassign_after_minutes": None}
    await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/assignment", json=settings)
    ticket, _reply = await ticket_with_reply(ada, inbox, then="hold")
    kept, _kept_reply = await ticket_with_reply(ada, inbox, then="hold", email="dan@example.org")
    for each in (ticket, kept):
        mine = await ada.client.patch(f"/api/v1/tickets/{each['id']}", json={"assignee_id": ada.id})
        assert mine.status_code == 200, mine.text
    rows = (await admin.client.get("/api/v1/outbox")).json()

    async def customer_answers(each: dict[str, Any], sender: str) -> dict[str, Any]:
        (row,) = [r for r in rows if r["ticket_id"] == each["id"]]
        raw = reply_mail(
            to=row["headers"]["Reply-To"],
            text="Any news?",
            sender=sender,
            in_reply_to=row["message_id"],
        )
        assert (await post_mime(http, raw, to=[SUPPORT])).status_code < 300
        found: dict[str, Any] = (await admin.client.get(f"/api/v1/tickets/{each['id']}")).json()
        return found

    assert (await ada.client.put(URL, json={})).status_code == 200
    answered = await customer_answers(ticket, "cora@example.org")
    # Back to the team, then to Bob by auto-assignment, with the reason on the timeline.
    assert (answered["state"], answered["assignee_id"]) == ("open", bob.id)
    lines = [e["text"] for e in answered["entries"] if e["kind"] == "event"]
    assert "Returned to the team: the customer answered while Ada is out of office." in lines

    # Chosen in the dialog: her tickets stay hers.
    assert (await ada.client.put(URL, json={"keep_assigned": True})).status_code == 200
    still = await customer_answers(kept, "dan@example.org")
    assert (still["state"], still["assignee_id"]) == ("open", ada.id)


@BOTH_STORES
async def test_the_loop_and_a_person_ending_it_at_once_end_it_once(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    """Two processes' loops and Ada's own End now, all past its end: one ending, one audit entry,
    and a new absence an admin sets meanwhile kept whole or not at all, never half."""
    ada = await desk.agent(name="Ada")
    owner = await desk.agent(role="owner", name="Olga")
    until = clock.now + timedelta(hours=1)
    assert (
        await ada.client.put(URL, json={"until": iso(until), "note": "Dentist"})
    ).status_code == 200
    clock.set(until + timedelta(seconds=1))

    async def loop() -> int:
        return await start_and_end_absences(app.state.sessionmaker, app.state.settings)

    results = await asyncio.gather(loop(), loop(), ada.client.delete(URL))
    assert results[2].status_code == 200, results[2].text
    assert (await me(ada))["out_of_office"] is None
    # Ended once, by whichever came first: the loop (the system) or Ada.
    (set_, ended) = await audit_actions(owner, ada.id)
    assert set_ == ("user.out_of_office_set", ada.id)
    assert ended in {("user.out_of_office_ended", None), ("user.out_of_office_ended", ada.id)}

    # Setting a new one while the loop runs: the one set stays, whole.
    later = clock.now + timedelta(days=1)
    new = {"until": iso(later), "note": "Conference", "keep_assigned": True}
    _, put = await asyncio.gather(
        loop(), owner.client.put(f"/api/v1/users/{ada.id}/out-of-office", json=new)
    )
    assert put.status_code == 200, put.text
    found = (await me(ada))["out_of_office"]
    assert (found["note"], found["keep_assigned"]) == ("Conference", True)


async def test_keep_my_tickets_holds_against_the_assignment_timer(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    """Away, an agent's auto-assigned tickets move to someone online, unless they chose to keep
    them."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="admin", name="Ann")
    settings = {"mode": "round_robin", "ticket_limit": 1, "reassign_after_minutes": None}
    configured = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/assignment", json=settings)
    assert configured.status_code == 200, configured.text
    tickets = []
    for agent in (ada, bob):
        await online(agent)
        tickets.append(await new_ticket(admin.client, inbox, subject=agent.user["name"]))
        await assign_tickets(app.state.sessionmaker)
    cy = await desk.agent(inboxes=[inbox], name="Cy")
    await online(cy)
    assert (await ada.client.put(URL, json={"keep_assigned": True})).status_code == 200
    assert (await bob.client.put(URL, json={})).status_code == 200

    await assign_tickets(app.state.sessionmaker)
    assignees = [
        (await admin.client.get(f"/api/v1/tickets/{t['id']}")).json()["assignee_id"]
        for t in tickets
    ]
    assert assignees == [ada.id, cy.id]
