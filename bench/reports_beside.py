"""What the rest of the desk waits while someone opens the Reports page, at 200,000 tickets.

Run from the repository root, on a database kept by bench/reports.py:

    .venv/bin/python bench/reports.py --store sqlite --keep DIR --seed-only   # once, ~3 min
    .venv/bin/python bench/reports_beside.py --store sqlite --keep DIR

The Reports page asks for its seven tables at once (web/desk/src/reports). An admin opens it for
a year, `--pages` times, one after another; meanwhile an agent reads their chat bar again and
again (a cheap request on the app's own connection, as every request of the desk is), and a
probe sleeps a millisecond at a time on the event loop and records how late it wakes. Printed:
how long the page took, the chat bar's latency while the page loaded (and without it, first),
and the event loop's longest stall. No assertions on time: the figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reports as report_bench
import tickets as ticket_bench

from frontdesk.app import create_app
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


async def _page(admin: httpx.AsyncClient, params: dict[str, Any]) -> float:
    started = time.perf_counter()
    responses = await asyncio.gather(
        *(admin.get(f"/api/v1/reports/{table}", params=params) for table in PAGE)
    )
    for response in responses:
        response.raise_for_status()
    return (time.perf_counter() - started) * 1000


async def measure(url: str, data_dir: Path, seeded: Any, pages: int, rate: float) -> None:
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
        await _page(admin, params)  # warm-up: plans, caches
        probe = LoopProbe()

        alone = asyncio.Event()
        probe.start()
        task = asyncio.create_task(_bar_while(agent, alone, rate))
        await asyncio.sleep(2.0)
        alone.set()
        quiet_bar, quiet_lates = await task, await probe.stop()

        page_ms: list[float] = []
        bar: list[float] = []
        lates: list[float] = []
        for _ in range(pages):
            done = asyncio.Event()
            probe.start()
            task = asyncio.create_task(_bar_while(agent, done, rate))
            page_ms.append(await _page(admin, params))
            done.set()
            bar += await task
            lates += await probe.stop()
            await asyncio.sleep(0.2)

    def row(name: str, samples: Sequence[float]) -> None:
        print(
            f"  {name:<34} n={len(samples):>5}  p50 {statistics.median(samples):7.1f}  "
            f"p99 {_percentile(samples, 99):7.1f}  max {max(samples):7.1f} ms"
        )

    print(
        f"the Reports page for a year, {pages} times (seven tables at once), "
        f"the chat bar read {rate:g} times a second:"
    )
    row("page loaded", page_ms)
    row("chat bar, nothing else running", quiet_bar)
    row("chat bar, while the page loads", bar)
    row("loop lateness, nothing else", quiet_lates)
    row("loop lateness, while the page loads", lates)


def _kept(store: str, keep_dir: str) -> tuple[str, Path, Any] | None:
    keep = Path(keep_dir).resolve()
    marker = keep / f"seeded-{store}.json"
    if not marker.exists():
        return None
    url, _pg_name = report_bench._kept_url(store, keep)
    return url, keep, report_bench.seeded_from(marker)


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", required=True, help="a directory bench/reports.py seeded")
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100, help="chat bar reads a second")
    args = parser.parse_args(argv)
    kept = _kept(args.store, args.keep)
    if kept is None:
        print(f"seed first: bench/reports.py --store {args.store} --keep {args.keep} --seed-only")
        return 2
    url, keep, seeded = kept
    await measure(url, keep / f"var-{args.store}", seeded, args.pages, args.rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
