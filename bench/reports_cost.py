"""Load-independent cost of the reports' service calls on a database kept by
`bench/reports.py --keep DIR`: on SQLite the process's CPU time per call (SQLite runs in process,
aiosqlite's thread included; best of 3 after a warm-up), on PostgreSQL the server's execution
time (the sum of `EXPLAIN ANALYZE`'s "Execution Time" over the statements the call ran, on the
second of two runs); and how many statements the call ran. The machine's load inflates wall
clock, not these.

    PYTHONPATH=src .venv/bin/python bench/reports_cost.py URL [--reports times,agents]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.session import create_engine
from frontdesk.inboxes.models import Inbox
from frontdesk.metrics.models import Channel
from frontdesk.reports import service
from frontdesk.reports.service import ReportFilter
from frontdesk.tickets.models import ticket_labels
from frontdesk.users.models import User


async def _cases(session: AsyncSession) -> list[tuple[str, ReportFilter]]:
    """bench/reports.py's cases: a year and a month to today in Europe/Paris; a year by inbox,
    channel, agent and label; and a year in Asia/Kathmandu (+05:45)."""
    today = datetime.now(UTC).date()
    year, month = today - timedelta(days=364), today - timedelta(days=29)
    inbox_id = await session.scalar(select(func.min(Inbox.id)))
    agent_id = await session.scalar(
        select(User.id).where(User.email == "agent0@bench.test").limit(1)
    )
    label_id = await session.scalar(select(ticket_labels.c.label_id).limit(1))

    base = ReportFilter(since=year, until=today, time_zone="Europe/Paris")

    def of(**kw: Any) -> ReportFilter:
        return dataclasses.replace(base, **kw)

    return [
        ("year", of()),
        ("month", of(since=month)),
        ("year, inbox", of(inbox_id=inbox_id)),
        ("year, channel", of(channel=Channel.chat)),
        ("year, agent", of(agent_id=agent_id)),
        ("year, label", of(label_id=label_id)),
        ("year, Kathmandu", of(time_zone="Asia/Kathmandu")),
    ]


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--reports", default="times,agents")
    args = parser.parse_args(argv)
    engine = create_engine(args.url)
    postgresql = engine.dialect.name == "postgresql"
    captured: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if not statement.startswith("EXPLAIN"):
            captured.append((statement, parameters))

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    out: list[dict[str, Any]] = []
    try:
        async with sessions() as session:
            cases = await _cases(session)
            for name in args.reports.split(","):
                call = getattr(service, name)
                for label, report in cases:
                    await call(session, report)  # warm-up
                    cpu = []
                    for _ in range(3):
                        captured.clear()
                        before = time.process_time()
                        await call(session, report)
                        cpu.append(time.process_time() - before)
                    statements = list(captured)
                    row: dict[str, Any] = {
                        "report": f"{name} ({label})",
                        "statements": len(statements),
                        "cpu_ms": round(min(cpu) * 1000),
                    }
                    if postgresql:
                        server = 0.0
                        connection = await session.connection()
                        for statement, parameters in statements:
                            result = await connection.exec_driver_sql(
                                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
                            )
                            found: Any = result.scalar()
                            plan = json.loads(found) if isinstance(found, str) else found
                            server += float(plan[0]["Execution Time"])
                        row["server_ms"] = round(server, 1)
                    out.append(row)
                    print(json.dumps(row), flush=True)
            await session.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
