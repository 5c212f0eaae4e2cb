"""Latency of the reports (GET /api/v1/reports/…) at 200,000 tickets with a year of history.

Run from the repository root:

    .venv/bin/python bench/reports.py [--store sqlite|postgresql|both] [--tickets 200000]

The tickets, customers and entries are seeded by bench/tickets.py's `seed` (in SQL, repeatable);
this adds, per ticket, the metric moments the app would have recorded (created, the customer's
message, first response and response, chat join or missed chat, close, a few reopens), a rating
for one closed ticket in ten, and two availability changes per agent per day. Then it drives the
real app in process over ASGI as an admin (every agent) and as an agent (their own figures) and
prints p50/p95/p99 per report and filter, and the longest pause of Python's garbage collector
during each query's timed requests. The app's process is tuned as `frontdesk run` tunes it
(`kit/collector.py`); `--default-gc` keeps CPython's defaults, to see what the tuning is worth.
No assertions on time: the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.chats.models import AvailabilityChange
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine
from frontdesk.kit.collector import tune_for_server
from frontdesk.metrics.models import MetricMoment, quarter_of
from frontdesk.ratings.models import Rating, RatingAgent
from frontdesk.tickets.models import Ticket, ticket_labels
from frontdesk.users.models import User

CHUNK = 10_000
TABLES = ("volume", "busiest_hours", "times", "agents", "csat")
BUSINESS = ("first_response", "response", "solved")


def _mix(n: int, k: int) -> int:
    return (n * ticket_bench.MULTIPLIERS[k] % 4294967296) >> 8


def _moments(row: Any, agents: list[int]) -> list[dict[str, Any]]:
    tid, inbox, kind, _state, assignee, created, closed = row
    channel = kind
    agent = assignee or agents[_mix(tid, 1) % len(agents)]
    base = {"inbox_id": inbox, "channel": channel, "ticket_id": tid, "chat_id": None}

    def moment(name: str, at: datetime, user: int | None, seconds: float | None) -> dict[str, Any]:
        return base | {
            "kind": name,
            "at": at,
            "quarter": quarter_of(at),
            "user_id": user,
            "seconds": seconds,
            # As recorded in an inbox without business hours (the seed sets none): every second.
            "business_seconds": seconds if name in BUSINESS else None,
        }

    out = [moment("created", created, None, None), moment("customer_message", created, None, None)]
    if channel == "chat" and _mix(tid, 2) % 100 < 8:
        wait = float(60 + _mix(tid, 3) % 600)
        out.append(moment("chat_unanswered", created + timedelta(seconds=wait), None, wait))
        return out
    if channel == "chat":
        wait = float(5 + _mix(tid, 3) % 240)
        out.append(moment("chat_joined", created + timedelta(seconds=wait), agent, wait))
        first = wait + 20 + _mix(tid, 4) % 300
    else:
        first = float(300 + _mix(tid, 4) % 86_400)
    answered = created + timedelta(seconds=first)
    out.append(moment("response", answered, agent, first))
    out.append(moment("first_response", answered, agent, first))
    if closed is not None and closed > answered:
        if _mix(tid, 5) % 100 < 5:
            reopened = answered + (closed - answered) / 2
            out.append(moment("reopened", reopened, None, None))
        out.append(moment("solved", closed, agent, (closed - created).total_seconds()))
    return out


async def add_history(engine: AsyncEngine) -> dict[str, int]:
    """Moments, ratings and the availability log for the seeded tickets, in Python chunks."""
    counts = {"moments": 0, "ratings": 0, "availability": 0}
    async with engine.begin() as connection:
        agents = list(
            await connection.scalars(select(User.id).where(User.role == "agent").order_by(User.id))
        )
    last = 0
    while True:
        async with engine.begin() as connection:
            if engine.dialect.name == "postgresql" and counts["moments"]:
                # As autovacuum would as the table grows (this machine's PostgreSQL runs with it
                # off): the triggers' plans, made on the empty table's statistics, scanned the
                # whole table for many of the moments written, and the seed slowed quadratically.
                await connection.execute(text("ANALYZE metric_moments"))
            rows = (
                await connection.execute(
                    select(
                        Ticket.id,
                        Ticket.inbox_id,
                        Ticket.type,
                        Ticket.state,
                        Ticket.assignee_id,
                        Ticket.created_at,
                        Ticket.closed_at,
                    )
                    .where(Ticket.id > last)
                    .order_by(Ticket.id)
                    .limit(CHUNK)
                )
            ).all()
            if not rows:
                break
            last = rows[-1][0]
            moments = [m for row in rows for m in _moments(row, agents)]
            await connection.execute(insert(MetricMoment), moments)
            counts["moments"] += len(moments)
            rated = [r for r in rows if r[6] is not None and _mix(r[0], 6) % 10 == 0]
            closings: list[datetime] = [r[6] for r in rated if r[6] is not None]
            if rated:
                ids = await connection.scalars(
                    insert(Rating).returning(Rating.id, sort_by_parameter_order=True),
                    [
                        {
                            "ticket_id": r[0],
                            "customer_id": 1,
                            "inbox_id": r[1],
                            "score": ("good", "good", "good", "okay", "bad")[_mix(r[0], 7) % 5],
                            "comment": "Thanks" if _mix(r[0], 8) % 4 == 0 else "",
                            "channel": "email",
                            "created_at": at + timedelta(hours=2),
                            "updated_at": at + timedelta(hours=2),
                            "changeable_until": at + timedelta(days=1),
                        }
                        for r, at in zip(rated, closings, strict=True)
                    ],
                )
                await connection.execute(
                    insert(RatingAgent),
                    [
                        {"rating_id": rid, "user_id": r[4] or agents[0]}
                        for rid, r in zip(ids.all(), rated, strict=True)
                    ],
                )
                counts["ratings"] += len(rated)
    start = datetime.now(UTC) - timedelta(days=365)
    async with engine.begin() as connection:
        changes = [
            {"user_id": agent, "available": available, "reason": "self", "at": at}
            for day in range(366)
            for agent in agents
            for available, at in (
                (True, start + timedelta(days=day, hours=8)),
                (False, start + timedelta(days=day, hours=16)),
            )
        ]
        await connection.execute(insert(AvailabilityChange), changes)
        counts["availability"] = len(changes)
    return counts


async def _label_id(engine: AsyncEngine) -> int:
    async with engine.begin() as connection:
        found = await connection.scalar(select(ticket_labels.c.label_id).limit(1))
    return int(found or 1)


def _cases(seeded: Any, label_id: int) -> list[tuple[str, dict[str, Any]]]:
    today = datetime.now(UTC).date()
    year = {"since": (today - timedelta(days=364)).isoformat(), "until": today.isoformat()}
    month = {"since": (today - timedelta(days=29)).isoformat(), "until": today.isoformat()}
    zone = {"time_zone": "Europe/Paris"}
    inbox = seeded.inbox_ids[0]
    return [
        ("year", year | zone),
        ("month", month | zone),
        ("year, inbox", year | zone | {"inbox_id": inbox}),
        ("year, channel", year | zone | {"channel": "chat"}),
        ("year, agent", year | zone | {"agent_id": seeded.agent_id}),
        # Two filters the roll-ups cannot combine: the moments are read.
        ("year, agent, inbox", year | zone | {"agent_id": seeded.agent_id, "inbox_id": inbox}),
        ("year, label", year | zone | {"label_id": label_id}),
        ("year, Kathmandu", year | {"time_zone": "Asia/Kathmandu"}),  # +05:45: no UTC hour
        # Business hours: no histogram of business seconds, the values are read and ranked.
        ("year, business hours", year | zone | {"hours": "business"}),
        ("year, inbox, business hours", year | zone | {"inbox_id": inbox, "hours": "business"}),
    ]


class Pauses:
    """The garbage collector's pauses, from `gc.callbacks`: a tail the reports' own cost does not
    explain is a pause of the whole process."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._started = 0.0
        gc.callbacks.append(self._record)

    def _record(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.longest = max(self.longest, (time.perf_counter() - self._started) * 1000)

    def take(self) -> float:
        longest, self.longest = self.longest, 0.0
        return longest


# (report, user) -> the longest collection during its timed requests, ms.
GC_PAUSES: dict[tuple[str, str], float] = {}


async def measure(
    url: str,
    data_dir: Path,
    seeded: Any,
    label_id: int,
    repeat: int,
    default_gc: bool = False,
    only: str = "",
) -> list[Any]:
    app = create_app(ticket_bench._settings(url, data_dir), run_loops=False)
    if not default_gc:
        tune_for_server()  # as `frontdesk run` does once the app is built
    pauses = Pauses()
    results: list[Any] = []
    async with app.router.lifespan_context(app):
        for who, email in (("admin", seeded.admin_email), ("agent", seeded.agent_email)):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
            ) as client:
                await ticket_bench._login(client, email)
                for case, params in _cases(seeded, label_id):
                    if who == "agent" and case != "year":
                        continue
                    if only and only not in case:
                        continue
                    for table in TABLES:
                        if "hours" in params and table not in ("times", "agents"):
                            continue  # the only tables business hours change
                        path = f"/api/v1/reports/{table}"

                        async def call(path: str = path, params: dict[str, Any] = params) -> Any:
                            response = await client.get(path, params=params)
                            response.raise_for_status()
                            return {"items": response.json()}

                        for _ in range(2):
                            await call()
                        pauses.take()  # the warm-ups' are not the timed requests'
                        samples, body = await ticket_bench._timed(
                            call, repeat=repeat, warmup=0, budget=60.0
                        )
                        result = ticket_bench.Result(
                            who, f"{table} ({case})", path, samples, len(body["items"])
                        )
                        GC_PAUSES[result.name, who] = pauses.take()
                        results.append(result)
                        print(
                            f"  {who} {table} ({case}): p95 {result.percentile(95):.0f} ms, "
                            f"longest GC pause {GC_PAUSES[result.name, who]:.0f} ms",
                            flush=True,
                        )
    return results


async def run_store(store: str, args: argparse.Namespace) -> tuple[Any, dict[str, int], list[Any]]:
    if args.keep:
        return await run_kept(store, args)
    async with ticket_bench.fresh_database(store) as (url, tmp):
        print(f"[{store}] migrating and seeding {args.tickets:,} tickets …", flush=True)
        await asyncio.to_thread(upgrade, url)
        seeded, counts, label_id = await _seed_all(store, url, args.tickets)
        print(f"[{store}] seeded {counts} in {seeded.seconds:.1f} s", flush=True)
        before = os.getloadavg()[0]
        results = await measure(
            url, tmp / "var", seeded, label_id, args.repeat, args.default_gc, args.only
        )
        seeded.load = (before, os.getloadavg()[0])
        return seeded, counts, results


def _kept_url(store: str, keep: Path) -> tuple[str, str]:
    """Where a kept database lives: a file under `keep`, or a PostgreSQL database named for it."""
    if store == "sqlite":
        return f"sqlite+aiosqlite:///{keep / 'frontdesk.db'}", ""
    pg_name = (
        "fd_bench_keep_" + hashlib.sha1(str(keep).encode(), usedforsecurity=False).hexdigest()[:8]
    )
    base = ticket_bench.PG_ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
    return f"postgresql+asyncpg://{base}/{pg_name}", pg_name


async def _seed_all(store: str, url: str, tickets: int) -> tuple[Any, dict[str, int], int]:
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        seeded = await ticket_bench.seed(engine, tickets=tickets)
        counts = await add_history(engine)
        if store == "postgresql":
            # The moments came after the seed's VACUUM ANALYZE: what autovacuum does soon
            # after a bulk load (statistics, and the visibility map index-only scans use).
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE"))
        label_id = await _label_id(engine)
    finally:
        await engine.dispose()
    seeded.seconds = time.perf_counter() - started
    return seeded, counts, label_id


def _keep_dir(name: str) -> Path:
    keep = Path(name).resolve()
    keep.mkdir(parents=True, exist_ok=True)
    return keep


def seeded_from(marker: Path) -> Any:
    """What a kept seed holds (its agents, inboxes), from the marker written after seeding."""
    return ticket_bench.Seeded(**json.loads(marker.read_text())["seeded"])


def kept_seed(store: str, keep_dir: str) -> tuple[str, Path, Any] | None:
    """A seed kept by `--keep DIR --seed-only` for another bench: (its URL, the directory, what
    it holds), or None, saying how to make it, when there is none yet."""
    keep = Path(keep_dir).resolve()
    marker = keep / f"seeded-{store}.json"
    if not marker.exists():
        print(f"seed first: bench/reports.py --store {store} --keep {keep_dir} --seed-only")
        return None
    url, _pg_name = _kept_url(store, keep)
    return url, keep, seeded_from(marker)


async def run_kept(store: str, args: argparse.Namespace) -> tuple[Any, dict[str, int], list[Any]]:
    """Seed once into `--keep DIR` (file or database kept), later runs migrate and measure."""
    keep = _keep_dir(args.keep)
    url, pg_name = _kept_url(store, keep)
    marker = keep / f"seeded-{store}.json"
    if not marker.exists():
        if pg_name:
            await ticket_bench._pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await ticket_bench._pg_admin(f'CREATE DATABASE "{pg_name}"')
        else:
            (keep / "frontdesk.db").unlink(missing_ok=True)
        print(f"[{store}] migrating and seeding {args.tickets:,} tickets into {url}", flush=True)
        await asyncio.to_thread(upgrade, url, args.seed_revision)
        seeded, counts, label_id = await _seed_all(store, url, args.tickets)
        state = {"seeded": dataclasses.asdict(seeded), "counts": counts, "label_id": label_id}
        marker.write_text(json.dumps(state))
        print(f"[{store}] seeded {counts} in {seeded.seconds:.1f} s", flush=True)
    state = json.loads(marker.read_text())
    seeded = seeded_from(marker)
    started = time.perf_counter()
    # Migrations written after the seed run here, on the seeded data (their backfills timed).
    await asyncio.to_thread(upgrade, url)
    print(f"[{store}] migrated to head in {time.perf_counter() - started:.1f} s", flush=True)
    if args.seed_only:
        return seeded, state["counts"], []
    before = os.getloadavg()[0]
    results = await measure(
        url,
        keep / f"var-{store}",
        seeded,
        state["label_id"],
        args.repeat,
        args.default_gc,
        args.only,
    )
    seeded.load = (before, os.getloadavg()[0])
    return seeded, state["counts"], results


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per query")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="seed once into DIR (SQLite file; PostgreSQL database named for DIR) and reuse it",
    )
    parser.add_argument(
        "--seed-revision", default="head", help="with --keep: migrate to this before seeding"
    )
    parser.add_argument("--seed-only", action="store_true", help="with --keep: do not measure")
    parser.add_argument(
        "--only", default="", metavar="TEXT", help="time only the cases whose name has TEXT"
    )
    parser.add_argument(
        "--default-gc", action="store_true", help="CPython's collector settings, not the server's"
    )
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        seeded, counts, results = await run_store(store, args)
        print(f"\n### {store}: {seeded.tickets:,} tickets, {counts}; load {seeded.load}\n")
        print(
            "| user  | report (range, filter)          |  n | rows | p50 ms | p95 ms | p99 ms "
            "| GC max ms |"
        )
        print(
            "|-------|---------------------------------|---:|-----:|-------:|-------:|-------:"
            "|----------:|"
        )
        for r in results:
            samples = sorted(r.samples)
            print(
                f"| {r.who:<5} | {r.name:<31} | {len(samples):>2} | {r.rows:>4} "
                f"| {samples[len(samples) // 2]:6.0f} | {r.percentile(95):6.0f} "
                f"| {r.percentile(99):6.0f} | {GC_PAUSES.get((r.name, r.who), 0.0):9.0f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
