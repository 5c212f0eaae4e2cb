"""Cost of an organisation's counts and tickets for an agent, on a large desk.

Run from the repository root:

    .venv/bin/python bench/organisations.py [--store sqlite|postgresql|both] [--tickets 200000]
        [--before] [--explain]

For each store it builds a fresh database with the real migrations, seeds it with
bench/tickets.py's data set (200,000 tickets, 40,000 customers, three inboxes, an agent of two),
makes 1 % of the tickets ones an agent filed on a customer they could not see
(`shows_customer` false), and puts the customers into 300 organisations: the first by name has
5,000 of them, the 299 others 64 each. Then, for the measured agent and the admin:

- the SQL alone of the customers' count of a page of organisations (`organisations/service.py`
  `counting`), best and median of `--repeat` runs, for the first page of 25 (6,536 members, the
  large one among them), the next 25 (1,600) and a page of 100; beside it, for the agent, the
  same count from the tickets' side (the distinct customers of the tickets in their inboxes that
  show them, among the members, with those the agent created), checked to count the same;
- the whole request, in process over ASGI: `GET /organisations` (the first page), its page of
  tickets and the ticket list filtered by the large organisation (p50 / p95).

`--before` puts back the customer's tickets' index as it was before migration 0096 (customer,
updated_at), to measure what the probe cost then. `--explain`: each store's plan of the agent's
count. Nothing here is a test: the only checks are that the counts agree.
"""

# Every SQL string below is assembled from this file's own constants and integers.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text, union
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.customers.models import Customer
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine
from frontdesk.inboxes.models import InboxMember
from frontdesk.organisations import service as organisations_service
from frontdesk.organisations.models import Organisation
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User

ORGANISATIONS = 300
LARGE = 5_000
SMALL = 64
HIDDEN_PERCENT = 1


async def _organise(url: str) -> None:
    """The organisations and their members, and the tickets filed on hidden customers."""
    engine = create_engine(url)
    now = "CURRENT_TIMESTAMP"
    try:
        async with engine.begin() as connection:
            for n in range(1, ORGANISATIONS + 1):
                # "Org 000" first by name: the large one is on the first page.
                name = f"Org {n - 1:03d}"
                await connection.execute(
                    text(
                        "INSERT INTO organisations (id, name, name_key, notes, shared_requests, "
                        f"created_at, updated_at) VALUES ({n}, '{name}', '{name.lower()}', '', "
                        f"false, {now}, {now})"
                    )
                )
            await connection.execute(
                text(f"UPDATE customers SET organisation_id = 1 WHERE id <= {LARGE}")
            )
            others = (ORGANISATIONS - 1) * SMALL
            await connection.execute(
                text(
                    f"UPDATE customers SET organisation_id = 2 + (id - {LARGE + 1}) / {SMALL} "
                    f"WHERE id > {LARGE} AND id <= {LARGE + others}"
                )
            )
            await connection.execute(
                text(
                    "UPDATE tickets SET shows_customer = false "
                    f"WHERE id * 2654435761 % 4294967296 / 256 % 100 < {HIDDEN_PERCENT}"
                )
            )
            if engine.dialect.name == "postgresql":
                await connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('organisations', 'id'), "
                        f"{ORGANISATIONS})"
                    )
                )
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


def _from_tickets(user: User, ids: list[int]) -> Any:
    """The agent's count from the tickets' side: the customers of the tickets in the agent's
    inboxes that show them, among the members, and the members the agent created."""
    agents = select(InboxMember.inbox_id).where(InboxMember.user_id == user.id)
    shown = (
        select(Customer.organisation_id, Customer.id)
        .join(Ticket, Ticket.customer_id == Customer.id)
        .where(
            Customer.organisation_id.in_(ids),
            Ticket.inbox_id.in_(agents),
            Ticket.shows_customer.is_(True),
        )
    )
    created = select(Customer.organisation_id, Customer.id).where(
        Customer.organisation_id.in_(ids),
        Customer.created_by_id == user.id,
        Customer.merged_into_id.is_(None),
    )
    both = union(shown, created).subquery()
    return select(both.c.organisation_id, func.count()).group_by(both.c.organisation_id)


async def _old_index(url: str) -> None:
    """The customer's tickets' index as it was before migration 0096."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "CREATE INDEX ix_tickets_customer_updated ON tickets (customer_id, updated_at)"
                )
            )
            await connection.execute(text("DROP INDEX ix_tickets_customer_updated_inbox"))
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE tickets"))
    finally:
        await engine.dispose()


async def _sql_ms(session: AsyncSession, statement: Any, repeat: int) -> tuple[float, float, Any]:
    times: list[float] = []
    rows: Any = None
    for _ in range(repeat + 1):
        started = time.perf_counter()
        rows = sorted((await session.execute(statement)).all())
        times.append((time.perf_counter() - started) * 1000)
    times = times[1:]
    return min(times), statistics.median(times), rows


async def _pages(session: AsyncSession) -> list[tuple[str, list[int]]]:
    ids = list((await session.scalars(select(Organisation.id).order_by(Organisation.name))).all())
    return [("first 25", ids[:25]), ("next 25", ids[25:50]), ("first 100", ids[:100])]


async def sql_cost(
    app: Any, seeded: ticket_bench.Seeded, repeat: int, *, explain: bool
) -> list[str]:
    lines: list[str] = []
    async with app.state.sessionmaker() as session:
        agent = await session.scalar(select(User).where(User.email == seeded.agent_email))
        admin = await session.scalar(select(User).where(User.email == seeded.admin_email))
        assert agent is not None
        assert admin is not None
        for page_name, ids in await _pages(session):
            members = await session.scalar(
                select(func.count()).where(Customer.organisation_id.in_(ids))
            )
            cells = [page_name, f"{members:,}"]
            admin_ms = await _sql_ms(
                session, organisations_service.counting(ids, viewer=admin), repeat
            )
            agent_ms = await _sql_ms(
                session, organisations_service.counting(ids, viewer=agent), repeat
            )
            side_ms = await _sql_ms(session, _from_tickets(agent, ids), repeat)
            if agent_ms[2] != side_ms[2]:
                raise AssertionError(f"{page_name}: {agent_ms[2]} counted, {side_ms[2]} by tickets")
            for best, median, _ in (admin_ms, agent_ms, side_ms):
                cells.append(f"{best:.1f} / {median:.1f}")
            lines.append("| " + " | ".join(cells) + " |")
        if explain:
            dialect = session.bind.dialect
            for name, statement in (
                ("counting", organisations_service.counting([1], viewer=agent)),
                ("from the tickets' side", _from_tickets(agent, [1])),
            ):
                sql = str(
                    statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
                )
                prefix = (
                    "EXPLAIN QUERY PLAN "
                    if dialect.name == "sqlite"
                    else "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) "
                )
                plan = (await session.execute(text(prefix + sql))).all()
                lines.append(f"\nplan of the agent's count of the large organisation, {name}:")
                lines += ["    " + " | ".join(str(part) for part in row) for row in plan]
    return lines


async def requests(app: Any, seeded: ticket_bench.Seeded, repeat: int) -> list[str]:
    lines: list[str] = []
    transport = httpx.ASGITransport(app=app)
    paths = (
        ("GET /organisations", "/api/v1/organisations?limit=25"),
        ("its tickets", "/api/v1/organisations/1/tickets?limit=25"),
        ("ticket list, organisation_id", "/api/v1/tickets?organisation_id=1&limit=25"),
    )
    for who, email in (("agent", seeded.agent_email), ("admin", seeded.admin_email)):
        async with httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as client:
            await ticket_bench._login(client, email)
            for name, path in paths:
                times: list[float] = []
                for _ in range(repeat + 2):
                    started = time.perf_counter()
                    await ticket_bench._get(client, path)
                    times.append((time.perf_counter() - started) * 1000)
                times = sorted(times[2:])
                p95 = times[int(0.95 * (len(times) - 1))]
                lines.append(f"| {who} | {name} | {statistics.median(times):.1f} | {p95:.1f} |")
    return lines


async def run_store(store: str, args: argparse.Namespace) -> list[str]:
    async with ticket_bench.fresh_database(store) as (url, tmp):
        print(f"[{store}] migrating and seeding {args.tickets:,} tickets …", flush=True)
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            seeded = await ticket_bench.seed(engine, tickets=args.tickets, max_entries=1)
        finally:
            await engine.dispose()
        await _organise(url)
        if args.before:
            await _old_index(url)
        app = create_app(ticket_bench._settings(url, tmp / "var"), run_loops=False)
        async with app.router.lifespan_context(app):
            load = os.getloadavg()[0]
            lines = [
                f"\n### {store}: {args.tickets:,} tickets; load average {load:.1f}\n",
                "SQL of the customers' count, ms, best / median of "
                f"{args.repeat}{' (the index before 0096)' if args.before else ''}:\n",
                "| page | members | admin | agent | agent, from the tickets' side |",
                "|---|--:|--:|--:|--:|",
            ]
            lines += await sql_cost(app, seeded, args.repeat, explain=args.explain)
            lines += [
                "\nWhole requests, ms (p50 / p95):\n",
                "| user | request | p50 | p95 |",
                "|---|---|--:|--:|",
            ]
            lines += await requests(app, seeded, args.repeat)
        return lines


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each")
    parser.add_argument(
        "--before", action="store_true", help="the customer's tickets' index before 0096"
    )
    parser.add_argument("--explain", action="store_true", help="print the agent count's plans")
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        for line in await run_store(store, args):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
