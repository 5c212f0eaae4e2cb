"""How long a customer's export and erasure take on a large desk, and how long an erasure holds
the database (docs/privacy.md, docs/performance.md "Finding a customer's messages").

Run from the repository root:

    .venv/bin/python bench/privacy.py [--store sqlite|postgresql|both] [--tickets 200000]
                                      [--max-entries 9] [--rounds 3]

For each store it builds a fresh database with the real migrations and seeds it with
bench/tickets.py's `seed` (200,000 tickets of 40,000 customers, 1 to `--max-entries` entries
each: about a million at 9), then gives the entries what mail leaves (SQL, repeatable): every
incoming entry is the customer's mail, with the data the mail listener stores (subject, sender,
recipients, the quoted history …) and the received message it was made of; every outgoing entry
an agent's reply with the mail sent as it. Then, for `--rounds` customers of the seed (each with
its usual handful of tickets), through the services the API calls:

* scope   finding everything that is about the customer (privacy/scope.py `customer_scope`),
          which the export and the erasure both start with;
* export  the whole export archive, written to a file (as the reading process writes it);
* erase   the erasure, committed, with the time of its parts: the transaction that starts it
          (the scope, what goes back to other customers, the list of what to delete), then its
          pieces, a short transaction each (privacy/erasing.py). On SQLite each transaction
          holds the database's one writer from its first statement to its commit (BEGIN
          IMMEDIATE): the longest of them is the longest any other write of the desk waits
          ("writer held, longest").

Also timed, for comparison: the statement that found their mail by its sender before migration
0060, a LIKE over every incoming entry's data.

Prints the median and the slowest of the rounds. Nothing here is a test: no assertion on time.
"""

# Every SQL string below is assembled from this file's own constants and integers.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.db.context import SETTINGS_KEY
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine, create_sessionmaker, unit_of_work
from frontdesk.privacy import erasing, others, scope
from frontdesk.privacy import service as privacy_service
from frontdesk.tickets.models import Direction, Ticket, TicketEntry
from frontdesk.users.models import User

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

DESK = "support@desk.bench"
BEFORE_SENDER = "0059"


def _json(dialect: str, pairs: str) -> str:
    return f"json_object({pairs})" if dialect == "sqlite" else f"jsonb_build_object({pairs})"


def _array(dialect: str, items: str) -> str:
    return f"json_array({items})" if dialect == "sqlite" else f"jsonb_build_array({items})"


def _blob(dialect: str) -> str:
    return "X'00'" if dialect == "sqlite" else "'\\x00'::bytea"


async def add_mail(engine: AsyncEngine) -> tuple[int, int]:
    """Every incoming entry becomes the customer's mail, every outgoing one an agent's reply: the
    entries' data, the received messages, the sent ones. Returns (received, sent)."""
    dialect = engine.dialect.name

    def j(pairs: str) -> str:
        return _json(dialect, pairs)

    def a(items: str) -> str:
        return _array(dialect, items)

    display = "c.name || ' <' || c.email || '>'"
    newline = "char(10)" if dialect == "sqlite" else "chr(10)"
    incoming = j(
        f"""'subject', 'Re: ' || c.subject, 'from', {display}, 'from_address', c.email,
        'to', {a(f"'{DESK}'")}, 'cc', {a("")}, 'date', '2026-06-01T10:00:00+00:00',
        'quoted', 'On Monday, Support <{DESK}> wrote:' || {newline} || '> ' || e.text || ' '
            || e.text,
        'attachments', {a("")}, 'auto', false, 'unexpected_sender', false,
        'matched_by', 'reply address'"""
    )
    outgoing = j(f"'to', {a('c.email')}, 'cc', {a('')}, 'bcc', {a('')}, 'attachments', {a('')}")
    statements = [
        """CREATE TEMPORARY TABLE bench_addr (ticket_id BIGINT PRIMARY KEY, customer_id BIGINT,
            name VARCHAR(200), email VARCHAR(320), subject VARCHAR(300))""",
        """INSERT INTO bench_addr
        SELECT t.id, t.customer_id, cu.name, cc.value, t.subject
        FROM tickets t JOIN customers cu ON cu.id = t.customer_id
        JOIN customer_contacts cc ON cc.customer_id = t.customer_id AND cc.kind = 'email'""",
        f"""UPDATE ticket_entries AS e SET author_customer_id = c.customer_id,
            data = {incoming}
        FROM bench_addr AS c WHERE c.ticket_id = e.ticket_id AND e.direction = 'in'""",
        f"""UPDATE ticket_entries AS e SET data = {outgoing}
        FROM bench_addr AS c WHERE c.ticket_id = e.ticket_id AND e.direction = 'out'""",
        f"""INSERT INTO inbound_messages (received_at, via, envelope_from, envelope_to,
            message_id, subject, from_address, size, headers, raw, ticket_id, entry_id, status)
        SELECT e.created_at, 'smtp', c.email, {a(f"'{DESK}'")}, '<in-' || e.id || '@example.com>',
            'Re: ' || c.subject, c.email, 2000,
            {j(f"'From', {display}, 'To', '{DESK}', 'Subject', 'Re: ' || c.subject")},
            {_blob(dialect)}, e.ticket_id, e.id, 'processed'
        FROM ticket_entries e JOIN bench_addr c ON c.ticket_id = e.ticket_id
        WHERE e.direction = 'in'""",
        f"""INSERT INTO outbox (ticket_id, entry_id, message_id, sender, recipients, subject,
            headers, text, state, attempts, next_attempt_at, created_at, sent_at, data)
        SELECT e.ticket_id, e.id, '<out-' || e.id || '@desk.bench>', '{DESK}', {a("c.email")},
            'Re: ' || c.subject, {j(f"'To', {display}, 'From', '{DESK}'")}, e.text, 'sent', 1,
            e.created_at, e.created_at, e.created_at, {_json(dialect, "")}
        FROM ticket_entries e JOIN bench_addr c ON c.ticket_id = e.ticket_id
        WHERE e.direction = 'out'""",
        "DROP TABLE bench_addr",
    ]
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
        received = await connection.scalar(text("SELECT count(*) FROM inbound_messages"))
        sent = await connection.scalar(text("SELECT count(*) FROM outbox"))
    if dialect == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    return int(received or 0), int(sent or 0)


@dataclass
class Timings:
    scope: list[float] = field(default_factory=list)
    export: list[float] = field(default_factory=list)
    erase: list[float] = field(default_factory=list)
    # The longest transaction of each erasure (its start, or one of its pieces): the writer
    # held that long at most.
    writer: list[float] = field(default_factory=list)
    pieces: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=dict)


class Parts:
    """Times the named functions of the erasure while it runs (wrapped in their modules)."""

    def __init__(self, timings: Timings) -> None:
        self.timings = timings
        self.saved: list[tuple[Any, str, Any]] = []

    def wrap(self, module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                elapsed = (time.perf_counter() - started) * 1000
                self.timings.parts.setdefault(label, []).append(elapsed)

        self.saved.append((module, name, original))
        setattr(module, name, timed)

    def restore(self) -> None:
        for module, name, original in reversed(self.saved):
            setattr(module, name, original)


async def _probes(engine: AsyncEngine, rounds: int) -> list[tuple[int, str]]:
    """Customers spread over the seed, each with its first address."""
    async with engine.connect() as connection:
        count = int(await connection.scalar(select(func.count()).select_from(Customer)) or 0)
        found = []
        for n in range(rounds):
            customer_id = 1 + (n + 1) * count // (rounds + 2)
            email = await connection.scalar(
                select(CustomerContact.value).where(
                    CustomerContact.customer_id == customer_id,
                    CustomerContact.kind == ContactKind.email,
                )
            )
            found.append((customer_id, str(email)))
    return found


async def _ms(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def measure(url: str, tmp: Path, rounds: int) -> tuple[Timings, dict[str, int]]:
    settings = ticket_bench._settings(url, tmp / "var")
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine, info={SETTINGS_KEY: settings})
    timings = Timings()
    sizes: dict[str, int] = {}
    try:
        async with sessionmaker() as session:
            admin = await session.scalar(select(User).where(User.email == "admin@bench.test"))
        assert admin is not None
        for customer_id, email in await _probes(engine, rounds):
            async with sessionmaker() as session:
                customer = await session.get(Customer, customer_id)
                assert customer is not None

                async def find(session: AsyncSession = session, c: Customer = customer) -> None:
                    found = await scope.customer_scope(session, customer=c)
                    sizes["tickets"] = sizes.get("tickets", 0) + len(found.ticket_ids)
                    sizes["entries"] = sizes.get("entries", 0) + len(found.own_entry_ids)
                    sizes["mail"] = (
                        sizes.get("mail", 0) + len(found.inbound_ids) + len(found.outbox_ids)
                    )

                timings.scope.append(await _ms(find))
                await session.rollback()

                async def scan(session: AsyncSession = session, e: str = email) -> None:
                    # What finding their mail by its sender read before migration 0060.
                    await session.execute(
                        select(TicketEntry.id, TicketEntry.data).where(
                            TicketEntry.direction == Direction.inbound,
                            scope._like_any(TicketEntry.data, [e]),  # type: ignore[arg-type]
                        )
                    )

                timings.parts.setdefault("(scan of every entry's data)", []).append(await _ms(scan))
                await session.rollback()
            async with sessionmaker() as session:
                path = tmp / f"export-{customer_id}.zip"

                async def export(
                    session: AsyncSession = session, c: int = customer_id, p: Path = path
                ) -> None:
                    await privacy_service._write_export(session, c, str(p))

                timings.export.append(await _ms(export))
                await session.rollback()
                path.unlink()
            parts = Parts(timings)
            parts.wrap(privacy_service, "customer_scope", "scope")
            parts.wrap(others, "give_back", "give back")
            parts.wrap(erasing, "step", "pieces")
            for name, label in (
                ("_entries", "their messages"),
                ("_chats", "chats"),
                ("_tickets", "tickets"),
                ("_mail", "mail"),
                ("_visitors", "visitors"),
                ("_scrub", "the address scrub"),
                ("_customers", "customers"),
                ("_search", "search indexes merged"),
            ):
                parts.wrap(erasing, name, f"pieces: {label}")
            # After the commit: the files' bytes, SQLite's log truncated.
            parts.wrap(privacy_service, "delete_queued_files", "after commit: files")
            parts.wrap(privacy_service, "truncate_wal", "after commit: log")
            try:
                before = len(timings.parts.get("pieces", []))
                started: list[float] = []

                async def erase(
                    c: int = customer_id, e: str = email, started: list[float] = started
                ) -> None:
                    began = time.perf_counter()
                    async with unit_of_work(sessionmaker) as session:
                        erasure = await privacy_service.erase_customer(
                            session, user=admin, customer_id=c, confirmation=e
                        )
                    started.append((time.perf_counter() - began) * 1000)
                    await privacy_service.run_erasure(sessionmaker, erasure.id)

                timings.erase.append(await _ms(erase))
                pieces = timings.parts.get("pieces", [])[before:]
                # The bench has no reading process: the scope runs in the start's transaction
                # here, where the server reads it off the writer (privacy/service.py).
                start = started[0] - timings.parts["scope"][-1]
                timings.parts.setdefault("start, writer held (less the scope)", []).append(start)
                timings.writer.append(max([start, *pieces]))
                timings.pieces.append(float(len(pieces)))
            finally:
                parts.restore()
    finally:
        await engine.dispose()
    return timings, {key: value // max(1, rounds) for key, value in sizes.items()}


def _line(name: str, samples: Sequence[float]) -> str:
    return (
        f"| {name:<38} | {statistics.median(samples):9.0f} | {max(samples):9.0f} |"
        if samples
        else f"| {name:<38} |         — |         — |"
    )


async def run_store(store: str, args: argparse.Namespace) -> None:
    async with ticket_bench.fresh_database(store) as (url, tmp):
        print(f"[{store}] migrating and seeding {args.tickets:,} tickets …", flush=True)
        # Seeded as a desk of revision 0059 holds it, then upgraded: 0060 fills the senders.
        await asyncio.to_thread(upgrade, url, BEFORE_SENDER)
        engine = create_engine(url)
        started = time.perf_counter()
        try:
            seeded = await ticket_bench.seed(
                engine, tickets=args.tickets, max_entries=args.max_entries
            )
            received, sent = await add_mail(engine)
            await engine.dispose()
            upgraded = time.perf_counter()
            await asyncio.to_thread(upgrade, url)
            print(
                f"[{store}] upgraded from {BEFORE_SENDER} to head in "
                f"{time.perf_counter() - upgraded:.1f} s",
                flush=True,
            )
            async with engine.connect() as connection:
                entries = await connection.scalar(select(func.count()).select_from(TicketEntry))
                tickets = await connection.scalar(select(func.count()).select_from(Ticket))
        finally:
            await engine.dispose()
        print(
            f"[{store}] seeded {tickets:,} tickets, {entries:,} entries, {seeded.customers:,} "
            f"customers, {received:,} mails received and {sent:,} sent in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        timings, sizes = await measure(url, tmp, args.rounds)
        print()
        print(
            f"### {store}: {tickets:,} tickets, {entries:,} entries; a customer has "
            f"{sizes.get('tickets', 0)} tickets, {sizes.get('entries', 0)} messages, "
            f"{sizes.get('mail', 0)} mails ({args.rounds} customers)"
        )
        print()
        print("| step                                   | median ms |    max ms |")
        print("|----------------------------------------|----------:|----------:|")
        print(_line("scope", timings.scope))
        print(_line("export", timings.export))
        print(_line("erase", timings.erase))
        print(_line("  writer held, longest", timings.writer))
        print(_line("  pieces (count)", timings.pieces))
        for label, samples in timings.parts.items():
            print(_line(f"  {label}", samples))
        print(flush=True)


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--max-entries", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        await run_store(store, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
