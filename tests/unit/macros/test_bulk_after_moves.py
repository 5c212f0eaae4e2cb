"""A bulk reply from the list over a thread that gained messages by being moved, over HTTP on
both stores: a ticket merged into the one chosen, or a split undone, brings its messages with
the ids they had, older than what the list showed; the move's timeline line counts as new
(tickets/staleness.py), in the check and in the list's `last_public_entry_id`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.config import Settings
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import INBOUND_TOKEN
from tests.unit.macros.test_macro_replies import CUSTOMER, _customer_writes, _detail, _team
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

REPLY = {"type": "reply", "text": "Hi, we are on it."}
STATES = ["open", "hold", "closed", "snoozed"]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def _seen(agent: Any, inbox: dict[str, Any], ticket_id: int) -> dict[str, int]:
    """What the desk's bulk bar sends for a ticket chosen on the list now."""
    response = await agent.client.get(
        "/api/v1/tickets", params={"inbox_id": inbox["id"], "state": STATES}
    )
    assert response.status_code == 200, response.text
    row = next(item for item in response.json()["items"] if item["id"] == ticket_id)
    return {str(ticket_id): row["last_public_entry_id"] or 0}


async def _bulk_reply(agent: Any, ticket_id: int, seen: dict[str, int]) -> dict[str, Any]:
    response = await agent.client.post(
        "/api/v1/tickets/bulk",
        json={"ticket_ids": [ticket_id], "actions": [REPLY], "seen_entry_ids": seen},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@BOTH_STORES
async def test_a_ticket_merged_into_the_chosen_one_makes_it_stale(
    desk: Desk, http: httpx.AsyncClient
) -> None:
    ada, _, inbox, _ = await _team(desk)
    older = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Older")
    kept = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Kept")
    await ada.client.post(f"/api/v1/tickets/{older['id']}/replies", json={"text": "first"})
    wrote = await _customer_writes(ada, http, older["id"])
    sent = await ada.client.post(f"/api/v1/tickets/{kept['id']}/replies", json={"text": "hello"})
    assert sent.status_code == 201, sent.text
    seen = await _seen(ada, inbox, kept["id"])
    assert wrote < seen[str(kept["id"])]
    merged = await ada.client.post(
        f"/api/v1/tickets/{older['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert merged.status_code in (200, 201), merged.text
    assert wrote in [e["id"] for e in (await _detail(ada, kept["id"]))["entries"]]

    stale = await _bulk_reply(ada, kept["id"], seen)
    assert (stale["done"], stale["stale"]) == (0, 1), stale
    # On one ticket, the reply box's check says why: no new message, the thread changed.
    refused = await ada.client.post(
        f"/api/v1/tickets/{kept['id']}/replies",
        json={"text": "over it", "seen_entry_id": seen[str(kept["id"])]},
    )
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "stale_thread", error
    assert error["message"].startswith("The thread changed"), error
    assert [e["kind"] for e in error["new_entries"]] == ["event"], error
    # Chosen again on the list read after the merge, it goes out (the line is not flagged for ever).
    done = await _bulk_reply(ada, kept["id"], await _seen(ada, inbox, kept["id"]))
    assert (done["done"], done["stale"]) == (1, 0), done


async def test_an_undone_split_makes_the_ticket_stale(desk: Desk, http: httpx.AsyncClient) -> None:
    ada, _, inbox, _ = await _team(desk)
    ticket = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Split")
    await ada.client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "first"})
    wrote = await _customer_writes(ada, http, ticket["id"])
    split = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/entries/{wrote}/split", json={"with_later": True}
    )
    assert split.status_code == 201, split.text
    sent = await ada.client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "more"})
    assert sent.status_code == 201, sent.text
    seen = await _seen(ada, inbox, ticket["id"])
    assert wrote < seen[str(ticket["id"])]
    undone = await ada.client.post(f"/api/v1/tickets/moves/{split.json()['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert wrote in [e["id"] for e in (await _detail(ada, ticket["id"]))["entries"]]

    stale = await _bulk_reply(ada, ticket["id"], seen)
    assert (stale["done"], stale["stale"]) == (0, 1), stale
