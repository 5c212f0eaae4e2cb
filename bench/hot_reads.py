"""CPU (and wall time) of reads taken off hot paths (docs/performance.md, "The writer's
calendars and the messenger's status"), each timed as it was and as it is, on the server's own
engine and sessions:

- **The chat writer's calendars**, per batch of 8 messages in which an agent wrote: before, the
  conversation clocks, then the inboxes' business hours read and their calendars built on every
  such batch; now, the clocks read with their inboxes' hours versions and the calendars this
  process keeps (`hours/calendar_cache.py`). Also the clocks alone, a batch of visitors'
  messages, which reads neither. Run on the driver's connection inside one transaction, as the
  writer does (`metrics/record.chat_messages`).
- **The messenger's /status reads of the inbox and its hours**, three ways: "3 reads", the
  inbox by its public key, then "any enabled proactive message" (the removed
  `proactive_service.any_enabled`, its statement kept here), then the business hours
  (`hours_service.get_hours`, what `opening_now` read); "2 reads", the inbox with the proactive
  subquery (the statement of the removed `proactive_service.status_inbox`, kept here), then the
  hours; "now", `chats/status_read.status_inbox` (the inbox, the subquery, the hours' version
  and away message) and the calendar kept at that version (`hours_service.kept_calendar`). With
  one proactive message and business hours on.
- **The chat start's and the contact form's calendar** (`chats/opening.ensure_in_hours`,
  `reply_expected_from`), each in a session of its own, with business hours on: "row", the
  hours read by their primary key and the calendar built (`hours_service.calendar_of`, what
  they read before); "now", the version and away message by the primary key and the calendar
  kept at that version (`opening.inbox_calendar`).

    .venv/bin/python bench/hot_reads.py [--store sqlite|postgresql|both] [--rounds 3]
                                        [--batches 20000] [--reads 3000]
                                        [--part writer|status|start|all]

Each figure is the mean over --batches batches (--reads reads) of a round; rounds alternate the
ways, so that load from other work on the machine falls on both. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats import opening, status_read
from frontdesk.db.migrate import upgrade
from frontdesk.db.postgres import inline_asyncpg
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.db.sqlite import database_path, inline_sqlite
from frontdesk.hours import service as hours_service
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.metrics import clock_rows
from frontdesk.proactive import service as proactive_service
from frontdesk.proactive.models import ProactiveMessage
from frontdesk.users import service as users_service

CHATS = 200
BATCH = 8
WEEK = [
    {"day": d, "opens": "09:00", "closes": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri")
]
HOLIDAYS = [{"date": "2026-12-25", "name": "Christmas", "yearly": True}]


async def _seed(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, str]:
    """An inbox with business hours and a proactive message from a member; its id and key."""
    async with unit_of_work(sessionmaker) as session:
        inbox = await inboxes_service.create_inbox(session, name="Support")
        agent = await users_service.create_user(
            session, email="ada@bench.test", name="Ada", password=None
        )
        await inboxes_service.add_member(session, inbox=inbox, user=agent)
        await hours_service.set_hours(session, inbox_id=inbox.id, enabled=True,
                                      time_zone="Europe/Paris", weekly=WEEK, holidays=HOLIDAYS,
                                      away_message="")  # fmt: skip
        await proactive_service.create_message(
            session, inbox=inbox, name="Hello", text="Hello!", sender_id=agent.id
        )
        return inbox.id, inbox.public_key


async def _clocks(url: str, inbox_id: int) -> None:
    """CHATS conversation clocks of the inbox, with chat ids 1..CHATS (no chat rows: the reads
    timed here never look at them, so the foreign keys are not checked meanwhile)."""
    rows = [(n, n, inbox_id) for n in range(1, CHATS + 1)]
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(database_path(url), isolation_level=None)) as db:
            db.executemany(
                "INSERT INTO conversation_clocks (id, chat_id, inbox_id, channel, started_at)"
                " VALUES (?, ?, ?, 'chat', '2026-12-07 09:00:00.000000')",
                rows,
            )
        return
    import asyncpg

    db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with db.transaction():
            await db.execute("SET LOCAL session_replication_role = replica")
            await db.executemany(
                "INSERT INTO conversation_clocks (id, chat_id, inbox_id, channel, started_at)"
                " VALUES ($1, $2, $3, 'chat', now())",
                rows,
            )
    finally:
        await db.close()


def _ids(n: int) -> list[int]:
    start = (n * BATCH) % CHATS
    return [start + k + 1 for k in range(BATCH)]


async def _writer_ways(session: AsyncSession) -> dict[str, Callable[[int], Awaitable[Any]]]:
    """The three ways of a batch, on the driver's connection of the session's transaction."""
    connection = await inline_sqlite(session)
    if connection is not None:
        sqlite_connection = connection

        async def before(n: int) -> Any:
            rows = clock_rows.read_chat_clocks(sqlite_connection, _ids(n))
            hours = clock_rows.read_hours(sqlite_connection, {r.inbox_id for r in rows})
            return {row[0]: hours_service.stored_calendar(*row[2:]) for row in hours}

        async def after(n: int) -> Any:
            _rows, versions = clock_rows.read_chat_clocks_with_hours(sqlite_connection, _ids(n))
            calendars, missing = hours_service.kept_calendars(session, versions)
            if missing:
                read = clock_rows.read_hours(sqlite_connection, missing)
                calendars |= hours_service.keep_calendars(session, read)
            return calendars

        async def alone(n: int) -> Any:
            return clock_rows.read_chat_clocks(sqlite_connection, _ids(n))

        return {"before": before, "after": after, "clocks alone": alone}
    driver = await inline_asyncpg(session, begin=True)

    async def before_pg(n: int) -> Any:
        rows = await clock_rows.read_chat_clocks_pg(driver, _ids(n))
        hours = await clock_rows.read_hours_pg(driver, {r.inbox_id for r in rows})
        return {row[0]: hours_service.stored_calendar(*row[2:]) for row in hours}

    async def after_pg(n: int) -> Any:
        _rows, versions = await clock_rows.read_chat_clocks_with_hours_pg(driver, _ids(n))
        calendars, missing = hours_service.kept_calendars(session, versions)
        if missing:
            read = await clock_rows.read_hours_pg(driver, missing)
            calendars |= hours_service.keep_calendars(session, read)
        return calendars

    async def alone_pg(n: int) -> Any:
        return await clock_rows.read_chat_clocks_pg(driver, _ids(n))

    return {"before": before_pg, "after": after_pg, "clocks alone": alone_pg}


async def _timed(way: Callable[[int], Awaitable[Any]], count: int) -> tuple[float, float]:
    """Mean CPU and wall time of a call, in µs."""
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(count):
        await way(n)
    return (time.process_time() - cpu) / count * 1e6, (time.perf_counter() - wall) / count * 1e6


async def _compare(
    ways: dict[str, Callable[[int], Awaitable[Any]]],
    *,
    warm: int,
    count: int,
    rounds: int,
    digits: int = 0,
) -> None:
    """Each way warmed (statement caches, the kept calendar), then timed in turn, round after
    round, so that the machine's drift falls on every way alike."""
    for way in ways.values():
        await _timed(way, warm)
    for round_ in range(rounds):
        line = []
        for name, way in ways.items():
            cpu, wall = await _timed(way, count)
            line.append(f"{name} {cpu:.{digits}f} / {wall:.{digits}f}")
        print(f"round {round_ + 1}: " + "; ".join(line), flush=True)


async def _status_three_reads(session: AsyncSession, key: str) -> bool:
    inbox = await inboxes_service.get_inbox_by_public_key(session, public_key=key)
    found = await session.scalar(
        select(ProactiveMessage.id)
        .where(ProactiveMessage.inbox_id == inbox.id, ProactiveMessage.enabled)
        .limit(1)
    )
    hours = await hours_service.get_hours(session, inbox_id=inbox.id)
    return found is not None and not hours.calendar.always_open


# The statement of proactive_service.status_inbox as it was before the hours' version joined it.
_TWO_READS_INBOX = select(Inbox, proactive_service.offered(Inbox.id)).where(
    Inbox.public_key == bindparam("public_key")
)


async def _status_two_reads(session: AsyncSession, key: str) -> bool:
    inbox, offered = (await session.execute(_TWO_READS_INBOX, {"public_key": key})).one()
    hours = await hours_service.get_hours(session, inbox_id=inbox.id)
    return bool(offered) and not hours.calendar.always_open


async def _status_now(session: AsyncSession, key: str) -> bool:
    read = await status_read.status_inbox(session, public_key=key)
    calendar = await hours_service.kept_calendar(
        session, inbox_id=read.inbox.id, version=read.hours.version
    )
    return read.proactive and not calendar.always_open


async def run_store(store: str, args: argparse.Namespace) -> None:
    async with ticket_bench.fresh_database(store) as (url, _tmp):
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        try:
            inbox_id, key = await _seed(sessionmaker)
            if args.part in ("writer", "all"):
                await _clocks(url, inbox_id)
                await _writer_part(sessionmaker, store, args)
            if args.part in ("status", "all"):
                await _status_part(sessionmaker, store, key, args)
            if args.part in ("start", "all"):
                await _start_part(sessionmaker, store, inbox_id, args)
        finally:
            await engine.dispose()


async def _writer_part(
    sessionmaker: async_sessionmaker[AsyncSession], store: str, args: argparse.Namespace
) -> None:
    print(f"\n== {store}: writer, a batch of {BATCH} with an agent's message "
          f"(µs CPU / µs wall, the mean of {args.batches:,} batches) ==")  # fmt: skip
    async with sessionmaker() as session, session.begin():
        ways = await _writer_ways(session)
        await _compare(ways, warm=200, count=args.batches, rounds=args.rounds, digits=1)


async def _status_part(
    sessionmaker: async_sessionmaker[AsyncSession],
    store: str,
    key: str,
    args: argparse.Namespace,
) -> None:
    print(f"== {store}: /status's reads of the inbox and its hours (µs CPU / µs wall, "
          f"the mean of {args.reads:,} reads, each its own session) ==")  # fmt: skip
    readers = {
        "3 reads": _status_three_reads,
        "2 reads": _status_two_reads,
        "now": _status_now,
    }

    def reading(read: Callable[[AsyncSession, str], Awaitable[bool]]) -> Any:
        async def one(_n: int) -> bool:
            async with sessionmaker() as session:
                offered = await read(session, key)
            if not offered:
                raise SystemExit("the proactive message or the hours are not seen")
            return offered

        return one

    ways = {name: reading(read) for name, read in readers.items()}
    await _compare(ways, warm=100, count=args.reads, rounds=args.rounds)


async def _start_part(
    sessionmaker: async_sessionmaker[AsyncSession],
    store: str,
    inbox_id: int,
    args: argparse.Namespace,
) -> None:
    print(f"== {store}: a chat start's calendar (µs CPU / µs wall, the mean of {args.reads:,} "
          f"reads, each its own session) ==")  # fmt: skip
    async with sessionmaker() as session:
        inbox = await session.get_one(Inbox, inbox_id)

    async def row(session: AsyncSession) -> Any:
        return await hours_service.calendar_of(session, inbox_id=inbox_id)

    async def now(session: AsyncSession) -> Any:
        return await opening.inbox_calendar(session, inbox=inbox)

    def reading(read: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async def one(_n: int) -> Any:
            async with sessionmaker() as session:
                calendar = await read(session)
            if calendar.always_open:
                raise SystemExit("the hours are not seen")
            return calendar

        return one

    readers = {"row": row, "now": now}
    ways = {name: reading(read) for name, read in readers.items()}
    await _compare(ways, warm=100, count=args.reads, rounds=args.rounds)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batches", type=int, default=20_000)
    p.add_argument("--reads", type=int, default=3_000)
    p.add_argument("--part", choices=["writer", "status", "start", "all"], default="all")
    args = p.parse_args()
    for store in ["sqlite", "postgresql"] if args.store == "both" else [args.store]:
        await run_store(store, args)


if __name__ == "__main__":
    asyncio.run(main())
