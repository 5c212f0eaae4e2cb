"""Collision detection over real desk sockets: who views a ticket and who writes on it, heard live
by the agents who may see it and nobody else; gone when the tab closes or its process dies."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.chats import service as chats_service
from frontdesk.chats.models import Connection
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.tickets.models import TicketViewer
from tests.conftest import Desk, Published
from tests.realtime import Socket, desk_socket
from tests.unit.support import count_rows, new_ticket, use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def names(frame: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(v["user"]["name"], v["composing"]) for v in frame["data"]["viewers"]]


async def viewers_event(
    sock: Socket, ticket_id: int, expected: list[tuple[str, str | None]]
) -> None:
    """The next `ticket.viewers` of the ticket says `expected` (earlier ones are used up, so a
    list seen before does not count again)."""
    seen = getattr(sock, "viewers_seen", 0)

    def latest(frame: dict[str, Any]) -> bool:
        return (
            frame.get("type") == "ticket.viewers"
            and frame["data"]["ticket_id"] == ticket_id
            and names(frame) == expected
            and sock.frames.index(frame) >= seen
        )

    frame = await sock.wait_for(latest)
    sock.viewers_seen = sock.frames.index(frame) + 1  # type: ignore[attr-defined]


async def presence(sock: Socket, ticket_id: int, **fields: Any) -> dict[str, Any]:
    reply = await sock.request({"type": "ticket_presence", "ticket_id": ticket_id, **fields})
    return reply


async def test_viewing_and_writing_are_heard_live_and_end_with_the_tab(
    app: FastAPI, live: str, desk: Desk, published: Published
) -> None:
    ada = await desk.agent(name="Ada")
    bob = await desk.agent(name="Bob")
    inbox = await desk.inbox(members=[ada, bob])
    ticket = await new_ticket(ada.client, inbox)
    ada_ws = await desk_socket(live, ada)
    bob_ws = await desk_socket(live, bob)

    ack = await presence(ada_ws, ticket["id"], viewing=True)
    assert ack["type"] == "ack"
    assert names(ack) == [("Ada", None)]
    await viewers_event(bob_ws, ticket["id"], [("Ada", None)])
    # Telling the same again changes nothing: the list as it stands, under the same version.
    again = await presence(ada_ws, ticket["id"], viewing=True)
    assert (names(again), again["data"]["version"]) == (names(ack), ack["data"]["version"])

    first = ack["data"]["version"]
    ack = await presence(bob_ws, ticket["id"], viewing=True, composing="reply")
    assert names(ack) == [("Ada", None), ("Bob", "reply")]
    assert ack["data"]["version"] > first
    await viewers_event(ada_ws, ticket["id"], [("Ada", None), ("Bob", "reply")])

    await presence(bob_ws, ticket["id"], viewing=True, composing="note")
    await viewers_event(ada_ws, ticket["id"], [("Ada", None), ("Bob", "note")])
    await presence(bob_ws, ticket["id"], viewing=True)
    await viewers_event(ada_ws, ticket["id"], [("Ada", None), ("Bob", None)])

    # Bob's tab closes while he writes: Ada sees him gone, and no row is left behind.
    await presence(bob_ws, ticket["id"], viewing=True, composing="reply")
    await bob_ws.close()
    await viewers_event(ada_ws, ticket["id"], [("Ada", None)])
    assert await count_rows(app, TicketViewer, TicketViewer.user_id == bob.id) == 0

    # Leaving the page says so too.
    await presence(ada_ws, ticket["id"], viewing=False)
    assert await count_rows(app, TicketViewer) == 0
    await ada_ws.close()
    # Each held to the catalogue by the fixture; all to the ticket's inbox only.
    viewers = [m for m in published.summary() if m[0] == "ticket.viewers"]
    assert viewers
    assert {tuple(topics) for _name, topics, _keys in viewers} == {(f"inbox:{inbox['id']}",)}


async def test_the_highest_version_is_the_whole_list_however_changes_cross(
    app: FastAPI, live: str, desk: Desk
) -> None:
    """Agents open one ticket at the same moment. Their lists reach a desk in any order (an answer
    goes out after its commit, another agent's event may already be on its way), so the version
    is what a desk goes by: the list with the highest one has everybody in it."""
    agents = [await desk.agent(name=f"Agent {n}") for n in range(6)]
    inbox = await desk.inbox(members=agents)
    ticket = await new_ticket(agents[0].client, inbox)
    listener = await desk_socket(live, agents[0])
    sockets = [await desk_socket(live, agent) for agent in agents[1:]]
    acks = await asyncio.gather(
        *(presence(sock, ticket["id"], viewing=True, composing="reply") for sock in sockets)
    )
    everybody: list[tuple[str, str | None]] = [(f"Agent {n}", "reply") for n in range(1, 6)]
    await viewers_event(listener, ticket["id"], everybody)
    heard = [frame["data"] for frame in listener.of_type("ticket.viewers")]
    heard += [ack["data"] for ack in acks]
    versions = [data["version"] for data in heard]
    assert len(set(versions)) == len(sockets), "one version per change, told alike to all"
    newest = max(heard, key=lambda data: data["version"])
    assert [(v["user"]["name"], v["composing"]) for v in newest["viewers"]] == everybody
    for sock in (listener, *sockets):
        await sock.close()


async def test_one_item_per_agent_however_many_tabs(app: FastAPI, live: str, desk: Desk) -> None:
    ada = await desk.agent(name="Ada")
    bob = await desk.agent(name="Bob")
    inbox = await desk.inbox(members=[ada, bob])
    ticket = await new_ticket(ada.client, inbox)
    first, second = await desk_socket(live, ada), await desk_socket(live, ada)
    bob_ws = await desk_socket(live, bob)
    await presence(first, ticket["id"], viewing=True)
    await presence(second, ticket["id"], viewing=True, composing="reply")
    await viewers_event(bob_ws, ticket["id"], [("Ada", "reply")])
    await second.close()
    await viewers_event(bob_ws, ticket["id"], [("Ada", None)])
    for sock in (first, bob_ws):
        await sock.close()


async def test_only_agents_who_may_see_the_ticket_hear_or_tell(
    app: FastAPI, live: str, desk: Desk
) -> None:
    ada = await desk.agent(name="Ada")
    eve = await desk.agent(name="Eve")
    inbox = await desk.inbox(members=[ada])
    await desk.inbox(name="Other", members=[eve])
    ticket = await new_ticket(ada.client, inbox)
    ada_ws = await desk_socket(live, ada)
    eve_ws = await desk_socket(live, eve)
    refused = await presence(eve_ws, ticket["id"], viewing=True)
    assert refused["type"] == "error"
    assert refused["error"]["code"] == "not_found"
    await presence(ada_ws, ticket["id"], viewing=True, composing="reply")
    # A later event Eve does hear proves the earlier one had time to reach her.
    await desk.add_member(await desk.inbox(name="Third"), eve)
    await eve_ws.event("inbox.membership_changed")
    assert not eve_ws.of_type("ticket.viewers")
    assert await count_rows(app, TicketViewer) == 1
    for sock in (ada_ws, eve_ws):
        await sock.close()


async def test_a_dead_process_leaves_no_ghost(app: FastAPI, live: str, desk: Desk) -> None:
    """Another process held Bob's desk and died: reaping its connection removes him as a viewer
    and tells the desks still open."""
    ada = await desk.agent(name="Ada")
    bob = await desk.agent(name="Bob")
    inbox = await desk.inbox(members=[ada, bob])
    ticket = await new_ticket(ada.client, inbox)
    ada_ws = await desk_socket(live, ada)
    async with unit_of_work(app.state.sessionmaker) as session:
        from frontdesk.tickets import service as tickets_service
        from frontdesk.users.models import User

        user = await session.get(User, bob.id)
        assert user is not None
        await chats_service.connection_opened(
            session, connection_id="dead-desk", process_id="dead", user=user
        )
        loaded = await tickets_service.get_ticket(session, user=user, ticket_id=ticket["id"])
        await tickets_service.set_presence(
            session,
            ticket=loaded,
            user=user,
            connection_id="dead-desk",
            viewing=True,
            composing="reply",
        )
    await viewers_event(ada_ws, ticket["id"], [("Bob", "reply")])
    async with unit_of_work(app.state.sessionmaker) as session:
        row = await session.get(Connection, "dead-desk")
        assert row is not None
        row.heartbeat_at = utcnow() - timedelta(minutes=10)
    async with unit_of_work(app.state.sessionmaker) as session:
        assert await chats_service.reap_stale_connections(session, now=utcnow(), max_age=60) == 1
    await viewers_event(ada_ws, ticket["id"], [])
    assert await count_rows(app, TicketViewer) == 0
    await ada_ws.close()
