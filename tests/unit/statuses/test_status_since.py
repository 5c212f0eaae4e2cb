"""When a ticket entered its status (`status_changed_at`, docs/desk.md "Ticket statuses"): set at
its creation, moved by a change of its state or custom status, whoever makes it (an agent, a
snooze that ends, a merge), and by nothing else: a label, the assignee, the priority, a note or
the same state again leave it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.tickets.timers import wake_snoozed_tickets
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY
T0 = datetime(2026, 12, 3, 14, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, T0)


def at(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


async def since(who: Agent, ticket_id: int) -> str | None:
    """The ticket's `status_changed_at` as its page and the list read it: they agree."""
    detail = await who.client.get(f"/api/v1/tickets/{ticket_id}")
    assert detail.status_code == 200, detail.text
    listed = await who.client.get("/api/v1/tickets")
    assert listed.status_code == 200, listed.text
    (row,) = [each for each in listed.json()["items"] if each["id"] == ticket_id]
    assert row["status_changed_at"] == detail.json()["status_changed_at"]
    value: str | None = detail.json()["status_changed_at"]
    return value


async def patch(who: Agent, ticket_id: int, **body: Any) -> dict[str, Any]:
    response = await who.client.patch(f"/api/v1/tickets/{ticket_id}", json=body)
    assert response.status_code == 200, response.text
    read: dict[str, Any] = response.json()
    return read


async def test_a_change_of_state_or_status_moves_it_and_nothing_else(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    made = await admin.client.post(
        "/api/v1/ticket-statuses", json={"name": "Waiting on vendor", "state": "hold"}
    )
    assert made.status_code == 201, made.text
    vendor = made.json()
    label = await admin.client.post("/api/v1/labels", json={"name": "billing"})
    assert label.status_code == 201, label.text

    ticket = await new_ticket(ada.client, inbox)
    assert ticket["status_changed_at"] == at(T0)  # created: it entered Open

    # Other changes leave it.
    clock.advance(minutes=5)
    await patch(ada, ticket["id"], label_ids=[label.json()["id"]])
    await patch(ada, ticket["id"], assignee_id=ada.user["id"])
    await patch(ada, ticket["id"], priority="high")
    await patch(ada, ticket["id"], state="open")  # the same state again
    note = await ada.client.post(f"/api/v1/tickets/{ticket['id']}/notes", json={"text": "Hm"})
    assert note.status_code == 201, note.text
    assert await since(ada, ticket["id"]) == at(T0)

    # A state moves it: Hold after Open, no custom status either side.
    held_at = clock.advance(minutes=5)
    assert (await patch(ada, ticket["id"], state="hold"))["status_changed_at"] == at(held_at)
    # A custom status of the same state moves it, and back to the plain one too.
    vendor_at = clock.advance(minutes=5)
    await patch(ada, ticket["id"], status_id=vendor["id"])
    assert await since(ada, ticket["id"]) == at(vendor_at)
    clock.advance(minutes=5)
    await patch(ada, ticket["id"], label_ids=[])
    assert await since(ada, ticket["id"]) == at(vendor_at)
    plain_at = clock.advance(minutes=5)
    await patch(ada, ticket["id"], status_id=None)
    assert await since(ada, ticket["id"]) == at(plain_at)

    # A snooze, and its end: the loop's statement moves it too.
    snoozed_at = clock.advance(minutes=5)
    until = clock.now.replace(hour=23)
    await patch(ada, ticket["id"], snoozed_until=at(until))
    assert await since(ada, ticket["id"]) == at(snoozed_at)
    woke_at = clock.advance(hours=10)
    assert await wake_snoozed_tickets(app.state.sessionmaker) == 1
    woken = await ada.client.get(f"/api/v1/tickets/{ticket['id']}")
    assert (woken.json()["state"], woken.json()["status_changed_at"]) == ("open", at(woke_at))

    # A merge closes it: a new status for the merged ticket, none for the one that stays.
    other = await new_ticket(ada.client, inbox, subject="Again")
    merged_at = clock.advance(minutes=5)
    merge = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/merge", json={"into_ticket_id": other["id"]}
    )
    assert merge.status_code == 201, merge.text
    assert await since(ada, ticket["id"]) == at(merged_at)
    assert await since(ada, other["id"]) == at(woke_at)
