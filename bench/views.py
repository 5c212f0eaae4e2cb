"""Cost of the saved views' counts (GET /api/v1/views/counts) on a large desk.

Run from the repository root:

    .venv/bin/python bench/views.py [--store sqlite|postgresql|both] [--tickets 100000]

For each store it builds a fresh database with the real migrations, seeds it with
bench/tickets.py's data set (one entry per ticket) and gives the tickets priorities (5 % urgent,
15 % high, 20 % low, the rest normal), then saves 50 views through the API: 20 shared ones (by
the admin) and 30 of the measured agent's own, over the filters agents combine (priority,
state, inbox, mine, unassigned, label, type, breaching), among them the costly `closed + urgent`.
It then drives the real app in process over ASGI and prints, per user, the time of a
`/views/counts` that computes (p50/p95) and of one answered from the per-viewer cache, with the
number of SQL statements each ran. Nothing here is a test: no assertions on time.
"""

# Every SQL string below is assembled from this file's own constants.
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
from sqlalchemy import event, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine
from frontdesk.saved_views import kept as views_kept
from frontdesk.saved_views import service as views_service
from frontdesk.saved_views.schemas import ViewFilters
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.queries import filtered
from frontdesk.users.models import User

PRIORITY = (
    "CASE WHEN id * 2654435761 % 4294967296 / 256 % 100 < 5 THEN 'urgent' "
    "WHEN id * 2654435761 % 4294967296 / 256 % 100 < 20 THEN 'high' "
    "WHEN id * 2654435761 % 4294967296 / 256 % 100 < 40 THEN 'low' ELSE 'normal' END"
)


def _views(inbox_ids: Sequence[int], agent_id: int) -> list[dict[str, Any]]:
    """50 views: 20 shared, 30 personal, over the filters the desk offers."""
    i1, i2, _ = inbox_ids
    shapes: list[dict[str, Any]] = [
        {"priority": ["urgent"]},
        {"state": ["closed"], "priority": ["urgent"]},
        {"state": ["open"], "priority": ["high", "urgent"]},
        {"state": ["open", "hold"], "unassigned": True},
        {"state": ["open"], "mine": True},
        {"inbox_id": i1, "state": ["open"], "priority": ["urgent"]},
        {"inbox_id": i2, "state": ["closed"], "priority": ["low"]},
        {"inbox_id": i1, "priority": ["high"]},
        {"state": ["open"], "type": "chat"},
        {"label_id": 4},
        {"state": ["open"], "breaching": True},
        {"inbox_id": i1, "mine": True},
        {"priority": ["low"], "type": "email"},
        {"state": ["hold"], "assignee_id": agent_id},
        {"inbox_id": i2, "state": ["open", "hold"]},
    ]
    return [
        {"name": f"View {n}", "filters": shapes[n % len(shapes)], "shared": n < 20}
        for n in range(50)
    ]


async def _prepare(url: str, seeded: ticket_bench.Seeded) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"UPDATE tickets SET priority = {PRIORITY}"))
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE tickets"))
        else:
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def measure(
    url: str, tmp: Path, seeded: ticket_bench.Seeded, repeat: int, *, explain: bool
) -> list[str]:
    settings = ticket_bench._settings(url, tmp / "var")
    app = create_app(settings, run_loops=False)
    lines: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as admin,
        httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as agent,
    ):
        await ticket_bench._login(admin, seeded.admin_email)
        await ticket_bench._login(agent, seeded.agent_email)
        for body in _views(seeded.inbox_ids, seeded.agent_id):
            client = admin if body["shared"] else agent
            response = await client.post("/api/v1/views", json=body)
            response.raise_for_status()
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        engine = app.state.engine
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        for who, client in (("agent", agent), ("admin", admin)):
            computed: list[float] = []
            cached: list[float] = []
            ran = (0, 0)
            for _ in range(repeat):
                views_kept.of_app(app).clear()
                before, t0 = statements, time.perf_counter()
                answer = (await client.get("/api/v1/views/counts")).raise_for_status().json()
                computed.append((time.perf_counter() - t0) * 1000)
                middle, t1 = statements, time.perf_counter()
                (await client.get("/api/v1/views/counts")).raise_for_status()
                cached.append((time.perf_counter() - t1) * 1000)
                ran = (middle - before, statements - middle)
            views = len(answer["views"])
            at_most = sum(1 for each in answer["views"] if each["count"] >= answer["most"])
            lines.append(
                f"| {who:<5} | {views:>5} | {at_most:>6} | {statistics.median(computed):8.1f} "
                f"| {sorted(computed)[int(0.95 * (len(computed) - 1))]:8.1f} | {ran[0]:>5} "
                f"| {statistics.median(cached):6.1f} | {ran[1]:>5} |"
            )
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        for who, client in (("agent", agent), ("admin", admin)):
            await _check(app, client, who)
        if explain:
            lines += await _plans(app, seeded)
    return lines


# The view shapes whose plans --explain prints.
EXPLAINED: dict[str, dict[str, Any]] = {
    "closed + urgent": {"state": ["closed"], "priority": ["urgent"]},
    "urgent": {"priority": ["urgent"]},
    "open, unassigned": {"state": ["open", "hold"], "unassigned": True},
    "label": {"label_id": 4},
}


async def _plans(app: Any, seeded: ticket_bench.Seeded) -> list[str]:
    """How each store reads one count of a few shapes, for the agent."""
    lines: list[str] = []
    async with app.state.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.email == seeded.agent_email))
        assert user is not None
        dialect = session.bind.dialect
        for name, filters in EXPLAINED.items():
            criteria = views_service.criteria_of(ViewFilters.model_validate(filters), user=user)
            counted = views_service._counted(user, criteria, sla_sort=False)
            sql = str(counted.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            prefix = (
                "EXPLAIN QUERY PLAN "
                if dialect.name == "sqlite"
                else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
            )
            plan = (await session.execute(text(prefix + sql))).all()
            lines.append(f"plan of {name}:")
            lines += ["    " + " | ".join(str(part) for part in row) for row in plan]
    return lines


async def _check(app: Any, client: httpx.AsyncClient, who: str) -> None:
    """Each count as a plain count of the view's tickets, one view at a time, would give."""
    views_kept.of_app(app).clear()
    answer = (await client.get("/api/v1/views/counts")).raise_for_status().json()
    email = "admin@bench.test" if who == "admin" else "agent0@bench.test"
    async with app.state.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        views = await views_service.list_views(session, user=user)
        for view, counted in zip(views, answer["views"], strict=True):
            query = filtered(
                user, views_service.criteria_of(views_service.filters_of(view), user=user)
            )
            if view.sort == "sla_due_at":
                query = query.where(Ticket.sla_due_at.is_not(None))
            plain = await session.scalar(select(func.count()).select_from(query.subquery()))
            expected = min(int(plain or 0), answer["most"])
            if counted["count"] != expected:
                raise AssertionError(
                    f"{who}: view {view.filters} counted {counted}, not {expected}"
                )


async def run_store(store: str, args: argparse.Namespace) -> list[str]:
    async with ticket_bench.fresh_database(store) as (url, tmp):
        print(f"[{store}] migrating and seeding {args.tickets:,} tickets …", flush=True)
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            seeded = await ticket_bench.seed(engine, tickets=args.tickets, max_entries=1)
        finally:
            await engine.dispose()
        await _prepare(url, seeded)
        return await measure(url, tmp, seeded, args.repeat, explain=args.explain)


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per user")
    parser.add_argument(
        "--explain", action="store_true", help="also print how each store reads a few counts"
    )
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        before = os.getloadavg()[0]
        lines = await run_store(store, args)
        print(
            f"\n### {store}: {args.tickets:,} tickets, 50 views; load average {before:.1f} "
            f"before / {os.getloadavg()[0]:.1f} after\n"
        )
        print(
            "| user  | views | at max | computed p50 ms | p95 ms | statements "
            "| cached p50 ms | statements |"
        )
        print("|-------|------:|-------:|---------:|---------:|------:|-------:|------:|")
        for line in lines:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
