"""Latency of the reads about the chats going on now, on a desk with a long history of chats.

Run from the repository root:

    .venv/bin/python bench/history.py [--store sqlite|postgresql|both] [--chats 200000]

For each store it builds a fresh database with the real migrations, then, through the app and
its services: one inbox, 20 agents online who take one chat at a time, and a chat going on with
each of them, so that every agent is busy and the messenger tells a visitor how long they would
wait. It then adds `--chats` ended chats (SQL, `INSERT … SELECT` over a series), each with its
agent still in it as ending a chat leaves them, and times over ASGI the reads that a desk and a
website make all day: the messenger's status (every page view of the site), the desk's ongoing
chats, an agent's chat bar and the agents' loads. Nothing here is a test: there are no assertions
on time, only on the answers being what the desk would get.
"""

# Every SQL string below is assembled from this file's own constants and integers.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
from collections.abc import Sequence
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.db.sqlite import database_path
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.collector import tune_for_server
from frontdesk.users import service as users_service
from frontdesk.users.models import Role

AGENTS = 20
# A past chat every ten minutes, each answered after this wait.
EVERY_SECONDS = 600
WAIT_SECONDS = 45


async def _people(engine: AsyncEngine) -> str:
    """The admin, the agents and the inbox; answers the inbox's public key."""
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    async with unit_of_work(sessionmaker) as session:
        await users_service.create_user(
            session,
            email="admin@bench.test",
            name="Admin",
            password=ticket_bench.PASSWORD,
            role=Role.admin,
        )
        inbox = await inboxes_service.create_inbox(session, name="Support")
        for n in range(AGENTS):
            agent = await users_service.create_user(
                session,
                email=f"agent{n}@bench.test",
                name=f"Agent {n}",
                password=ticket_bench.PASSWORD,
                max_concurrent_chats=1,
            )
            await inboxes_service.add_member(session, inbox=inbox, user=agent)
        return inbox.public_key


async def _live_chats(app: Any, key: str) -> list[httpx.AsyncClient]:
    """Each agent online and in one chat; answers the agents' logged-in clients."""
    agents = []
    for n in range(AGENTS):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
        )
        await ticket_bench._login(client, f"agent{n}@bench.test")
        online = await client.put("/api/v1/me/availability", json={"available": True})
        online.raise_for_status()
        agents.append(client)
    for n, agent in enumerate(agents):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
        ) as visitor:
            session = await visitor.post("/messenger/v1/visitors", json={"inbox": key})
            session.raise_for_status()
            visitor.headers["Authorization"] = f"Bearer {session.json()['token']}"
            started = await visitor.post(
                "/messenger/v1/chats",
                json={"name": f"Visitor {n}", "email": f"v{n}@example.org", "text": "Hello"},
            )
            started.raise_for_status()
        joined = await agent.post(f"/api/v1/chats/{started.json()['id']}/join")
        joined.raise_for_status()
    return agents


def _moved(dialect: str, column: str, seconds: str) -> str:
    """`column` moved by `seconds` (an SQL integer expression), as each store stores it."""
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%d %H:%M:%f000', {column}, ({seconds}) || ' seconds')"
    return f"({column} + ({seconds}) * interval '1 second')"


async def _past_chats(engine: AsyncEngine, count: int) -> None:
    """`count` ended chats before the live ones, copied from them: the same inbox, visitors and
    agents, one every EVERY_SECONDS, each answered after WAIT_SECONDS."""
    dialect = engine.dialect.name
    moved = partial(_moved, dialect)
    ago = f"-(series.n * {EVERY_SECONDS})"
    async with engine.begin() as connection:
        first = (await connection.execute(text("SELECT max(id) FROM chats"))).scalar_one()
        live = (await connection.execute(text("SELECT min(id) FROM chats"))).scalar_one()
        await connection.execute(
            text(
                f"""{ticket_bench._series(count)}
                INSERT INTO chats (id, inbox_id, visitor_id, state, end_reason, last_seq,
                    visitor_name, visitor_verified, started_at, answered_at, ended_at,
                    last_message_text, last_visitor_seq)
                SELECT {first} + series.n, c.inbox_id, c.visitor_id, 'ended', 'agent',
                    c.last_seq, c.visitor_name, c.visitor_verified,
                    {moved("c.started_at", ago)},
                    {moved("c.started_at", f"{ago} + {WAIT_SECONDS}")},
                    {moved("c.started_at", f"{ago} + 300")},
                    c.last_message_text, c.last_visitor_seq
                FROM series JOIN chats AS c ON c.id = {live} + series.n % {AGENTS}"""
            )
        )
        await connection.execute(
            text(
                f"""INSERT INTO chat_participants (chat_id, user_id, joined_at, left_at, read_seq)
                SELECT c.id, p.user_id, c.answered_at, NULL, p.read_seq
                FROM chats AS c JOIN chat_participants AS p
                    ON p.chat_id = {live} + (c.id - {first}) % {AGENTS}
                WHERE c.id > {first}"""
            )
        )
    # What the seeding wrote is put in place before the timing, so that no checkpoint of it
    # (SQLite) or vacuum (PostgreSQL) runs beside the timed reads.
    if dialect == "sqlite":
        with closing(sqlite3.connect(database_path(str(engine.url)), timeout=30)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        async with engine.connect() as connection:
            outside = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await outside.execute(text("VACUUM ANALYZE"))


async def _check(admin: httpx.AsyncClient, agent: httpx.AsyncClient, key: str) -> None:
    """The answers are the desk's: every agent busy with one chat, and the expected wait that
    of the latest 20 answered chats, the live ones, joined at once."""
    status = (await admin.get(f"/messenger/v1/status?inbox={key}")).json()
    if status["estimated_wait_seconds"] != 0 or status["queue_position"] != 1:
        raise RuntimeError(f"unexpected status {status}")
    if len((await admin.get("/api/v1/chats")).json()) != AGENTS:
        raise RuntimeError("the ongoing chats are not the live ones")
    if len((await agent.get("/api/v1/chats/bar")).json()) != 1:
        raise RuntimeError("the chat bar is not the agent's one chat")
    loads = {row["active_chats"] for row in (await admin.get("/api/v1/chats/agents")).json()}
    if loads != {0, 1}:  # the admin takes no chat
        raise RuntimeError(f"unexpected loads {loads}")


async def run_store(store: str, args: argparse.Namespace) -> list[ticket_bench.Result]:
    async with ticket_bench.fresh_database(store) as (url, tmp):
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            key = await _people(engine)
        finally:
            await engine.dispose()
        app = create_app(ticket_bench._settings(url, tmp / "var"), run_loops=False)
        tune_for_server()
        results: list[ticket_bench.Result] = []
        async with app.router.lifespan_context(app):
            agents = await _live_chats(app, key)
            print(f"[{store}] adding {args.chats:,} past chats …", flush=True)
            await _past_chats(app.state.engine, args.chats)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL
            ) as admin:
                await ticket_bench._login(admin, "admin@bench.test")
                await _check(admin, agents[0], key)
                for client, path in (
                    (admin, f"/messenger/v1/status?inbox={key}"),
                    (admin, "/api/v1/chats"),
                    (agents[0], "/api/v1/chats/bar"),
                    (admin, "/api/v1/chats/agents"),
                ):
                    cpu: list[float] = []
                    samples, body = await ticket_bench._timed(
                        partial(ticket_bench._get, client, path),
                        repeat=args.repeat,
                        warmup=args.warmup,
                        budget=120.0,
                        cpu=cpu,
                    )
                    result = ticket_bench.Result("", path, path, samples, len(body), cpu)
                    results.append(result)
                    print(
                        f"  {path:<48} p50 {statistics.median(result.samples):8.2f} ms"
                        f"  p95 {result.percentile(95):8.2f} ms",
                        flush=True,
                    )
            for agent in agents:
                await agent.aclose()
        return results


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--chats", type=int, default=200_000, help="ended chats to add")
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per read")
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        results = await run_store(store, args)
        print()
        print(f"### {store}: {args.chats:,} past chats, {AGENTS} agents each in one chat")
        print()
        print("| read | p50 ms | p95 ms | CPU p50 ms |")
        print("|---|--:|--:|--:|")
        for result in results:
            print(
                f"| `{result.name.split('?')[0]}` | {statistics.median(result.samples):.2f} "
                f"| {result.percentile(95):.2f} | {statistics.median(result.cpu):.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
