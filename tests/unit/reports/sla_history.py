"""A known SLA history, built over HTTP on a frozen clock with the timer's round run as its loop
runs it; the SLA report tests check every figure against the arithmetic given here.

One policy, "Standard", in calendar time: first response 30 min, next response 60 min,
resolution 240 min. Inbox "Care" (email). All times UTC, 2026-11-10 (a Tuesday):

- T1 09:00 a customer writes; assigned to Ada. Ada replies 09:10 (first response met, due 09:30).
  The customer writes 09:20: next response due 10:20. The timer at 10:30 records the breach
  (next response, Ada). Ada replies 10:40 and closes the ticket (resolution met, due 13:00).
- T2 10:00 a customer writes; labelled "vip", assigned to Bob; nobody answers. The timer at
  10:30 records the first-response breach (due 10:30, Bob), at 14:01 the resolution breach (due
  14:00, Bob).
- T3 23:50 a customer writes; nobody is assigned, nobody answers. First response due 00:20 on
  the 11th (01:20 in Paris): the timer at 00:25 records it; resolution due 03:50 on the 11th,
  recorded at 04:00. Both against nobody.

So, 2026-11-09 to 2026-11-12 UTC: first response 2 (T2, T3), next response 1 (T1), resolution 2
(T2, T3); Ada 1, Bob 2. The 10th alone: first response 1 (T2), next response 1, resolution 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.sla.timers import check_slas
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.mail.support import post_mime, reply_mail

CARE = "care@shop.test"
SLA_START = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


@dataclass
class SlaHistory:
    inbox: dict[str, Any]
    ada: Agent
    bob: Agent
    olga: Agent
    tickets: dict[str, int]
    label_id: int


def at(hour: int, minute: int = 0, *, day: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def _ok(response: httpx.Response) -> Any:
    assert response.is_success, response.text
    return response.json()


def _gateway(agent: Agent) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=agent.client._transport, base_url="http://desk.test")


async def _writes(agent: Agent, subject: str, who: str, in_reply_to: str | None = None) -> int:
    mail = reply_mail(
        to=CARE, text="Where is it?", subject=subject, sender=who, in_reply_to=in_reply_to
    )
    async with _gateway(agent) as gateway:
        received = await _ok(await post_mime(gateway, mail, to=[CARE]))
    return int(received["ticket_id"])


async def _timer(app: FastAPI) -> int:
    return await check_slas(app.state.sessionmaker, app.state.settings)


async def build_sla(app: FastAPI, desk: Desk, clock: FrozenClock) -> SlaHistory:
    clock.set(SLA_START)
    inbox = await desk.inbox(name="Care", email_address=CARE)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    olga = await desk.agent(role="owner", inboxes=[inbox], name="Olga")
    vip = await _ok(await olga.client.post("/api/v1/labels", json={"name": "vip"}))
    policy = {
        "name": "Standard",
        "business_hours": False,
        "first_response_minutes": 30,
        "next_response_minutes": 60,
        "resolution_minutes": 240,
    }
    await _ok(await olga.client.post("/api/v1/sla-policies", json=policy))
    tickets: dict[str, int] = {}

    clock.set(at(9))
    t1 = tickets["T1"] = await _writes(olga, "Parcel", "ann@example.com")
    await _ok(await olga.client.patch(f"/api/v1/tickets/{t1}", json={"assignee_id": ada.id}))
    clock.set(at(9, 10))
    sent = await _ok(await ada.client.post(f"/api/v1/tickets/{t1}/replies", json={"text": "Soon"}))
    clock.set(at(9, 20))
    again = await _writes(olga, "Re: Parcel", "ann@example.com", in_reply_to=sent["message_id"])
    assert again == t1

    clock.set(at(10))
    t2 = tickets["T2"] = await _writes(olga, "Refund", "ben@example.com")
    await _ok(
        await olga.client.patch(
            f"/api/v1/tickets/{t2}", json={"assignee_id": bob.id, "label_ids": [vip["id"]]}
        )
    )
    clock.set(at(10, 30))
    assert await _timer(app) >= 2  # T1's next response, T2's first response (and warnings)
    clock.set(at(10, 40))
    await _ok(
        await ada.client.post(
            f"/api/v1/tickets/{t1}/replies", json={"text": "Found it", "then": "close"}
        )
    )
    clock.set(at(14, 1))
    assert await _timer(app) >= 1  # T2's resolution

    clock.set(at(23, 50))
    tickets["T3"] = await _writes(olga, "Hello?", "cy@example.com")
    clock.set(at(0, 25, day=11))
    assert await _timer(app) >= 1
    clock.set(at(4, 0, day=11))
    assert await _timer(app) >= 1
    return SlaHistory(inbox, ada, bob, olga, tickets, vip["id"])
