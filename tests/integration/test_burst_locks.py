"""A burst of chats in one inbox, on PostgreSQL: no chat start, join or sweep makes the others
wait for its whole transaction. Each test holds one transaction open after its work, as a busy
process leaves it while it finishes (offers, notifications, hooks), and the other request must
still be answered. Locks taken too early made the burst queue up one transaction at a time:
the metric moments' roll-up rows, shared by every chat of an inbox in a quarter hour or a day,
and the unanswered-chats sweep, which locked the whole queue (docs/performance.md, "Bursts of
chats in one inbox")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.chats import service
from frontdesk.chats.models import Chat
from frontdesk.chats.models import Visitor as VisitorRow
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.metrics.models import MetricMoment, MomentKind
from frontdesk.users.models import User
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.unit.support import count_rows, online

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]

# Long enough for a request that does not wait; one that waits for the open transaction never
# finishes within it.
ANSWERED_WITHIN = 5.0


async def answered(request: Any) -> Any:
    return await asyncio.wait_for(request, ANSWERED_WITHIN)


async def test_a_chat_starts_while_another_chat_of_the_inbox_is_starting(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    first, second = await visitors(inbox), await visitors(inbox)
    async with app.state.sessionmaker() as starting:
        await service.start_chat(
            starting,
            visitor=await starting.get_one(VisitorRow, first.id),
            inbox=await inboxes_service.get_inbox_by_id(starting, inbox_id=inbox["id"]),
            name="First",
            email=None,
            text="Hello",
            client_msg_id=None,
            page_url=None,
            page_title=None,
        )
        response = await answered(
            second.client.post("/messenger/v1/chats", json={"name": "Second", "text": "Hi"})
        )
        assert response.status_code == 201, response.text
        await starting.commit()
    waiting = (await ada.client.get("/api/v1/chats", params={"state": "waiting"})).json()
    assert sorted(chat["visitor_name"] for chat in waiting) == ["First", "Second"]
    # Each start's moment was written, with its commit.
    created = MetricMoment.kind == MomentKind.created
    assert await count_rows(app, MetricMoment, created, MetricMoment.inbox_id == inbox["id"]) == 2


async def test_an_agent_joins_while_another_joins_a_chat_of_the_inbox(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    await online(ada)
    await online(bob)
    one = (await (await visitors(inbox)).start_chat())["id"]
    two = (await (await visitors(inbox)).start_chat())["id"]
    async with app.state.sessionmaker() as joining:
        await service.join_chat(
            joining,
            chat=await joining.get_one(Chat, one),
            agent=await joining.get_one(User, ada.id),
        )
        response = await answered(bob.client.post(f"/api/v1/chats/{two}/join"))
        assert response.status_code == 200, response.text
        await joining.commit()
    states = [(await ada.client.get(f"/api/v1/chats/{c}")).json()["state"] for c in (one, two)]
    assert states == ["active", "active"]


async def test_an_agent_joins_a_waiting_chat_while_the_sweep_reads_the_queue(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    chat_ids = [(await (await visitors(inbox)).start_chat())["id"] for _ in range(3)]
    async with app.state.sessionmaker() as sweep:
        # Nothing is due (the visitors have an hour to come back): the sweep ends none, and its
        # transaction stays open.
        assert await service.end_unanswered_chats(sweep, now=utcnow(), visitor_grace=3600) == 0
        response = await answered(ada.client.post(f"/api/v1/chats/{chat_ids[1]}/join"))
        assert response.status_code == 200, response.text
        await sweep.rollback()
