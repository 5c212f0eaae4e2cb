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

`--pages` measures instead an organisation's pages of tickets, for the large one (5,000
members) and a small one (64): `GET /organisations/{id}/tickets` (newest first by number) and
the ticket list filtered by `organisation_id` (newest activity first), each its first page and
its third (from the second's cursor), for the agent and the admin; whole requests (p50 / p95)
and the page's statement alone (best / median, run as the request runs it, after
organisations/queries.walks chose between walking the list's order and reading the members'
tickets). `--sort-all` makes every
organisation's page read its members' tickets and sort them (the plan before 2026-12-07), to
compare; `--explain` prints each page's plan.
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
from frontdesk.customers.queries import ticket_customer_visible
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine
from frontdesk.inboxes.models import InboxMember
from frontdesk.organisations import queries as organisations_queries
from frontdesk.organisations import service as organisations_service
from frontdesk.organisations.models import Organisation
from frontdesk.tickets import queries as ticket_queries
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.tickets.queries import visible_tickets
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


# The organisations whose pages `--pages` reads: the first is the large one, the second a small.
PAGED = (("large", 1), ("small", 2))
PAGE = 25


async def _cursors(client: httpx.AsyncClient, path: str) -> tuple[str, str]:
    """The first page's path and the third's (the second page's cursor)."""
    cursor: str | None = None
    for _ in range(2):
        joined = f"{path}&cursor={cursor}" if cursor else path
        cursor = (await ticket_bench._get(client, joined))["next_cursor"]
        if cursor is None:
            raise AssertionError(f"{path}: fewer than three pages")
    return path, f"{path}&cursor={cursor}"


def _page_statements(
    user: User,
    organisation_id: int,
    *,
    walk: organisations_queries.Walk | None,
    third: tuple[Any, Any] | None,
    limit: int,
) -> list[Any]:
    """The statements of both lists' page, as the services build them: the first page, or
    with `third` (the id and the (updated_at, id) the second page ended on) the third."""
    listed = visible_tickets(user, walk=walk is not None and walk.inboxes).where(
        organisations_queries.member_of(organisation_id, walk=walk is not None),
        Ticket.state != TicketState.spam,
        ticket_customer_visible(user),
    )
    if third is not None:
        listed = listed.where(Ticket.id < third[0])
    criteria = ticket_queries.TicketFilter(organisation_id=organisation_id)
    filtered = ticket_queries.filtered(user, criteria, walk=walk)
    return [
        listed.order_by(Ticket.id.desc()).limit(limit + 1),
        ticket_queries.page(
            filtered, sort="-updated_at", after=third[1] if third else None, limit=limit
        ),
    ]


async def _plan(session: AsyncSession, statement: Any) -> list[str]:
    dialect = session.get_bind().dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    prefix = (
        "EXPLAIN QUERY PLAN "
        if dialect.name == "sqlite"
        else "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) "
    )
    rows = (await session.execute(text(prefix + sql))).all()
    return [" | ".join(str(part) for part in row) for row in rows]


async def _page_ms(session: AsyncSession, statement: Any, repeat: int) -> tuple[float, float]:
    times: list[float] = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        (await session.execute(statement)).all()
        times.append((time.perf_counter() - started) * 1000)
        session.expunge_all()
    return min(times[1:]), statistics.median(times[1:])


async def _requests_of_pages(app: Any, email: str, who: str, repeat: int) -> list[str]:
    lines: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as client:
        await ticket_bench._login(client, email)
        for size, organisation_id in PAGED:
            lists = (
                ("its tickets", f"/api/v1/organisations/{organisation_id}/tickets?limit={PAGE}"),
                ("ticket list", f"/api/v1/tickets?organisation_id={organisation_id}&limit={PAGE}"),
            )
            for name, path in lists:
                first, third = await _cursors(client, path)
                for which, paged in (("first", first), ("third", third)):
                    times: list[float] = []
                    for _ in range(repeat + 2):
                        started = time.perf_counter()
                        await ticket_bench._get(client, paged)
                        times.append((time.perf_counter() - started) * 1000)
                    times = sorted(times[2:])
                    p95 = times[int(0.95 * (len(times) - 1))]
                    lines.append(
                        f"| {who} | {size} | {name}, {which} page | "
                        f"{statistics.median(times):.1f} | {p95:.1f} |"
                    )
        # The same request without the filter: what a page of the list costs at all.
        times = []
        for _ in range(repeat + 2):
            started = time.perf_counter()
            await ticket_bench._get(client, f"/api/v1/tickets?limit={PAGE}")
            times.append((time.perf_counter() - started) * 1000)
        times = sorted(times[2:])
        p95 = times[int(0.95 * (len(times) - 1))]
        lines.append(
            f"| {who} | none | ticket list, no filter, first page | "
            f"{statistics.median(times):.1f} | {p95:.1f} |"
        )
    return lines


async def _statements_of_pages(
    session: AsyncSession, user: User, who: str, repeat: int, *, explain: bool
) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    plans: list[str] = []
    for size, organisation_id in PAGED:
        walk = await organisations_queries.walks(session, organisation_id=organisation_id)
        # Where the second page ends: the 50th ticket of each list.
        two = _page_statements(user, organisation_id, walk=walk, third=None, limit=2 * PAGE - 1)
        last_by_id = (await session.scalars(two[0])).all()[-1]
        last_by_activity = (await session.scalars(two[1])).all()[-1]
        third = (last_by_id.id, (last_by_activity.updated_at, last_by_activity.id))
        statements = _page_statements(
            user, organisation_id, walk=walk, third=None, limit=PAGE
        ) + _page_statements(user, organisation_id, walk=walk, third=third, limit=PAGE)
        names = (
            "its tickets, first",
            "ticket list, first",
            "its tickets, third",
            "ticket list, third",
        )
        plan = "walk" if walk else "members"
        for name, statement in zip(names, statements, strict=True):
            best, median = await _page_ms(session, statement, repeat)
            lines.append(f"| {who} | {size} | {plan} | {name} | {best:.1f} / {median:.1f} |")
            if explain:
                plans.append(f"\nplan, {who}, the {size} organisation, {name} ({plan}):")
                plans += ["    " + row for row in await _plan(session, statement)]
    return lines, plans


async def page_cost(
    app: Any, seeded: ticket_bench.Seeded, repeat: int, *, explain: bool
) -> list[str]:
    """`--pages`: the whole requests, then the statements alone (and their plans)."""
    whole: list[str] = []
    alone: list[str] = []
    plans: list[str] = []
    for who, email in (("agent", seeded.agent_email), ("admin", seeded.admin_email)):
        whole += await _requests_of_pages(app, email, who, repeat)
        async with app.state.sessionmaker() as session:
            user = await session.scalar(select(User).where(User.email == email))
            assert user is not None
            timed, planned = await _statements_of_pages(session, user, who, repeat, explain=explain)
            alone += timed
            plans += planned
    return [
        "Whole requests, ms (p50 / p95):\n",
        "| user | organisation | request | p50 | p95 |",
        "|---|---|---|--:|--:|",
        *whole,
        "\nThe page's statement alone, ms (best / median):\n",
        "| user | organisation | plan | page | best / median |",
        "|---|---|---|---|--:|",
        *alone,
        *plans,
    ]


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
        if args.sort_all:

            async def never(
                session: AsyncSession, *, organisation_id: int
            ) -> organisations_queries.Walk | None:
                return None

            organisations_queries.walks = never
        app = create_app(ticket_bench._settings(url, tmp / "var"), run_loops=False)
        async with app.router.lifespan_context(app):
            load = os.getloadavg()[0]
            if args.pages:
                plans = " (every page sorted, --sort-all)" if args.sort_all else ""
                return [
                    f"\n### {store}: {args.tickets:,} tickets; load average {load:.1f}{plans}\n",
                    *await page_cost(app, seeded, args.repeat, explain=args.explain),
                ]
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
    parser.add_argument("--explain", action="store_true", help="print the plans")
    parser.add_argument("--pages", action="store_true", help="an organisation's pages of tickets")
    parser.add_argument(
        "--sort-all", action="store_true", help="--pages: sort every organisation's tickets"
    )
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        for line in await run_store(store, args):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
