"""An erasure in short transactions (privacy/erasing.py): done over many pieces, with the desk
writing between two of them, and finished by the loop after a process stopped in the middle;
each time nothing of the customer is left and the other customer is whole."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.privacy import erasing
from frontdesk.privacy import service as privacy_service
from frontdesk.privacy import timers as privacy_timers
from frontdesk.privacy.models import ErasureItem
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.privacy.people import BORIS, CORA, Conversations, two_customers
from tests.unit.privacy.test_privacy_api import dumped, found
from tests.unit.support import count_rows, error_of

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    # A row, a ticket or chat, a few ids, a page a piece: a small desk takes many pieces.
    monkeypatch.setattr(erasing, "ROWS", 1)
    monkeypatch.setattr(erasing, "GROUPS", 1)
    monkeypatch.setattr(erasing, "SCRUB_IDS", 3)
    monkeypatch.setattr(erasing, "PAGES", 1)


class Crash(Exception):
    """The process stopping between two pieces."""


async def _nothing_of_cora_left(
    app: FastAPI, settings: Settings, admin: Agent, cora: Conversations, boris: Conversations
) -> None:
    # One dump for both looks (pg_dump is a process of its own: a good part of a second).
    dump = dumped(app, settings)
    assert not found(dump, CORA)
    assert set(found(dump, BORIS)) == {BORIS.email, BORIS.name, *BORIS.marks}
    error_of(await admin.client.get(f"/api/v1/customers/{cora.customer_id}"), 404)
    error_of(await admin.client.get(f"/api/v1/tickets/{cora.mail_ticket_id}"), 404)
    assert (await admin.client.get(f"/api/v1/tickets/{boris.chat_ticket_id}")).status_code == 200
    assert await count_rows(app, ErasureItem) == 0


def _whole(record: dict[str, Any]) -> None:
    assert record["state"] == "done"
    assert record["finished_at"] is not None
    assert record["counts"]["tickets"] == 2
    assert record["counts"]["chats"] == 1
    assert record["counts"]["customers"] == 1
    assert record["counts"]["files"] >= 2


async def test_an_erasure_in_many_pieces_leaves_nothing_of_them_and_all_of_the_others(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    pieces = 0

    async def counted() -> None:
        nonlocal pieces
        pieces += 1

    monkeypatch.setattr(privacy_service, "between_pieces", counted)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    _whole(erased.json())
    # Every step took several pieces: their messages, chat, tickets, mail, the scrub's ranges.
    assert pieces > 20
    await _nothing_of_cora_left(app, settings, admin, cora, boris)


async def test_the_desk_writes_between_two_pieces_of_an_erasure(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    seen: list[dict[str, Any]] = []

    async def desk_writes() -> None:
        if seen:
            return
        # Another agent's note commits while the erasure is still running (on SQLite the one
        # writer is free between two pieces), and the admins see it running.
        note = await admin.client.post(
            f"/api/v1/tickets/{boris.chat_ticket_id}/notes", json={"text": "Between two pieces"}
        )
        assert note.status_code == 201, note.text
        seen.extend((await admin.client.get("/api/v1/erasures")).json())

    monkeypatch.setattr(privacy_service, "between_pieces", desk_writes)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert [(item["id"], item["state"]) for item in seen] == [(erased.json()["id"], "running")]
    assert seen[0]["finished_at"] is None
    # Its record names no one while it runs either.
    assert CORA.email not in str(seen)
    _whole(erased.json())
    ticket = (await admin.client.get(f"/api/v1/tickets/{boris.chat_ticket_id}")).json()
    assert "Between two pieces" in [entry["text"] for entry in ticket["entries"]]
    await _nothing_of_cora_left(app, settings, admin, cora, boris)


async def test_an_erasure_a_process_stopped_in_is_finished_by_the_loop(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    pieces = 0

    async def stops() -> None:
        nonlocal pieces
        pieces += 1
        if pieces == 8:
            raise Crash

    monkeypatch.setattr(privacy_service, "between_pieces", stops)
    with pytest.raises(Crash):
        await admin.client.post(
            f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
        )
    listed = (await admin.client.get("/api/v1/erasures")).json()
    assert [item["state"] for item in listed] == ["running"]
    assert await count_rows(app, ErasureItem) > 0
    # Half done: some of it is still there.
    assert found(dumped(app, settings), CORA)

    # A running one is not taken over while it is fresh; one left for `STOPPED` is.
    assert await privacy_timers.finish_erasures(app.state.sessionmaker, settings) == 0
    monkeypatch.setattr(privacy_timers, "STOPPED", timedelta(0))
    assert await privacy_timers.finish_erasures(app.state.sessionmaker, settings) == 1

    listed = (await admin.client.get("/api/v1/erasures")).json()
    _whole(listed[0])
    await _nothing_of_cora_left(app, settings, admin, cora, boris)
