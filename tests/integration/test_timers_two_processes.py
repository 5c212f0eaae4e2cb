"""Two real server processes on PostgreSQL and Redis whose own timers act on their own clocks.

- Ghost-proof presence: the agent's desk is held by one process, the visitor asks the other
  whether anyone is online. The grace is one second here.
- Rating emails: both processes' rating timers race for the same closed tickets, and each
  closing gets exactly one rating email.

The tests share one cluster (starting it was most of each test's time), each in an inbox of its
own, so they run one after the other on one xdist worker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.db.session import create_engine
from frontdesk.mail.models import OutboxMessage, OutboxState
from tests.conftest import _empty, reachable_redis
from tests.integration.cluster import OWNER_EMAIL, login, running
from tests.mail.support import SmtpSink
from tests.realtime import connect

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("timers_two_processes")]

RATING_SUBJECT = "How did we do?"


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def cluster(
    pg_database: str, tmp_path_factory: pytest.TempPathFactory, sink: SmtpSink
) -> Iterator[list[str]]:
    """Two `frontdesk run` processes, started once for the module, mailing `sink`, with a grace
    of one second and timers every 0.2 s. No test here may use `pg_url`: it would empty the
    database under the running processes."""
    asyncio.run(_empty(pg_database))
    with running(
        database_url=pg_database,
        redis_url=reachable_redis(),
        data_dir=tmp_path_factory.mktemp("timers-two-processes"),
        extra_env={
            "FRONTDESK_AGENT_GRACE": "1",
            "FRONTDESK_SMTP_URL": sink.url,
            "FRONTDESK_TIMER_INTERVAL": "0.2",
        },
    ) as urls:
        yield urls


async def becomes(online: bool, visitor: httpx.AsyncClient, key: str, timeout: float = 15) -> None:
    """Waits until the messenger's status says `online` (the timers tick every 0.2 s)."""
    async with asyncio.timeout(timeout):
        while True:
            status = (await visitor.get("/messenger/v1/status", params={"inbox": key})).json()
            if status["online"] is online:
                return
            await asyncio.sleep(0.2)


async def test_a_closed_desk_goes_offline_for_visitors_of_the_other_process_and_comes_back(
    cluster: list[str],
) -> None:
    visitor_side, agent_side = cluster
    owner = await login(agent_side, OWNER_EMAIL)
    inbox = (await owner.post("/api/v1/inboxes", json={"name": "Support"})).json()
    me = (await owner.get("/api/v1/me")).json()
    await owner.post(f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": me["id"]})
    owner_cookie = f"frontdesk_session={owner.cookies['frontdesk_session']}"
    desk = await connect(f"ws://{agent_side}/api/v1/ws", Cookie=owner_cookie)
    await desk.event("ready")
    assert (await owner.put("/api/v1/me/availability", json={"available": True})).is_success
    visitor = httpx.AsyncClient(base_url=f"http://{visitor_side}")
    key = inbox["public_key"]
    await becomes(True, visitor, key)

    await desk.close()  # the agent closes the desk held by process B
    await becomes(False, visitor, key)  # process A's visitors see offline after the grace
    assert (await owner.get("/api/v1/me")).json()["available_for_chat"] is False

    # The desk reopens on process A: back online, for process B's visitors too.
    desk = await connect(f"ws://{visitor_side}/api/v1/ws", Cookie=owner_cookie)
    await desk.event("ready")
    other_side = httpx.AsyncClient(base_url=f"http://{agent_side}")
    await becomes(True, other_side, key)
    await desk.close()
    for client in (owner, visitor, other_side):
        await client.aclose()


async def test_two_processes_send_one_rating_email_per_closed_ticket(
    cluster: list[str], sink: SmtpSink, pg_database: str
) -> None:
    owner = await login(cluster[0], OWNER_EMAIL)
    inbox = (await owner.post("/api/v1/inboxes", json={"name": "Ratings"})).json()
    settings = await owner.patch(
        f"/api/v1/inboxes/{inbox['id']}/rating-settings",
        json={"email_enabled": True, "email_delay_minutes": 0},
    )
    assert settings.status_code == 200, settings.text
    tag = uuid.uuid4().hex[:8]

    async def close_ticket(customer: str) -> None:
        ticket = (
            await owner.post(
                "/api/v1/tickets",
                json={
                    "inbox_id": inbox["id"],
                    "customer": {"email": customer},
                    "subject": "Question",
                },
            )
        ).json()
        reply = await owner.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Done.", "then": "close"}
        )
        assert reply.status_code == 201, reply.text

    def ratings() -> list[str]:
        return [
            r.rcpt_tos[0]
            for r in sink.received
            if r.message["Subject"].startswith(RATING_SUBJECT) and tag in r.rcpt_tos[0]
        ]

    async def received(customers: list[str]) -> None:
        async with asyncio.timeout(20):
            while not set(customers) <= set(ratings()):
                await asyncio.sleep(0.1)

    customers = [f"c{n}-{tag}@example.org" for n in range(8)]
    # Closed at about the same moment, so that both timers find them due together.
    await asyncio.gather(*(close_ticket(customer) for customer in customers))
    await received(customers)
    # Nothing more may come, while both timers keep running. A second email for a closing
    # would be a second row in the outbox, written by a round that read the ticket before the
    # first request was committed, so within moments of it. A ticket closed now is a marker:
    # once its email is here, a later round has run and the outbox has been sent again.
    marker = f"marker-{tag}@example.org"
    await close_ticket(marker)
    await received([marker])
    assert sorted(ratings()) == sorted([*customers, marker])
    engine = create_engine(pg_database)
    try:
        async with engine.connect() as connection:
            written: list[Any] = list(
                await connection.execute(
                    select(OutboxMessage.recipients, OutboxMessage.state).where(
                        OutboxMessage.subject.startswith(RATING_SUBJECT)
                    )
                )
            )
    finally:
        await engine.dispose()
    ours = [(recipients, state) for recipients, state in written if tag in recipients[0]]
    assert sorted(recipients[0] for recipients, _ in ours) == sorted([*customers, marker])
    assert {state for _, state in ours} == {OutboxState.sent}
    await owner.aclose()
