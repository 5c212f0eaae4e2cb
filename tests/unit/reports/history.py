"""One known history, built over HTTP on a frozen clock; every figure the reports tests check is
computed by hand from it (the comments give the arithmetic).

2026-11-10 (a Tuesday), UTC:
- 08:00 Ada and Bob go online.
- Chat A 09:00: Marie writes; Ada joins 09:00:30 (wait 30 s), answers 09:01:30 (first response
  90 s); Marie writes 09:02:00 and 09:02:10; Ada answers 09:03:00 (response 60 s, counted from
  09:02:00); Ada ends it 09:10:00 (solved, 600 s). Labelled "billing". Marie rates it good
  ("Quick!") at 09:12.
- Chat B 10:00: Paul writes; Ada joins 10:00:20 (wait 20 s), transfers it to Bob at 10:01; Bob
  joins 10:02 (a transfer); Bob answers 10:03 (first response 180 s), ends it 10:05 (300 s).
  Paul rates it bad at 10:06 with a comment a spreadsheet would run as a formula; the rating is
  about both agents who took part (the ratings' rule).
- 18:00 Ada goes offline (10 h online); Bob stays online.
- Chat C 23:30: Zoe writes; nobody joins; it ends unanswered at 23:35 (waited 300 s). 23:30 UTC
  is 2026-11-11 00:30 in Paris and 2026-11-10 15:30 in Los Angeles.
2026-11-11, UTC:
- Email D 12:00 from Cora; Ada replies and closes 13:00 (first response 3600 s, solved);
  Cora writes again 14:00 (reopened); Ada replies and closes 16:00 (response 7200 s; resolution
  to the last close: 14400 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.chats.availability import end_unanswered_chats
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk, Visitor
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail

SUPPORT = "support@shop.test"
START = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
RANGE = {"since": "2026-11-09", "until": "2026-11-12", "time_zone": "UTC"}


@dataclass
class History:
    inbox: dict[str, Any]
    ada: Agent
    bob: Agent
    olga: Agent
    tickets: dict[str, int]
    label_id: int


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


async def _ok(response: httpx.Response) -> Any:
    assert response.is_success, response.text
    return response.json()


async def build(app: FastAPI, desk: Desk, visitors: Any, clock: FrozenClock) -> History:
    inbox = await desk.inbox(name="Support", email_address=SUPPORT, unanswered_timeout_seconds=300)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    olga = await desk.agent(role="owner", inboxes=[inbox], name="Olga")
    for agent in (ada, bob):
        await _ok(await agent.client.put("/api/v1/me/availability", json={"available": True}))
    label = await _ok(await olga.client.post("/api/v1/labels", json={"name": "billing"}))
    tickets: dict[str, int] = {}

    # Chat A
    clock.set(at(9))
    marie = await visitors(inbox)
    a = await marie.start_chat("My invoice is wrong")
    clock.set(at(9, 0, 30))
    await _ok(await ada.client.post(f"/api/v1/chats/{a['id']}/join"))
    clock.set(at(9, 1, 30))
    await _say(ada.client, a["id"], "Let me look")
    clock.set(at(9, 2))
    await _visitor_says(marie, a["id"], "Thanks")
    clock.set(at(9, 2, 10))
    await _visitor_says(marie, a["id"], "It is invoice 12")
    clock.set(at(9, 3))
    await _say(ada.client, a["id"], "Fixed it")
    await _ok(await ada.client.put(f"/api/v1/chats/{a['id']}/labels", json={"labels": ["billing"]}))
    clock.set(at(9, 10))
    tickets["A"] = (await _ok(await ada.client.post(f"/api/v1/chats/{a['id']}/end")))["ticket_id"]
    clock.set(at(9, 12))
    await _rate(marie, a["id"], "good", "Quick!")

    # Chat B
    clock.set(at(10))
    paul = await visitors(inbox)
    b = await paul.start_chat("Where is my parcel?")
    clock.set(at(10, 0, 20))
    await _ok(await ada.client.post(f"/api/v1/chats/{b['id']}/join"))
    clock.set(at(10, 1))
    await _ok(await ada.client.post(f"/api/v1/chats/{b['id']}/transfer", json={"user_id": bob.id}))
    clock.set(at(10, 2))
    await _ok(await bob.client.post(f"/api/v1/chats/{b['id']}/join"))
    clock.set(at(10, 3))
    await _say(bob.client, b["id"], "It ships today")
    clock.set(at(10, 5))
    tickets["B"] = (await _ok(await bob.client.post(f"/api/v1/chats/{b['id']}/end")))["ticket_id"]
    clock.set(at(10, 6))
    await _rate(paul, b["id"], "bad", "=HYPERLINK(1)")

    clock.set(at(18))
    await _ok(await ada.client.put("/api/v1/me/availability", json={"available": False}))

    # Chat C: nobody answers.
    clock.set(at(23, 30))
    zoe = await visitors(inbox)
    c = await zoe.start_chat("Hello?")
    clock.set(at(23, 35))
    async with unit_of_work(app.state.sessionmaker) as session:
        assert await end_unanswered_chats(session, now=clock.now, visitor_grace=3600) == 1
    tickets["C"] = (await _ok(await olga.client.get(f"/api/v1/chats/{c['id']}")))["ticket_id"]

    # Email D
    clock.set(at(12, day=11))
    received = await _ok(
        await post_mime(
            app_client(ada), reply_mail(to=SUPPORT, text="My order?", subject="Order"), to=[SUPPORT]
        )
    )
    d = received["ticket_id"]
    tickets["D"] = d
    clock.set(at(13, day=11))
    sent = await _ok(
        await ada.client.post(
            f"/api/v1/tickets/{d}/replies", json={"text": "On its way", "then": "close"}
        )
    )
    clock.set(at(14, day=11))
    outbox = await _ok(await olga.client.get("/api/v1/outbox"))
    (row,) = [r for r in outbox if r["message_id"] == sent["message_id"]]
    reply_to = row["headers"]["Reply-To"]
    await _ok(
        await post_mime(
            app_client(ada),
            reply_mail(to=reply_to, text="Not here yet", in_reply_to=sent["message_id"]),
            to=[reply_to],
        )
    )
    clock.set(at(16, day=11))
    await _ok(
        await ada.client.post(
            f"/api/v1/tickets/{d}/replies", json={"text": "Sent again", "then": "close"}
        )
    )
    return History(inbox, ada, bob, olga, tickets, label["id"])


def app_client(agent: Agent) -> httpx.AsyncClient:
    """An unauthenticated client on the same app, as the mail gateway posts."""
    return httpx.AsyncClient(transport=agent.client._transport, base_url="http://desk.test")


async def _say(client: httpx.AsyncClient, chat_id: int, text: str) -> None:
    await _ok(await client.post(f"/api/v1/chats/{chat_id}/messages", json={"text": text}))


async def _visitor_says(visitor: Any, chat_id: int, text: str) -> None:
    await _ok(
        await visitor.client.post(f"/messenger/v1/chats/{chat_id}/messages", json={"text": text})
    )


async def _rate(visitor: Any, chat_id: int, score: str, comment: str) -> None:
    await _ok(
        await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/rating", json={"score": score, "comment": comment}
        )
    )


# --- for a history shared by a module's tests (test_reports_api.py) ---------------------------


def reports_settings(database_url: str, data_dir: Path) -> Settings:
    """The settings the `settings` fixture gives the reports tests (tests/conftest.py and
    this folder's conftest.py), for an app that outlives a test."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        public_url="http://desk.test",
        secret_key="test-secret-key-" + "x" * 32,
        mail_domain="desk.test",
        inbound_token=INBOUND_TOKEN,
        _env_file=None,
    )


class Visitors:
    """What the `visitors` fixture gives (tests/conftest.py), for an app that outlives a test."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._clients: list[httpx.AsyncClient] = []

    async def __call__(self, inbox: dict[str, Any]) -> Visitor:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://desk.test"
        )
        self._clients.append(client)
        response = await client.post("/messenger/v1/visitors", json={"inbox": inbox["public_key"]})
        assert response.status_code == 201, response.text
        token = response.json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        return Visitor(client=client, id=response.json()["visitor_id"], token=token)

    async def __aenter__(self) -> Visitors:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for client in self._clients:
            await client.aclose()


async def report(agent: Agent, table: str, **params: Any) -> Any:
    response = await agent.client.get(f"/api/v1/reports/{table}", params=RANGE | params)
    assert response.status_code == 200, response.text
    return response.json()


def by_figure(rows: list[dict[str, Any]]) -> dict[str, tuple[int, Any, Any]]:
    return {r["figure"]: (r["count"], r["median_seconds"], r["p90_seconds"]) for r in rows}
