"""A chat start and a message left by the contact form take the inbox's calendar from the ones
this process keeps (hours/calendar_cache.py), by the hours' version read by its primary key
(chats/opening.py `ensure_in_hours`, `reply_expected_from`): a change of the hours through the
API is honoured by the very next start or message, and after the first they read no hours row
of their own (docs/performance.md, "The chat start and the contact form take the kept
calendars").

Frozen on Monday 7 December 2026 at 10:00 in Paris."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.conftest import BOTH_STORES, Desk, Statements, Visitor
from tests.unit.hours.support import hours_body, monday_inbox, save_hours
from tests.unit.support import error_of

pytestmark = BOTH_STORES

CONTACT = {"name": "Alan", "email": "alan@example.org", "text": "Where is my order?"}
TUESDAY_NINE = "2026-12-08T08:00:00Z"
WEDNESDAY_NINE = "2026-12-09T08:00:00Z"


async def _start(visitor: Visitor) -> str:
    """ "started", or the code the chat start was refused with."""
    response = await visitor.client.post("/messenger/v1/chats", json={"text": "Hello?"})
    if response.status_code == 201:
        return "started"
    return str(error_of(response, 409)["code"])


async def _contact(visitor: Visitor) -> str | None:
    """When the message left is told it will be read (None: open now)."""
    response = await visitor.client.post("/messenger/v1/contact", json=CONTACT)
    assert response.status_code == 201, response.text
    expected: str | None = response.json()["reply_expected_from"]
    return expected


def _row_reads(sql: list[str]) -> int:
    """The statements that read the hours' row itself (its weekly hours), not only its version."""
    flat = [" ".join(statement.split()) for statement in sql]
    return sum("FROM business_hours" in s and "business_hours.weekly" in s for s in flat)


def _tuesday_off(hours: dict[str, Any]) -> dict[str, Any]:
    return hours | {"holidays": [{"date": "2026-12-08", "name": "Off", "yearly": False}]}


async def test_hours_saved_are_honoured_by_the_next_chat_start(
    desk: Desk, visitors: Any, frozen: Callable[[datetime], None], monkeypatch: Any
) -> None:
    inbox, admin, _ada = await monday_inbox(desk, frozen, monkeypatch)

    async def start() -> str:
        return await _start(await visitors(inbox))

    assert await start() == "started"  # no hours: always open
    await save_hours(admin, inbox, hours_body(("tue",)))
    assert [await start(), await start()] == ["inbox_closed", "inbox_closed"]
    await save_hours(admin, inbox, hours_body())
    assert await start() == "started"
    # Today a holiday, then the hours off (open around the clock), each in the next start.
    today_off = {"holidays": [{"date": "2026-12-07", "name": "Off"}]}
    await save_hours(admin, inbox, hours_body() | today_off)
    assert await start() == "inbox_closed"
    await save_hours(admin, inbox, hours_body(("tue",), enabled=False))
    assert [await start(), await start()] == ["started", "started"]


async def test_hours_saved_are_honoured_by_the_next_contact_form(
    desk: Desk, visitors: Any, frozen: Callable[[datetime], None], monkeypatch: Any
) -> None:
    inbox, admin, _ = await monday_inbox(desk, frozen, monkeypatch, agent_online=False)
    visitor = await visitors(inbox)
    assert await _contact(visitor) is None  # no hours: always open
    await save_hours(admin, inbox, hours_body(("tue", "wed")))
    assert [await _contact(visitor), await _contact(visitor)] == [TUESDAY_NINE, TUESDAY_NINE]
    await save_hours(admin, inbox, _tuesday_off(hours_body(("tue", "wed"))))
    assert await _contact(visitor) == WEDNESDAY_NINE
    await save_hours(admin, inbox, hours_body())
    assert await _contact(visitor) is None
    await save_hours(admin, inbox, hours_body(("tue",), enabled=False))
    assert await _contact(visitor) is None


async def test_a_start_or_a_message_reads_the_hours_only_after_they_changed(
    desk: Desk,
    visitors: Any,
    frozen: Callable[[datetime], None],
    statements: Statements,
    monkeypatch: Any,
) -> None:
    inbox, admin, _ada = await monday_inbox(desk, frozen, monkeypatch)
    await save_hours(admin, inbox, hours_body(("tue",)))
    visitor = await visitors(inbox)
    with statements.count() as first:
        assert await _start(visitor) == "inbox_closed"
    with statements.count() as second:
        assert await _contact(visitor) == TUESDAY_NINE
    assert (_row_reads(first), _row_reads(second)) == (1, 0)
    await save_hours(admin, inbox, hours_body())
    with statements.count() as after_save:
        assert await _contact(visitor) is None
    with statements.count() as again:
        assert await _start(visitor) == "started"
    assert (_row_reads(after_save), _row_reads(again)) == (1, 0)
