"""The messenger's /status, chats and contact form under business hours, at frozen instants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from frontdesk.chats.models import Chat
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Visitor
from tests.unit.support import error_of, online, use_cheap_passwords

pytestmark = SQLITE_ONLY

Freeze = Callable[[datetime], None]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
# Friday 4 December 2026: 18:30 in Paris (closed), and Monday 7th 10:00 in Paris (open).
FRIDAY_EVENING = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def set_hours(desk: Desk, inbox: dict[str, Any], **change: Any) -> dict[str, Any]:
    admin = await desk.agent(role="admin")
    body = {
        "enabled": True,
        "time_zone": "Europe/Paris",
        "weekly": [{"day": day, "opens": "09:00", "closes": "17:00"} for day in WEEKDAYS],
        "holidays": [],
        "away_message": "We answer on weekdays, 9 to 5.",
    } | change
    response = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def status_of(visitor: Visitor, inbox: dict[str, Any]) -> dict[str, Any]:
    response = await visitor.client.get(
        "/messenger/v1/status", params={"inbox": inbox["public_key"]}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def staffed_inbox(desk: Desk, **agent: Any) -> tuple[dict[str, Any], Agent]:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada", **agent)
    await online(ada)
    return inbox, ada


class TestClosed:
    async def test_out_of_hours_is_closed_even_with_an_agent_online(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        frozen(FRIDAY_EVENING)
        inbox, _ada = await staffed_inbox(desk)
        await set_hours(desk, inbox)
        status = await status_of(await visitors(inbox), inbox)
        assert status["state"] == "closed"
        assert status["online"] is False
        assert status["next_opening_at"] == "2026-12-07T08:00:00Z"
        assert status["away_message"] == "We answer on weekdays, 9 to 5."

    @BOTH_STORES
    async def test_a_chat_out_of_hours_is_refused_saying_when_we_are_back(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        frozen(FRIDAY_EVENING)
        inbox, _ada = await staffed_inbox(desk)
        await set_hours(desk, inbox)
        visitor = await visitors(inbox)
        refused = await visitor.client.post("/messenger/v1/chats", json={"text": "Hello?"})
        error = error_of(refused, 409, "inbox_closed")
        assert "Monday 07 December 2026 at 09:00 (CET)" in error["message"]
        assert (await visitor.client.get("/messenger/v1/chats")).json() == []

    async def test_a_message_left_while_closed_is_an_open_ticket_answered_from_the_opening(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        frozen(FRIDAY_EVENING)
        inbox, ada = await staffed_inbox(desk)
        await set_hours(desk, inbox)
        visitor = await visitors(inbox)
        sent = await visitor.client.post(
            "/messenger/v1/contact",
            json={"name": "Alan", "email": "alan@example.org", "text": "Where is my order?"},
        )
        assert sent.status_code == 201, sent.text
        assert sent.json()["reply_expected_from"] == "2026-12-07T08:00:00Z"
        tickets = (await ada.client.get("/api/v1/tickets", params={"type": "web"})).json()
        [ticket] = tickets["items"]
        assert (ticket["state"], ticket["number"]) == ("open", sent.json()["reference"])
        customer = (await ada.client.get(f"/api/v1/customers/{ticket['customer_id']}")).json()
        # Typed, not signed by the website: an unverified customer (docs/email.md).
        assert (customer["emails"], customer["verified"]) == (["alan@example.org"], False)

    async def test_a_signed_in_visitor_leaves_a_message_as_the_verified_customer(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        frozen(FRIDAY_EVENING)
        secret = "s" * 32
        inbox = await desk.inbox(identity_secret=secret)
        ada = await desk.agent(inboxes=[inbox])
        await set_hours(desk, inbox)
        visitor = await visitors(inbox)
        await visitor.identify("grace@example.org", secret=secret)
        sent = await visitor.client.post(
            "/messenger/v1/contact",
            json={"name": "Grace", "email": "grace@example.org", "text": "Invoice please"},
        )
        assert sent.status_code == 201, sent.text
        [ticket] = (await ada.client.get("/api/v1/tickets")).json()["items"]
        customer = (await ada.client.get(f"/api/v1/customers/{ticket['customer_id']}")).json()
        assert (customer["emails"], customer["verified"]) == (["grace@example.org"], True)

    async def test_a_holiday_is_closed_until_the_next_working_day(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        # Lord Howe Island (UTC+11 in summer): Friday 25 December 2026, 10:00 local.
        frozen(datetime(2026, 12, 24, 23, 0, tzinfo=UTC))
        inbox, _ada = await staffed_inbox(desk)
        await set_hours(
            desk,
            inbox,
            time_zone="Australia/Lord_Howe",
            holidays=[{"date": "2020-12-25", "name": "Christmas", "yearly": True}],
        )
        status = await status_of(await visitors(inbox), inbox)
        assert status["state"] == "closed"
        # Monday 28 December, 09:00 at +11:00.
        assert status["next_opening_at"] == "2026-12-27T22:00:00Z"


class TestInHours:
    async def test_an_agent_with_a_free_place_is_online(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        frozen(MONDAY_MORNING)
        inbox, _ada = await staffed_inbox(desk)
        await set_hours(desk, inbox)
        visitor = await visitors(inbox)
        status = await status_of(visitor, inbox)
        assert (status["state"], status["online"], status["queue_position"]) == (
            "online",
            True,
            None,
        )
        await visitor.start_chat()

    @BOTH_STORES
    async def test_everyone_busy_is_away_with_the_place_and_wait_of_a_new_chat(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        frozen(MONDAY_MORNING)
        inbox, ada = await staffed_inbox(desk, max_concurrent_chats=1)
        await set_hours(desk, inbox)
        first = await (await visitors(inbox)).start_chat()
        joined = await ada.client.post(f"/api/v1/chats/{first['id']}/join")
        assert joined.status_code == 200, joined.text
        # The inbox's recent chats waited two minutes for an agent.
        async with desk.app.state.sessionmaker.begin() as session:
            chat = await session.get(Chat, first["id"])
            assert chat is not None
            chat.answered_at = chat.started_at + timedelta(minutes=2)
        second = await visitors(inbox)
        status = await status_of(second, inbox)
        assert (status["state"], status["online"], status["queue_position"]) == ("away", True, 1)
        assert status["estimated_wait_seconds"] == 120
        await second.start_chat()  # it waits its turn
        third = await status_of(await visitors(inbox), inbox)
        assert (third["queue_position"], third["estimated_wait_seconds"]) == (2, 240)

    @BOTH_STORES
    async def test_nobody_online_in_hours_is_away_with_a_message_form(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        frozen(MONDAY_MORNING)
        inbox = await desk.inbox()
        await desk.agent(inboxes=[inbox])
        await set_hours(desk, inbox)
        visitor = await visitors(inbox)
        status = await status_of(visitor, inbox)
        assert (status["state"], status["online"], status["next_opening_at"]) == (
            "away",
            False,
            None,
        )
        assert status["away_message"] == "We answer on weekdays, 9 to 5."
        refused = await visitor.client.post("/messenger/v1/chats", json={"text": "Hi"})
        error_of(refused, 409, "no_agents_online")
        sent = await visitor.client.post(
            "/messenger/v1/contact",
            json={"name": "Alan", "email": "alan@example.org", "text": "Hi"},
        )
        assert sent.json()["reply_expected_from"] is None

    async def test_hours_turned_off_change_nothing(
        self, desk: Desk, visitors: Any, frozen: Freeze
    ) -> None:
        frozen(FRIDAY_EVENING)
        inbox, _ada = await staffed_inbox(desk)
        await set_hours(desk, inbox, enabled=False)
        visitor = await visitors(inbox)
        status = await status_of(visitor, inbox)
        assert (status["state"], status["online"], status["away_message"]) == ("online", True, "")
        await visitor.start_chat()
