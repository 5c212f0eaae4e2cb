"""Side conversations moved by a merge and its undo, heard over real desk sockets
(docs/desk.md, "Side conversations"): the merge and the undo each tell every ticket whose list
changed (`ticket.side_conversations_changed`, "moved", to that ticket's inbox), so a desk that
has the kept ticket, or the merged one after the undo, open reads them again without a reload.
A merge that moves none tells nothing of them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import BOTH_STORES, Agent, Desk
from tests.realtime import Socket, desk_socket, serve
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = BOTH_STORES

EVENT = "ticket.side_conversations_changed"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    """host:port of the app under test, served by uvicorn on loopback."""
    async with serve(app) as host:
        yield host


async def start(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.post(
        f"/api/v1/tickets/{ticket_id}/side-conversations",
        json={"to": ["orders@supplier.example.com"], "text": "Do you have it in blue?"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def moved(sock: Socket) -> list[tuple[int, int | None, str]]:
    return [
        (f["data"]["ticket_id"], f["data"]["side_conversation_id"], f["data"]["change"])
        for f in sock.of_type(EVENT)
        if f["data"]["change"] == "moved"
    ]


def updated(sock: Socket, ticket_id: int, *, since: int) -> Callable[[dict[str, Any]], bool]:
    """Matches the ticket's `ticket.updated` of a merge ("merged" on the merged ticket, "labels"
    on the kept one; an undo's, which may arrive after `since`, says neither) among the frames
    from `since` on."""

    def matches(frame: dict[str, Any]) -> bool:
        return (
            frame.get("type") == "ticket.updated"
            and frame["data"]["ticket"]["id"] == ticket_id
            and bool({"merged", "labels"} & set(frame["data"]["changes"]))
            and sock.frames.index(frame) >= since
        )

    return matches


async def test_the_desks_of_both_tickets_hear_a_merge_and_its_undo_move_them(
    live: str, desk: Desk
) -> None:
    kept_inbox, merged_inbox = await desk.inbox(), await desk.inbox()
    ada = await desk.agent(inboxes=[kept_inbox, merged_inbox], name="Ada")
    # Each follows one inbox only: each hears the ticket of hers.
    kim = await desk.agent(inboxes=[kept_inbox], name="Kim")
    mia = await desk.agent(inboxes=[merged_inbox], name="Mia")
    kept = await new_ticket(ada.client, kept_inbox, subject="Kept")
    merged = await new_ticket(ada.client, merged_inbox, subject="Merged")
    await start(ada, merged["id"])
    kim_ws, mia_ws = await desk_socket(live, kim), await desk_socket(live, mia)

    merge = await ada.client.post(
        f"/api/v1/tickets/{merged['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert merge.status_code == 201, merge.text
    heard = await kim_ws.event(EVENT, ticket_id=kept["id"], change="moved")
    assert heard["data"] == {
        "ticket_id": kept["id"],
        "inbox_id": kept_inbox["id"],
        "side_conversation_id": None,
        "change": "moved",
        "by": {"id": ada.id, "name": "Ada"},
    }
    await mia_ws.event(EVENT, ticket_id=merged["id"], change="moved")

    undone = await ada.client.post(f"/api/v1/tickets/moves/{merge.json()['id']}/undo")
    assert undone.status_code == 200, undone.text
    await mia_ws.wait_for(lambda f: f.get("type") == EVENT and len(moved(mia_ws)) == 2)
    await kim_ws.wait_for(lambda f: f.get("type") == EVENT and len(moved(kim_ws)) == 2)
    # One event a ticket each time, each to its own inbox only.
    assert moved(kim_ws) == [(kept["id"], None, "moved")] * 2
    assert moved(mia_ws) == [(merged["id"], None, "moved")] * 2

    # A merge that moves no side conversation says nothing of them: the merged ticket's
    # `ticket.updated` comes after what the merge would have said of them.
    again = await new_ticket(ada.client, merged_inbox, subject="Again")
    before = {id(sock): len(sock.frames) for sock in (kim_ws, mia_ws)}
    merge = await ada.client.post(
        f"/api/v1/tickets/{again['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert merge.status_code == 201, merge.text
    for sock, ticket in ((mia_ws, again), (kim_ws, kept)):
        await sock.wait_for(updated(sock, ticket["id"], since=before[id(sock)]))
        assert len(moved(sock)) == 2
    for sock in (kim_ws, mia_ws):
        await sock.close()
