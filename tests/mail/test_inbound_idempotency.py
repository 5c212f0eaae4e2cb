"""`POST /api/v1/inbound/mime` with an `Idempotency-Key` (docs/api.md "Retrying safely"): the mail
server's retry with the same key gets the first delivery's answer again, with
`Idempotent-Replayed: true`, and the mail is stored once; the key with other bytes is refused,
a malformed one too, and a delivery refused or failed lets its key go. It used to ignore the
header: a retry was answered `ignored` ("already received") with a record of its own."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.idempotency.models import IdempotencyKey
from frontdesk.mail.models import InboundMessage
from frontdesk.tickets.models import TicketEntry
from tests.conftest import Desk
from tests.mail.support import INBOUND_TOKEN, SUPPORT
from tests.mail.test_inbound_repeats import without_message_id
from tests.unit.support import count_rows, error_of

KEY = "Idempotency-Key"


async def deliver(
    http: httpx.AsyncClient, raw: bytes, key: str | None, *, content_type: str = "message/rfc822"
) -> httpx.Response:
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {INBOUND_TOKEN}"}
    if key is not None:
        headers[KEY] = key
    return await http.post(
        "/api/v1/inbound/mime", content=raw, headers=headers, params={"to": [SUPPORT]}
    )


def with_message_id(text: str, message_id: str) -> bytes:
    return without_message_id(text).replace(
        b"Subject:", f"Message-ID: <{message_id}>\r\nSubject:".encode(), 1
    )


async def test_a_retried_delivery_gets_the_first_answer(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient
) -> None:
    await desk.inbox(name="Shop Support", email_address=SUPPORT)
    raw = with_message_id("My order #4411 never came.", "order-4411@example.org")
    first = await deliver(http, raw, "delivery-1")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "processed"
    assert first.json()["created_ticket"] is True
    assert "idempotent-replayed" not in first.headers

    again = await deliver(http, raw, "delivery-1")
    assert again.status_code == 200, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    # One record of the mail, one ticket and one entry: the retry did nothing.
    assert await count_rows(app, InboundMessage) == 1
    assert await count_rows(app, TicketEntry) == 1

    # The key with other bytes is another request: refused, and nothing is stored.
    other = with_message_id("Another message.", "other@example.org")
    error_of(await deliver(http, other, "delivery-1"), 422, "idempotency_key_reused")
    assert await count_rows(app, InboundMessage) == 1
    # Without a key, as before: the same mail told apart by its Message-ID.
    plain = await deliver(http, raw, None)
    assert plain.json()["status"] == "ignored", plain.text
    assert "idempotent-replayed" not in plain.headers


async def test_a_bad_key_and_a_refused_delivery(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient
) -> None:
    await desk.inbox(name="Shop Support", email_address=SUPPORT)
    raw = without_message_id()
    error_of(await deliver(http, raw, "k" * 256), 400, "idempotency_key_invalid")
    # Refused (its type): nothing was stored and nothing is kept for the key; the right
    # request with it runs.
    error_of(await deliver(http, raw, "delivery-2", content_type="text/plain"), 415)
    stored = await deliver(http, raw, "delivery-2")
    assert stored.status_code == 200, stored.text
    assert stored.json()["status"] == "processed"
    async with app.state.sessionmaker() as session:
        keys: list[Any] = list(
            (await session.execute(select(IdempotencyKey.user_id, IdempotencyKey.key))).all()
        )
    assert keys == [(None, "delivery-2")]
    assert await count_rows(app, InboundMessage) == 1


async def test_a_delivery_that_fails_lets_its_key_go(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await desk.inbox(name="Shop Support", email_address=SUPPORT)
    writer = app.state.inbound_writer
    real = writer.receive

    async def failing(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(writer, "receive", real)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(writer, "receive", failing)
    raw = without_message_id()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://desk.test",
    ) as client:
        failed = await deliver(client, raw, "delivery-3")
    assert failed.status_code == 500, failed.text
    assert await count_rows(app, IdempotencyKey) == 0
    # The mail server's retry runs, and stores the mail.
    stored = await deliver(http, raw, "delivery-3")
    assert stored.json()["status"] == "processed", stored.text
    assert "idempotent-replayed" not in stored.headers
    assert await count_rows(app, InboundMessage) == 1


async def test_a_delivery_cancelled_midway_lets_its_key_go(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request is cancelled (the mail server hung up, the server stops) while the mail is
    handed to the writer: the key is let go, not left "in progress" until it may be taken over."""
    await desk.inbox(name="Shop Support", email_address=SUPPORT)
    writer = app.state.inbound_writer
    real = writer.receive
    handed = asyncio.Event()

    async def stuck(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(writer, "receive", real)
        handed.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(writer, "receive", stuck)
    raw = without_message_id()
    delivery = asyncio.create_task(deliver(http, raw, "delivery-4"))
    await handed.wait()
    delivery.cancel()
    with pytest.raises(asyncio.CancelledError):
        await delivery
    assert await count_rows(app, IdempotencyKey) == 0
    # The mail server's retry runs, and stores the mail.
    stored = await deliver(http, raw, "delivery-4")
    assert stored.json()["status"] == "processed", stored.text
    assert await count_rows(app, InboundMessage) == 1
