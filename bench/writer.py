"""CPU of the message writer's store path alone, by batch size (issue 19).

`bench/chat.py` measures the whole server: sockets, frames, the writer, publication. This measures
what storing costs without any of the rest, to see how far the server's CPU per message could fall
if everything around the store were free, and how that depends on the size of the writer's
batches (at 2,000 msg/s on one process, `chat.py` reports batches of about 8).

Seeding is `chat.py`'s: a `frontdesk run` process, C chats each joined by one of A agents over
HTTP, then the process is stopped. This process then opens the same database with the server's
engine and session settings and calls the realtime writer's `store` (chats/writer.py) with batches
of B messages, as the server's writer does, round-robin over the chats so that no chat is twice in
a batch, each chat's visitor and agent taking turns (so every message moves the chat's clock and
writes a metric moment, as in `chat.py`'s throughput). Publication goes to an in-process broker
with no follower. Per batch size: CPU of this process (`time.process_time`) per batch and per
message, the least of --repeat rounds of --messages messages each. With --hours, every inbox has
business hours on first (weekdays 09:00-17:00 in Europe/Paris, a holiday), so that an agent's
message computes its business seconds in a real calendar rather than an always-open one.

    .venv/bin/python bench/writer.py [--store sqlite|postgresql|both] [--batches 1,2,4,8,16,32,64]
                                     [--chats 200] [--agents 20] [--messages 3000] [--repeat 3]
                                     [--log-pages 5] [--log-batches 200] [--hours]

With --log-pages B (SQLite), it then stores --log-batches batches of B messages after a
checkpoint that empties the write-ahead log, and reads the log: the pages each commit writes to
it, by table and index (`dbstat`). That is the commit's share of the log's writes, of the
checkpoints' copying, and of how soon the log fills (db/sqlite.py, `WriterPause`).

SQLite runs every statement on this thread, so the figure is the whole cost. On PostgreSQL it is
the client's side only (the backends' CPU is not counted); the database is made fresh and dropped.
Nothing here is a test: no assertions on time, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import struct
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chat import Bench, Rig, close_all, frontdesk_rig, prepare_database, say


@dataclass
class Chats:
    ids: list[int]
    agent_of: list[int]  # the user id of the agent in each chat


async def seed(
    bench: Bench, http: Any, store: str, args: argparse.Namespace
) -> tuple[dict[str, str], Chats]:
    """The server's environment (its database and data directory), with the chats it made; the
    server is stopped again."""
    if store == "sqlite":
        server = bench.frontdesk("writer-sqlite")
    else:
        _url, servers = await bench.pg_servers("writer", 1)
        server = servers[0]
    seeded = await asyncio.to_thread(prepare_database, server.env, args.agents)
    server.start()
    await server.ready(http)
    rig: Rig = await frontdesk_rig(http, [server], [server], seeded, seeded.agents, args.chats,
                                   "Writer")  # fmt: skip
    await close_all(rig.visitors + rig.agents)
    await bench.stop(server)
    agent_ids = [user_id for user_id, _token in seeded.agents]
    chats = Chats(rig.chat_ids, [agent_ids[a] for a in rig.chat_agent])
    return server.env, chats


async def measure(env: dict[str, str], chats: Chats, args: argparse.Namespace) -> None:
    from frontdesk.chats.service import NewMessage
    from frontdesk.chats.writer import MessageWriter
    from frontdesk.config import Settings
    from frontdesk.db.context import SETTINGS_KEY
    from frontdesk.db.session import create_engine, create_sessionmaker
    from frontdesk.db.sqlite import inline_sqlite
    from frontdesk.kit.collector import tune_for_server
    from frontdesk.realtime.memory import MemoryBroker
    from frontdesk.realtime.publisher import BROKER_KEY

    url = env["FRONTDESK_DATABASE_URL"]
    settings = Settings(data_dir=Path(env["FRONTDESK_DATA_DIR"]), database_url=url)
    engine = create_engine(url, pool_size=2)
    sessionmaker = create_sessionmaker(
        engine, info={SETTINGS_KEY: settings, BROKER_KEY: MemoryBroker()}
    )
    writer = MessageWriter(sessionmaker)
    count = itertools.count()
    if args.hours:
        await set_hours(sessionmaker)

    def batch(size: int) -> list[NewMessage]:
        items = []
        for _ in range(size):
            n = next(count)
            turn, c = divmod(n, len(chats.ids))
            agent = chats.agent_of[c] if turn % 2 else None
            items.append(NewMessage(chats.ids[c], f"Message {n} of the writer bench", f"w-{n}",
                                    user_id=agent))  # fmt: skip
        return items

    async def stored(items: list[NewMessage]) -> None:
        outcomes = await writer.store(items)
        refused = [o for o in outcomes if isinstance(o, Exception)]
        if refused:
            raise SystemExit(f"the writer refused a message: {refused[0]!r}")

    tune_for_server()
    try:
        for size in args.batches:
            for _ in range(max(1, 200 // size)):  # warm caches and statement caches
                await stored(batch(size))
            rounds = max(1, args.messages // size)
            best = float("inf")
            for _ in range(args.repeat):
                batches = [batch(size) for _ in range(rounds)]
                started = time.process_time()
                for items in batches:
                    await stored(items)
                best = min(best, time.process_time() - started)
            per_batch, per_message = best / rounds * 1e3, best / (rounds * size) * 1e3
            say(f"| {size} | {per_batch:.3f} | {per_message:.3f} |")
        if args.log_pages and url.startswith("sqlite"):
            # No checkpoint inside a commit meanwhile: it would start the log again.
            async with sessionmaker() as session:
                connection = await inline_sqlite(session)
                assert connection is not None
                connection.execute("PRAGMA wal_autocheckpoint=0")
            size = args.log_pages
            await log_pages(url.split(":///", 1)[1], lambda: stored(batch(size)), args)
    finally:
        await engine.dispose()


async def set_hours(sessionmaker: Any) -> None:
    from sqlalchemy import select

    from frontdesk.hours import service as hours_service
    from frontdesk.inboxes.models import Inbox

    weekly = [{"day": day, "opens": "09:00", "closes": "17:00"}
              for day in ("mon", "tue", "wed", "thu", "fri")]  # fmt: skip
    holidays = [{"date": "2026-12-25", "name": "Christmas", "yearly": True}]
    async with sessionmaker() as session, session.begin():
        for inbox_id in (await session.scalars(select(Inbox.id))).all():
            await hours_service.set_hours(session, inbox_id=inbox_id, enabled=True,
                                          time_zone="Europe/Paris", weekly=weekly,
                                          holidays=holidays, away_message="")  # fmt: skip


WAL_HEADER_BYTES = 32


async def log_pages(
    path: str, store_batch: Callable[[], Awaitable[None]], args: argparse.Namespace
) -> None:
    from frontdesk.db.sqlite import WAL_FRAME_HEADER_BYTES

    with closing(sqlite3.connect(path)) as side:
        side.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        for _ in range(args.log_batches):
            await store_batch()
        names = dict(side.execute("SELECT pageno, name FROM dbstat").fetchall())
    log = await asyncio.to_thread(Path(path + "-wal").read_bytes)
    page_size = int.from_bytes(log[8:12], "big")
    salts = log[16:24]
    frames, commits, by_name = 0, 0, Counter[str]()
    offset = WAL_HEADER_BYTES
    # Frames of the log's current cycle only: if a checkpoint started it again meanwhile, what
    # follows them is left from the cycle before (other salts).
    while offset + WAL_FRAME_HEADER_BYTES <= len(log) and log[offset + 8 : offset + 16] == salts:
        page, commit_size = struct.unpack(">II", log[offset : offset + 8])
        frames += 1
        commits += commit_size > 0
        by_name[names.get(page, "(a page no longer in use)")] += 1
        offset += WAL_FRAME_HEADER_BYTES + page_size
    say(f"\nlog pages a commit, batches of {args.log_pages}: {frames / max(1, commits):.1f} "
        f"({frames} frames, {commits} commits)\n| table or index | pages a commit |\n|---|--:|")  # fmt: skip
    for name, count in by_name.most_common():
        say(f"| {name} | {count / max(1, commits):.2f} |")


async def main(args: argparse.Namespace) -> None:
    import httpx

    bench = Bench(argparse.Namespace(keep=False, py_spy=None))
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            for store in stores:
                say(f"\n== {store}: {args.chats} chats, {args.agents} agents; "
                    f"least of {args.repeat} rounds of {args.messages} messages ==")  # fmt: skip
                env, chats = await seed(bench, http, store, args)
                say("| batch | ms CPU a batch | ms CPU a message |\n|--:|--:|--:|")
                await measure(env, chats, args)
    finally:
        await bench.cleanup()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="sqlite")
    p.add_argument("--batches", type=lambda s: [int(x) for x in s.split(",")],
                   default=[1, 2, 4, 8, 16, 32, 64])  # fmt: skip
    p.add_argument("--chats", type=int, default=200)
    p.add_argument("--agents", type=int, default=20)
    p.add_argument("--messages", type=int, default=3000, help="messages per round and batch size")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--log-pages",
        type=int,
        default=0,
        metavar="B",
        help="SQLite: the log's pages a commit, at batches of B messages",
    )
    p.add_argument("--log-batches", type=int, default=200)
    p.add_argument("--hours", action="store_true", help="business hours on in every inbox")
    asyncio.run(main(p.parse_args()))
