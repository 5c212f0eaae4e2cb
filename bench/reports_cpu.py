"""Load-independent cost of the reports on a database kept by `bench/reports.py --keep DIR`: the
service called directly (`reports.service`), per report and filter. On SQLite, the CPU time of
the process (the app and SQLite run in it; best of `--repeat` after a warm-up); on PostgreSQL,
the server's execution time: the sum of EXPLAIN ANALYZE's "Execution Time" over the statements
the call ran (recorded on a first run, explained on a second). And how many statements.

    PYTHONPATH=src .venv/bin/python bench/reports_cpu.py --keep DIR --store sqlite

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
    today = datetime.now(UTC).date()
    year = ReportFilter(since=today - timedelta(days=364), until=today, time_zone="Europe/Paris")
    seeded = state["seeded"]
    agent = await session.scalar(select(User).where(User.email == seeded["agent_email"]))
    assert agent is not None
    return [
        ("year", year),
        ("year, agent", replace(year, agent_id=seeded["agent_id"])),
        ("year, label", replace(year, label_id=state["label_id"])),
        ("agent's own view, year", service.checked(agent, year)),
    ]


async def run(store: str, keep: Path, repeat: int, only: set[str]) -> None:
    url, _name = reports_bench._kept_url(store, keep)
    state = json.loads((keep / f"seeded-{store}.json").read_text())
    engine = create_engine(url)
    statements: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    print(f"### {store}, load {os.getloadavg()[0]:.1f}")
    print("| report (range, filter) | ms | statements |")
    print("|---|---:|---:|")
    try:
        async with sessions() as session:
            cases = await _cases(session, state)
            for case, report in cases:
                for name, call in REPORTS.items():
                    if only and name not in only:
                        continue
                    await call(session, report)  # warm-up: caches, the planner's first look
                    statements.clear()
                    if store == "sqlite":
                        best = float("inf")
                        for _ in range(repeat):
                            statements.clear()
                            started = time.process_time()
                            await call(session, report)
                            best = min(best, (time.process_time() - started) * 1000)
                        count = len(statements)
                    else:
                        await call(session, report)
                        recorded = list(statements)
                        count = len(recorded)
                        best = 0.0
                        connection = await session.connection()
                        for statement, parameters in recorded:
                            found = await connection.exec_driver_sql(
                                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
                            )
                            plan: Any = found.scalar()
                            if isinstance(plan, str):
                                plan = json.loads(plan)
                            best += float(plan[0]["Execution Time"])
                    print(f"| {name} ({case}) | {best:,.0f} | {count} |", flush=True)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--keep", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated reports (default: all)")
    args = parser.parse_args(argv)
    only = {name for name in args.only.split(",") if name}
    asyncio.run(run(args.store, Path(args.keep).resolve(), args.repeat, only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
