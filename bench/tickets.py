"""Latency of the desk's ticket list (GET /api/v1/tickets) on a large, realistic data set.

Run from the repository root:

    .venv/bin/python bench/tickets.py [--store sqlite|postgresql|both] [--tickets 200000]

For each store it builds a fresh database with the real migrations (a SQLite file under a temp
dir; a new PostgreSQL database, dropped at the end), seeds it with bulk inserts, then drives the
real app in process over ASGI, logged in as an agent who works in two of the three inboxes and
as an admin, and prints p50/p95/p99 per query. Nothing here is a test: there are no assertions on
time, only on the answers being what the desk would get.
"""

# Every SQL string below is assembled from this file's own constants and integers.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import ColumnElement, ScalarSelect, Select, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.customers.models import CustomerContact
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.kit.collector import tune_for_server
from frontdesk.labels.models import Label
from frontdesk.labels.service import name_key
from frontdesk.sla import service as sla_service
from frontdesk.tickets import counts as ticket_counts
from frontdesk.tickets import queries
from frontdesk.tickets.models import Counter, Ticket, TicketEntry, TicketState, ticket_labels
from frontdesk.users import service as users_service
from frontdesk.users.models import Role, User

PG_ADMIN_URL = os.environ.get(
    "FRONTDESK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
PASSWORD = "correct horse battery"  # noqa: S105  (the seeded users' password)
BASE_URL = "http://desk.bench"
SEED = 20261125
BATCH = 5_000
DEEP_PAGES = 200

INBOXES = ("Support", "Billing", "Sales")
AGENTS = 20
CUSTOMERS_PER_TICKET = 0.2  # 200,000 tickets -> 40,000 customers
LABELS = (
    "bug", "billing", "refund", "vip", "feature-request", "urgent",
    "onboarding", "churn-risk", "integration", "security", "mobile", "feedback",
)  # fmt: skip
# One word of the subject vocabulary is rare on purpose: the text-search probe.
RARE_WORD = "kumquat"
RARE_SHARE = 0.005
SUBJECT_WORDS = (
    "cannot", "login", "invoice", "missing", "refund", "order", "password", "reset", "export",
    "broken", "slow", "upgrade", "plan", "charge", "twice", "error", "page", "account", "delete",
    "shipping", "address", "change", "api", "webhook", "timeout", "question", "about", "pricing",
)  # fmt: skip
BODY_WORDS = (
    "hello", "thanks", "please", "could", "you", "help", "with", "this", "issue", "since",
    "yesterday", "the", "app", "shows", "an", "error", "when", "I", "try", "to", "open", "my",
    "dashboard", "we", "have", "checked", "your", "account", "and", "fixed", "it", "let", "us",
    "know", "if", "anything", "else", "comes", "up", "best", "regards", "team",
)  # fmt: skip
FIRST_NAMES = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov")
# A last name one customer in seven has: the customers page's search finds a full page at once.
COMMON = "hopper"


# --- seeding -----------------------------------------------------------------------------------
#
# The volume data is generated inside the database by INSERT … SELECT over a recursive series,
# which both stores run, instead of shipping 700,000 rows through Python. "Random" choices come
# from a multiplicative hash of the row number, so both stores get exactly the same data set and
# every run is repeatable. The only per-store pieces are how a timestamp and an empty JSON
# object are written, and they match what the app's column types store (see db/base.py).

# Odd constants above 2**31, so PostgreSQL does the arithmetic in bigint.
MULTIPLIERS = (
    2654435761, 2246822519, 3266489917, 2869860233, 3323198485, 4049016439,
    2971215073, 3735928559, 2483729413, 3037000493, 3432918353, 3210233709,
)  # fmt: skip
SCRATCH = ("bench_subjects", "bench_bodies", "bench_names", "bench_members", "bench_k")


@dataclass
class Seeded:
    agent_email: str
    admin_email: str
    agent_id: int
    inbox_ids: list[int]
    agent_inbox_ids: list[int]
    probe_email: str
    tickets: int
    entries: int
    customers: int
    rare_subjects: int
    label_links: int
    seconds: float = 0.0
    # Moving the seed's 200,000 deltas into ticket_counts (what the counts loop does).
    compaction_seconds: float = 0.0
    # The machine's 1-minute load average around the timed part: other work skews latency.
    load: tuple[float, float] = (0.0, 0.0)


def _h(expr: str, k: int) -> str:
    """24 well-mixed bits of `expr` (the top of Knuth's multiplicative hash mod 2**32)."""
    return f"(({expr}) * {MULTIPLIERS[k]} % 4294967296 / 256)"


def _timestamp(dialect: str, seconds: str, micros: str) -> str:
    if dialect == "sqlite":
        # SQLAlchemy's SQLite DATETIME storage format; comparisons there are textual.
        return f"printf('%s.%06d', strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch'), {micros})"
    return f"(to_timestamp({seconds}) + ({micros}) * interval '1 microsecond')"


def _empty_json(dialect: str) -> str:
    return "'{}'" if dialect == "sqlite" else "'{}'::jsonb"


def _series(count: int) -> str:
    return (
        "WITH RECURSIVE series(n) AS (SELECT CAST(1 AS BIGINT) UNION ALL "
        f"SELECT n + 1 FROM series WHERE n < {int(count)})"
    )


def _pool(rng: random.Random, words: Sequence[str], size: int, low: int, high: int) -> list[str]:
    return [" ".join(rng.choices(words, k=rng.randint(low, high))) for _ in range(size)]


async def _scratch(
    connection: AsyncConnection, name: str, columns: str, rows: list[dict[str, Any]]
) -> None:
    await connection.execute(text(f"CREATE TEMPORARY TABLE {name} ({columns})"))
    if rows:
        names = ", ".join(rows[0])
        values = ", ".join(f":{key}" for key in rows[0])
        await connection.execute(text(f"INSERT INTO {name} ({names}) VALUES ({values})"), rows)


async def seed(engine: AsyncEngine, *, tickets: int, max_entries: int = 3) -> Seeded:
    """People and inboxes through the services, as an install creates them; the volume in SQL.
    Each ticket gets 1 to `max_entries` entries (bench/search.py asks for more)."""
    rng = random.Random(SEED)
    dialect = engine.dialect.name
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    async with unit_of_work(sessionmaker) as session:
        admin = await users_service.create_user(
            session, email="admin@bench.test", name="Admin", password=PASSWORD, role=Role.admin
        )
        agents = [
            await users_service.create_user(
                session,
                email=f"agent{n}@bench.test",
                name=f"Agent {n}",
                password=PASSWORD if n == 0 else None,
            )
            for n in range(AGENTS)
        ]
        inboxes = [await inboxes_service.create_inbox(session, name=name) for name in INBOXES]
        members: dict[int, list[int]] = {inbox.id: [] for inbox in inboxes}
        for rank, agent in enumerate(agents):
            # The measured agent (rank 0) works in the two larger inboxes; the others in one or
            # two, and every inbox has someone.
            chosen = (
                inboxes[:2] if rank == 0 else [inboxes[rank % 3], *rng.sample(inboxes, rank % 2)]
            )
            for member in dict.fromkeys(chosen):
                await inboxes_service.add_member(session, inbox=member, user=agent)
                members[member.id].append(agent.id)
        agent_id, admin_email = agents[0].id, admin.email
        inbox_ids = [inbox.id for inbox in inboxes]

    customers = max(1, int(tickets * CUSTOMERS_PER_TICKET))
    now = int(time.time())
    year = 365 * 86_400
    start = now - year
    n = "series.n"
    i1, i2, i3 = inbox_ids
    inbox_of = (
        f"CASE WHEN {_h(n, 0)} % 10 < 5 THEN {i1} WHEN {_h(n, 0)} % 10 < 8 THEN {i2} ELSE {i3} END"
    )
    state = (
        f"CASE WHEN {_h(n, 1)} % 100 < 30 THEN 'open' WHEN {_h(n, 1)} % 100 < 40 THEN 'hold' "
        f"WHEN {_h(n, 1)} % 100 < 45 THEN 'snoozed' ELSE 'closed' END"
    )
    # Ids follow creation time, as they do in a live desk; most tickets are last touched within
    # a day or a week of being opened, a few much later.
    created = f"({start} + {n} * {year} / {int(tickets)} - {_h(n, 2)} % 3600)"
    delta = (
        f"CASE WHEN {_h(n, 3)} % 100 < 50 THEN {_h(n, 4)} % 86400 "
        f"WHEN {_h(n, 3)} % 100 < 80 THEN {_h(n, 4)} % 604800 "
        f"WHEN {_h(n, 3)} % 100 < 95 THEN {_h(n, 4)} % 2592000 ELSE {_h(n, 4)} % 7776000 END"
    )
    slot = (
        "CASE b.inbox_id "
        + " ".join(f"WHEN {inbox_id} THEN b.h6 % {len(ids)}" for inbox_id, ids in members.items())
        + " END"
    )
    stamp = partial(_timestamp, dialect)
    rare = (
        f"CASE WHEN {_h(n, 7)} % 1000 < {round(RARE_SHARE * 1000)} THEN ' {RARE_WORD}' ELSE '' END"
    )

    statements = [
        f"""{_series(customers)}
        INSERT INTO customers (id, name, attributes, notes, created_at, updated_at)
        SELECT n, bench_names.v, {_empty_json(dialect)}, '',
               {stamp(f"{start} - {_h(n, 2)} % {year}", "0")},
               {stamp(f"{start} - {_h(n, 2)} % {year}", "0")}
        FROM series JOIN bench_names ON bench_names.i = {_h(n, 1)} % 63""",
        """INSERT INTO customer_contacts (customer_id, kind, value)
        SELECT id, 'email', lower(replace(name, ' ', '.') || '.' || id || '@example.com')
        FROM customers""",
        f"""{_series(tickets)},
        b AS (SELECT n, {inbox_of} AS inbox_id, {state} AS state, {created} AS created_s,
                     {delta} AS delta, {_h(n, 5)} % 1000000 AS us, {_h(n, 6)} AS h6,
                     {_h(n, 8)} % 100 AS assigned,
                     bench_subjects.v || {rare} AS subject
              FROM series JOIN bench_subjects ON bench_subjects.i = {_h(n, 9)} % 500),
        t AS (SELECT b.*, CASE WHEN created_s + delta < {now} THEN created_s + delta
                               ELSE {now} END AS updated_s,
                     {slot} AS slot
              FROM b)
        INSERT INTO tickets (id, number, inbox_id, customer_id, subject, type, state,
                             snoozed_until, assignee_id, closed_at, created_at, updated_at)
        SELECT t.n, t.n, t.inbox_id, 1 + {_h("t.n", 10)} % {customers}, t.subject,
               CASE WHEN t.h6 % 10 < 4 THEN 'chat' WHEN t.h6 % 10 < 9 THEN 'email' ELSE 'web' END,
               t.state,
               CASE WHEN t.state = 'snoozed'
                    THEN {stamp(f"{now} + 3600 * (1 + t.h6 % 240)", "0")} END,
               CASE WHEN t.assigned < CASE WHEN t.state = 'open' THEN 60 ELSE 95 END
                    THEN m.user_id END,
               CASE WHEN t.state = 'closed' THEN {stamp("t.updated_s", "t.us")} END,
               {stamp("t.created_s", "t.us")}, {stamp("t.updated_s", "t.us")}
        FROM t JOIN bench_members m ON m.inbox_id = t.inbox_id AND m.k = t.slot""",
        f"""INSERT INTO ticket_entries (ticket_id, kind, direction, text, data, created_at)
        SELECT tickets.id, 'reply', CASE WHEN bench_k.k % 2 = 0 THEN 'in' ELSE 'out' END,
               bench_bodies.v, {_empty_json(dialect)}, tickets.created_at
        FROM tickets
        JOIN bench_k ON bench_k.k <= {_h("tickets.id", 11)} % {int(max_entries)}
        JOIN bench_bodies ON bench_bodies.i = {_h("tickets.id * 3 + bench_k.k", 3)} % 500
        ORDER BY tickets.id, bench_k.k""",
        f"""INSERT INTO ticket_labels (ticket_id, label_id)
        SELECT tickets.id, 1 + ({_h("tickets.id", 4)} + bench_k.k) % {len(LABELS)}
        FROM tickets JOIN bench_k ON bench_k.k <= {_h("tickets.id", 5)} % 2
        WHERE {_h("tickets.id", 6)} % 10 < 3""",
    ]

    subjects = _pool(rng, SUBJECT_WORDS, 500, 2, 6)
    bodies = _pool(rng, BODY_WORDS, 500, 8, 40)
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    async with engine.begin() as connection:
        await _scratch(
            connection,
            "bench_subjects",
            "i INTEGER PRIMARY KEY, v VARCHAR(300)",
            [{"i": i, "v": v.capitalize()} for i, v in enumerate(subjects)],
        )
        await _scratch(
            connection,
            "bench_bodies",
            "i INTEGER PRIMARY KEY, v TEXT",
            [{"i": i, "v": v.capitalize() + "."} for i, v in enumerate(bodies)],
        )
        await _scratch(
            connection,
            "bench_names",
            "i INTEGER PRIMARY KEY, v VARCHAR(200)",
            [{"i": i, "v": v} for i, v in enumerate(names)],
        )
        await _scratch(
            connection,
            "bench_members",
            "inbox_id INTEGER, k INTEGER, user_id INTEGER, PRIMARY KEY (inbox_id, k)",
            [
                {"inbox_id": inbox_id, "k": k, "user_id": user_id}
                for inbox_id, ids in members.items()
                for k, user_id in enumerate(ids)
            ],
        )
        await _scratch(
            connection,
            "bench_k",
            "k INTEGER PRIMARY KEY",
            [{"k": k} for k in range(max(3, max_entries))],
        )
        await connection.execute(
            insert(Label),
            [
                {"id": i, "name": name, "name_key": name_key(name)}
                for i, name in enumerate(LABELS, start=1)
            ],
        )
        for statement in statements:
            await connection.execute(text(statement))
        for name in SCRATCH:
            await connection.execute(text(f"DROP TABLE {name}"))
        # Numbering continues after the seeded tickets, as if the app had issued them.
        await connection.execute(
            update(Counter).where(Counter.name == "tickets").values(value=tickets)
        )
        if dialect == "postgresql":
            for table in ("labels", "customers", "tickets"):
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                        f"FROM {table}"
                    )
                )
        probe_email = await connection.scalar(
            select(CustomerContact.value)
            .join(Ticket, Ticket.customer_id == CustomerContact.customer_id)
            .where(Ticket.id == tickets // 3)
        )
        entries = await connection.scalar(select(func.count()).select_from(TicketEntry))
        label_links = await connection.scalar(select(func.count()).select_from(ticket_labels))
        rare_subjects = await connection.scalar(
            select(func.count()).where(Ticket.subject.like(f"%{RARE_WORD}%"))
        )
    # The triggers wrote a delta per ticket inserted; the counts loop would have moved them
    # into ticket_counts within seconds (run_loops=False here, so it is done once now).
    started = time.perf_counter()
    while True:
        async with unit_of_work(sessionmaker) as session:
            if await ticket_counts.compact(session) < ticket_counts.BATCH:
                break
    compaction_seconds = time.perf_counter() - started
    if dialect == "postgresql":
        # What autovacuum does soon after a bulk load: planner statistics, and the visibility
        # map that index-only scans rely on.
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))

    return Seeded(
        agent_email="agent0@bench.test",
        admin_email=admin_email,
        agent_id=agent_id,
        inbox_ids=inbox_ids,
        agent_inbox_ids=[i1, i2],
        probe_email=str(probe_email),
        tickets=tickets,
        entries=int(entries or 0),
        customers=customers,
        rare_subjects=int(rare_subjects or 0),
        label_links=int(label_links or 0),
        compaction_seconds=compaction_seconds,
    )


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Result:
    who: str
    name: str
    path: str
    samples: list[float]
    rows: int
    # CPU time of this process (the app, and SQLite's thread) per request, ms.
    cpu: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _login(client: httpx.AsyncClient, email: str) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]


async def _get(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text[:300]}")
    body = response.json()
    return body


async def _timed(
    call: Callable[[], Awaitable[dict[str, Any]]],
    *,
    repeat: int,
    warmup: int,
    budget: float,
    cpu: list[float] | None = None,
) -> tuple[list[float], dict[str, Any]]:
    """`repeat` timed calls after `warmup`; a slow query stops early once over `budget` seconds
    so that an unindexed search cannot hold the whole run hostage (the count is reported)."""
    body: dict[str, Any] = {}
    for _ in range(warmup):
        body = await call()
    samples: list[float] = []
    cpu = [] if cpu is None else cpu
    started = time.perf_counter()
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        body = await call()
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        if time.perf_counter() - started > budget and len(samples) >= 20:
            break
    return samples, body


async def _deep_path(client: httpx.AsyncClient, path: str, pages: int) -> tuple[str, int]:
    """The URL of page `pages + 1` (or of the last page, on a small data set) and its number."""
    url, depth = path, 1
    for _ in range(pages):
        cursor = (await _get(client, url))["next_cursor"]
        if cursor is None:
            break
        url, depth = f"{path}&cursor={cursor}", depth + 1
    return url, depth


def _rows(body: dict[str, Any] | list[Any]) -> int:
    """The rows a page holds: its items, or the list it is (the customers' page)."""
    items = body.get("items") if isinstance(body, dict) else body
    return len(items) if isinstance(items, list) else len(body)


async def measure(
    settings: Settings,
    seeded: Seeded,
    *,
    repeat: int,
    warmup: int,
    budget: float,
    only: str = "",
) -> list[Result]:
    app = create_app(settings, run_loops=False)
    tune_for_server()  # as `frontdesk run` does once the app is built
    results: list[Result] = []
    inbox = seeded.inbox_ids[0]
    async with app.router.lifespan_context(app):
        for who, email in (("agent", seeded.agent_email), ("admin", seeded.admin_email)):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=BASE_URL
            ) as client:
                await _login(client, email)
                base = "/api/v1/tickets?limit=25"
                deep, depth = await _deep_path(
                    client, f"{base}&inbox_id={inbox}&state=open", DEEP_PAGES
                )
                probes = [
                    ("a  inbox Open, first page", f"{base}&inbox_id={inbox}&state=open"),
                    (f"b  inbox Open, page {depth}", deep),
                    ("c  all my inboxes, -updated_at", f"{base}&sort=-updated_at"),
                    ("c  all my inboxes, -created_at", f"{base}&sort=-created_at"),
                    ("c  all my inboxes, number", f"{base}&sort=number"),
                    ("c' all my inboxes, Open", f"{base}&state=open"),
                    ("d  Mine (open, all inboxes)", f"{base}&mine=true&state=open"),
                    ("d  Unassigned (open, all)", f"{base}&unassigned=true&state=open"),
                    ("d  Mine (open, inbox)", f"{base}&inbox_id={inbox}&mine=true&state=open"),
                    (
                        "d  Unassigned (open, inbox)",
                        f"{base}&inbox_id={inbox}&unassigned=true&state=open",
                    ),
                    (f"e  search q={RARE_WORD}", f"{base}&q={RARE_WORD}"),
                    ("e  search q=<customer email>", f"{base}&q={seeded.probe_email}"),
                    ("f  counts?inbox_id=1", f"/api/v1/tickets/counts?inbox_id={inbox}"),
                    ("f  counts (all inboxes)", "/api/v1/tickets/counts"),
                    ("g  customers, first page", "/api/v1/customers?limit=25"),
                    ("g  customers q=<common name>", f"/api/v1/customers?limit=25&q={COMMON}"),
                    ("g  customers q=<name, no match>", "/api/v1/customers?limit=25&q=zuse"),
                    (
                        "g  customers q=<customer email>",
                        f"/api/v1/customers?limit=25&q={seeded.probe_email}",
                    ),
                ]
                if only:
                    probes = [probe for probe in probes if probe[0][0] in only]
                for name, path in probes:
                    cpu: list[float] = []
                    samples, body = await _timed(
                        partial(_get, client, path),
                        repeat=repeat,
                        warmup=warmup,
                        budget=budget,
                        cpu=cpu,
                    )
                    results.append(Result(who, name, path, samples, _rows(body), cpu))
                    print(
                        f"  {who:<5} {name:<32} p95 {results[-1].percentile(95):8.1f} ms"
                        f"  cpu p50 {statistics.median(cpu):6.1f} ms  (n={len(samples)})",
                        flush=True,
                    )
    return results


WRITE_ROWS = 5_000
SQL_REPEAT = 30


def _six_counts(user: User, inbox_id: int | None, due: datetime) -> Select[*tuple[Any, ...]]:
    """The statement counts were before migration 0037: six scalar counts over index ranges."""
    base = queries.filtered(user, queries.TicketFilter(inbox_id=inbox_id))

    def count(*conditions: ColumnElement[bool]) -> ScalarSelect[int]:
        return base.where(*conditions).with_only_columns(func.count()).scalar_subquery()

    open_ = Ticket.state == TicketState.open
    columns = {state.value: count(Ticket.state == state) for state in TicketState} | {
        "mine": count(open_, Ticket.assignee_id == user.id),
        "unassigned": count(open_, Ticket.assignee_id.is_(None)),
        "breaching": count(open_, Ticket.sla_due_at <= due),
    }
    return select(*(c.label(k) for k, c in columns.items()))


async def _sql_ms(connection: AsyncConnection, sql: str) -> float:
    """Median ms of one statement: PostgreSQL's execution time (EXPLAIN ANALYZE), SQLite's CPU
    time in this process."""
    samples = []
    for _ in range(SQL_REPEAT):
        if connection.dialect.name == "postgresql":
            plan = (await connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")).one()
            report = plan[0][0] if isinstance(plan[0], list) else plan[0]
            samples.append(float(report["Execution Time"]))
        else:
            c0 = time.process_time()
            (await connection.exec_driver_sql(sql)).all()
            samples.append((time.process_time() - c0) * 1000)
    return statistics.median(samples)


async def sql_cost(engine: AsyncEngine, seeded: Seeded) -> list[str]:
    """The counts' SQL alone, before (six counts) and after (counters), per user and scope."""
    lines = []
    due = utcnow() + sla_service.BREACHING_SOON
    async with AsyncSession(engine) as session:
        for email in (seeded.agent_email, seeded.admin_email):
            user = await session.scalar(select(User).where(User.email == email))
            assert user is not None
            for inbox_id in (seeded.inbox_ids[0], None):
                params = {"user_id": user.id, "inbox_id": inbox_id, "due": due}
                after = ticket_counts.STATEMENTS[user.is_admin, inbox_id is not None].params(
                    **params
                )
                figures = []
                for statement in (_six_counts(user, inbox_id, due), after):
                    sql = str(
                        statement.compile(
                            dialect=engine.dialect, compile_kwargs={"literal_binds": True}
                        )
                    )
                    figures.append(await _sql_ms(await session.connection(), sql))
                scope = "one inbox" if inbox_id else "all inboxes"
                lines.append(
                    f"{user.role.value:<5} {scope:<11} six counts {figures[0]:7.2f} ms, "
                    f"counters {figures[1]:6.2f} ms"
                )
    return lines


async def _update_time(connection: AsyncConnection, dialect: str) -> float:
    """ms to move WRITE_ROWS open tickets to hold, one row per statement as the desk does: on
    PostgreSQL the server's execution time (EXPLAIN ANALYZE), on SQLite this process's CPU."""
    ids = list(
        await connection.scalars(
            select(Ticket.id).where(Ticket.state == TicketState.open).limit(WRITE_ROWS)
        )
    )
    total = 0.0
    for ticket_id in ids:
        statement = f"UPDATE tickets SET state = 'hold' WHERE id = {ticket_id}"
        if dialect == "postgresql":
            plan = await connection.scalars(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}"))
            report = plan.one()
            report = report[0] if isinstance(report, list) else report
            total += float(report["Execution Time"])
        else:
            c0 = time.process_time()
            await connection.execute(text(statement))
            total += (time.process_time() - c0) * 1000
    return total / len(ids)


async def write_cost(engine: AsyncEngine) -> str:
    """The counters' cost to each ticket change: the same state changes timed with the
    triggers, then with them dropped (both rolled back)."""
    dialect = engine.dialect.name
    times = []
    for keep in (True, False):
        async with engine.connect() as connection:
            transaction = await connection.begin()
            if not keep:
                if dialect == "postgresql":
                    await connection.execute(text("DROP TRIGGER ticket_counts_move ON tickets"))
                else:
                    await connection.execute(text("DROP TRIGGER ticket_counts_update"))
            await _update_time(connection, dialect)  # warm the cache first
            await transaction.rollback()
            transaction = await connection.begin()
            if not keep:
                if dialect == "postgresql":
                    await connection.execute(text("DROP TRIGGER ticket_counts_move ON tickets"))
                else:
                    await connection.execute(text("DROP TRIGGER ticket_counts_update"))
            times.append(await _update_time(connection, dialect))
            await transaction.rollback()
    with_triggers, without = times
    return (
        f"{WRITE_ROWS} single-ticket state changes: {with_triggers * 1000:.0f} us each with the "
        f"counters' trigger, {without * 1000:.0f} us without"
    )


# --- stores ------------------------------------------------------------------------------------


def _settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        public_url=BASE_URL,
        secret_key="bench-secret-key-" + "x" * 32,
        mail_domain="desk.bench",
        _env_file=None,
    )


async def _pg_admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(store: str) -> AsyncIterator[tuple[str, Path]]:
    """A new, empty database of `store` for one run, and a temporary directory beside it: a
    SQLite file in the directory, or a PostgreSQL database dropped at the end. Yields (its URL,
    the directory)."""
    with tempfile.TemporaryDirectory(prefix="fd-bench-") as tmp:
        pg_name = f"fd_bench_{uuid.uuid4().hex[:10]}"
        if store == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'frontdesk.db'}"
        else:
            await _pg_admin(f'CREATE DATABASE "{pg_name}"')
            base = PG_ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
            url = f"postgresql+asyncpg://{base}/{pg_name}"
        try:
            yield url, Path(tmp)
        finally:
            if store == "postgresql":
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def run_store(store: str, args: argparse.Namespace) -> tuple[Seeded, list[Result]]:
    async with fresh_database(store) as (url, tmp):
        print(f"[{store}] migrating and seeding {args.tickets:,} tickets …", flush=True)
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        started = time.perf_counter()
        try:
            seeded = await seed(engine, tickets=args.tickets)
        finally:
            await engine.dispose()
        seeded.seconds = time.perf_counter() - started
        print(
            f"[{store}] seeded {seeded.tickets:,} tickets, {seeded.entries:,} entries, "
            f"{seeded.customers:,} customers in {seeded.seconds:.1f} s (counters compacted "
            f"in {seeded.compaction_seconds:.1f} s)",
            flush=True,
        )
        before = os.getloadavg()[0]
        results = await measure(
            _settings(url, tmp / "var"),
            seeded,
            repeat=args.repeat,
            warmup=args.warmup,
            budget=args.budget,
            only="f" if args.only_counts else args.only,
        )
        if args.write_cost:
            engine = create_engine(url)
            try:
                for line in await sql_cost(engine, seeded):
                    print(f"[{store}] SQL: {line}", flush=True)
                print(f"[{store}] write cost: {await write_cost(engine)}", flush=True)
            finally:
                await engine.dispose()
        seeded.load = (before, os.getloadavg()[0])
        return seeded, results


def print_table(store: str, seeded: Seeded, results: list[Result]) -> None:
    print()
    print(
        f"### {store}: {seeded.tickets:,} tickets, {seeded.entries:,} entries, "
        f"{seeded.customers:,} customers; seeded in {seeded.seconds:.1f} s; "
        f"load average {seeded.load[0]:.1f} before / {seeded.load[1]:.1f} after measuring"
    )
    print()
    print(
        "| user  | query                            |   n | rows |  p50 ms |  p95 ms |  p99 ms "
        "| CPU p50 |"
    )
    print(
        "|-------|----------------------------------|----:|-----:|--------:|--------:|--------:"
        "|--------:|"
    )
    for result in results:
        print(
            f"| {result.who:<5} | {result.name:<32} | {len(result.samples):>3} | {result.rows:>4} "
            f"| {statistics.median(result.samples):7.1f} | {result.percentile(95):7.1f} "
            f"| {result.percentile(99):7.1f} | {statistics.median(result.cpu or [0.0]):7.1f} |"
        )


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per query")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds per query before stopping early"
    )
    parser.add_argument(
        "--only-counts", action="store_true", help="time only the folder counts (rows f)"
    )
    parser.add_argument(
        "--only", default="", metavar="LETTERS", help="time only these rows, e.g. --only g"
    )
    parser.add_argument(
        "--write-cost",
        action="store_true",
        help="also time the counts' SQL alone (before and after the counters) and changing "
        "tickets' state with and without the counters' triggers",
    )
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    tables = [(store, *await run_store(store, args)) for store in stores]
    for store, seeded, results in tables:
        print_table(store, seeded, results)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
