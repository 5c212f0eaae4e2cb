"""Time to export a large ticket list as CSV (GET /api/v1/tickets/export.csv), and what the desk
waits meanwhile.

Run from the repository root:

    .venv/bin/python bench/ticket_export.py [--store sqlite|postgresql|both] [--tickets 200000]

For each store it builds a fresh database with the real migrations and bench/tickets.py's data
set (one entry per ticket), then drives the real app in process over ASGI: as the admin (every
ticket) and as the agent (two inboxes of three), it downloads the whole list, newest change
first, checking each ticket comes once, and prints its time and each batch's (read and written,
timed inside the app); then it downloads it again while another client of the same process asks
for the first page of the Open list every 0.1 s, and prints that list's latencies, alone and
during the export. The in-process transport hands the client the whole body at the end, so the
process's memory says nothing of the export's own. Nothing here is a test: no assertions on
time.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine
from frontdesk.kit.collector import tune_for_server
from frontdesk.tickets import export

# Seconds between two of the other desk's list requests during the export.
PACE = 0.1


async def _export(client: httpx.AsyncClient) -> tuple[float, int, int]:
    started = time.perf_counter()
    size = 0
    pieces: list[str] = []
    async with client.stream("GET", "/api/v1/tickets/export.csv") as response:
        if response.status_code != 200:
            raise RuntimeError(f"export -> {response.status_code}: {await response.aread()!r}")
        async for text in response.aiter_text():
            size += len(text.encode())
            pieces.append(text)
    seconds = time.perf_counter() - started
    numbers = [row["number"] for row in csv.DictReader(io.StringIO("".join(pieces)))]
    if len(numbers) != len(set(numbers)):
        raise AssertionError("a ticket came twice")
    return seconds, len(numbers), size


async def _one(client: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    response = await client.get("/api/v1/tickets?limit=25&state=open")
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


async def _paced(client: httpx.AsyncClient, done: asyncio.Event) -> list[float]:
    """A desk's list asked every PACE seconds (a busy agent, and then some) until `done`."""
    samples: list[float] = []
    while not done.is_set():
        samples.append(await _one(client))
        await asyncio.sleep(PACE)
    return samples


def _batches() -> list[float]:
    """Each batch's time (ms): its page read and its rows written, timed inside the app."""
    times: list[float] = []
    original = export._text

    async def timed(*args: Any, **kwargs: Any) -> str:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            times.append((time.perf_counter() - started) * 1000)

    export._text = timed
    return times


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(url: str, tmp: Path, seeded: ticket_bench.Seeded) -> list[str]:
    app = create_app(ticket_bench._settings(url, tmp / "var"), run_loops=False)
    tune_for_server()
    lines: list[str] = []
    batches = _batches()
    async with app.router.lifespan_context(app):
        for who, email in (("admin", seeded.admin_email), ("agent", seeded.agent_email)):
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as client,
                httpx.AsyncClient(transport=transport, base_url=ticket_bench.BASE_URL) as other,
            ):
                await ticket_bench._login(client, email)
                await ticket_bench._login(other, seeded.agent_email)
                batches.clear()
                seconds, rows, size = await _export(client)
                alone = [await _one(other) for _ in range(50)]
                done = asyncio.Event()
                beside = asyncio.create_task(_paced(other, done))
                try:
                    await _export(client)
                finally:
                    done.set()
                samples = await beside
                lines.append(
                    f"| {who} | {rows:,} | {size / 1e6:.1f} | {seconds:.1f} "
                    f"| {rows / seconds:,.0f} | {statistics.median(batches):.0f} "
                    f"| {max(batches):.0f} | {statistics.median(alone):.0f} "
                    f"| {statistics.median(samples):.0f} | {_p(samples, 0.95):.0f} "
                    f"| {max(samples):.0f} |"
                )
                print(lines[-1], flush=True)
    return lines


async def run_store(store: str, tickets: int) -> list[str]:
    async with ticket_bench.fresh_database(store) as (url, tmp):
        print(f"[{store}] migrating and seeding {tickets:,} tickets …", flush=True)
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            seeded = await ticket_bench.seed(engine, tickets=tickets, max_entries=1)
        finally:
            await engine.dispose()
        return await measure(url, tmp, seeded)


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=200_000)
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        lines = await run_store(store, args.tickets)
        print(f"\n### {store}: {args.tickets:,} tickets\n")
        print(
            "| who | rows | MB | seconds | rows/s | batch p50 ms | batch max ms "
            "| list p50 ms alone | list p50 ms during | p95 ms | max ms |"
        )
        print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for line in lines:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
