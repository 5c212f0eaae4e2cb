"""How long each background round, and each delete of old or erased data, holds the event loop,
at 200,000 tickets.

Run from the repository root, on a database kept by bench/reports.py:

    .venv/bin/python bench/reports.py --store sqlite --keep DIR --seed-only   # once, ~5 min
    .venv/bin/python bench/rounds.py --store sqlite --keep DIR [--rounds 10] [--only NAME]

The kept database is copied first (the SQLite file, or a PostgreSQL database made from it as a
template), so that runs start alike. On the copy an admin adds three time-based rules a team
would have ("closed for 30 days", "on hold for 5 days", "no reply for 24 hours"), and every
episode already due is recorded as judged: a desk whose rules have run for a year. Then each
round the server runs on a timer (kit/loops.py, app.py) runs once unmeasured, and `--rounds`
times measured: wall time and the process's CPU time a round. On SQLite every statement runs on
the event loop's thread, so a round's time is time every request of the process waits. The seed
has 30 % of its tickets open and 5 % snoozed, more of a backlog than most desks keep.

Then four backlogs, `--rounds` rounds of each, with a request's transaction every 5 ms beside
them (how long a request waits for the connection): an admin adds a fourth rule ("closed for 60
days"), which catches up 50 tickets a round; 1,000 snoozes end at once; 1,000 SLA warnings come
due at once; a queue switched to auto-assignment with 1,000 tickets waiting and ten agents
online (then its rounds once they are all assigned; `--only auto-assignment` runs this one
alone). Then the deletes: `--batches` batches of the retention pass (50 tickets each, the
oldest closed of the third inbox, its retention set to 300 days), and the erasure of the
customer with the most tickets. No assertions on time: the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, closing
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import exists, func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reports as report_bench
import tickets as ticket_bench

from frontdesk.app import create_app, timed_rounds
from frontdesk.assignment import service as assignment_service
from frontdesk.assignment.models import AssignmentMode
from frontdesk.assignment.timers import assign_tickets
from frontdesk.customers.models import CustomerContact
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import unit_of_work
from frontdesk.db.sqlite import database_path
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.privacy import retention
from frontdesk.rules import timed
from frontdesk.rules.models import Rule, RuleRun
from frontdesk.rules.timers import run_time_rules
from frontdesk.sla.models import TicketSla
from frontdesk.sla.timers import check_slas
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.tickets.timers import wake_snoozed_tickets
from frontdesk.users.models import User

RULES = (
    ("Archive closed", {"type": "in_state", "state": "closed", "hours": 720}),
    ("Chase the customer", {"type": "in_state", "state": "hold", "hours": 120}),
    ("Late", {"type": "no_reply", "hours": 24}),
)
NEW_RULE = {"type": "in_state", "state": "closed", "hours": 1440}


@asynccontextmanager
async def _copy(store: str, url: str) -> AsyncIterator[tuple[str, Path]]:
    """A copy of the kept database for one run, dropped at the end: (its URL, a directory)."""
    with tempfile.TemporaryDirectory(prefix="fd-rounds-") as tmp:
        if store == "sqlite":
            kept = database_path(url)
            with closing(sqlite3.connect(kept, timeout=30)) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            copy = Path(tmp) / "frontdesk.db"
            shutil.copyfile(kept, copy)
            yield f"sqlite+aiosqlite:///{copy}", Path(tmp)
            return
        name = f"fd_rounds_{uuid.uuid4().hex[:10]}"
        kept_name = url.rsplit("/", 1)[1]
        await ticket_bench._pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{kept_name}"')
        try:
            yield f"{url.rsplit('/', 1)[0]}/{name}", Path(tmp)
        finally:
            await ticket_bench._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _rules_judged(app: object, admin_email: str) -> dict[str, int]:
    """The three rules, added by an admin, every episode due now recorded as judged, and each
    rule caught up, as a year of rounds would leave them."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url=ticket_bench.BASE_URL,
    ) as admin:
        await ticket_bench._login(admin, admin_email)
        for name, kind in RULES:
            made = await admin.post(
                "/api/v1/rules",
                json={"name": name, "when": kind, "actions": [{"type": "note", "text": name}]},
            )
            made.raise_for_status()
    judged: dict[str, int] = {}
    sessionmaker = app.state.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        for rule, when in await timed.timed_rules(session):
            due = (await session.execute(timed.due_query(rule.id, when, now=utcnow()))).all()
            if due:
                await session.execute(
                    insert(RuleRun),
                    [
                        {
                            "rule_id": rule.id,
                            "ticket_id": ticket_id,
                            "episode": episode,
                            "outcome": "skipped",
                            "ran_at": utcnow(),
                        }
                        for ticket_id, episode in due
                    ],
                )
            judged[rule.name] = len(due)
            # Every ticket judged now: the rule has caught up.
            await session.execute(
                update(Rule)
                .where(Rule.id == rule.id)
                .values(checked_at=utcnow(), caught_up_to=None)
            )
        await session.commit()
    return judged


async def measure(
    store: str,
    url: str,
    tmp: Path,
    admin_email: str,
    rounds: int,
    batches: int,
    only: str | None = None,
) -> None:
    await asyncio.to_thread(upgrade, url)
    settings = ticket_bench._settings(url, tmp / "var")
    app = create_app(settings, run_loops=False)
    async with app.router.lifespan_context(app):
        if only == "auto-assignment":
            _backlog_header()
            await _auto_assignment(app, rounds)
            return
        judged = await _rules_judged(app, admin_email)
        print(f"[{store}] rules added, episodes judged: {judged}", flush=True)
        print("\n| round | first ms | p50 ms | max ms | CPU ms a round |")
        print("|---|--:|--:|--:|--:|")
        for name, job, _interval in timed_rounds(settings):
            run = partial(job, app.state.sessionmaker, settings)
            started = time.perf_counter()
            await run()
            first = (time.perf_counter() - started) * 1000
            walls, cpu = [], time.process_time()
            for _ in range(rounds):
                started = time.perf_counter()
                await run()
                walls.append((time.perf_counter() - started) * 1000)
            cpu_ms = (time.process_time() - cpu) * 1000 / rounds
            print(
                f"| {name} | {first:.1f} | {statistics.median(walls):.1f} | {max(walls):.1f}"
                f" | {cpu_ms:.1f} |",
                flush=True,
            )
        await _backlogs(app, settings, admin_email, rounds)
        await _deletes(app, admin_email, batches)


async def _backlogs(app: Any, settings: Any, admin_email: str, rounds: int) -> None:
    """The rounds working off a backlog, `rounds` of each, with a request's transaction every
    5 ms beside them, to see how long one waits for the connection: a rule added now ("closed
    for 60 days", ~100,000 tickets due), with the three rules above beside it; 1,000 snoozes
    ending at once (a team's "until Monday morning"); 1,000 SLA warnings due at once (a server
    back from an outage), each telling the ticket's assignee; a queue switched to
    auto-assignment with 1,000 tickets waiting."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
    ) as admin:
        await ticket_bench._login(admin, admin_email)
        made = await admin.post(
            "/api/v1/rules",
            json={
                "name": "Archive older",
                "when": NEW_RULE,
                "actions": [{"type": "note", "text": "Old"}],
            },
        )
        made.raise_for_status()
    sessionmaker = app.state.sessionmaker
    _backlog_header()
    await _beside(app, "a new rule", partial(run_time_rules, sessionmaker, settings), rounds)
    async with unit_of_work(sessionmaker) as session:
        snoozed = select(Ticket.id).where(Ticket.state == TicketState.snoozed).limit(1_000)
        await session.execute(
            update(Ticket)
            .where(Ticket.id.in_(snoozed.scalar_subquery()))
            .values(snoozed_until=utcnow() - timedelta(minutes=1))
        )
    await _beside(app, "1,000 snoozes ending", partial(wake_snoozed_tickets, sessionmaker), rounds)
    async with unit_of_work(sessionmaker) as session:
        now = utcnow()
        assigned = await session.scalars(
            select(Ticket.id)
            .where(
                Ticket.state == TicketState.open,
                Ticket.assignee_id.is_not(None),
                ~exists().where(TicketSla.ticket_id == Ticket.id),
            )
            .limit(1_000)
        )
        await session.execute(
            insert(TicketSla),
            [
                {
                    "ticket_id": ticket_id,
                    "first_response_due": now + timedelta(hours=1),
                    "first_response_warn": now - timedelta(minutes=1),
                    "check_at": now - timedelta(minutes=1),
                }
                for ticket_id in assigned
            ],
        )
    await _beside(
        app, "1,000 SLA warnings due", partial(check_slas, sessionmaker, settings), rounds
    )
    await _auto_assignment(app, rounds)


def _backlog_header() -> None:
    print(
        "\n| a backlog's rounds | done a round | first ms | p50 ms | max ms | CPU ms a round"
        " | a request's wait, p99 / max ms |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|")


async def _auto_assignment(app: Any, rounds: int) -> None:
    """A queue switched to auto-assignment with 1,000 tickets waiting and ten agents online with
    room for 150 each: the rounds hand them out; then rounds with all of them assigned and not
    yet touched by their agents, which each round looks at again (an agent gone offline, a
    ticket waiting too long)."""
    sessionmaker = app.state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        queue = await inboxes_service.create_inbox(session, name=f"Queue {uuid.uuid4().hex[:6]}")
        agents = (await session.scalars(select(User).order_by(User.id).offset(1).limit(10))).all()
        for agent in agents:
            await inboxes_service.add_member(session, inbox=queue, user=agent)
            agent.available_for_chat = True
        waiting = (
            select(Ticket.id)
            .where(Ticket.state == TicketState.open, Ticket.assignee_id.is_(None))
            .limit(1_000)
        )
        await session.execute(
            update(Ticket).where(Ticket.id.in_(waiting.scalar_subquery())).values(inbox_id=queue.id)
        )
        await assignment_service.set_settings(
            session,
            inbox=queue,
            mode=AssignmentMode.balanced,
            ticket_limit=150,
            reassign_after_minutes=60,
        )

    async def assigned() -> int:
        return (await assign_tickets(sessionmaker)).assigned

    await _beside(app, "auto-assignment of 1,000 waiting", assigned, rounds)
    async with unit_of_work(sessionmaker) as session:
        left = await session.scalar(
            select(func.count()).where(Ticket.inbox_id == queue.id, Ticket.assignee_id.is_(None))
        )
    if left:
        print(f"({left} still waiting: the next rounds hand them out too)", flush=True)
    await _beside(app, "1,000 auto-assigned, untouched", assigned, rounds)


async def _beside(app: Any, name: str, run: Callable[[], Awaitable[int]], rounds: int) -> None:
    waits: list[float] = []
    probing = asyncio.create_task(_probe(app.state.sessionmaker, waits))
    walls, done, cpu = [], [], time.process_time()
    for _ in range(rounds):
        started = time.perf_counter()
        done.append(await run())
        walls.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / rounds
    probing.cancel()
    p99 = statistics.quantiles(waits, n=100, method="inclusive")[98]
    print(
        f"| {name} | {min(done)}-{max(done)} | {walls[0]:.1f} | {statistics.median(walls):.1f}"
        f" | {max(walls):.1f} | {cpu_ms:.1f} | {p99:.1f} / {max(waits):.1f} |",
        flush=True,
    )


async def _probe(sessionmaker: Any, waits: list[float]) -> None:
    """A request's transaction every 5 ms beside the rounds: how long each waited and took."""
    while True:
        started = time.perf_counter()
        async with unit_of_work(sessionmaker) as session:
            await session.execute(select(1))
        waits.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.005)


async def _deletes(app: Any, admin_email: str, batches: int) -> None:
    sessionmaker = app.state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        inbox_id = max(await session.scalars(select(Inbox.id)))
        await session.execute(update(Inbox).where(Inbox.id == inbox_id).values(retention_days=300))
        customer_id, tickets = (
            await session.execute(
                select(Ticket.customer_id, func.count())
                .group_by(Ticket.customer_id)
                .order_by(func.count().desc(), Ticket.customer_id)
                .limit(1)
            )
        ).one()
        (address,) = await session.scalars(
            select(CustomerContact.value).where(CustomerContact.customer_id == customer_id)
        )
    print("\n| delete | ms |\n|---|--:|")
    for n in range(batches):
        started = time.perf_counter()
        async with unit_of_work(sessionmaker) as session:
            deleted = await retention.delete_expired(
                session, inbox_id=inbox_id, closed_before=utcnow() - timedelta(days=300), limit=50
            )
        took = (time.perf_counter() - started) * 1000
        print(f"| retention batch {n + 1} ({deleted} tickets) | {took:.0f} |", flush=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
    ) as admin:
        await ticket_bench._login(admin, admin_email)
        started = time.perf_counter()
        erased = await admin.post(
            f"/api/v1/customers/{customer_id}/erase", json={"confirm": address}
        )
        erased.raise_for_status()
        took = (time.perf_counter() - started) * 1000
    print(f"| erasure of a customer with {tickets} tickets | {took:.0f} |", flush=True)


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", required=True, help="a directory bench/reports.py seeded")
    parser.add_argument("--rounds", type=int, default=10, help="measured rounds of each")
    parser.add_argument("--batches", type=int, default=3, help="retention batches measured")
    parser.add_argument(
        "--only", choices=("auto-assignment",), help="that backlog alone, for a quick before/after"
    )
    args = parser.parse_args(argv)
    kept = report_bench.kept_seed(args.store, args.keep)
    if kept is None:
        return 2
    url, _keep, seeded = kept
    async with _copy(args.store, url) as (copy_url, tmp):
        await measure(
            args.store, copy_url, tmp, seeded.admin_email, args.rounds, args.batches, args.only
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
