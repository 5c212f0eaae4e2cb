"""Light agents (role `collaborator`, docs/desk.md "Light agents") through the real HTTP
boundary: they read their inboxes' tickets and add private notes, and every other write is
refused with one sentence; routing, assignment and reports never count them; owners and admins
choose the role; their API tokens carry the same limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from frontdesk.actions import service as actions_service
from frontdesk.app import create_app
from frontdesk.assignment.timers import assign_tickets
from frontdesk.chats import service as chats_service
from frontdesk.chats.models import ChatOffer
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.mail.models import OutboxMessage
from frontdesk.report_emails import sending as report_emails
from frontdesk.report_emails.models import ReportSubscription
from frontdesk.tickets import merging
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import TicketState
from frontdesk.users.light_agents import ALLOWED_WRITES, REFUSAL, LightAgentRefused
from frontdesk.users.models import User
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, fields_of, new_ticket, online, use_cheap_passwords

pytestmark = SQLITE_ONLY

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, MONDAY_9)


def agent_operations() -> list[tuple[str, str]]:
    """Every operation of the API an agent's credential opens (session or API token), from the
    OpenAPI document: what a route added later joins by itself."""
    document = create_app(Settings(_env_file=None), run_loops=False).openapi()
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if any("apiToken" in scheme for scheme in operation.get("security", []))
    )


OPERATIONS = agent_operations()
WRITES = [(m, p) for m, p in OPERATIONS if m not in ("GET", "HEAD")]


def filled(path: str) -> str:
    """Any id will do: the refusal comes before the route looks anything up."""
    return re.sub(r"\{[^}]+\}", "1", path)


async def team(desk: Desk) -> tuple[dict[str, Any], Agent, Agent, Agent]:
    inbox = await desk.inbox(name="Billing")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Admin")
    agent = await desk.agent(inboxes=[inbox], name="Grace")
    light = await desk.agent(role="collaborator", inboxes=[inbox], name="Linus")
    return inbox, admin, agent, light


def test_every_allowed_write_is_a_route_of_the_api() -> None:
    """A renamed or removed route leaves no stale entry in the allow-list."""
    assert set(WRITES) >= ALLOWED_WRITES


async def test_every_write_but_the_allowed_ones_is_refused_to_a_light_agent(desk: Desk) -> None:
    """The route walk: a non-GET route is in ALLOWED_WRITES or answers 403 `light_agent` with
    the sentence, whatever the body; an allowed one is never refused as such."""
    _inbox, _admin, _agent, light = await team(desk)
    message = error_of(await light.client.post("/api/v1/tickets/1/replies", json={}), 403)
    assert message["message"] == REFUSAL
    refused, allowed = [], []
    # The allowed ones last, and logging out last of all.
    logout = ("POST", "/api/v1/auth/logout")
    walk = sorted(WRITES, key=lambda op: (op in ALLOWED_WRITES, op == logout))
    for method, path in walk:
        response = await light.client.request(method, filled(path), json={})
        if (method, path) in ALLOWED_WRITES:
            code = response.json().get("error", {}).get("code") if response.content else None
            if code == "light_agent":
                allowed.append((method, path, response.status_code))
        elif response.status_code != 403 or response.json()["error"]["code"] != "light_agent":
            refused.append((method, path, response.status_code, response.text[:120]))
    assert refused == []
    assert allowed == []


async def test_a_light_agent_reads_their_inboxes_and_adds_notes_with_mentions(
    desk: Desk,
) -> None:
    inbox, admin, agent, light = await team(desk)
    other = await desk.inbox(name="Elsewhere")
    ticket = await new_ticket(admin.client, inbox, subject="Invoice twice")
    hidden = await new_ticket(admin.client, other, subject="Not theirs")

    listed = (await light.client.get("/api/v1/tickets")).json()
    assert [t["id"] for t in listed["items"]] == [ticket["id"]]
    assert (await light.client.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 200
    error_of(await light.client.get(f"/api/v1/tickets/{hidden['id']}"), 404)

    handle = agent.user["email"].split("@")[0]
    note = await light.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"@{handle} the refund went out"}
    )
    assert note.status_code == 201, note.text
    assert note.json()["data"]["mentioned"] == [{"id": agent.id, "name": "Grace"}]
    told = (await agent.client.get("/api/v1/notifications")).json()
    assert [n["kind"] for n in told["items"]] == ["mentioned"]
    follow = await light.client.put(f"/api/v1/tickets/{ticket['id']}/follow")
    assert follow.status_code in (200, 204), follow.text

    for response in (
        await light.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Refunded!"}
        ),
        await light.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": "closed"}),
        await light.client.post("/api/v1/tickets/bulk", json={"ticket_ids": [ticket["id"]]}),
        await light.client.post(
            "/api/v1/tickets",
            json={"inbox_id": inbox["id"], "customer": {"email": "x@example.org"}, "subject": "x"},
        ),
    ):
        assert error_of(response, 403, "light_agent")["message"] == REFUSAL
    entries = (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["entries"]
    assert [e["kind"] for e in entries if e["kind"] != "event"] == ["note"]
    error_of(await light.client.get("/api/v1/reports/agents"), 403, "light_agent")


async def test_a_light_agents_api_token_carries_the_same_limits(desk: Desk) -> None:
    inbox, admin, _agent, light = await team(desk)
    ticket = await new_ticket(admin.client, inbox)
    made = await light.client.post("/api/v1/me/tokens", json={"name": "script"})
    assert made.status_code == 201, made.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app),
        base_url="http://desk.test",
        headers={"Authorization": f"Bearer {made.json()['token']}"},
    ) as script:
        assert (await script.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 200
        noted = await script.post(f"/api/v1/tickets/{ticket['id']}/notes", json={"text": "seen"})
        assert noted.status_code == 201, noted.text
        replied = await script.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "x"})
    error_of(replied, 403, "light_agent")


async def test_light_agents_are_never_assignees(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    inbox, admin, agent, light = await team(desk)
    ticket = await new_ticket(admin.client, inbox)
    refused = error_of(
        await admin.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": light.id}),
        422,
    )
    assert fields_of(refused) == {"assignee_id"}
    assert "light agent" in refused["fields"][0]["message"]

    # Auto-assignment: even marked online behind the API's back, the light agent is skipped.
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(User).where(User.id == light.id).values(available_for_chat=True)
        )
    await online(agent)
    configured = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/assignment",
        json={"mode": "round_robin", "ticket_limit": 10, "reassign_after_minutes": None},
    )
    assert configured.status_code == 200, configured.text
    more = [await new_ticket(admin.client, inbox, subject=f"t{i}") for i in range(3)]
    await assign_tickets(app.state.sessionmaker)
    for each in [ticket, *more]:
        found = (await admin.client.get(f"/api/v1/tickets/{each['id']}")).json()
        assert found["assignee_id"] == agent.id


@BOTH_STORES
async def test_chats_are_never_offered_to_a_light_agent(
    app: FastAPI, desk: Desk, visitors: Any, clock: FrozenClock
) -> None:
    inbox, admin, _agent, light = await team(desk)
    error_of(
        await light.client.put("/api/v1/me/availability", json={"available": True}),
        403,
        "light_agent",
    )
    # Marked online behind the API's back: still nobody online for the messenger.
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(User).where(User.id == light.id).values(available_for_chat=True)
        )
    visitor = await visitors(inbox)
    status = (
        await visitor.client.get("/messenger/v1/status", params={"inbox": inbox["public_key"]})
    ).json()
    assert status["online"] is False

    configured = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/assignment",
        json={"mode": "round_robin", "ticket_limit": 10, "offer_chats": True},
    )
    assert configured.status_code == 200, configured.text
    await online(admin)
    chat = await visitor.start_chat()
    async with app.state.sessionmaker() as session:
        offered = set(
            await session.scalars(select(ChatOffer.user_id).where(ChatOffer.chat_id == chat["id"]))
        )
    assert offered == {admin.id}
    error_of(await light.client.post(f"/api/v1/chats/{chat['id']}/join"), 403, "light_agent")
    joined = await admin.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert joined.status_code == 200, joined.text
    invited = error_of(
        await admin.client.post(f"/api/v1/chats/{chat['id']}/invite", json={"user_id": light.id}),
        422,
    )
    assert "light agent" in invited["message"]


@BOTH_STORES
async def test_owners_and_admins_choose_the_role(desk: Desk) -> None:
    inbox, admin, agent, _light = await team(desk)
    ticket = await new_ticket(admin.client, inbox)
    assigned = await admin.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": agent.id}
    )
    assert assigned.status_code == 200, assigned.text

    made = await admin.client.post(
        "/api/v1/users",
        json={
            "email": "eng@example.com",
            "name": "Eng",
            "password": "a long password 1",
            "role": "collaborator",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "collaborator"

    url = f"/api/v1/users/{agent.id}"
    refused = error_of(
        await admin.client.patch(url, json={"role": "collaborator"}),
        409,
        "light_agent_has_tickets",
    )
    assert refused["message"].startswith("Grace has 1 ticket assigned")
    error_of(await agent.client.patch(url, json={"role": "collaborator"}), 403)
    unassigned = await admin.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": None}
    )
    assert unassigned.status_code == 200, unassigned.text
    await online(agent)
    changed = await admin.client.patch(url, json={"role": "collaborator"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "collaborator"
    assert changed.json()["available_for_chat"] is False
    error_of(await agent.client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={}), 403)
    back = await admin.client.patch(url, json={"role": "agent"})
    assert back.json()["role"] == "agent"
    replied = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Back in business"}
    )
    assert replied.status_code == 201, replied.text


async def test_the_reports_agents_table_leaves_light_agents_out(
    desk: Desk, clock: FrozenClock
) -> None:
    """Whatever they did as an agent: a light agent is no row of the agents' table."""
    inbox, admin, agent, _light = await team(desk)
    ticket = await new_ticket(admin.client, inbox)
    replied = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Refunded.", "then": "close"}
    )
    assert replied.status_code == 201, replied.text
    day = {"since": "2026-12-07", "until": "2026-12-07", "time_zone": "UTC"}

    async def rows() -> list[int]:
        found = await admin.client.get("/api/v1/reports/agents", params=day)
        assert found.status_code == 200, found.text
        return [row["agent_id"] for row in found.json()]

    assert agent.id in await rows()
    made = await admin.client.patch(f"/api/v1/users/{agent.id}", json={"role": "collaborator"})
    assert made.status_code == 200, made.text
    assert agent.id not in await rows()


async def test_the_services_refuse_a_light_agent_on_their_own(app: FastAPI, desk: Desk) -> None:
    """The rules live in the services: called without the API's gate, they refuse too."""
    inbox, admin, _agent, light = await team(desk)
    ticket = await new_ticket(admin.client, inbox)
    other = await new_ticket(admin.client, inbox, subject="Same again")
    async with app.state.sessionmaker() as session:
        user = await session.get(User, light.id)
        assert user is not None
        row = await tickets_service.get_ticket(session, user=user, ticket_id=ticket["id"])
        with pytest.raises(LightAgentRefused):
            await tickets_service.add_reply(
                session, ticket=row, author=user, text="Hello", then=None, limit=1000
            )
        with pytest.raises(LightAgentRefused):
            await tickets_service.update_ticket(
                session, actor=user, ticket=row, state=TicketState.closed
            )
        with pytest.raises(LightAgentRefused):
            await merging.merge_tickets(session, actor=user, source=row, target_id=other["id"])
        with pytest.raises(LightAgentRefused):
            await actions_service.apply_to_ticket(session, actor=user, ticket_id=row.id, actions=[])
        with pytest.raises(LightAgentRefused):
            await chats_service.set_availability(session, user=user, available=True)
        await session.rollback()


async def test_report_emails_stop_for_someone_made_a_light_agent(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    FrozenClock(monkeypatch, datetime(2026, 11, 10, 12, tzinfo=UTC))
    owner = await desk.agent(role="owner")
    ada = await desk.agent()
    subscribed = await ada.client.post(
        "/api/v1/reports/subscriptions", json={"frequency": "daily", "time_zone": "UTC"}
    )
    assert subscribed.status_code == 201, subscribed.text
    made = await owner.client.patch(f"/api/v1/users/{ada.id}", json={"role": "collaborator"})
    assert made.status_code == 200, made.text
    due = datetime(2026, 11, 11, 8, tzinfo=UTC)
    assert await report_emails.send_due(app.state.sessionmaker, now=due) == 1  # skipped
    async with unit_of_work(app.state.sessionmaker) as session:
        assert (await session.scalars(select(OutboxMessage))).all() == []
        stored = await session.get(ReportSubscription, subscribed.json()["id"])
        assert stored is not None
        assert stored.next_due_at == datetime(2026, 11, 12, 8, tzinfo=UTC)


async def test_rules_and_macros_naming_a_light_agent_as_assignee_are_refused(desk: Desk) -> None:
    _inbox, admin, _agent, light = await team(desk)
    assign = [{"type": "assign", "assignee": light.id}]
    for path, body in (
        ("/api/v1/rules", {"name": "To Linus", "when": {"type": "created"}, "actions": assign}),
        ("/api/v1/macros", {"name": "To Linus", "actions": assign}),
    ):
        refused = error_of(await admin.client.post(path, json=body), 422)
        assert "light agent" in refused["message"], path
