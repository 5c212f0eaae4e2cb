"""What Reports → Open work by status costs on a large data set (docs/performance.md, "Open work
by status").

Run from the repository root:

    .venv/bin/python bench/open_work.py [--store sqlite|postgresql|both] [--tickets 200000]

Builds a fresh database with the real migrations and bench/tickets.py's seed (about 30% of the
tickets open, 10% on hold, some snoozed, the rest closed), gives custom statuses to some of the
open and held tickets, then times the table's statement (reports/open_work.py) as the reading
process runs it, for an admin with and without each filter and for an agent (their inboxes, their
own tickets), and prints SQLite's plan. No assertions on time.
"""

# ruff: noqa: S608  (SQL assembled from this file's constants)

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tickets import fresh_database, seed

from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.reports.open_work import OPEN_STATES, _open_tickets, open_work
from frontdesk.reports.service import ReportFilter
from frontdesk.statuses import service as statuses_service
from frontdesk.statuses.models import StatusState
from frontdesk.tickets.models import Ticket

TODAY = date(2026, 12, 18)
REPEAT = 20


async def _statuses(engine: AsyncEngine) -> None:
    """Three statuses; every other held ticket waits on the vendor, one open in five is in
    progress, one closed in four is a closed status (never read by the report)."""
    async with unit_of_work(async_sessionmaker(engine, expire_on_commit=False)) as session:
        for name, state in (
            ("In progress", "open"),
            ("Waiting on vendor", "hold"),
            ("Duplicate", "closed"),
        ):
            await statuses_service.create_status(session, name=name, state=StatusState(state))
    async with engine.begin() as connection:
        found = await connection.execute(text("SELECT state, id FROM ticket_statuses"))
        ids: dict[str, int] = {str(state): int(n) for state, n in found}
        for state, share in (("hold", 2), ("open", 5), ("closed", 4)):
            await connection.execute(
                text(
                    f"UPDATE tickets SET status_id = {ids[state]} "
                    f"WHERE state = '{state}' AND id % {share} = 0"
                )
            )


async def _timed(engine: AsyncEngine, report: ReportFilter, viewer_id: int | None) -> float:
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    times: list[float] = []
    for _ in range(REPEAT):
        async with sessionmaker() as session:
            started = time.perf_counter()
            await open_work(session, report, viewer_id)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def _plan(engine: AsyncEngine, report: ReportFilter, viewer_id: int | None) -> list[str]:
    statement = _open_tickets(report, viewer_id, Ticket.state, Ticket.status_id, func.count())
    statement = statement.group_by(Ticket.state, Ticket.status_id)
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as connection:
        rows = (await connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all()
    return [str(row[-1]) for row in rows]


async def run(store: str, tickets: int, covering: bool) -> None:
    async with fresh_database(store) as (url, _tmp):
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            seeded = await seed(engine, tickets=tickets, max_entries=1)
            await _statuses(engine)
            async with engine.connect() as connection:
                states = ", ".join(f"'{s.value}'" for s in OPEN_STATES)
                open_n = (
                    await connection.execute(
                        text(f"SELECT count(*) FROM tickets WHERE state IN ({states})")
                    )
                ).scalar()
                if covering:
                    # An experiment, not a migration: what an index holding the status would
                    # save (index-only counting).
                    await connection.execute(
                        text(
                            "CREATE INDEX ix_bench_state_status ON tickets "
                            "(state, inbox_id, assignee_id, status_id)"
                        )
                    )
                await connection.execute(text("ANALYZE"))
                await connection.commit()
            print(f"[{store}] {seeded.tickets:,} tickets, {open_n:,} open, on hold or snoozed")
            base = ReportFilter(since=TODAY, until=TODAY)
            inbox = seeded.inbox_ids[0]
            cases: list[tuple[str, ReportFilter, int | None]] = [
                ("admin, every inbox", base, None),
                ("admin, one inbox", ReportFilter(TODAY, TODAY, inbox_id=inbox), None),
                ("admin, one agent", ReportFilter(TODAY, TODAY, agent_id=seeded.agent_id), None),
                ("admin, a label", ReportFilter(TODAY, TODAY, label_id=1), None),
                (
                    "agent (own, 2 inboxes)",
                    ReportFilter(TODAY, TODAY, agent_id=seeded.agent_id),
                    seeded.agent_id,
                ),
            ]
            for name, report, viewer in cases:
                ms = await _timed(engine, report, viewer)
                print(f"[{store}] {name:<24} {ms:8.1f} ms (median of {REPEAT})")
                if store == "sqlite":
                    for line in await _plan(engine, report, viewer):
                        print(f"[{store}]     plan: {line}")
        finally:
            await engine.dispose()


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument(
        "--covering",
        action="store_true",
        help="add an index (state, inbox_id, assignee_id, status_id) first, to compare",
    )
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        asyncio.run(run(store, args.tickets, args.covering))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
