"""An upload in progress holds no database connection: its bytes arrive at the sender's pace (a
phone on a slow network), and an image waits its turn to be decoded (files/thumbnails.py, one at a
time). On SQLite a transaction holds the process's one connection, so an upload that kept its
transaction open stopped every other request of the desk until it was done."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image

from frontdesk.files import thumbnails
from tests.conftest import Desk
from tests.mail.support import answered_ticket
from tests.unit.support import online

SLOW = 2.0


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, format="PNG")
    return out.getvalue()


async def slowly(content: bytes) -> AsyncIterator[bytes]:
    """The bytes over SLOW seconds, as a slow network sends them."""
    pieces = 10
    step = len(content) // pieces + 1
    for start in range(0, len(content), step):
        await asyncio.sleep(SLOW / pieces)
        yield content[start : start + step]


async def while_uploading(upload: Any, other: Any) -> float:
    """How long `other` (a request) takes while `upload` (another) is under way."""
    task = asyncio.create_task(upload)
    await asyncio.sleep(0.3)
    started = time.monotonic()
    answer: httpx.Response = await other
    took = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    uploaded: httpx.Response = await task
    assert uploaded.status_code == 201, uploaded.text
    return took


async def test_a_slow_upload_to_a_ticket_lets_the_desk_work_meanwhile(desk: Desk) -> None:
    ada, _inbox, ticket, _sent = await answered_ticket(desk)
    upload = ada.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "notes.txt"},
        content=slowly(b"the notes " * 1000),
    )
    took = await while_uploading(upload, ada.client.get(f"/api/v1/tickets/{ticket['id']}"))
    assert took < SLOW / 2


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

    took = await while_uploading(
        upload(slowly(png()), "slow-body"), ada.client.get(f"/api/v1/chats/{chat['id']}")
    )
    assert took < SLOW / 2

    decode = thumbnails.make_thumbnail

    def slow_decode(content: bytes) -> tuple[int, int, bytes]:
        time.sleep(SLOW)  # as a huge canvas, or the uploads before it in the queue
        return decode(content)

    monkeypatch.setattr(thumbnails, "make_thumbnail", slow_decode)
    took = await while_uploading(
        upload(png(), "slow-decode"), ada.client.get(f"/api/v1/chats/{chat['id']}")
    )
    assert took < SLOW / 2
