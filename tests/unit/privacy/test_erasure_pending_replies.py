"""Erasing a customer copied on a reply held by "Undo send" (pending_replies): the held reply
loses their address, whether it was held before the erasure or while it ran, so that at its due
time it neither mails them nor writes their address back into the ticket's Cc."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import OutboxMessage
from frontdesk.pending_replies.timers import send_due_replies
from frontdesk.privacy import erasing
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.privacy.people import CORA, Conversations, two_customers
from tests.unit.privacy.test_erasure_meanwhile import at_step
from tests.unit.privacy.test_erasure_pieces import _nothing_of_cora_left
from tests.unit.support import count_rows

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(erasing, "ROWS", 1)
    monkeypatch.setattr(erasing, "GROUPS", 1)
    monkeypatch.setattr(erasing, "SCRUB_IDS", 3)
    monkeypatch.setattr(erasing, "PAGES", 1)


async def hold_copying_cora(admin: Agent, boris: Conversations) -> dict[str, Any]:
    held = await admin.client.post(
        f"/api/v1/tickets/{boris.mail_ticket_id}/replies",
        json={
            "text": "BORISREPLYTEXT again",
            "cc": [CORA.email, "boss@example.net"],
            "bcc": [CORA.email],
            "undo_seconds": 30,
        },
    )
    assert held.status_code == 202, held.text
    assert held.json()["cc"] == [CORA.email, "boss@example.net"]
    return dict(held.json())


async def sent_without_cora(
    app: FastAPI, settings: Settings, admin: Agent, boris: Conversations
) -> None:
    before = await count_rows(app, OutboxMessage)
    later = utcnow() + timedelta(minutes=1)
    assert await send_due_replies(app.state.sessionmaker, settings, now=later) == 1
    # Sent, to the others it copied: the erasure took only their address.
    assert await count_rows(app, OutboxMessage) == before + 1
    ticket = (await admin.client.get(f"/api/v1/tickets/{boris.mail_ticket_id}")).json()
    assert ticket["cc"] == ["boss@example.net"]
    (entry,) = [e for e in ticket["entries"] if e["text"] == "BORISREPLYTEXT again"]
    assert entry["data"]["cc"] == ["boss@example.net"]
    assert not entry["data"].get("bcc")


@BOTH_STORES
async def test_a_reply_held_before_the_erasure_loses_their_address(
    app: FastAPI, settings: Settings, http: httpx.AsyncClient, desk: Desk, visitors: Any
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    await hold_copying_cora(admin, boris)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["state"] == "done"
    await _nothing_of_cora_left(app, settings, admin, cora, boris)
    await sent_without_cora(app, settings, admin, boris)
    await _nothing_of_cora_left(app, settings, admin, cora, boris)


async def test_a_reply_held_while_the_erasure_runs_loses_their_address(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)

    async def held() -> None:
        await hold_copying_cora(admin, boris)

    # After the scrub passed every table: only the final re-check can find it.
    done = at_step(app, monkeypatch, "customers", held)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert done
    assert erased.json()["state"] == "done"
    await _nothing_of_cora_left(app, settings, admin, cora, boris)
    await sent_without_cora(app, settings, admin, boris)
