"""Time entries over HTTP (docs/desk.md, "Time tracking"): logging on a ticket one sees, the
minutes and the day checked, the total on the ticket, who may change and delete which entry
(an admin's change of a colleague's entry audited, its note never in the log), null refused,
pages of entries, none on spam, the event desks hear, merges and deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.privacy import retention
from frontdesk.timetracking.models import RunningTimer, TimeEntry
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Published
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def log(agent: Agent, ticket_id: int, **body: Any) -> dict[str, Any]:
    response = await agent.client.post(f"/api/v1/tickets/{ticket_id}/time-entries", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def listed(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}/time-entries")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def spent(agent: Agent, ticket_id: int) -> int:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    return int(response.json()["time_spent_minutes"])


async def test_time_logged_edited_and_deleted_by_whom_it_may_be(
    app: FastAPI, desk: Desk, published: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 UTC is already the next day in Paris: the default day is on the agent's clock.
    FrozenClock(monkeypatch, datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    inbox = await desk.inbox()
    other_inbox = await desk.inbox(name="Billing")
    ana = await desk.agent(inboxes=[inbox], name="Ana")
    zone = await ana.client.patch("/api/v1/me", json={"preferences": {"time_zone": "Europe/Paris"}})
    assert zone.status_code == 200, zone.text
    ben = await desk.agent(inboxes=[inbox], name="Ben")
    outsider = await desk.agent(inboxes=[other_inbox])
    admin = await desk.agent(role="owner", inboxes=[inbox], name="Ada")
    ticket = await new_ticket(ana.client, inbox)

    published.clear()
    first = await log(ana, ticket["id"], minutes=90, note="<b>call</b> with customer")
    assert (first["minutes"], first["day"], first["billable"]) == (90, "2026-03-10", True)
    assert first["user"] == {"id": ana.id, "name": "Ana"}
    assert first["note"] == "<b>call</b> with customer"  # kept as written; the desk escapes it
    [event] = [m for m in published.messages if m.envelope.type == "ticket.time_changed"]
    assert event.topics == [f"inbox:{inbox['id']}"]
    assert (event.envelope.data["time_spent_minutes"], event.envelope.data["change"]) == (
        90,
        "created",
    )
    second = await log(ben, ticket["id"], minutes=15, day="2026-03-08", billable=False)
    assert await spent(ben, ticket["id"]) == 105
    page = await listed(ana, ticket["id"])
    assert [e["id"] for e in page["entries"]] == [first["id"], second["id"]]
    assert (page["time_spent_minutes"], page["billable_minutes"]) == (105, 90)
    listing = await ana.client.get("/api/v1/tickets")
    assert [t["time_spent_minutes"] for t in listing.json()["items"]] == [105]

    # The minutes, the day and the note are checked; nothing is written when one is wrong.
    for body, field in [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"minutes": "90"}, "minutes"),
        ({"minutes": 5, "note": "x" * 501}, "note"),
        ({"minutes": 5, "day": "2026-03-12"}, "day"),
        ({"minutes": 5, "day": "1999-12-31"}, "day"),
    ]:
        refused = await ana.client.post(f"/api/v1/tickets/{ticket['id']}/time-entries", json=body)
        error = error_of(refused, 422)
        assert [f["field"] for f in error["fields"]] == [field], (body, error)
    assert await spent(ana, ticket["id"]) == 105

    # Only the inbox's agents see the ticket and its time.
    for response in [
        await outsider.client.get(f"/api/v1/tickets/{ticket['id']}/time-entries"),
        await outsider.client.post(
            f"/api/v1/tickets/{ticket['id']}/time-entries", json={"minutes": 5}
        ),
        await outsider.client.patch(f"/api/v1/time-entries/{first['id']}", json={"minutes": 5}),
        await outsider.client.delete(f"/api/v1/time-entries/{first['id']}"),
    ]:
        error_of(response, 404)

    # Ben may not change Ana's entry; Ana may change hers; an admin may change anyone's, audited.
    refused = await ben.client.patch(f"/api/v1/time-entries/{first['id']}", json={"minutes": 5})
    error_of(refused, 403, "not_your_time_entry")
    error_of(await ben.client.delete(f"/api/v1/time-entries/{first['id']}"), 403)
    mine = await ana.client.patch(
        f"/api/v1/time-entries/{first['id']}", json={"minutes": 60, "billable": False}
    )
    assert (mine.json()["minutes"], mine.json()["billable"]) == (60, False)
    theirs = await admin.client.patch(
        f"/api/v1/time-entries/{second['id']}",
        json={"minutes": 20, "note": "onboarding Mr Smith"},
    )
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["user"]["name"] == "Ben"  # still Ben's
    gone = await admin.client.delete(f"/api/v1/time-entries/{first['id']}")
    assert gone.status_code == 204
    assert await spent(ana, ticket["id"]) == 20
    audit = (await admin.client.get("/api/v1/audit-events")).json()["items"]
    logged = {e["action"]: e for e in audit if e["action"].startswith("time_")}
    assert sorted((a, e["target_id"]) for a, e in logged.items()) == [
        ("time_entry.deleted", first["id"]),
        ("time_entry.updated", second["id"]),
    ]
    # The log names the entry as it was, and says the note changed, never what it says (an
    # erasure may have to take the words back).
    changed = logged["time_entry.updated"]
    assert changed["target_label"] == f"15 min on ticket {ticket['id']}"
    assert changed["changes"] == {"minutes": [15, 20], "note": "changed"}
    assert "Smith" not in str(audit)
    error_of(await ana.client.patch(f"/api/v1/time-entries/{first['id']}", json={}), 404)

    # null is not "leave it as it is": each field says what to send instead.
    for field in ("minutes", "day", "note", "billable"):
        refused = await ben.client.patch(f"/api/v1/time-entries/{second['id']}", json={field: None})
        error = error_of(refused, 422)
        assert [f["field"] for f in error["fields"]] == [field]
        assert "cannot be null" in error["message"] or "not null" in error["message"]

    # A deactivated agent's entries stay, with their name.
    gone_ben = await admin.client.patch(f"/api/v1/users/{ben.id}", json={"is_active": False})
    assert gone_ben.status_code == 200, gone_ben.text
    [kept] = (await listed(ana, ticket["id"]))["entries"]
    assert (kept["id"], kept["user"]) == (second["id"], {"id": ben.id, "name": "Ben"})


@BOTH_STORES
async def test_entries_come_a_page_at_a_time_with_the_sums_of_all(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(agent.client, inbox)
    made = [
        await log(agent, ticket["id"], minutes=m, day=d, billable=m != 3)
        for m, d in [(1, "2026-03-01"), (2, "2026-03-03"), (3, "2026-03-03"), (4, "2026-03-02")]
    ]
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = await agent.client.get(f"/api/v1/tickets/{ticket['id']}/time-entries", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert (body["time_spent_minutes"], body["billable_minutes"]) == (10, 7)
        seen += [e["id"] for e in body["entries"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # Newest day first, then the latest logged: each once.
    assert seen == [made[2]["id"], made[1]["id"], made[3]["id"], made[0]["id"]]
    other = await new_ticket(agent.client, inbox, subject="Other")
    page = await agent.client.get(
        f"/api/v1/tickets/{ticket['id']}/time-entries", params={"limit": 1}
    )
    elsewhere = await agent.client.get(
        f"/api/v1/tickets/{other['id']}/time-entries",
        params={"cursor": page.json()["next_cursor"]},
    )
    error_of(elsewhere, 422)


async def test_no_time_is_tracked_on_spam(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(agent.client, inbox)
    entry = await log(agent, ticket["id"], minutes=10)
    spam = await agent.client.post(f"/api/v1/tickets/{ticket['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    for refused in [
        await agent.client.post(
            f"/api/v1/tickets/{ticket['id']}/time-entries", json={"minutes": 5}
        ),
        await agent.client.patch(f"/api/v1/time-entries/{entry['id']}", json={"minutes": 5}),
        await agent.client.post(f"/api/v1/tickets/{ticket['id']}/timer"),
    ]:
        error_of(refused, 409, "ticket_is_spam")
    assert await spent(agent, ticket["id"]) == 10
    # Taking time off junk is tidying: allowed.
    assert (await agent.client.delete(f"/api/v1/time-entries/{entry['id']}")).status_code == 204


@BOTH_STORES
async def test_entries_follow_a_merge_and_come_back_on_undo(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    kept = await new_ticket(agent.client, inbox, subject="Kept")
    merged = await new_ticket(agent.client, inbox, subject="Merged")
    await log(agent, kept["id"], minutes=10)
    moved = await log(agent, merged["id"], minutes=25)

    response = await agent.client.post(
        f"/api/v1/tickets/{merged['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert response.status_code == 201, response.text
    move_id = response.json()["id"]
    assert await spent(agent, kept["id"]) == 35
    assert await spent(agent, merged["id"]) == 0
    # Time logged on the merged ticket goes where its thread is now.
    later = await log(agent, merged["id"], minutes=5)
    assert later["ticket_id"] == kept["id"]

    undone = await agent.client.post(f"/api/v1/tickets/moves/{move_id}/undo")
    assert undone.status_code == 200, undone.text
    assert [e["id"] for e in (await listed(agent, merged["id"]))["entries"]] == [moved["id"]]
    assert await spent(agent, kept["id"]) == 15


async def test_a_deleted_ticket_takes_its_entries_and_timer_with_it(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(agent.client, inbox)
    await log(agent, ticket["id"], minutes=10)
    await agent.client.post(f"/api/v1/tickets/{ticket['id']}/timer")
    spam = await agent.client.post(f"/api/v1/tickets/{ticket['id']}/spam", json={})
    assert spam.status_code == 200, spam.text

    published.clear()
    async with unit_of_work(app.state.sessionmaker) as session:
        deleted = await retention.delete_spam(
            session, marked_before=utcnow() + timedelta(days=1), limit=10
        )
    assert deleted == 1
    assert await count_rows(app, TimeEntry) == 0
    assert await count_rows(app, RunningTimer) == 0
    assert (await agent.client.get("/api/v1/me/timer")).json() == {"timer": None}
    # The agent's tabs hear that the timer stopped: none keeps ticking for a deleted ticket.
    told = [m for m in published.messages if m.envelope.type == "timer.changed"]
    assert [(m.topics, m.envelope.data["timer"]) for m in told] == [([f"agent:{agent.id}"], None)]
