"""Latency of the desk's ticket list (GET /api/v1/tickets) on a large, realistic data set.

Run from the repository root:

    .venv/bin/python bench/tickets.py [--store sqlite|postgresql|both] [--tickets 200000]

For each store it builds a fresh database with the real migrations (a SQLite file under a temp
dir; a new PostgreSQL database, dropped at the end), seeds it with bulk inserts, then drives the
real app in process over ASGI, logged in as an agent who works in two of the three inboxes and
as an admin, and prints p50/p95/p99 per query. Nothing here is a test: there are no assertions on
time, only on the answers being what the desk would get.
"""

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
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.inboxes import service as inboxes_service
from frontdesk.labels.models import Label
from frontdesk.tickets.models import (
    Counter,
    Direction,
    EntryKind,
    Ticket,
    TicketEntry,
    TicketState,
    TicketType,
    ticket_labels,
)
from frontdesk.users import service as users_service
from frontdesk.users.models import Role

PG_ADMIN_URL = os.environ.get(
    "FRONTDESK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
PASSWORD = "correct horse battery"  # noqa: S105  (the seeded users' password)
BASE_URL = "http://desk.bench"
SEED = 20261125
BATCH = 5_000
DEEP_PAGES = 200

INBOXES = ("Support", "Billing", "Sales")
INBOX_WEIGHTS = (0.5, 0.3, 0.2)
AGENTS = 20
CUSTOMERS_PER_TICKET = 0.2  # 200,000 tickets -> 40,000 customers
STATES = (TicketState.open, TicketState.hold, TicketState.snoozed, TicketState.closed)
STATE_WEIGHTS = (0.30, 0.10, 0.05, 0.55)
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


# --- seeding -----------------------------------------------------------------------------------


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
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def _chunks(
    rows: Sequence[dict[str, Any]], size: int = BATCH
) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def _bulk(connection: AsyncConnection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    # Core executemany: the column types (UTC datetimes, enums, JSON) are bound exactly as the
    # app binds them, so both stores hold what the app itself would have written.
    for chunk in _chunks(rows):
        await connection.execute(insert(table), list(chunk))


def _sentence(rng: random.Random, words: Sequence[str], low: int, high: int) -> str:
    return " ".join(rng.choices(words, k=rng.randint(low, high)))


async def seed(engine: AsyncEngine, *, tickets: int) -> Seeded:
    """People and inboxes through the services (as an install would create them), the volume
    data with bulk inserts."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    rng = random.Random(SEED)
    now = datetime.now(UTC)
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
        for n, agent in enumerate(agents):
            # The measured agent (n = 0) works in the two larger inboxes; the others in one or two.
            chosen = inboxes[:2] if n == 0 else rng.sample(inboxes, rng.choice((1, 1, 2)))
            for inbox in chosen:
                await inboxes_service.add_member(session, inbox=inbox, user=agent)
                members[inbox.id].append(agent.id)
        agent_id, admin_email = agents[0].id, admin.email
        inbox_ids = [inbox.id for inbox in inboxes]

    customers = max(1, int(tickets * CUSTOMERS_PER_TICKET))
    customer_rows: list[dict[str, Any]] = []
    contact_rows: list[dict[str, Any]] = []
    for n in range(1, customers + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created = now - timedelta(days=400 * rng.random())
        customer_rows.append(
            {
                "id": n,
                "name": f"{first} {last}",
                "attributes": {},
                "notes": "",
                "created_at": created,
                "updated_at": created,
            }
        )
        contact_rows.append(
            {
                "id": n,
                "customer_id": n,
                "kind": ContactKind.email,
                "value": f"{first}.{last}.{n}@example.com".lower(),
            }
        )
    label_rows = [{"id": n, "name": name} for n, name in enumerate(LABELS, start=1)]

    ticket_rows: list[dict[str, Any]] = []
    entry_rows: list[dict[str, Any]] = []
    label_links: list[dict[str, Any]] = []
    year = timedelta(days=365)
    for ticket_id in range(1, tickets + 1):
        inbox_id = rng.choices(inbox_ids, INBOX_WEIGHTS)[0]
        state = rng.choices(STATES, STATE_WEIGHTS)[0]
        created = now - year * rng.random()
        # Most tickets are touched within days of being opened; some linger for weeks.
        age = (now - created).total_seconds()
        updated = created + timedelta(seconds=min(age, rng.expovariate(1 / (4 * 86_400))))
        assigned = rng.random() < (0.6 if state is TicketState.open else 0.95)
        subject = _sentence(rng, SUBJECT_WORDS, 2, 6)
        if rng.random() < RARE_SHARE:
            subject = f"{subject} {RARE_WORD}"
        ticket_rows.append(
            {
                "id": ticket_id,
                "number": ticket_id,
                "inbox_id": inbox_id,
                "customer_id": rng.randint(1, customers),
                "subject": subject.capitalize(),
                "type": rng.choices(list(TicketType), (0.4, 0.5, 0.1))[0],
                "state": state,
                "snoozed_until": now + timedelta(hours=rng.randint(1, 240))
                if state is TicketState.snoozed
                else None,
                "assignee_id": rng.choice(members[inbox_id])
                if assigned and members[inbox_id]
                else None,
                "closed_at": updated if state is TicketState.closed else None,
                "created_at": created,
                "updated_at": updated,
            }
        )
        for k in range(rng.randint(1, 3)):
            inbound = k % 2 == 0
            entry_rows.append(
                {
                    "id": len(entry_rows) + 1,
                    "ticket_id": ticket_id,
                    "kind": EntryKind.reply,
                    "direction": Direction.inbound if inbound else Direction.outbound,
                    "text": _sentence(rng, BODY_WORDS, 8, 40),
                    "data": {},
                    "created_at": created + (updated - created) * (k / 3),
                }
            )
        if rng.random() < 0.3:
            for label_id in rng.sample(range(1, len(LABELS) + 1), rng.randint(1, 2)):
                label_links.append({"ticket_id": ticket_id, "label_id": label_id})

    async with engine.begin() as connection:
        await _bulk(connection, Label.__table__, label_rows)
        await _bulk(connection, Customer.__table__, customer_rows)
        await _bulk(connection, CustomerContact.__table__, contact_rows)
        await _bulk(connection, Ticket.__table__, ticket_rows)
        await _bulk(connection, TicketEntry.__table__, entry_rows)
        await _bulk(connection, ticket_labels, label_links)
        # Numbering continues after the seeded tickets, as if the app had issued them.
        await connection.execute(
            update(Counter).where(Counter.name == "tickets").values(value=tickets)
        )
        if engine.dialect.name == "postgresql":
            for table in ("labels", "customers", "customer_contacts", "tickets", "ticket_entries"):
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    if engine.dialect.name == "postgresql":
        # What autovacuum does shortly after a bulk load: planner statistics and the visibility
        # map (index-only scans).
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))

    agent_inbox_ids = [inbox_ids[0], inbox_ids[1]]
    probe = ticket_rows[len(ticket_rows) // 3]
    return Seeded(
        agent_email="agent0@bench.test",
        admin_email=admin_email,
        agent_id=agent_id,
        inbox_ids=inbox_ids,
        agent_inbox_ids=agent_inbox_ids,
        probe_email=contact_rows[probe["customer_id"] - 1]["value"],
        tickets=len(ticket_rows),
        entries=len(entry_rows),
        counts={
            "customers": customers,
            "label_links": len(label_links),
            "rare_subjects": sum(RARE_WORD in row["subject"] for row in ticket_rows),
        },
    )


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Result:
    who: str
    name: str
    path: str
    samples: list[float]
    rows: int

    def percentile(self, p: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _login(client: httpx.AsyncClient, email: str) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]


async def _get(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


async def _timed(
    call: Callable[[], Awaitable[dict[str, Any]]], *, repeat: int, warmup: int, budget: float
) -> tuple[list[float], dict[str, Any]]:
    """`repeat` timed calls after `warmup`; a slow query stops early once over `budget` seconds
    so that an unindexed search cannot hold the whole run hostage (the count is reported)."""
    body: dict[str, Any] = {}
    for _ in range(warmup):
        body = await call()
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(repeat):
        t0 = time.perf_counter()
        body = await call()
        samples.append((time.perf_counter() - t0) * 1000)
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


def _rows(body: dict[str, Any]) -> int:
    items = body.get("items")
    return len(items) if isinstance(items, list) else len(body)


async def measure(
    settings: Settings, seeded: Seeded, *, repeat: int, warmup: int, budget: float
) -> list[Result]:
    app = create_app(settings, run_loops=False)
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
                ]
                for name, path in probes:
                    samples, body = await _timed(
                        partial(_get, client, path),
                        repeat=repeat,
                        warmup=warmup,
                        budget=budget,
                    )
                    results.append(Result(who, name, path, samples, _rows(body)))
                    print(
                        f"  {who:<5} {name:<32} p95 {results[-1].percentile(95):8.1f} ms"
                        f"  (n={len(samples)})",
                        flush=True,
                    )
    return results


# --- stores ------------------------------------------------------------------------------------


def _settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        public_url=BASE_URL,
        secret_key="bench-secret-key-" + "x" * 32,
        mail_domain="desk.bench",
        _env_file=None,  # type: ignore[call-arg]
    )


async def _pg_admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def run_store(store: str, args: argparse.Namespace) -> tuple[Seeded, list[Result]]:
    with tempfile.TemporaryDirectory(prefix="fd-bench-") as tmp:
        pg_name = f"fd_bench_{uuid.uuid4().hex[:10]}"
        if store == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'frontdesk.db'}"
        else:
            await _pg_admin(f'CREATE DATABASE "{pg_name}"')
            base = PG_ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
            url = f"postgresql+asyncpg://{base}/{pg_name}"
        try:
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
                f"{seeded.counts['customers']:,} customers in {seeded.seconds:.1f} s",
                flush=True,
            )
            results = await measure(
                _settings(url, Path(tmp) / "var"),
                seeded,
                repeat=args.repeat,
                warmup=args.warmup,
                budget=args.budget,
            )
            return seeded, results
        finally:
            if store == "postgresql":
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def print_table(store: str, seeded: Seeded, results: list[Result]) -> None:
    print()
    print(
        f"### {store}: {seeded.tickets:,} tickets, {seeded.entries:,} entries, "
        f"{seeded.counts['customers']:,} customers; seeded in {seeded.seconds:.1f} s"
    )
    print()
    print("| user  | query                            |   n | rows |  p50 ms |  p95 ms |  p99 ms |")
    print("|-------|----------------------------------|----:|-----:|--------:|--------:|--------:|")
    for result in results:
        print(
            f"| {result.who:<5} | {result.name:<32} | {len(result.samples):>3} | {result.rows:>4} "
            f"| {statistics.median(result.samples):7.1f} | {result.percentile(95):7.1f} "
            f"| {result.percentile(99):7.1f} |"
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
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    tables = [(store, *await run_store(store, args)) for store in stores]
    for store, seeded, results in tables:
        print_table(store, seeded, results)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
