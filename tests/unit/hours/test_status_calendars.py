"""The messenger's /status takes the inbox's calendar from the ones this process keeps
(hours/calendar_cache.py), by the hours' version read in the statement that reads the inbox
(chats/status_read.py), and the away message from that statement: a change of the hours through
the API is in the very next /status, and a /status after the first reads no hours of its own
(docs/performance.md, "The writer's calendars and the messenger's status").

Frozen on Monday 7 December 2026 at 10:00 in Paris."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.conftest import BOTH_STORES, Desk, Statements, Visitor
from tests.unit.hours.support import hours_body, monday_inbox, save_hours
from tests.unit.support import online

pytestmark = BOTH_STORES


async def _status(visitor: Visitor, inbox: dict[str, Any]) -> tuple[Any, ...]:
    response = await visitor.client.get(
        "/messenger/v1/status", params={"inbox": inbox["public_key"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return body["state"], body["away_message"], body["next_opening_at"]


def _hours_reads(sql: list[str]) -> int:
    """The statements that read business_hours by themselves (not joined to the inbox)."""
    return sum("FROM business_hours" in " ".join(statement.split()) for statement in sql)


async def test_hours_saved_are_in_the_next_status(
    desk: Desk, visitors: Any, frozen: Callable[[datetime], None], monkeypatch: Any
) -> None:
    inbox, admin, ada = await monday_inbox(desk, frozen, monkeypatch)
    assert ada is not None
    visitor = await visitors(inbox)
    assert await _status(visitor, inbox) == ("online", "", None)  # no hours: always open

    await save_hours(admin, inbox, hours_body(away_message="Back on weekdays."))
    assert await _status(visitor, inbox) == ("online", "", None)
    # Closed on Mondays from now: closed at once, saying when and the away message.
    await save_hours(admin, inbox, hours_body(("tue", "wed"), away_message="Back on Tuesday."))
    closed = ("closed", "Back on Tuesday.", "2026-12-08T08:00:00Z")
    assert await _status(visitor, inbox) == closed
    assert await _status(visitor, inbox) == closed
    # Open again, and only the away message changed after: both in the next answer.
    await save_hours(admin, inbox, hours_body(away_message="Back soon."))
    assert await _status(visitor, inbox) == ("online", "", None)
    await online(ada, available=False)
    assert await _status(visitor, inbox) == ("away", "Back soon.", None)
    await save_hours(admin, inbox, hours_body(away_message="Write to us."))
    assert await _status(visitor, inbox) == ("away", "Write to us.", None)
    # Off: open around the clock, the away message kept.
    await save_hours(admin, inbox, hours_body(("tue",), enabled=False, away_message="Off."))
    assert await _status(visitor, inbox) == ("away", "Off.", None)
    await online(ada)
    assert await _status(visitor, inbox) == ("online", "", None)


async def test_status_reads_the_hours_only_after_they_changed(
    desk: Desk,
    visitors: Any,
    frozen: Callable[[datetime], None],
    statements: Statements,
    monkeypatch: Any,
) -> None:
    inbox, admin, _ = await monday_inbox(desk, frozen, monkeypatch, agent_online=False)
    visitor = await visitors(inbox)
    await save_hours(admin, inbox, hours_body(("tue",), away_message="Tuesdays."))
    with statements.count() as first:
        assert (await _status(visitor, inbox))[:2] == ("closed", "Tuesdays.")
    with statements.count() as second:
        assert (await _status(visitor, inbox))[:2] == ("closed", "Tuesdays.")
    assert (_hours_reads(first), _hours_reads(second)) == (1, 0)
    await save_hours(admin, inbox, hours_body(away_message="Weekdays."))
    with statements.count() as after_save:
        assert (await _status(visitor, inbox))[:2] == ("away", "Weekdays.")
    with statements.count() as again:
        assert (await _status(visitor, inbox))[:2] == ("away", "Weekdays.")
    assert (_hours_reads(after_save), _hours_reads(again)) == (1, 0)
