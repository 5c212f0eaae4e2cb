"""The ticket list's "Reply scheduled" mark: each row of `GET /tickets` names when the ticket's
soonest reply scheduled with Send later and still waiting goes (`scheduled_reply_at`), for every
agent who sees the ticket, null once it is sent, cancelled or not sent; read in one statement for
the page (docs/desk.md, "Send later"). Over HTTP, the clock frozen and moved, the timer's round
called as the loop calls it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.pending_replies.timers import send_due_replies
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Statements
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

# A Sunday afternoon; the replies go on Monday and Tuesday mornings.
START = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TUESDAY_10 = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
WEDNESDAY_8 = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


async def reply(agent: Agent, ticket: dict[str, Any], **body: Any) -> dict[str, Any]:
    answer = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Refunded.", **body}
    )
    assert answer.status_code in (201, 202), answer.text
    sent: dict[str, Any] = answer.json()
    return sent


async def schedule(agent: Agent, ticket: dict[str, Any], at: datetime) -> dict[str, Any]:
    held = await reply(agent, ticket, send_at=at.isoformat())
    assert held["scheduled"] is True
    return held


async def cancel(agent: Agent, ticket: dict[str, Any], held: dict[str, Any]) -> None:
    taken = await agent.client.delete(
        f"/api/v1/tickets/{ticket['id']}/pending-replies/{held['id']}"
    )
    assert taken.status_code == 200, taken.text


async def marks(agent: Agent, inbox: dict[str, Any]) -> dict[int, datetime | None]:
    """Each listed ticket's `scheduled_reply_at`, by ticket id."""
    listed = await agent.client.get("/api/v1/tickets", params={"inbox_id": inbox["id"]})
    assert listed.status_code == 200, listed.text
    return {
        item["id"]: None
        if item["scheduled_reply_at"] is None
        else datetime.fromisoformat(item["scheduled_reply_at"])
        for item in listed.json()["items"]
    }


# Sends a statement no other test sends to PostgreSQL (the page's soonest replies).
@BOTH_STORES
async def test_each_row_names_its_soonest_waiting_scheduled_reply_for_every_agent(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
) -> None:
    inbox = await desk.inbox(name="Shop Support")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    olga = await desk.agent(name="Olga")
    twice = await new_ticket(ada.client, inbox, subject="Two replies scheduled")
    cancelled = await new_ticket(ada.client, inbox, subject="Cancelled")
    sent = await new_ticket(ada.client, inbox, subject="Sent at its time")
    failed = await new_ticket(ada.client, inbox, subject="Answered meanwhile")
    undo = await new_ticket(ada.client, inbox, subject="Undo send window")
    quiet = await new_ticket(ada.client, inbox, subject="Nothing scheduled")

    later = await schedule(ada, twice, WEDNESDAY_8)
    sooner = await schedule(bob, twice, TUESDAY_10)
    dropped = await schedule(ada, cancelled, MONDAY_9)
    await schedule(ada, sent, MONDAY_9)
    # Without `seen_entry_id`: Bob's reply after it cancels it at its time.
    await schedule(ada, failed, MONDAY_9)
    await reply(bob, failed, undo_seconds=0)
    # A reply in its Undo send window is not a scheduled one.
    assert (await reply(ada, undo, undo_seconds=30))["scheduled"] is False

    expected = {
        twice["id"]: TUESDAY_10,
        cancelled["id"]: MONDAY_9,
        sent["id"]: MONDAY_9,
        failed["id"]: MONDAY_9,
        undo["id"]: None,
        quiet["id"]: None,
    }
    # Whoever scheduled it: every agent of the inbox reads the same marks.
    assert await marks(ada, inbox) == expected
    assert await marks(bob, inbox) == expected
    # Webhooks' and the ticket's own reads go without it: it is the list's.
    shown = await ada.client.get(f"/api/v1/tickets/{twice['id']}")
    assert "scheduled_reply_at" not in shown.json()
    # An agent outside the inbox lists none of these tickets.
    assert (await olga.client.get("/api/v1/tickets")).json()["items"] == []

    await cancel(ada, cancelled, dropped)
    await cancel(bob, twice, sooner)
    clock.set(MONDAY_9)
    assert await send_due_replies(app.state.sessionmaker, settings) == 3
    now = await marks(bob, inbox)
    assert now == {**expected, twice["id"]: WEDNESDAY_8} | {
        ticket["id"]: None for ticket in (cancelled, sent, failed)
    }
    # Ada's replies as she sees them: the one Bob's reply stopped failed, Wednesday's waits.
    mine = (await ada.client.get("/api/v1/me/pending-replies")).json()
    assert {(each["ticket_id"], each["state"]) for each in mine} == {
        (failed["id"], "failed"),
        (twice["id"], "pending"),
    }
    assert later["id"] in {each["id"] for each in mine}


async def test_a_longer_page_reads_the_marks_in_one_statement(
    desk: Desk, statements: Statements, clock: FrozenClock
) -> None:
    ada = await desk.agent()
    inbox = await desk.inbox(members=[ada])
    for n in range(2):
        await schedule(ada, await new_ticket(ada.client, inbox, subject=f"Early {n}"), MONDAY_9)
    with statements.count() as short:
        assert len(await marks(ada, inbox)) == 2
    for n in range(6):
        await schedule(ada, await new_ticket(ada.client, inbox, subject=f"Later {n}"), MONDAY_9)
    with statements.count() as long:
        listed = await marks(ada, inbox)
    assert list(listed.values()) == [MONDAY_9] * 8
    assert len(long) == len(short), long
    (read,) = [sql for sql in long if "pending_replies" in sql]
    assert "min(" in read.lower()
