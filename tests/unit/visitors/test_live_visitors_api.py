"""Live visitors (docs/messenger.md, "Live visitors"; docs/desk.md, "Visitors"): the messenger
reports page views and heartbeats when its inbox shows visitors, the inbox's agents list them and
hear `visitors.changed`, visits expire without heartbeat, and an agent's invitation reaches the
visitor once and opens the chat it starts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.kit import clock as clock_module
from frontdesk.realtime.envelope import Addressed
from frontdesk.visitors import registry, service
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.realtime import desk_socket, serve
from tests.unit.support import error_of, online, use_cheap_passwords

pytestmark = SQLITE_ONLY
VISITS = "/messenger/v1/visits"
LIST = "/api/v1/visitors"
START = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The wall clock visits expire by, and the monotonic one the desks' throttle counts by."""
    now = [START]
    fake = SimpleNamespace(time=lambda: now[0], monotonic=lambda: now[0])
    monkeypatch.setattr(registry, "time", fake)
    monkeypatch.setattr(service, "time", fake)
    return now


async def shows_visitors(admin: Agent, inbox: dict[str, Any], on: bool = True) -> None:
    response = await admin.client.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        json={"messenger_settings": {"live_visitors": "on" if on else "off"}},
    )
    assert response.status_code == 200, response.text


def browser(app: FastAPI, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test", headers=headers
    )


async def report(
    client: httpx.AsyncClient,
    inbox: dict[str, Any],
    *,
    visit: str = "visit-aaaaaaaa",
    tab: str = "tab-aaaaaaaa",
    url: str = "https://shop.example.com/pricing",
    title: str = "Pricing",
    page: bool = True,
    referrer: str = "",
) -> dict[str, Any]:
    response = await client.post(
        VISITS,
        params={"inbox": inbox["public_key"]},
        json={
            "visit": visit,
            "tab": tab,
            "url": url,
            "title": title,
            "page": page,
            "referrer": referrer,
        },
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def listed(agent: Agent) -> list[dict[str, Any]]:
    response = await agent.client.get(LIST)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def setup(desk: Desk) -> tuple[dict[str, Any], Agent, Agent]:
    inbox = await desk.inbox(name="Shop")
    admin = await desk.agent(role="admin", name="Olga")
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    await shows_visitors(admin, inbox)
    return inbox, admin, ada


async def test_off_by_default_nothing_is_recorded(desk: Desk, clock: list[float]) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    async with browser(desk.app) as site:
        status = await site.get("/messenger/v1/status", params={"inbox": inbox["public_key"]})
        assert status.json()["visitors"] is False
        assert await report(site, inbox) == {"invitation": None}
        await shows_visitors(admin, inbox)
        status = await site.get("/messenger/v1/status", params={"inbox": inbox["public_key"]})
        assert status.json()["visitors"] is True
        # The report made while it was off left nothing behind.
        assert await listed(admin) == []
        bad = await admin.client.patch(
            f"/api/v1/inboxes/{inbox['id']}", json={"messenger_settings": {"live_visitors": "yes"}}
        )
        error_of(bad, 422)


async def test_a_visit_its_pages_referrer_and_identity(
    desk: Desk, visitors: Any, clock: list[float]
) -> None:
    inbox, admin, ada = await setup(desk)
    async with browser(desk.app) as site:
        await report(
            site,
            inbox,
            url="https://shop.example.com/",
            title="Home",
            referrer="https://search.example/?q=shop",
        )
        clock[0] += 40
        await report(site, inbox, tab="tab-bbbbbbbb", referrer="https://shop.example.com/")
        clock[0] += 20
        await report(site, inbox, tab="tab-bbbbbbbb", page=False)
    [row] = await listed(ada)
    assert {k: row[k] for k in ("inbox_id", "inbox_name", "name", "email", "page_url")} == {
        "inbox_id": inbox["id"],
        "inbox_name": "Shop",
        "name": "",
        "email": None,
        "page_url": "https://shop.example.com/pricing",
    }
    assert (row["page_title"], row["pages"], row["chat"], row["invited_by"]) == (
        "Pricing",
        2,
        None,
        "",
    )
    # The referrer of the first page only: the next one came from the site itself.
    assert row["referrer"] == "https://search.example/?q=shop"
    assert row["on_site_since"].startswith(service.at(START).isoformat()[:19])

    # An identified visitor (a token) shows their name, and the chat they are in, with whom.
    marie = await visitors(inbox)
    await marie.identify("marie@example.org")
    await online(ada)
    chat = await marie.start_chat()
    joined = await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert joined.status_code == 200, joined.text
    async with browser(desk.app, marie.token) as her_site:
        await report(her_site, inbox, visit="visit-marie-01", tab="tab-marie-01")
    rows = {r["visit_id"]: r for r in await listed(admin)}
    assert (rows["visit-marie-01"]["name"], rows["visit-marie-01"]["email"]) == (
        "Marie Curie",
        "marie@example.org",
    )
    assert rows["visit-marie-01"]["chat"] == {
        "id": chat["id"],
        "state": "active",
        "agents": ["Ada Lovelace"],
    }


async def test_visits_expire_without_heartbeat_and_go_after_a_leave(
    desk: Desk, app: FastAPI, clock: list[float]
) -> None:
    inbox, _admin, ada = await setup(desk)
    async with browser(desk.app) as site:
        await report(site, inbox, visit="visit-stays-1")
        await report(site, inbox, visit="visit-quiet-1")
        await report(site, inbox, visit="visit-leaves-1")
        left = await site.post(
            f"{VISITS}/leave",
            params={"inbox": inbox["public_key"], "visit": "visit-leaves-1", "tab": "tab-aaaaaaaa"},
        )
        assert left.status_code == 204
        # A reload: the page left, the next one reports within the grace, the visit goes on.
        await report(site, inbox, visit="visit-reload-1")
        await site.post(
            f"{VISITS}/leave",
            params={"inbox": inbox["public_key"], "visit": "visit-reload-1", "tab": "tab-aaaaaaaa"},
        )
        clock[0] += registry.LEAVE_GRACE - 1
        await report(site, inbox, visit="visit-reload-1", tab="tab-reload-2")
        clock[0] += 2
        assert {r["visit_id"] for r in await listed(ada)} == {
            "visit-stays-1",
            "visit-quiet-1",
            "visit-reload-1",
        }
        reloaded = next(r for r in await listed(ada) if r["visit_id"] == "visit-reload-1")
        assert reloaded["pages"] == 2
        clock[0] += registry.TTL - 10
        await report(site, inbox, visit="visit-stays-1", page=False)
        await report(site, inbox, visit="visit-reload-1", tab="tab-reload-2", page=False)
        clock[0] += 10
    assert {r["visit_id"] for r in await listed(ada)} == {"visit-stays-1", "visit-reload-1"}
    # Forgotten, not only hidden: the sweep empties the registry.
    assert await service.tell_changes(app.state.sessionmaker, None) >= 1
    live = app.state.sessionmaker.kw["info"][service.VISITS_KEY]
    assert {v.visit_id for v in await live.registry.visits([inbox["id"]])} == {
        "visit-stays-1",
        "visit-reload-1",
    }
    clock[0] += registry.TTL
    await service.tell_changes(app.state.sessionmaker, None)
    assert await live.registry.visits([inbox["id"]]) == []


async def test_agents_see_their_inboxes_light_agents_read_only(
    desk: Desk, clock: list[float]
) -> None:
    inbox, admin, ada = await setup(desk)
    other = await desk.inbox(name="Other")
    await shows_visitors(admin, other)
    grace = await desk.agent(inboxes=[other], name="Grace")
    light = await desk.agent(role="collaborator", inboxes=[inbox], name="Lin")
    async with browser(desk.app) as site:
        await report(site, inbox)
        await report(site, other, visit="visit-other-1")
    assert [r["visit_id"] for r in await listed(ada)] == ["visit-aaaaaaaa"]
    assert [r["visit_id"] for r in await listed(grace)] == ["visit-other-1"]
    assert [r["visit_id"] for r in await listed(light)] == ["visit-aaaaaaaa"]
    assert {r["visit_id"] for r in await listed(admin)} == {"visit-aaaaaaaa", "visit-other-1"}
    body = {"inbox_id": inbox["id"], "text": "Hello!"}
    error_of(
        await light.client.post(f"{LIST}/visit-aaaaaaaa/invitation", json=body), 403, "light_agent"
    )
    # Another inbox's visitor is nobody Grace can see.
    error_of(
        await grace.client.post(f"{LIST}/visit-aaaaaaaa/invitation", json=body), 404, "visitor_gone"
    )
    # An admin who is no member would not answer the chat.
    error_of(
        await admin.client.post(f"{LIST}/visit-aaaaaaaa/invitation", json=body), 403, "not_a_member"
    )
    # Nobody online: nothing to invite to.
    error_of(
        await ada.client.post(f"{LIST}/visit-aaaaaaaa/invitation", json=body),
        409,
        "inbox_not_online",
    )
    await online(ada)
    error_of(
        await ada.client.post(f"{LIST}/visit-gone-0001/invitation", json=body), 404, "visitor_gone"
    )
    error_of(
        await ada.client.post(f"{LIST}/visit-aaaaaaaa/invitation", json=body | {"text": " "}), 422
    )


async def test_an_invitation_reaches_the_visitor_once_and_opens_the_chat(
    desk: Desk, visitors: Any, clock: list[float]
) -> None:
    inbox, _admin, ada = await setup(desk)
    await online(ada)
    async with browser(desk.app) as site:
        await report(site, inbox)
        made = await ada.client.post(
            f"{LIST}/visit-aaaaaaaa/invitation",
            json={"inbox_id": inbox["id"], "text": "  Can I help you choose a plan?  "},
        )
        assert made.status_code == 201, made.text
        [row] = await listed(ada)
        assert row["invited_by"] == "Ada Lovelace"
        # Another tab's heartbeat takes it; nobody gets it twice.
        answer = await report(site, inbox, tab="tab-bbbbbbbb", page=False)
        assert answer["invitation"] == {
            "id": made.json()["id"],
            "text": "Can I help you choose a plan?",
            "sender": {"name": "Ada Lovelace"},
        }
        assert await report(site, inbox) == {"invitation": None}
    marie = await visitors(inbox)
    chat = await marie.start_chat("Yes, the pro plan?", invitation_id=made.json()["id"])
    assert await chat_lines(ada, chat) == [
        ("Ada Lovelace", "Can I help you choose a plan?"),
        ("Marie Curie", "Yes, the pro plan?"),
    ]
    read = await ada.client.get(f"/api/v1/chats/{chat['id']}")
    # The agent who invited answers: the chat is hers at once, offered to nobody.
    assert read.json()["state"] == "active"
    assert [p["name"] for p in read.json()["participants"]] == ["Ada Lovelace"]
    assert read.json()["offer"] is None
    # Used once: a second chat with it starts without the line.
    await marie.client.post(f"/messenger/v1/chats/{chat['id']}/end")
    again = await marie.start_chat(
        "Another question", invitation_id=made.json()["id"], client_msg_id="second-start-1"
    )
    assert await chat_lines(ada, again) == [("Marie Curie", "Another question")]


async def test_an_inviter_gone_offline_leaves_the_chat_to_be_offered(
    desk: Desk, visitors: Any, clock: list[float]
) -> None:
    inbox, _admin, ada = await setup(desk)
    grace = await desk.agent(inboxes=[inbox], name="Grace Hopper")
    await online(ada)
    await online(grace)
    async with browser(desk.app) as site:
        invitation = await invite(site, inbox, ada, "Can I help?")
    await online(ada, available=False)
    marie = await visitors(inbox)
    chat = await marie.start_chat("Yes please", invitation_id=invitation)
    # Her line still opens it; the chat waits for whoever is online, as any chat does.
    assert await chat_lines(grace, chat) == [
        ("Ada Lovelace", "Can I help?"),
        ("Marie Curie", "Yes please"),
    ]
    read = (await grace.client.get(f"/api/v1/chats/{chat['id']}")).json()
    assert read["state"] == "waiting"
    assert read["participants"] == []
    joined = await grace.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert joined.status_code == 200, joined.text


async def invite(site: httpx.AsyncClient, inbox: dict[str, Any], agent: Agent, text: str) -> str:
    """The agent invites the visit `report` made; the visit's next report delivers it."""
    await report(site, inbox)
    made = await agent.client.post(
        f"{LIST}/visit-aaaaaaaa/invitation", json={"inbox_id": inbox["id"], "text": text}
    )
    assert made.status_code == 201, made.text
    await report(site, inbox, page=False)
    return str(made.json()["id"])


async def chat_lines(agent: Agent, chat: dict[str, Any]) -> list[tuple[str, str]]:
    read = await agent.client.get(f"/api/v1/chats/{chat['id']}")
    assert read.status_code == 200, read.text
    return [
        (e["data"]["message"]["author"]["name"], e["data"]["message"]["text"])
        for e in read.json()["events"]
        if e["type"] == "chat.message_added"
    ]


async def test_a_refused_start_leaves_the_invitation_to_the_next(
    desk: Desk, visitors: Any, clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, admin, ada = await setup(desk)
    await online(ada)
    async with browser(desk.app) as site:
        invitation = await invite(site, inbox, ada, "Can I help you choose a plan?")
    marie = await visitors(inbox)
    body = {"name": "Marie Curie", "text": "Yes please", "invitation_id": invitation}
    # Refused while nobody is online …
    await online(ada, available=False)
    error_of(await marie.client.post("/messenger/v1/chats", json=body), 409, "no_agents_online")
    await online(ada)
    # … and out of business hours (Sunday 6 December 2026 at noon in Paris: open weekdays only).
    monkeypatch.setattr(clock_module, "utcnow", lambda: datetime(2026, 12, 6, 11, 0, tzinfo=UTC))
    hours = {
        "enabled": True,
        "time_zone": "Europe/Paris",
        "weekly": [{"day": "mon", "opens": "09:00", "closes": "17:00"}],
        "holidays": [],
        "away_message": "",
    }
    saved = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=hours)
    assert saved.status_code == 200, saved.text
    error_of(await marie.client.post("/messenger/v1/chats", json=body), 409, "inbox_closed")
    saved = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/hours", json=hours | {"enabled": False}
    )
    assert saved.status_code == 200, saved.text
    # The start that goes through still opens with the agent's line, and is hers at once.
    chat = await marie.start_chat("Yes please", invitation_id=invitation, client_msg_id="start-1")
    assert await chat_lines(ada, chat) == [
        ("Ada Lovelace", "Can I help you choose a plan?"),
        ("Marie Curie", "Yes please"),
    ]
    read = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()
    assert (read["state"], [p["name"] for p in read["participants"]]) == (
        "active",
        ["Ada Lovelace"],
    )
    # The same start sent again (its answer lost) is that chat, the line in it once.
    again = await marie.start_chat("Yes please", invitation_id=invitation, client_msg_id="start-1")
    assert again["id"] == chat["id"]
    assert len(await chat_lines(ada, chat)) == 2


async def test_two_starts_at_once_with_an_invitation_one_gets_its_line(
    desk: Desk, visitors: Any, clock: list[float]
) -> None:
    inbox, _admin, ada = await setup(desk)
    await online(ada)
    async with browser(desk.app) as site:
        invitation = await invite(site, inbox, ada, "Can I help?")
    marie = await visitors(inbox)
    # Two tabs answer the bubble at the same moment.
    chats = await asyncio.gather(
        marie.start_chat("From tab one", invitation_id=invitation, client_msg_id="tab-one"),
        marie.start_chat("From tab two", invitation_id=invitation, client_msg_id="tab-two"),
    )
    lines = [await chat_lines(ada, chat) for chat in chats]
    assert sorted(len(chat) for chat in lines) == [1, 2]
    assert [line for chat in lines for line in chat].count(("Ada Lovelace", "Can I help?")) == 1


async def test_desks_hear_changes_throttled(
    desk: Desk, app: FastAPI, clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, _admin, ada = await setup(desk)
    # What the app publishes, as it publishes it (after the commit, before the answer).
    sent: list[str] = []
    forward = app.state.broker.publish

    async def publish(message: Addressed) -> None:
        sent.append(message.envelope.type)
        await forward(message)

    monkeypatch.setattr(app.state.broker, "publish", publish)

    def told() -> int:
        return sent.count("visitors.changed")

    async with serve(app) as live, browser(desk.app) as site:
        sock = await desk_socket(live, ada)
        await report(site, inbox)
        heard = await sock.event("visitors.changed", inbox_id=inbox["id"])
        assert heard["data"] == {"inbox_id": inbox["id"]}
        assert told() == 1
        # Another page within the throttle: held back (published before the answer, or never),
        # then told by the round.
        await report(site, inbox, url="https://shop.example.com/cart", title="Cart")
        assert told() == 1
        clock[0] += 1
        await service.tell_changes(app.state.sessionmaker, None)
        assert told() == 2
        await sock.wait_for(lambda _f: len(sock.of_type("visitors.changed")) == 2)
        # Past the throttle, a heartbeat still changes nothing the list shows, and the round
        # has nothing to tell.
        clock[0] += service.THROTTLE
        await report(site, inbox, url="https://shop.example.com/cart", title="Cart", page=False)
        await service.tell_changes(app.state.sessionmaker, None)
        assert told() == 2
        await sock.close()


class TestRateLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"ip_rate_per_minute": 4})

    async def test_reports_are_limited_per_address(self, desk: Desk, clock: list[float]) -> None:
        inbox, _admin, _ada = await setup(desk)
        async with browser(desk.app) as site:
            for _ in range(4):
                await report(site, inbox, page=False)
            refused = await site.post(
                VISITS,
                params={"inbox": inbox["public_key"]},
                json={
                    "visit": "visit-aaaaaaaa",
                    "tab": "tab-aaaaaaaa",
                    "url": "https://x.example/",
                },
            )
        error_of(refused, 429, "rate_limited")


async def test_redis_out_of_reach_answers_503_and_drops_reports(
    desk: Desk, app: FastAPI, clock: list[float]
) -> None:
    inbox, _admin, ada = await setup(desk)
    live = app.state.sessionmaker.kw["info"][service.VISITS_KEY]
    # Nothing listens on port 1: every command fails as with Redis down.
    live.registry = registry.RedisRegistry("redis://127.0.0.1:1/0", prefix="fd-test:visits:")
    try:
        async with browser(desk.app) as site:
            assert await report(site, inbox) == {"invitation": None}
        error_of(await ada.client.get(LIST), 503, "visitors_unavailable")
        assert await service.tell_changes(app.state.sessionmaker, None) == 0
    finally:
        await live.registry.close()
