"""The conversation clock across a merge, a split and their undo (docs/reports.md, "Merges and
splits"): who waits for an answer and since when, as the SLA targets and the response moments
of the reports say it. Through HTTP, customers writing by email, on a frozen clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from frontdesk.config import Settings
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail
from tests.unit.sla.support import customer_writes, ok, policy, ticket
from tests.unit.sla.test_sla_api import _bare, instant, utc

pytestmark = SQLITE_ONLY

PARIS = "paris@shop.test"
DAY = {"since": "2026-06-01", "until": "2026-06-01", "time_zone": "UTC"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def reply(agent: Agent, ticket_id: int, text: str = "Here you are") -> dict[str, Any]:
    return dict(
        await ok(
            await agent.client.post(f"/api/v1/tickets/{ticket_id}/replies", json={"text": text})
        )
    )


async def customer_answers(agent: Agent, sent: dict[str, Any], text: str) -> int:
    mail = reply_mail(to=PARIS, text=text, in_reply_to=sent["message_id"])
    return int((await ok(await post_mime(_bare(agent.client), mail, to=[PARIS])))["ticket_id"])


async def targets(agent: Agent, ticket_id: int) -> list[tuple[str, datetime | None]]:
    shown = await ticket(agent, ticket_id)
    return [(t["target"], instant(t["due_at"])) for t in (shown["sla"] or {}).get("targets", [])]


async def times(agent: Agent, figure: str) -> dict[str, Any]:
    rows = await ok(await agent.client.get("/api/v1/reports/times", params=DAY))
    return dict(next(row for row in rows if row["figure"] == figure))


async def say(client: Any, chat_id: int, text: str) -> None:
    await ok(await client.post(f"/api/v1/chats/{chat_id}/messages", json={"text": text}))


async def visitor_says(visitor: Any, chat_id: int, text: str) -> None:
    await ok(
        await visitor.client.post(f"/messenger/v1/chats/{chat_id}/messages", json={"text": text})
    )


async def entry_id(agent: Agent, ticket_id: int, text: str) -> int:
    entries = (await ticket(agent, ticket_id))["entries"]
    return int(next(e["id"] for e in entries if text in e["text"]))


async def desk_with_policy(desk: Desk) -> Agent:
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await policy(admin, business_hours=False, first_response_minutes=60, next_response_minutes=30)
    return admin


async def test_a_customer_waiting_on_the_merged_ticket_waits_on_the_kept_one(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B's customer wrote at 10:20 and waits; A's was answered at 10:10. Merged, A waits since
    10:20: its next response is due 10:50, and the answer at 10:40 is a 20-minute response."""
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    admin = await desk_with_policy(desk)
    kept = await customer_writes(admin, PARIS, subject="Order")
    clock.set(utc(2026, 6, 1, 10, 10))
    await reply(admin, kept)
    clock.set(utc(2026, 6, 1, 10, 20))
    merged = await customer_writes(admin, PARIS, subject="Another question")
    assert await targets(admin, kept) == []

    clock.set(utc(2026, 6, 1, 10, 25))
    await ok(
        await admin.client.post(f"/api/v1/tickets/{merged}/merge", json={"into_ticket_id": kept})
    )
    assert await targets(admin, kept) == [("next_response", utc(2026, 6, 1, 10, 50))]
    assert instant((await ticket(admin, kept))["sla_due_at"]) == utc(2026, 6, 1, 10, 50)

    clock.set(utc(2026, 6, 1, 10, 40))
    await reply(admin, kept, "Both answered")
    assert await targets(admin, kept) == []
    # Two responses: A's first (10 minutes) and B's customer's on A (20 minutes, since 10:20).
    response = await times(admin, "response")
    assert (response["count"], response["p90_seconds"]) == (2, 1200.0)


async def test_undoing_a_merge_takes_back_the_waiting_it_brought(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    admin = await desk_with_policy(desk)
    kept = await customer_writes(admin, PARIS, subject="Order")
    clock.set(utc(2026, 6, 1, 10, 10))
    sent = await reply(admin, kept)
    clock.set(utc(2026, 6, 1, 10, 20))
    merged = await customer_writes(admin, PARIS, subject="Another question")
    clock.set(utc(2026, 6, 1, 10, 25))
    move = await ok(
        await admin.client.post(f"/api/v1/tickets/{merged}/merge", json={"into_ticket_id": kept})
    )
    assert await targets(admin, kept) == [("next_response", utc(2026, 6, 1, 10, 50))]

    # Undone with nobody answered: B's customer waits on B again, and A for nobody.
    clock.set(utc(2026, 6, 1, 10, 30))
    await ok(await admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"))
    assert await targets(admin, kept) == []
    assert await targets(admin, merged) == [("first_response", utc(2026, 6, 1, 11, 20))]

    # Merged again; A's own customer writes meanwhile (10:35), then the undo: A waits since
    # then, not since B's message that went back.
    move = await ok(
        await admin.client.post(f"/api/v1/tickets/{merged}/merge", json={"into_ticket_id": kept})
    )
    clock.set(utc(2026, 6, 1, 10, 35))
    assert await customer_answers(admin, sent, "And the invoice?") == kept
    assert await targets(admin, kept) == [("next_response", utc(2026, 6, 1, 10, 50))]
    clock.set(utc(2026, 6, 1, 10, 40))
    await ok(await admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo"))
    assert await targets(admin, kept) == [("next_response", utc(2026, 6, 1, 11, 5))]


async def test_a_closed_tickets_unanswered_message_does_not_wait_on_the_kept_one(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing a ticket settles what was left unanswered on it: merged, it makes nobody wait."""
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    admin = await desk_with_policy(desk)
    kept = await customer_writes(admin, PARIS, subject="Order")
    clock.set(utc(2026, 6, 1, 10, 10))
    await reply(admin, kept)
    merged = await customer_writes(admin, PARIS, subject="Thanks!")
    await ok(await admin.client.patch(f"/api/v1/tickets/{merged}", json={"state": "closed"}))
    await ok(
        await admin.client.post(f"/api/v1/tickets/{merged}/merge", json={"into_ticket_id": kept})
    )
    assert await targets(admin, kept) == []


async def test_a_split_of_answered_messages_has_no_response_pending(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    admin = await desk_with_policy(desk)
    original = await customer_writes(admin, PARIS)
    clock.set(utc(2026, 6, 1, 10, 10))
    sent = await reply(admin, original)
    clock.set(utc(2026, 6, 1, 10, 20))
    await customer_answers(admin, sent, "Second question")
    clock.set(utc(2026, 6, 1, 10, 30))
    await reply(admin, original, "Second answer")
    question = await entry_id(admin, original, "Second question")

    clock.set(utc(2026, 6, 1, 11))
    split = await ok(
        await admin.client.post(
            f"/api/v1/tickets/{original}/entries/{question}/split", json={"with_later": True}
        )
    )
    new = split["target_ticket_id"]
    assert await targets(admin, new) == []
    assert await targets(admin, original) == []
    # An agent's follow-up there answers nobody: no response, no first response.
    await reply(admin, new, "Anything else?")
    assert (await times(admin, "first_response"))["count"] == 1
    assert (await times(admin, "response"))["count"] == 2


async def test_a_split_waiting_message_waits_from_when_it_was_written_and_undo_gives_it_back(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer's 10:20 message waits (next response due 10:50). Split out at 10:40, the new
    ticket's first response runs from 10:20 (due 11:20) and the original waits for nothing; the
    undo gives the original its waiting back."""
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    admin = await desk_with_policy(desk)
    original = await customer_writes(admin, PARIS)
    clock.set(utc(2026, 6, 1, 10, 10))
    sent = await reply(admin, original)
    clock.set(utc(2026, 6, 1, 10, 20))
    await customer_answers(admin, sent, "Something else entirely")
    assert await targets(admin, original) == [("next_response", utc(2026, 6, 1, 10, 50))]
    question = await entry_id(admin, original, "Something else entirely")

    clock.set(utc(2026, 6, 1, 10, 40))
    split = await ok(
        await admin.client.post(f"/api/v1/tickets/{original}/entries/{question}/split", json={})
    )
    new = split["target_ticket_id"]
    assert await targets(admin, new) == [("first_response", utc(2026, 6, 1, 11, 20))]
    assert await targets(admin, original) == []

    clock.set(utc(2026, 6, 1, 10, 45))
    await ok(await admin.client.post(f"/api/v1/tickets/moves/{split['id']}/undo"))
    assert await targets(admin, original) == [("next_response", utc(2026, 6, 1, 10, 50))]

    # Split again and answered at 11:00: a first response of 40 minutes, from 10:20.
    split = await ok(
        await admin.client.post(f"/api/v1/tickets/{original}/entries/{question}/split", json={})
    )
    clock.set(utc(2026, 6, 1, 11))
    await reply(admin, split["target_ticket_id"], "About that")
    first = await times(admin, "first_response")
    assert (first["count"], first["p90_seconds"]) == (2, 2400.0)


async def test_a_chat_transcript_split_out_is_a_conversation_that_waits_where_the_chat_left_it(
    desk: Desk, visitors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answered at 10:02, the visitor asked again at 10:03 and the chat ended. Its transcript
    split out of the chat's ticket makes a conversation of its own (counted), whose next
    response is due 30 minutes after 10:03."""
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10))
    admin = await desk_with_policy(desk)
    inbox = (await ok(await admin.client.get("/api/v1/inboxes")))[0]
    await ok(await admin.client.put("/api/v1/me/availability", json={"available": True}))
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("My invoice is wrong")
    clock.set(utc(2026, 6, 1, 10, 1))
    await ok(await admin.client.post(f"/api/v1/chats/{chat['id']}/join"))
    clock.set(utc(2026, 6, 1, 10, 2))
    await say(admin.client, chat["id"], "Fixed it")
    clock.set(utc(2026, 6, 1, 10, 3))
    await visitor_says(visitor, chat["id"], "And my parcel?")
    clock.set(utc(2026, 6, 1, 10, 5))
    ended = await ok(await admin.client.post(f"/api/v1/chats/{chat['id']}/end"))
    chat_ticket = ended["ticket_id"]
    await ok(
        await admin.client.post(f"/api/v1/tickets/{chat_ticket}/notes", json={"text": "Asked"})
    )
    transcript = next(
        e["id"] for e in (await ticket(admin, chat_ticket))["entries"] if e["kind"] == "transcript"
    )

    clock.set(utc(2026, 6, 1, 10, 20))
    split = await ok(
        await admin.client.post(
            f"/api/v1/tickets/{chat_ticket}/entries/{transcript}/split", json={}
        )
    )
    assert await targets(admin, split["target_ticket_id"]) == [
        ("next_response", utc(2026, 6, 1, 10, 33))
    ]
    volume = await ok(await admin.client.get("/api/v1/reports/volume", params=DAY))
    assert sum(row["conversations"] for row in volume) == 2
