"""Latency of the desk's text search (GET /api/v1/tickets?q=…) at 200,000 tickets and about
1,000,000 entries, and whether other requests wait while searches run.

Run from the repository root:

    .venv/bin/python bench/search.py [--store sqlite|postgresql|both] [--tickets 200000]

For each store it builds a fresh database with the real migrations, seeds it with
bench/tickets.py's data set (1 to 9 entries per ticket instead of 1 to 3; 0.5 % of entries also
say "Crème brûlée", 4 % "zeppelin") with the search index dropped (on PostgreSQL the stored
vector columns too), then builds it the way the migrations do for an existing desk (timed; on
PostgreSQL each statement of 0038). It then drives the real app in process over ASGI, as an agent
of two of the three inboxes and as an admin, and prints p50/p95/p99 and the app's CPU time per
search. Last, it times a cheap request (an inbox's first page) alone and while two tasks search a
common word in a loop (on SQLite also with the search reader switched off, to show what it spares
the other requests).
"""

# Every SQL string below is assembled from this file's own constants.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine
from frontdesk.kit.collector import tune_for_server
from frontdesk.search import queries as search_queries
from frontdesk.search import schema
from frontdesk.search.reader import READER_KEY

MAX_ENTRIES = 9
ACCENTED = "Crème brûlée"
# In 4 % of entries: just rarer than what PostgreSQL's newest-first walk finds on its own (CAP /
# WALK = 5 %), so the walk fails and the index reads ~40,000 entries, the worst case of that plan.
MIDDLING = "zeppelin"


@dataclass
class Probe:
    who: str
    name: str
    samples: list[float]
    cpu: list[float]
    rows: int

    def percentile(self, p: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Run:
    store: str
    seeded: ticket_bench.Seeded
    index_seconds: float = 0.0
    probes: list[Probe] = field(default_factory=list)
    waits: list[tuple[str, list[float], int]] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    sql: list[tuple[str, float]] = field(default_factory=list)


async def _drop_index(engine: Any) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for statement in schema.sqlite_drop():
                await connection.execute(text(statement))
        else:
            # The stored vectors too: the build below then costs what migration 0038 costs.
            for statement in schema.postgresql_drop_vectors():
                await connection.execute(text(statement))


async def _build_index(engine: Any) -> float:
    started = time.perf_counter()
    async with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for statement in schema.sqlite_create():
                await connection.execute(text(statement))
        else:
            for statement in [
                *schema.postgresql_vector_columns(),
                *schema.postgresql_vector_indexes(),
            ]:
                step = time.perf_counter()
                await connection.execute(text(statement))
                print(f"  {time.perf_counter() - step:6.1f} s  {statement[:70]}", flush=True)
    seconds = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    return seconds


async def _get(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


async def _time(client: httpx.AsyncClient, path: str, *, repeat: int, warmup: int) -> Probe:
    body: dict[str, Any] = {}
    for _ in range(warmup):
        body = await _get(client, path)
    samples, cpu = [], []
    for _ in range(repeat):
        wall, process = time.perf_counter(), time.process_time()
        body = await _get(client, path)
        samples.append((time.perf_counter() - wall) * 1000)
        cpu.append((time.process_time() - process) * 1000)
    return Probe("", path, samples, cpu, len(body.get("items", [])))


async def _wait_probe(
    app: Any, client: httpx.AsyncClient, cheap: str, search: str, *, repeat: int
) -> tuple[list[float], int]:
    """The cheap request's times while two tasks search in a loop; and how many searches ran."""
    stop = asyncio.Event()
    done = 0

    async def searching() -> None:
        nonlocal done
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
        ) as other:
            other.cookies = client.cookies
            other.headers.update(client.headers)
            while not stop.is_set():
                await _get(other, search)
                done += 1

    tasks = [asyncio.create_task(searching()) for _ in range(2)]
    await asyncio.sleep(0.5)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await _get(client, cheap)
        samples.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.gather(*tasks)
    return samples, done


async def measure(
    url: str, data_dir: Path, run: Run, *, repeat: int, warmup: int, sql_only: bool = False
) -> None:
    seeded = run.seeded
    app = create_app(ticket_bench._settings(url, data_dir), run_loops=False)
    tune_for_server()  # as `frontdesk run` does once the app is built
    local = seeded.probe_email.split("@")[0]
    inbox = seeded.inbox_ids[0]
    base = "/api/v1/tickets?limit=25"
    queries = [
        ("rare word (kumquat)", f"{base}&q={ticket_bench.RARE_WORD}"),
        ("common word (error)", f"{base}&q=error"),
        ("two common words", f"{base}&q=error+account"),
        ("prefix (invo)", f"{base}&q=invo"),
        (f"middling word ({MIDDLING}, 4 %)", f"{base}&q={MIDDLING}"),
        ("email, full", f"{base}&q={seeded.probe_email}"),
        ("email, local part@", f"{base}&q={local}@"),
        ("accents folded (creme brulee)", f"{base}&q=creme+brulee"),
        ("ticket number", f"{base}&q=%23{seeded.tickets // 2}"),
        ("common word, in inbox, open", f"{base}&q=error&inbox_id={inbox}&state=open"),
    ]
    async with app.router.lifespan_context(app):
        run.load.append(os.getloadavg()[0])
        for who, email in (
            ()
            if sql_only
            else (
                ("agent", seeded.agent_email),
                ("admin", seeded.admin_email),
            )
        ):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
            ) as client:
                await ticket_bench._login(client, email)
                for name, path in queries:
                    probe = await _time(client, path, repeat=repeat, warmup=warmup)
                    probe.who, probe.name = who, name
                    run.probes.append(probe)
                    print(
                        f"  {who:<5} {name:<32} p95 {probe.percentile(95):7.1f} ms "
                        f"cpu p50 {statistics.median(probe.cpu):5.1f} ms rows {probe.rows}",
                        flush=True,
                    )
        run.load.append(os.getloadavg()[0])
        plain = [(name, path.split("&q=", 1)[1].split("&")[0]) for name, path in queries]
        plain = [(name, q.replace("+", " ").replace("%23", "#")) for name, q in plain]
        run.sql = await sql_times(app, url, seeded.agent_email, inbox, plain, repeat=20)
        if sql_only:
            return
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
        ) as client:
            await ticket_bench._login(client, seeded.agent_email)
            cheap = f"{base}&inbox_id={inbox}&state=open"
            alone = (await _time(client, cheap, repeat=repeat, warmup=warmup)).samples
            run.waits.append(("cheap request alone", alone, 0))
            during, done = await _wait_probe(app, client, cheap, f"{base}&q=error", repeat=repeat)
            run.waits.append(("… while 2 tasks search 'error'", during, done))
            info = app.state.sessionmaker.kw.get("info", {})
            if info.get(READER_KEY) is not None:
                reader = info[READER_KEY]
                info[READER_KEY] = None
                try:
                    during, done = await _wait_probe(
                        app, client, cheap, f"{base}&q=error", repeat=repeat
                    )
                finally:
                    info[READER_KEY] = reader
                run.waits.append(("… same, search reader off", during, done))
            for name, samples, done in run.waits:
                print(f"  {name:<34} p95 {_p(samples, 95):7.1f} ms searches {done}", flush=True)
        run.load.append(os.getloadavg()[0])


async def sql_times(
    app: Any, url: str, email: str, inbox: int, queries: list[tuple[str, str]], *, repeat: int
) -> list[tuple[str, float]]:
    """The search statement alone, as the service builds it for `email` (first page, ranked):
    on SQLite the CPU time of the thread that runs it, on PostgreSQL the server's execution
    time from EXPLAIN ANALYZE. Median of `repeat` runs, in ms."""
    import sqlite3

    from frontdesk.search import terms as search_terms
    from frontdesk.tickets import queries as ticket_queries
    from frontdesk.tickets.models import Ticket, TicketState
    from frontdesk.users.models import User

    out: list[tuple[str, float]] = []
    async with app.state.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.email == email))
        dialect = session.get_bind().dialect
        for name, q in queries:
            in_inbox = "in inbox" in name
            criteria = ticket_queries.TicketFilter(
                text=q,
                inbox_id=inbox if in_inbox else None,
                states=(TicketState.open,) if in_inbox else (),
            )
            terms = search_terms.parse(q)
            found = ticket_queries.text_search(user, terms, dialect=dialect.name)
            assert found is not None
            statement = (
                ticket_queries.ranked_page(
                    ticket_queries.filtered(user, criteria, found=found),
                    found,
                    offset=0,
                    limit=25,
                )
                .with_only_columns(Ticket.id, maintain_column_froms=True)
                .params(search_queries.values(terms, dialect=dialect.name))
            )
            sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            times = []
            if dialect.name == "sqlite":
                connection = sqlite3.connect(url.split(":///", 1)[1])
                try:
                    for _ in range(repeat):
                        started = time.thread_time()
                        connection.execute(sql).fetchall()
                        times.append((time.thread_time() - started) * 1000)
                finally:
                    connection.close()
            else:
                planning = []
                for _ in range(repeat):
                    plan = await session.scalar(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}"))
                    times.append(float(plan[0]["Execution Time"]))
                    planning.append(float(plan[0]["Planning Time"]))
                print(f"  planning {name:<27} {statistics.median(planning):7.1f} ms", flush=True)
            out.append((name, statistics.median(times)))
            print(f"  SQL {name:<32} {out[-1][1]:7.1f} ms", flush=True)
    return out


def _p(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run_store(store: str, args: argparse.Namespace) -> Run:
    kept = tempfile.mkdtemp(prefix="fd-search-kept-") if args.keep else None
    with (
        contextlib.nullcontext(kept)
        if kept
        else tempfile.TemporaryDirectory(prefix="fd-search-") as tmp
    ):
        pg_name = f"fd_bench_{uuid.uuid4().hex[:10]}"
        if store == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'frontdesk.db'}"
        else:
            await ticket_bench._pg_admin(f'CREATE DATABASE "{pg_name}"')
            base = ticket_bench.PG_ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
            url = f"postgresql+asyncpg://{base}/{pg_name}"
        try:
            print(f"[{store}] migrating and seeding {args.tickets:,} tickets …", flush=True)
            await asyncio.to_thread(upgrade, url)
            engine = create_engine(url)
            try:
                await _drop_index(engine)
                started = time.perf_counter()
                seeded = await ticket_bench.seed(
                    engine, tickets=args.tickets, max_entries=MAX_ENTRIES
                )
                async with engine.begin() as connection:
                    await connection.execute(
                        text(
                            f"UPDATE ticket_entries SET text = text || ' {ACCENTED}.' "
                            "WHERE id % 200 = 0"
                        )
                    )
                    await connection.execute(
                        text(
                            f"UPDATE ticket_entries SET text = text || ' {MIDDLING}.' "
                            "WHERE id % 25 = 0"
                        )
                    )
                seeded.seconds = time.perf_counter() - started
                run = Run(store, seeded)
                print(
                    f"[{store}] seeded {seeded.tickets:,} tickets, {seeded.entries:,} entries "
                    f"in {seeded.seconds:.0f} s; building the index …",
                    flush=True,
                )
                run.index_seconds = await _build_index(engine)
                print(f"[{store}] index built in {run.index_seconds:.0f} s", flush=True)
            finally:
                await engine.dispose()
            await measure(url, Path(tmp) / "var", run, repeat=args.repeat, warmup=args.warmup)
            return run
        finally:
            if args.keep:
                print(f"[{store}] kept: --database-url {url}", flush=True)
            elif store == "postgresql":
                with contextlib.suppress(Exception):
                    await ticket_bench._pg_admin(
                        f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'
                    )


async def reuse(url: str, args: argparse.Namespace) -> Run:
    """A database this bench seeded before (kept after an interrupted run)."""
    from frontdesk.customers.models import CustomerContact
    from frontdesk.tickets.models import Ticket, TicketEntry

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            tickets = int(await connection.scalar(select(func.count()).select_from(Ticket)) or 0)
            entries = await connection.scalar(select(func.count()).select_from(TicketEntry))
            probe = await connection.scalar(
                select(CustomerContact.value)
                .join(Ticket, Ticket.customer_id == CustomerContact.customer_id)
                .where(Ticket.id == tickets // 3)
            )
            inbox_ids = list(await connection.scalars(text("SELECT id FROM inboxes ORDER BY id")))
    finally:
        await engine.dispose()
    seeded = ticket_bench.Seeded(
        agent_email="agent0@bench.test",
        admin_email="admin@bench.test",
        agent_id=0,
        inbox_ids=inbox_ids,
        agent_inbox_ids=inbox_ids[:2],
        probe_email=str(probe),
        tickets=tickets,
        entries=int(entries or 0),
        customers=int(tickets * ticket_bench.CUSTOMERS_PER_TICKET),
        rare_subjects=0,
        label_links=0,
    )
    run = Run(url.split("+", 1)[0], seeded)
    with tempfile.TemporaryDirectory(prefix="fd-search-") as tmp:
        await measure(
            url,
            Path(tmp) / "var",
            run,
            repeat=args.repeat,
            warmup=args.warmup,
            sql_only=args.sql_only,
        )
    return run


def print_run(run: Run) -> None:
    seeded = run.seeded
    print()
    print(
        f"### {run.store}: {seeded.tickets:,} tickets, {seeded.entries:,} entries, "
        f"{seeded.customers:,} customers; index built in {run.index_seconds:.0f} s; load average "
        + " / ".join(f"{value:.1f}" for value in run.load)
    )
    print()
    sql = dict(run.sql)
    print("| user | query | rows | p50 ms | p95 ms | p99 ms | app CPU p50 ms | SQL ms (agent) |")
    print("|---|---|--:|--:|--:|--:|--:|--:|")
    for name, ms in [] if run.probes else run.sql:
        print(f"| agent | {name} | | | | | | {ms:.1f} |")
    for probe in run.probes:
        print(
            f"| {probe.who} | {probe.name} | {probe.rows} | {statistics.median(probe.samples):.1f} "
            f"| {probe.percentile(95):.1f} | {probe.percentile(99):.1f} "
            f"| {statistics.median(probe.cpu):.1f} | {sql.get(probe.name, 0):.1f} |"
        )
    print()
    print("| cheap request (inbox Open, first page) | p50 ms | p95 ms | searches meanwhile |")
    print("|---|--:|--:|--:|")
    for name, samples, done in run.waits:
        print(f"| {name} | {statistics.median(samples):.1f} | {_p(samples, 95):.1f} | {done} |")


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per query")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--database-url", help="measure this database, seeded by an earlier run, instead"
    )
    parser.add_argument(
        "--sql-only", action="store_true", help="with --database-url: only the SQL times"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (drop or delete it yourself)"
    )
    parser.add_argument(
        "--cap", type=int, default=search_queries.CAP, help="rows per term and field (CAP)"
    )
    args = parser.parse_args(argv)
    search_queries.CAP = args.cap
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    if args.database_url:
        runs = [await reuse(args.database_url, args)]
    else:
        runs = [await run_store(store, args) for store in stores]
    for run in runs:
        print_run(run)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
