"""What the rest of the desk waits while a long read runs, at 200,000 tickets: the Reports page,
the tickets behind a figure, the audit log's CSV.

Run from the repository root, on a database kept by bench/reports.py:

    .venv/bin/python bench/reports.py --store sqlite --keep DIR --seed-only   # once, ~2 min
    .venv/bin/python bench/beside.py --store sqlite --keep DIR [--read reports|drill|audit]

`--read reports`: the Reports page for a year, which asks for its seven tables at once
(web/desk/src/reports); `drill`: the tickets behind the year's conversations; `audit`: the audit
log's CSV, 100,000 entries (added to the kept database the first time, and the bench's admin
made an owner, who alone may read the log). An admin does it `--times` times, one after another;
meanwhile an agent reads their chat bar at a steady rate (a cheap request on the app's own
connection, as every request of the desk is), and a probe sleeps a millisecond at a time on the
event loop and records how late it wakes. Printed: how long the read took, the chat bar's
latency while it ran (and without it, first), and the event loop's lateness. No assertions on
time: the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reports as report_bench
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.audit.models import ActorKind, AuditEvent
from frontdesk.db.session import create_engine
from frontdesk.kit.collector import tune_for_server

PAGE = ("volume", "busiest_hours", "times", "agents", "csat", "comments", "sla")


class LoopProbe:
    """Sleeps 1 ms at a time and keeps how much later than asked it woke."""

    def __init__(self) -> None:
        self.lates: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(0.001)
            self.lates.append((time.perf_counter() - asked - 0.001) * 1000)

    def start(self) -> None:
        self.lates = []
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> list[float]:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.lates


def _percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


async def _bar_while(agent: httpx.AsyncClient, done: asyncio.Event, rate: float) -> list[float]:
    """The chat bar read `rate` times a second (each on time, whatever the last one took), until
    `done`; the latencies, ms."""
    samples: list[float] = []

    async def one(due: float) -> None:
        # From when it was due, not when the loop got round to sending it: a stalled loop
        # sends late, and that wait is the latency a user sees.
        response = await agent.get("/api/v1/chats/bar")
        response.raise_for_status()
        samples.append((time.perf_counter() - due) * 1000)

    pending: set[asyncio.Task[None]] = set()
    next_at = time.perf_counter()
    while not done.is_set():
        task = asyncio.create_task(one(next_at))
        pending.add(task)
        task.add_done_callback(pending.discard)
        next_at += 1 / rate
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    await asyncio.gather(*pending)
    return samples


AUDIT_ENTRIES = 100_000


async def _reports(admin: httpx.AsyncClient, params: dict[str, Any]) -> None:
    responses = await asyncio.gather(
        *(admin.get(f"/api/v1/reports/{table}", params=params) for table in PAGE)
    )
    for response in responses:
        response.raise_for_status()


async def _drill(admin: httpx.AsyncClient, params: dict[str, Any]) -> None:
    response = await admin.get(
        "/api/v1/reports/tickets", params=params | {"figure": "conversations"}
    )
    response.raise_for_status()


async def _audit(admin: httpx.AsyncClient, _params: dict[str, Any]) -> None:
    response = await admin.get("/api/v1/audit-events.csv")
    response.raise_for_status()
    assert response.text.count("\n") > AUDIT_ENTRIES


READS = {
    "reports": (_reports, "the Reports page for a year (seven tables at once)"),
    "drill": (_drill, "the tickets behind a year's conversations"),
    "audit": (_audit, f"the audit log's CSV ({AUDIT_ENTRIES:,} entries)"),
}


async def _timed(admin: httpx.AsyncClient, what: str, params: dict[str, Any]) -> float:
    started = time.perf_counter()
    await READS[what][0](admin, params)
    return (time.perf_counter() - started) * 1000


async def add_audit_entries(url: str, admin_email: str) -> None:
    """AUDIT_ENTRIES entries in the log (once), and the admin an owner, who may read it."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE users SET role = 'owner' WHERE email = :email"), {"email": admin_email}
            )
            have = (await connection.execute(text("SELECT count(*) FROM audit_events"))).scalar()
            missing = AUDIT_ENTRIES - int(have or 0)
            at = datetime.now(UTC) - timedelta(days=365)
            rows = [
                {
                    "at": at + timedelta(seconds=n * 300),
                    "actor_id": 1,
                    "actor_label": "admin@bench.test",
                    "actor_kind": ActorKind.user,
                    "ip": "192.0.2.10",
                    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                    "action": "ticket.updated",
                    "target_type": "ticket",
                    "target_id": n,
                    "target_label": f"#{n} Refund for order {n}",
                    "changes": {"state": ["open", "closed"], "assignee_id": [None, 3]},
                    "request_id": f"req-{n:08d}",
                }
                for n in range(max(0, missing))
            ]
            for start in range(0, len(rows), 10_000):
                await connection.execute(insert(AuditEvent), rows[start : start + 10_000])
    finally:
        await engine.dispose()


async def measure(
    url: str, data_dir: Path, seeded: Any, what: str, times: int, rate: float
) -> None:
    app = create_app(ticket_bench._settings(url, data_dir), run_loops=False)
    tune_for_server()
    params = dict(report_bench._cases(seeded, 0)[0][1])  # the year, no filter
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as admin,
        httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as agent,
    ):
        await ticket_bench._login(admin, seeded.admin_email)
        await ticket_bench._login(agent, seeded.agent_email)
        await _timed(admin, what, params)  # warm-up: plans, caches
        probe = LoopProbe()

        alone = asyncio.Event()
        probe.start()
        task = asyncio.create_task(_bar_while(agent, alone, rate))
        await asyncio.sleep(2.0)
        alone.set()
        quiet_bar, quiet_lates = await task, await probe.stop()

        took: list[float] = []
        bar: list[float] = []
        lates: list[float] = []
        for _ in range(times):
            done = asyncio.Event()
            probe.start()
            task = asyncio.create_task(_bar_while(agent, done, rate))
            took.append(await _timed(admin, what, params))
            done.set()
            bar += await task
            lates += await probe.stop()
            await asyncio.sleep(0.2)

    def row(name: str, samples: Sequence[float]) -> None:
        print(
            f"  {name:<34} n={len(samples):>5}  p50 {statistics.median(samples):7.1f}  "
            f"p99 {_percentile(samples, 99):7.1f}  max {max(samples):7.1f} ms"
        )

    print(f"{READS[what][1]}, {times} times, the chat bar read {rate:g} times a second:")
    row("the read took", took)
    row("chat bar, nothing else running", quiet_bar)
    row("chat bar, while the read runs", bar)
    row("loop lateness, nothing else", quiet_lates)
    row("loop lateness, while the read runs", lates)


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", required=True, help="a directory bench/reports.py seeded")
    parser.add_argument("--read", choices=sorted(READS), default="reports")
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100, help="chat bar reads a second")
    args = parser.parse_args(argv)
    kept = report_bench.kept_seed(args.store, args.keep)
    if kept is None:
        return 2
    url, keep, seeded = kept
    if args.read == "audit":
        await add_audit_entries(url, seeded.admin_email)
    await measure(url, keep / f"var-{args.store}", seeded, args.read, args.times, args.rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
