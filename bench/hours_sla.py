"""How long refreshing the SLA due times of an inbox's open tickets holds the database after its
business hours change (hours/sla_refresh.py), on SQLite, where every request of the process
waits for the one connection meanwhile.

Run from the repository root:

    .venv/bin/python bench/hours_sla.py [--tickets 10000] [--closed 30000]

It builds a fresh SQLite database with the real migrations; an admin sets the inbox's hours
(weekdays 09:00-17:00) and a business-hours policy (first response 60 minutes, resolution one
day); `--tickets` open tickets whose customer waits, among `--closed` closed ones, are inserted
in SQL and their due times worked out. Then it times, on copies of that database alike:

- all the open tickets refreshed in one transaction (what the request would hold if it did all);
- the request that adds a holiday (PUT /api/v1/inboxes/{id}/hours), which refreshes the
  tickets due first itself, and each transaction of the loop that refreshes the rest.

On a shared machine the wall times wait for other work too: the CPU time is the process's own
(SQLite runs on its thread). No assertions on time: the figures go to hours/sla_refresh.py and
docs/routing.md.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.customers.models import Customer
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import unit_of_work
from frontdesk.hours import sla_refresh
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.metrics.models import Channel, ConversationClock
from frontdesk.sla import service as sla_service
from frontdesk.sla.models import TicketSla
from frontdesk.tickets.models import Counter, Ticket, TicketState, TicketType
from frontdesk.users import service as users_service
from frontdesk.users.models import Role

ADMIN = "admin@bench.test"
WEEKDAYS = [
    {"day": day, "opens": "09:00", "closes": "17:00"} for day in ("mon", "tue", "wed", "thu", "fri")
]


def _hours(holidays: list[str]) -> dict[str, object]:
    return {
        "enabled": True,
        "time_zone": "Europe/Paris",
        "weekly": WEEKDAYS,
        "holidays": [{"date": day} for day in holidays],
    }


async def _seed(url: str, data: Path, *, tickets: int, closed: int) -> int:
    await asyncio.to_thread(upgrade, url)
    settings = ticket_bench._settings(url, data)
    app = create_app(settings, run_loops=False)
    sessionmaker = app.state.sessionmaker
    async with app.router.lifespan_context(app):
        async with unit_of_work(sessionmaker) as session:
            await users_service.create_user(
                session, email=ADMIN, name="Admin", password=ticket_bench.PASSWORD, role=Role.admin
            )
            inbox = await inboxes_service.create_inbox(session, name="Billing")
            inbox_id = inbox.id
            customer = Customer(name="Customer")
            session.add(customer)
            await session.flush()
            customer_id = customer.id
        async with _admin(app) as client:
            response = await client.put(f"/api/v1/inboxes/{inbox_id}/hours", json=_hours([]))
            response.raise_for_status()
            response = await client.post(
                "/api/v1/sla-policies",
                json={"name": "Standard", "first_response_minutes": 60, "resolution_minutes": 1440},
            )
            response.raise_for_status()
        now = utcnow()
        total = tickets + closed
        every = max(1, total // max(1, tickets))
        rows: list[dict[str, Any]] = []
        clocks: list[dict[str, Any]] = []
        for n in range(1, total + 1):
            is_open = n % every == 0 and len(clocks) < tickets
            started = now - timedelta(minutes=n % 5000)
            rows.append(
                {
                    "id": n,
                    "number": n,
                    "inbox_id": inbox_id,
                    "customer_id": customer_id,
                    "subject": f"Order {n}",
                    "type": TicketType.email,
                    "state": TicketState.open if is_open else TicketState.closed,
                    "closed_at": None if is_open else now,
                    "created_at": started,
                    "updated_at": started,
                }
            )
            if is_open:
                clocks.append(
                    {
                        "ticket_id": n,
                        "inbox_id": inbox_id,
                        "channel": Channel.email,
                        "started_at": started,
                        "awaiting_since": started,
                    }
                )
        async with unit_of_work(sessionmaker) as session:
            await session.execute(insert(Ticket), rows)
            await session.execute(insert(ConversationClock), clocks)
            await session.execute(
                update(Counter).where(Counter.name == "tickets").values(value=total)
            )
        for start in range(0, len(clocks), 1000):
            async with unit_of_work(sessionmaker) as session:
                ids = [clock["ticket_id"] for clock in clocks[start : start + 1000]]
                for ticket in await session.scalars(select(Ticket).where(Ticket.id.in_(ids))):
                    await sla_service.refresh(session, ticket=ticket)
        async with unit_of_work(sessionmaker) as session:
            due = await session.scalar(select(func.count()).select_from(TicketSla))
        print(f"seeded: {tickets} open tickets with due times ({due}), {closed} closed")
    return inbox_id


@asynccontextmanager
async def _admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The admin, logged in, on the app over ASGI."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": ADMIN, "password": ticket_bench.PASSWORD}
        )
        response.raise_for_status()
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        yield client


async def _all_at_once(url: str, data: Path, inbox_id: int) -> None:
    """What the request would hold if it refreshed every ticket itself."""
    app = create_app(ticket_bench._settings(url, data), run_loops=False)
    async with app.router.lifespan_context(app):
        started, cpu = time.perf_counter(), time.process_time()
        async with unit_of_work(app.state.sessionmaker) as session:
            ids = (
                await session.scalars(
                    select(Ticket.id).where(
                        Ticket.inbox_id == inbox_id, Ticket.state != TicketState.closed
                    )
                )
            ).all()
            await sla_refresh._refresh(session, inbox_id=inbox_id, ticket_ids=ids)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"all {len(ids)} open tickets in one transaction: {seconds:.2f} s, CPU {cpu:.2f} s "
            f"({cpu / max(1, len(ids)) * 1000:.2f} ms a ticket)"
        )


async def _as_shipped(url: str, data: Path, inbox_id: int) -> None:
    app = create_app(ticket_bench._settings(url, data), run_loops=False)
    async with app.router.lifespan_context(app):
        async with _admin(app) as client:
            started, cpu = time.perf_counter(), time.process_time()
            response = await client.put(
                f"/api/v1/inboxes/{inbox_id}/hours", json=_hours(["2026-12-24"])
            )
            response.raise_for_status()
            print(
                f"PUT hours (a holiday added): {(time.perf_counter() - started) * 1000:.0f} ms, "
                f"CPU {(time.process_time() - cpu) * 1000:.0f} ms"
            )
        walls, cpus, refreshed = [], [], 0
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            async with unit_of_work(app.state.sessionmaker) as session:
                done, more = await sla_refresh.refresh_pending(session)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            refreshed += done
            if not more:
                break
        print(
            f"the loop: {refreshed} tickets in {len(walls)} transactions of "
            f"{sla_refresh.BATCH}; wall p50 {statistics.median(walls):.0f} ms, "
            f"max {max(walls):.0f} ms; CPU p50 {statistics.median(cpus):.0f} ms, "
            f"max {max(cpus):.0f} ms, total {sum(cpus) / 1000:.2f} s"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--closed", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed"
        seed.mkdir()
        url = f"sqlite+aiosqlite:///{seed / 'frontdesk.db'}"
        inbox_id = await _seed(url, seed / "var", tickets=args.tickets, closed=args.closed)
        for name, run in (("once", _all_at_once), ("shipped", _as_shipped)):
            copy = Path(tmp) / name
            shutil.copytree(seed, copy)
            await run(f"sqlite+aiosqlite:///{copy / 'frontdesk.db'}", copy / "var", inbox_id)


if __name__ == "__main__":
    asyncio.run(main())
