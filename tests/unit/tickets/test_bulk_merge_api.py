"""The ticket list's Merge (POST /tickets/merges): several tickets into the one chosen, with the
rules of the ticket page's merge, all or none, and undone together (POST /tickets/moves/undo)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, new_ticket, use_cheap_passwords
from tests.unit.tickets.test_merge_split_api import get, messages, note, restorable

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def merge_many(agent: Agent, ids: list[int], into: int, **extra: Any) -> Any:
    return await agent.client.post(
        "/api/v1/tickets/merges", json={"ticket_ids": ids, "into_ticket_id": into, **extra}
    )


async def three(desk: Desk) -> tuple[Agent, dict[str, Any], list[dict[str, Any]]]:
    ada = await desk.agent(name="Ada")
    inbox = await desk.inbox(members=[ada])
    tickets = [await new_ticket(ada.client, inbox, subject=name) for name in ("A", "B", "C")]
    for ticket, text in zip(tickets, ("one", "two", "three"), strict=True):
        await note(ada, ticket["id"], text)
    return ada, inbox, tickets


async def test_several_tickets_merge_into_the_chosen_one_and_undo_together(desk: Desk) -> None:
    ada, _inbox, (a, b, c) = await three(desk)
    before = [restorable(await get(ada, ticket["id"])) for ticket in (a, b, c)]
    response = await merge_many(ada, [c["id"], a["id"], b["id"]], a["id"])
    assert response.status_code == 201, response.text
    moves = response.json()
    assert [(m["source_ticket_id"], m["target_ticket_id"]) for m in moves] == [
        (b["id"], a["id"]),
        (c["id"], a["id"]),
    ]
    kept = await get(ada, a["id"])
    assert messages(kept) == ["one", "two", "three"]
    for merged in (b, c):
        detail = await get(ada, merged["id"])
        assert (detail["merged_into_id"], detail["state"]) == (a["id"], "closed")

    undone = await ada.client.post(
        "/api/v1/tickets/moves/undo", json={"move_ids": [m["id"] for m in moves]}
    )
    assert undone.status_code == 200, undone.text
    # Exactly as before, but for the timeline lines that tell of the merge and its undo.
    after = [restorable(await get(ada, ticket["id"])) for ticket in (a, b, c)]
    for was, now in zip(before, after, strict=True):
        assert {k: v for k, v in now.items() if k != "events"} == {
            k: v for k, v in was.items() if k != "events"
        }
    error_of(
        await ada.client.post(
            "/api/v1/tickets/moves/undo", json={"move_ids": [m["id"] for m in moves]}
        ),
        409,
        "already_undone",
    )


async def test_the_ticket_pages_rules_hold_and_a_refusal_merges_nothing(desk: Desk) -> None:
    ada, inbox, (a, b, c) = await three(desk)
    other = await new_ticket(ada.client, inbox, subject="D", email="someone@example.net")
    # Another customer's ticket among them: asked first, and nothing merged meanwhile.
    error_of(
        await merge_many(ada, [a["id"], b["id"], other["id"]], a["id"]),
        409,
        "different_customers",
    )
    assert (await get(ada, b["id"]))["merged_into_id"] is None
    confirmed = await merge_many(ada, [a["id"], other["id"]], a["id"], other_customer=True)
    assert confirmed.status_code == 201, confirmed.text

    # The one that stays must be among them; one ticket is not a merge; a merged one is refused.
    error_of(await merge_many(ada, [b["id"], c["id"]], a["id"]), 422)
    error_of(await merge_many(ada, [b["id"], b["id"]], b["id"]), 422)
    error_of(await merge_many(ada, [b["id"], other["id"]], b["id"]), 409, "ticket_merged")

    # A ticket the agent may not see is a 404, and nothing is merged.
    outsider_inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    hidden = await new_ticket(admin.client, outsider_inbox, subject="Hidden")
    error_of(await merge_many(ada, [b["id"], c["id"], hidden["id"]], b["id"]), 404)
    assert (await get(ada, c["id"]))["merged_into_id"] is None
