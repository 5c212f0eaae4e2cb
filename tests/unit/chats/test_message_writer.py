"""Messages written in batches (chats/writer.py, service.post_messages): each message keeps its
own outcome, a refusal writes nothing, and a batch that fails as a whole loses no message."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats import service
from frontdesk.chats.errors import ChatEnded, ChatNotFound, MessageTooLong, NotParticipant
from frontdesk.chats.models import ChatEvent
from frontdesk.chats.service import NewMessage, PostedMessage
from frontdesk.chats.writer import MessageWriter
from frontdesk.db.session import unit_of_work
from frontdesk.errors import Unauthorized
from tests.conftest import Desk
from tests.unit.support import online


async def messages_of(app: FastAPI, chat_id: int) -> list[tuple[int, str]]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(ChatEvent.seq, ChatEvent.text)
            .where(ChatEvent.chat_id == chat_id, ChatEvent.type == "chat.message_added")
            .order_by(ChatEvent.seq)
        )
        return [(seq, text) for seq, text in rows]


async def two_chats(desk: Desk, visitors: Any) -> dict[str, Any]:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    await online(ada)
    await online(grace)
    mine, theirs = await visitors(inbox), await visitors(inbox)
    chat = (await mine.start_chat("hi"))["id"]
    ended = (await theirs.start_chat("bye"))["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    assert (await grace.client.post(f"/api/v1/chats/{ended}/join")).status_code == 200
    assert (await grace.client.post(f"/api/v1/chats/{ended}/end")).status_code == 200
    return {"ada": ada, "grace": grace, "mine": mine, "theirs": theirs, "chat": chat,
            "ended": ended}  # fmt: skip


async def test_one_batch_gives_every_message_its_own_outcome(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    s = await two_chats(desk, visitors)
    chat, ended = s["chat"], s["ended"]
    before = await messages_of(app, chat)
    base = (await s["ada"].client.get(f"/api/v1/chats/{chat}")).json()["last_seq"]
    ada, grace, mine = s["ada"].id, s["grace"].id, s["mine"].id
    batch = [
        NewMessage(chat, "first", "v-1", visitor_id=mine),
        NewMessage(chat, "x" * 100_000, "v-2", visitor_id=mine),  # too long
        NewMessage(chat, "from Ada", "a-1", user_id=ada),
        NewMessage(chat, "not in this chat", "g-1", user_id=grace),
        NewMessage(ended, "too late", "v-3", visitor_id=s["theirs"].id),
        NewMessage(ended, "not mine", "v-4", visitor_id=mine),
        NewMessage(chat, "first", "v-1", visitor_id=mine),  # a retry within the batch
        NewMessage(chat, "second", "v-5", visitor_id=mine),
    ]
    async with unit_of_work(app.state.sessionmaker) as session:
        outcomes = await service.post_messages(session, batch)

    kinds = [type(o) for o in outcomes]
    assert kinds == [PostedMessage, MessageTooLong, PostedMessage, NotParticipant, ChatEnded,
                     ChatNotFound, PostedMessage, PostedMessage]  # fmt: skip
    first, by_ada, retry, second = (o for o in outcomes if isinstance(o, PostedMessage))
    assert [(p.seq, p.duplicate) for p in (first, by_ada, second)] == [
        (base + 1, False), (base + 2, False), (base + 3, False)
    ]  # fmt: skip
    assert retry == PostedMessage(first.id, first.seq, duplicate=True)
    assert await messages_of(app, chat) == [
        *before, (base + 1, "first"), (base + 2, "from Ada"), (base + 3, "second")
    ]  # fmt: skip

    # Sent again later, the stored messages are answered from the database, still once each.
    async with unit_of_work(app.state.sessionmaker) as session:
        again = await service.post_messages(session, batch[:3])
    assert again[0] == PostedMessage(first.id, first.seq, duplicate=True)
    assert again[2] == PostedMessage(by_ada.id, by_ada.seq, duplicate=True)
    assert isinstance(again[1], MessageTooLong)
    chat_row = (await s["ada"].client.get(f"/api/v1/chats/{chat}")).json()
    assert chat_row["last_seq"] == base + 3
    assert chat_row["last_message_text"] == "second"


async def test_a_client_id_names_a_message_of_its_own_chat_only(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    """Retries are found by (chat, client id) pairs: the same client id in two chats is two
    messages, and a batch retrying one of them and adding the other's twin stores only the
    twin."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    first, second = await visitors(inbox), await visitors(inbox)
    chats = [(await v.start_chat("hi"))["id"] for v in (first, second)]
    for chat in chats:
        assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    async with unit_of_work(app.state.sessionmaker) as session:
        [stored] = await service.post_messages(
            session, [NewMessage(chats[0], "one", "same-id", visitor_id=first.id)]
        )
    assert isinstance(stored, PostedMessage)

    async with unit_of_work(app.state.sessionmaker) as session:
        outcomes = await service.post_messages(
            session,
            [
                NewMessage(chats[1], "two", "same-id", visitor_id=second.id),
                NewMessage(chats[0], "one", "same-id", visitor_id=first.id),
                NewMessage(chats[1], "from Ada", "other-id", user_id=ada.id),
                NewMessage(chats[0], "from Ada", "same-id", user_id=ada.id),
            ],
        )

    twin, retry, from_ada, reused = outcomes
    assert retry == PostedMessage(stored.id, stored.seq, duplicate=True)
    assert reused == retry  # a client id already stored in its chat, whoever sends it again
    assert isinstance(twin, PostedMessage)
    assert isinstance(from_ada, PostedMessage)
    assert (twin.duplicate, from_ada.duplicate) == (False, False)
    assert [text for _, text in await messages_of(app, chats[0])] == ["hi", "one"]
    assert [text for _, text in await messages_of(app, chats[1])] == ["hi", "two", "from Ada"]


async def test_a_deactivated_agent_can_no_longer_write(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    s = await two_chats(desk, visitors)
    owner = await desk.agent(role="owner")
    response = await owner.client.patch(f"/api/v1/users/{s['ada'].id}", json={"is_active": False})
    assert response.status_code == 200, response.text
    async with unit_of_work(app.state.sessionmaker) as session:
        [outcome] = await service.post_messages(
            session, [NewMessage(s["chat"], "still here?", "a-9", user_id=s["ada"].id)]
        )
    assert isinstance(outcome, Unauthorized)


class FailingOnceBatches(MessageWriter):
    """A writer whose shared transactions fail whenever they hold more than one message, as a
    lost connection or a deadlock would; what it must then do is write each message alone."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessionmaker)
        self._sessionmaker = sessionmaker
        self.batches: list[int] = []

    async def store(self, items: list[NewMessage]) -> Sequence[PostedMessage | Exception]:
        self.batches.append(len(items))
        if len(items) > 1:
            async with unit_of_work(self._sessionmaker) as session:
                await service.post_messages(session, items)
                raise ConnectionResetError("the database went away mid-batch")
        return await super().store(items)


async def test_a_batch_that_fails_as_a_whole_is_written_message_by_message(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    s = await two_chats(desk, visitors)
    chat, mine = s["chat"], s["mine"].id
    before = await messages_of(app, chat)
    writer = FailingOnceBatches(app.state.sessionmaker)
    sends = [writer.post(NewMessage(chat, f"m{n}", f"m-{n}", visitor_id=mine)) for n in range(5)]
    sends.append(writer.post(NewMessage(s["ended"], "late", "late-1", visitor_id=s["theirs"].id)))
    results = await asyncio.gather(*sends, return_exceptions=True)
    assert writer.batches[0] == 6  # they did arrive together
    assert all(isinstance(r, PostedMessage) and not r.duplicate for r in results[:5])
    assert isinstance(results[5], ChatEnded)
    after = await messages_of(app, chat)
    assert [text for _, text in after[len(before) :]] == [f"m{n}" for n in range(5)]
    assert [seq for seq, _ in after] == sorted({seq for seq, _ in after})
    await writer.stop()


async def test_stopping_finishes_the_batch_under_way_and_refuses_the_rest(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    s = await two_chats(desk, visitors)
    writer = MessageWriter(app.state.sessionmaker)
    waiting = asyncio.ensure_future(
        writer.post(NewMessage(s["chat"], "just in time", "t-1", visitor_id=s["mine"].id))
    )
    await asyncio.sleep(0)  # queued, its batch not yet written
    await writer.stop()
    assert isinstance(await waiting, PostedMessage)  # what was taken in is answered
    with pytest.raises(RuntimeError, match="shutting down"):
        await writer.post(NewMessage(s["chat"], "too late", "t-2", visitor_id=s["mine"].id))
    assert [text for _, text in await messages_of(app, s["chat"])][-1] == "just in time"


async def test_stored_messages_count_once_after_many_concurrent_writers(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    """Many senders at once through one writer: every message once, sequence unbroken."""
    s = await two_chats(desk, visitors)
    chat, mine, ada = s["chat"], s["mine"].id, s["ada"].id
    writer = MessageWriter(app.state.sessionmaker, max_batch=7)

    def message(n: int) -> NewMessage:
        # 80 sends of 40 client ids: each id sent twice, by the same side.
        if n % 2:
            return NewMessage(chat, f"n{n % 40}", f"n-{n % 40}", user_id=ada)
        return NewMessage(chat, f"n{n % 40}", f"n-{n % 40}", visitor_id=mine)

    sends = [writer.post(message(n)) for n in range(80)]
    results = await asyncio.gather(*sends)
    assert sum(not r.duplicate for r in results) == 40
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(
            select(func.count()).where(
                ChatEvent.chat_id == chat, ChatEvent.client_msg_id.like("n-%")
            )
        )
    assert stored == 40
    seqs = [seq for seq, _ in await messages_of(app, chat)][1:]  # after the first message, "hi"
    assert seqs == list(range(seqs[0], seqs[0] + 40))
    await writer.stop()


async def test_storing_leaves_nothing_for_the_cycle_collector(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    """A session made for each batch was cyclic garbage once closed, 45 objects that only the
    cycle collector frees: at 2,000 messages a second its collections stopped the event loop
    every half second, every message in flight waiting (docs/performance.md). Batches leave none
    now."""
    s = await two_chats(desk, visitors)
    chat, mine, ada = s["chat"], s["mine"].id, s["ada"].id
    writer = MessageWriter(app.state.sessionmaker)
    await writer.post(NewMessage(chat, "warm", "w-0", visitor_id=mine))
    batches = 20
    gc.collect()
    gc.disable()
    try:
        for n in range(batches):
            sends = [
                writer.post(NewMessage(chat, f"v{n}", f"v-{n}", visitor_id=mine)),
                writer.post(NewMessage(chat, f"a{n}", f"a-{n}", user_id=ada)),
            ]
            assert all(isinstance(r, PostedMessage) for r in await asyncio.gather(*sends))
        garbage = gc.collect()
    finally:
        gc.enable()
    assert garbage < batches, f"{garbage} objects in cycles after {batches} batches"
    await writer.stop()
