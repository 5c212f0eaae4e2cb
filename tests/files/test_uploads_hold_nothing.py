"""An upload in progress holds no database connection: its bytes arrive at the sender's pace (a
phone on a slow network), and an image waits its turn to be decoded (files/thumbnails.py, one at a
time). On SQLite a transaction holds the process's one connection, so an upload that kept its
transaction open stopped every other request of the desk until it was done."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image

from frontdesk.files import thumbnails
from tests.conftest import Desk
from tests.mail.support import answered_ticket
from tests.unit.support import online

# A guard, not a measure: how long the desk's request may take while the upload waits for it.
GUARD = 10.0


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, format="PNG")
    return out.getvalue()


class Held:
    """An upload stopped at a point of the test's choosing until the desk's request has been
    answered: if the upload held the database, that request could not be answered, and the
    test fails on the guard instead of waiting on a clock."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()  # the upload is stopped where the test wants it
        self.answered = threading.Event()  # the desk's request has been answered

    async def slowly(self, content: bytes) -> AsyncIterator[bytes]:
        """Half the bytes, then the rest only once the desk's request has been answered, as a
        slow network sends them: the server is reading the body meanwhile."""
        half = len(content) // 2
        yield content[:half]
        self.reached.set()
        await asyncio.to_thread(self.answered.wait, GUARD * 2)
        yield content[half:]


async def while_uploading(held: Held, upload: Any, other: Any) -> None:
    """`other` (a request) is answered while `upload` (another) is stopped where `held` says."""
    task = asyncio.create_task(upload)
    try:
        async with asyncio.timeout(GUARD):
            await held.reached.wait()
            answer: httpx.Response = await other
    finally:
        held.answered.set()
    assert answer.status_code == 200, answer.text
    uploaded: httpx.Response = await task
    assert uploaded.status_code == 201, uploaded.text


async def test_a_slow_upload_to_a_ticket_lets_the_desk_work_meanwhile(desk: Desk) -> None:
    ada, _inbox, ticket, _sent = await answered_ticket(desk)
    held = Held()
    upload = ada.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "notes.txt"},
        content=held.slowly(b"the notes " * 1000),
    )
    await while_uploading(held, upload, ada.client.get(f"/api/v1/tickets/{ticket['id']}"))


async def test_a_slow_upload_in_a_chat_and_its_decoding_let_the_desk_work_meanwhile(
    desk: Desk, visitors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Here is my screenshot")
    assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200

    def upload(content: Any, client_id: str) -> Any:
        return visitor.client.post(
            "/messenger/v1/uploads",
            params={"chat_id": chat["id"], "client_id": client_id, "filename": "screen.png"},
            content=content,
            headers={"Content-Type": "image/png"},
        )

    held = Held()
    await while_uploading(
        held, upload(held.slowly(png()), "slow-body"), ada.client.get(f"/api/v1/chats/{chat['id']}")
    )

    decoding = Held()
    decode = thumbnails.make_thumbnail
    loop = asyncio.get_running_loop()

    def slow_decode(content: bytes) -> tuple[int, int, bytes]:
        # As a huge canvas, or the uploads before it in the queue: the decode goes on only once
        # the desk's request has been answered.
        loop.call_soon_threadsafe(decoding.reached.set)
        decoding.answered.wait(GUARD * 2)
        return decode(content)

    monkeypatch.setattr(thumbnails, "make_thumbnail", slow_decode)
    await while_uploading(
        decoding, upload(png(), "slow-decode"), ada.client.get(f"/api/v1/chats/{chat['id']}")
    )
