"""A known history in business hours, for the reports tests and the desk's (docs/reports.md,
"Business hours"): the Support inbox is open Monday to Friday, 09:00-17:00 London time (UTC+0
in November); 2026-11-13 is a Friday."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.mail.support import post_mime, reply_mail
from tests.unit.reports.history import app_client

SUPPORT = "support@shop.test"
SALES = "sales@shop.test"
DAYS = ("mon", "tue", "wed", "thu", "fri")
WEEK = [{"day": d, "opens": "09:00", "closes": "17:00"} for d in DAYS]
FRIDAY_TO_MONDAY = 63 * 3600 + 5 * 60  # Friday 18:00 to Monday 09:05 on the wall


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def ok(response: httpx.Response) -> Any:
    assert response.is_success, response.text
    return response.json()


async def open_weekdays(admin: Agent, inbox: dict[str, Any]) -> None:
    body = {"enabled": True, "time_zone": "Europe/London", "weekly": WEEK}
    await ok(await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=body))


async def mail(agent: Agent, to: str, sender: str, subject: str) -> int:
    raw = reply_mail(to=to, text="Hello?", sender=sender, subject=subject)
    received = await ok(await post_mime(app_client(agent), raw, to=[to]))
    return int(received["ticket_id"])


async def answer_and_close(agent: Agent, ticket_id: int) -> None:
    body = {"text": "Here you are", "then": "close"}
    await ok(await agent.client.post(f"/api/v1/tickets/{ticket_id}/replies", json=body))


async def build_four(desk: Desk, clock: FrozenClock) -> dict[str, Any]:
    """Four answers whose business order differs from their order on the wall:

    | ticket | arrives        | answered (and closed) | business | wall   | by  | vip |
    | T4     | Fri 13 16:59   | Mon 16 09:01          | 120      | 230520 | Bob | yes |
    | T1     | Mon 16 16:00   | Tue 17 09:10          | 4200     | 61800  | Ada | yes |
    | T2     | Tue 17 10:00   | Tue 17 10:05          | 300      | 300    | Ada |     |
    | T3     | Tue 17 16:50   | Wed 18 09:30          | 2400     | 60000  | Bob | yes |
    """
    clock.set(at(13, 12))
    support = await desk.inbox(name="Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[support], name="Ada")
    bob = await desk.agent(inboxes=[support], name="Bob")
    olga = await desk.agent(role="owner", inboxes=[support], name="Olga")
    await open_weekdays(olga, support)
    vip = await ok(await olga.client.post("/api/v1/labels", json={"name": "vip"}))
    plan = [
        ("T4", at(13, 16, 59), at(16, 9, 1), bob, True),
        ("T1", at(16, 16), at(17, 9, 10), ada, True),
        ("T2", at(17, 10), at(17, 10, 5), ada, False),
        ("T3", at(17, 16, 50), at(18, 9, 30), bob, True),
    ]
    for name, arrives, answered, agent, labelled in plan:
        clock.set(arrives)
        ticket = await mail(agent, SUPPORT, f"{name.lower()}@example.org", name)
        if labelled:
            body = {"label_ids": [vip["id"]]}
            await ok(await olga.client.patch(f"/api/v1/tickets/{ticket}", json=body))
        clock.set(answered)
        await answer_and_close(agent, ticket)
    clock.set(at(20, 12))
    return {"olga": olga, "ada": ada, "bob": bob, "inbox": support, "vip": vip["id"]}
