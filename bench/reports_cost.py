"""Load-independent cost of the reports on a database kept by `bench/reports.py --keep DIR`: the
service called directly (`reports.service`), per report and filter. On SQLite, the CPU time of
the process (the app and SQLite run in it, aiosqlite's thread included; best of `--repeat` after
a warm-up); on PostgreSQL, the server's execution time: the sum of EXPLAIN ANALYZE's "Execution
Time" over the statements the call ran (recorded on one run, explained afterwards). And how many
statements the call ran. The machine's load inflates wall clock, not these.

    PYTHONPATH=src .venv/bin/python bench/reports_cost.py --keep DIR --store sqlite
    PYTHONPATH=src .venv/bin/python bench/reports_cost.py --keep DIR --store postgresql \
        --reports times,agents
    # --statements: each statement's share too (SQLite: CPU from sending it to its rows
    # fetched; PostgreSQL: its execution time), with the start of its text

It neither seeds nor migrates: run it with the code whose cost you want (an older checkout's
`src` on PYTHONPATH measures "before" on a database not yet migrated).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reports as reports_bench

from frontdesk.db.session import create_engine
from frontdesk.inboxes.models import Inbox
from frontdesk.metrics.models import Channel
from frontdesk.reports import service
from frontdesk.reports.service import ReportFilter
from frontdesk.users.models import User

REPORTS: dict[str, Callable[[AsyncSession, ReportFilter], Awaitable[Any]]] = {
    "volume": service.volume,
    "busiest_hours": service.busiest_hours,
    "times": service.times,
    "agents": service.agents,
    "csat": service.csat,
}


async def _cases(session: AsyncSession, state: dict[str, Any]) -> list[tuple[str, ReportFilter]]:
    """bench/reports.py's cases: a year and a month to today in Europe/Paris; a year by inbox,
    channel, agent and label; a year in Asia/Kathmandu (+05:45); and an agent's own view."""
    today = datetime.now(UTC).date()
    year = ReportFilter(since=today - timedelta(days=364), until=today, time_zone="Europe/Paris")
    seeded = state["seeded"]
    agent = await session.scalar(select(User).where(User.email == seeded["agent_email"]))
    assert agent is not None
    inbox_id = await session.scalar(select(Inbox.id).order_by(Inbox.id).limit(1))
    return [
        ("year", year),
        ("month", replace(year, since=today - timedelta(days=29))),
        ("year, inbox", replace(year, inbox_id=inbox_id)),
        ("year, channel", replace(year, channel=Channel.chat)),
        ("year, agent", replace(year, agent_id=seeded["agent_id"])),
        ("year, label", replace(year, label_id=state["label_id"])),
        ("year, Kathmandu", replace(year, time_zone="Asia/Kathmandu")),
        ("agent's own view, year", service.checked(agent, year)),
    ]


async def _server_ms(
    session: AsyncSession, statements: list[tuple[str, Any]], each: list[float] | None = None
) -> float:
    total = 0.0
    connection = await session.connection()
    for statement, parameters in statements:
        found = await connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
        )
        plan: Any = found.scalar()
        if isinstance(plan, str):
            plan = json.loads(plan)
        total += float(plan[0]["Execution Time"])
        if each is not None:
            each.append(float(plan[0]["Execution Time"]))
    return total


def _short(statement: str) -> str:
    return " ".join(statement.split())[:110]


async def run(
    store: str,
    keep: Path,
    repeat: int,
    only: set[str],
    per_statement: bool = False,
    cases: set[str] | None = None,
) -> None:
    url, _name = reports_bench._kept_url(store, keep)
    state = json.loads((keep / f"seeded-{store}.json").read_text())
    engine = create_engine(url)
    statements: list[tuple[str, Any]] = []
    cpu: list[float] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.startswith("EXPLAIN"):
            statements.append((statement, parameters))
            cpu.append(time.process_time())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _done(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # aiosqlite's adapter fetches the rows within the execute, so this spans the reading.
        if not statement.startswith("EXPLAIN") and cpu:
            cpu[-1] = time.process_time() - cpu[-1]

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    unit = "CPU ms" if store == "sqlite" else "server ms"
    print(f"### {store}, load {os.getloadavg()[0]:.1f}")
    print(f"| report (range, filter) | {unit} | statements |")
    print("|---|---:|---:|")
    try:
        async with sessions() as session:
            for case, report in await _cases(session, state):
                if cases and case not in cases:
                    continue
                for name, call in REPORTS.items():
                    if only and name not in only:
                        continue
                    await call(session, report)  # warm-up: caches, the planner's first look
                    best = float("inf")
                    shares: list[float] = []
                    for _ in range(repeat):
                        statements.clear()
                        cpu.clear()
                        started = time.process_time()
                        await call(session, report)
                        spent = (time.process_time() - started) * 1000
                        if spent < best:
                            best, shares = spent, [c * 1000 for c in cpu]
                    count = len(statements)
                    ran = list(statements)
                    if store == "postgresql":
                        shares = []
                        best = await _server_ms(session, ran, shares)
                    print(f"| {name} ({case}) | {best:,.0f} | {count} |", flush=True)
                    if per_statement:
                        for share, (statement, _parameters) in zip(shares, ran, strict=False):
                            print(f"|   {share:7.1f} | {_short(statement)} |", flush=True)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--keep", required=True, help="the DIR of `bench/reports.py --keep DIR`")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reports", default="", help="comma-separated reports (default: all)")
    parser.add_argument("--cases", default="", help="comma-separated cases, e.g. 'year,month'")
    parser.add_argument("--statements", action="store_true", help="each statement's cost too")
    args = parser.parse_args(argv)
    only = {name for name in args.reports.split(",") if name}
    cases = {name.strip() for name in args.cases.split(",") if name.strip()}
    keep = Path(args.keep).resolve()
    asyncio.run(run(args.store, keep, args.repeat, only, args.statements, cases))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
