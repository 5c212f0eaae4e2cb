"""Auto-assignment through the API and its timer: settings, in-hours assignment, balanced and
round robin, the limit under concurrent passes, rebalancing when an agent goes offline, and the
reassignment of a ticket left untouched."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.assignment import service, timers
from frontdesk.assignment.timers import assign_tickets
from frontdesk.chats import timers as chat_timers
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.hours import service as hours_service
from frontdesk.tickets import service as tickets_service
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, fields_of, new_ticket, online, use_cheap_passwords

pytestmark = SQLITE_ONLY

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
WEEKDAYS_9_TO_17: dict[str, Any] = {
    "enabled": True,
    "time_zone": "UTC",
    "weekly": [
        {"day": day, "opens": "09:00", "closes": "17:00"}
        for day in ("mon", "tue", "wed", "thu", "fri")
    ],
}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, MONDAY_9)


async def configure(admin: Agent, inbox: dict[str, Any], **settings: Any) -> dict[str, Any]:
    body = {"mode": "round_robin", "ticket_limit": 10, "reassign_after_minutes": None} | settings
    response = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/assignment", json=body)
    assert response.status_code == 200, response.text
    read: dict[str, Any] = response.json()
    return read


async def detail(agent: Agent, ticket: dict[str, Any]) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket['id']}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def assignee(agent: Agent, ticket: dict[str, Any]) -> int | None:
    found = (await detail(agent, ticket))["assignee_id"]
    return None if found is None else int(found)


async def tick(app: FastAPI) -> Any:
    return await assign_tickets(app.state.sessionmaker)


async def team(desk: Desk, *names: str) -> tuple[dict[str, Any], Agent, list[Agent]]:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Admin")
    agents = [await desk.agent(inboxes=[inbox], name=name) for name in names]
    for agent in agents:
        await online(agent)
    return inbox, admin, agents


async def test_settings_default_off_admins_set_them_and_bad_values_are_refused(
    desk: Desk, clock: FrozenClock
) -> None:
    inbox, admin, (ada,) = await team(desk, "Ada")
    url = f"/api/v1/inboxes/{inbox['id']}/assignment"
    assert (await ada.client.get(url)).json() == {
        "inbox_id": inbox["id"],
        "mode": "off",
        "ticket_limit": 10,
        "reassign_after_minutes": None,
        "offer_chats": False,
        "offer_timeout_seconds": 30,
        "updated_at": None,
    }
    error_of(await ada.client.put(url, json={"mode": "balanced", "ticket_limit": 3}), 403)
    saved = await configure(
        admin, inbox, mode="balanced", ticket_limit=3, reassign_after_minutes=30
    )
    assert saved["mode"] == "balanced"
    assert saved["reassign_after_minutes"] == 30
    assert (await ada.client.get(url)).json() == saved
    bad = error_of(await admin.client.put(url, json={"mode": "sometimes", "ticket_limit": 0}), 422)
    assert fields_of(bad) == {"mode", "ticket_limit"}
    bad = error_of(
        await admin.client.put(
            url, json={"mode": "off", "ticket_limit": 1, "reassign_after_minutes": 0}
        ),
        422,
    )
    assert fields_of(bad) == {"reassign_after_minutes"}
    outsider = await desk.agent(role="agent")
    error_of(await outsider.client.get(url), 404)


async def test_email_tickets_wait_for_business_hours_then_go_to_online_members(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    clock.set(SATURDAY)
    inbox, admin, (ada, bob) = await team(desk, "Ada", "Bob")
    offline = await desk.agent(inboxes=[inbox], name="Olga")  # never online: never chosen
    hours = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=WEEKDAYS_9_TO_17)
    assert hours.status_code == 200, hours.text
    await configure(admin, inbox, mode="round_robin")
    ticket = await new_ticket(admin.client, inbox)
    await tick(app)
    assert await assignee(admin, ticket) is None  # closed on Saturday: it waits
    clock.set(MONDAY_9)
    await tick(app)
    first = await assignee(admin, ticket)
    assert first in (ada.id, bob.id)
    assert first != offline.id
    lines = [entry["text"] for entry in (await detail(admin, ticket))["entries"]]
    name = "Ada" if first == ada.id else "Bob"
    assert lines[-1] == f"frontdesk assigned the ticket to {name}"


async def test_round_robin_takes_turns_and_balanced_picks_the_least_loaded(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    inbox, admin, agents = await team(desk, "Ada", "Bob", "Cy")
    await configure(admin, inbox, mode="round_robin")
    tickets = [await new_ticket(admin.client, inbox, subject=f"t{i}") for i in range(4)]
    await tick(app)
    order = [await assignee(admin, t) for t in tickets]
    ids = [agent.id for agent in agents]
    assert order == [*ids, ids[0]]

    await configure(admin, inbox, mode="balanced")
    later = [await new_ticket(admin.client, inbox, subject=f"u{i}") for i in range(2)]
    await tick(app)
    # Ada had two, Bob and Cy one each: the next two go to Bob and Cy.
    assert {await assignee(admin, t) for t in later} == set(ids[1:])


@BOTH_STORES
async def test_concurrent_passes_never_push_an_agent_past_the_limit(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    inbox, admin, (ada, bob) = await team(desk, "Ada", "Bob")
    await configure(admin, inbox, mode="balanced", ticket_limit=2)
    tickets = [await new_ticket(admin.client, inbox, subject=f"t{i}") for i in range(7)]
    # As several processes' timers would: each pass on its own sessions, all at once.
    await asyncio.gather(*(tick(app) for _ in range(5)))
    owners = [await assignee(admin, t) for t in tickets]
    assert owners.count(ada.id) == 2
    assert owners.count(bob.id) == 2
    assert owners.count(None) == 3
    for ticket in tickets:
        lines = [e["text"] for e in (await detail(admin, ticket))["entries"]]
        assert sum("assigned the ticket" in line for line in lines) <= 1
    # A ticket closed frees a place, which the next pass fills.
    mine = tickets[owners.index(ada.id)]
    closed = await ada.client.patch(f"/api/v1/tickets/{mine['id']}", json={"state": "closed"})
    assert closed.status_code == 200, closed.text
    await tick(app)
    owners = [await assignee(admin, t) for t in tickets]
    assert owners.count(None) == 2


@BOTH_STORES
async def test_an_assignment_in_progress_holds_the_inbox_so_a_pass_cannot_double_up(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    """One transaction is giving the newer ticket to Ada (her one place) and has not committed; a
    pass elsewhere (another process) must not give her the older one too on a stale count."""
    inbox, admin, (ada,) = await team(desk, "Ada")
    await configure(admin, inbox, mode="balanced", ticket_limit=1)
    older = await new_ticket(admin.client, inbox, subject="older")
    newer = await new_ticket(admin.client, inbox, subject="newer")
    async with unit_of_work(app.state.sessionmaker) as session:
        settings = await service.lock_settings(session, inbox_id=inbox["id"])
        assert settings is not None
        ticket = await tickets_service.lock_ticket(session, ticket_id=newer["id"])
        assert ticket is not None
        calendar = await hours_service.calendar_of(session, inbox_id=inbox["id"])
        chosen = await service.assign_ticket(
            session, settings=settings, ticket=ticket, calendar=calendar, now=clock.now
        )
        assert chosen is not None
        assert chosen.id == ada.id
        other = asyncio.create_task(tick(app))
        # PostgreSQL: the pass skips the held inbox. SQLite: it waits for the write lock.
        await asyncio.sleep(0.5)
    await other
    assert await assignee(admin, newer) == ada.id
    assert await assignee(admin, older) is None


async def test_an_agent_going_offline_hands_back_untouched_tickets_only(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    inbox, admin, (ada, bob) = await team(desk, "Ada", "Bob")
    await configure(admin, inbox, mode="round_robin", ticket_limit=2)
    tickets = [await new_ticket(admin.client, inbox, subject=f"t{i}") for i in range(3)]
    await tick(app)
    adas = [t for t in tickets if await assignee(admin, t) == ada.id]
    assert len(adas) == 2
    touched, untouched = adas
    note = await ada.client.post(
        f"/api/v1/tickets/{touched['id']}/notes", json={"text": "Looking into it"}
    )
    assert note.status_code == 201, note.text
    await online(ada, False)
    await tick(app)
    assert await assignee(admin, touched) == ada.id  # she worked on it: it stays hers
    assert await assignee(admin, untouched) == bob.id  # Bob had room for one more
    await online(bob, False)
    await tick(app)
    # Nobody online: Bob's untouched tickets go back to the unassigned pool.
    bobs = [t for t in tickets if t is not touched]
    assert [await assignee(admin, t) for t in bobs] == [None, None]
    await online(ada)
    await tick(app)
    # Back online with one of her two places taken: the older of the two is hers, not both.
    assert [await assignee(admin, t) for t in bobs] == [ada.id, None]


async def test_an_untouched_ticket_moves_on_after_the_inbox_delay(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    inbox, admin, (ada, bob) = await team(desk, "Ada", "Bob")
    await configure(admin, inbox, mode="round_robin", reassign_after_minutes=30)
    quiet = await new_ticket(admin.client, inbox, subject="quiet")
    busy = await new_ticket(admin.client, inbox, subject="busy")
    await tick(app)
    assert [await assignee(admin, quiet), await assignee(admin, busy)] == [ada.id, bob.id]
    reply = await bob.client.post(f"/api/v1/tickets/{busy['id']}/replies", json={"text": "On it."})
    assert reply.status_code == 201, reply.text
    clock.advance(minutes=29)
    await tick(app)
    assert await assignee(admin, quiet) == ada.id
    clock.advance(minutes=2)
    await tick(app)
    assert await assignee(admin, quiet) == bob.id
    assert await assignee(admin, busy) == bob.id  # answered: never moved
    lines = [e["text"] for e in (await detail(admin, quiet))["entries"]]
    assert lines[-2:] == [
        "frontdesk assigned the ticket to Ada",
        "frontdesk assigned the ticket to Bob",
    ]


@BOTH_STORES
async def test_a_backlog_goes_out_a_few_tickets_a_transaction(
    app: FastAPI, desk: Desk, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass hands out, and moves on, BATCHES batches of BATCH tickets an inbox (two of two,
    then one of two here), a transaction each; the next pass the rest: nobody waits behind one
    long transaction, and nothing is handed out twice."""
    monkeypatch.setattr(timers, "BATCH", 2)
    monkeypatch.setattr(timers, "BATCHES", 2)
    inbox, admin, (ada, bob) = await team(desk, "Ada", "Bob")
    await configure(admin, inbox, mode="round_robin")
    tickets = [await new_ticket(admin.client, inbox, subject=f"t{i}") for i in range(5)]
    assert [(await tick(app)).assigned for _ in range(3)] == [4, 1, 0]
    adas = [t for t in tickets if await assignee(admin, t) == ada.id]
    assert len(adas) == 3
    monkeypatch.setattr(timers, "BATCHES", 1)
    await online(ada, False)
    assert [(await tick(app)).reassigned for _ in range(3)] == [2, 1, 0]
    assert {await assignee(admin, t) for t in tickets} == {bob.id}
    for ticket in adas:
        lines = [e["text"] for e in (await detail(admin, ticket))["entries"]]
        assert sum("assigned the ticket to Bob" in line for line in lines) == 1


async def test_a_chat_nobody_joined_becomes_a_ticket_assigned_like_the_others(
    app: FastAPI, settings: Settings, desk: Desk, visitors: Any, clock: FrozenClock
) -> None:
    inbox = await desk.inbox(unanswered_timeout_seconds=120)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Admin")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    await configure(admin, inbox, mode="balanced")
    chat_id = (await (await visitors(inbox)).start_chat("Anyone there?"))["id"]
    await tick(app)
    chat = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
    assert chat["state"] == "waiting"  # chats keep Join chat: nobody is picked for them
    clock.advance(seconds=121)
    assert await chat_timers.end_unanswered_chats(app.state.sessionmaker, settings) == 1
    ticket = {"id": (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()["ticket_id"]}
    assert await assignee(ada, ticket) is None
    await tick(app)
    assert await assignee(ada, ticket) == ada.id
