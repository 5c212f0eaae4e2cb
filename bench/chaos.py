"""The realtime chaos run, long (the suite runs a 6-second version: tests/integration/test_chaos.py).

Run from the repository root, with PostgreSQL and Redis on 127.0.0.1:

    .venv/bin/python bench/chaos.py [--seconds 120] [--chats 40] [--agents 8] [--kills 3]
                                    [--processes 2] [--seed 1]

Two (or more) `frontdesk run` processes share a fresh PostgreSQL database and a Redis channel.
Every chat is written from both sides (each client a message every 0.25 s on average); every
socket drops without a close frame after 0.5-3 s and reconnects to a random process, resuming as
docs/realtime.md says; `--kills` times a random process is killed with `kill -9` and started again.
At the end every chat is ended and the promises are checked (tests/integration/chaos.py): every
client got every event of its chats once, in order, with no gap; every acknowledged message is
stored once; one ticket with one transcript per chat. Prints the figures and any problem; exits 1
on a problem.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import PG_ADMIN_URL, REDIS_URL, _pg_execute
from tests.integration.chaos import Chaos, Plan
from tests.integration.cluster import Cluster

from frontdesk.db.migrate import upgrade


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    name = f"fd_chaos_{uuid.uuid4().hex[:8]}"
    await _pg_execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    await asyncio.to_thread(upgrade, f"{url}/{name}")
    cluster = Cluster(
        database_url=f"{url}/{name}",
        redis_url=REDIS_URL,
        data_dir=Path(tempfile.mkdtemp()),
        size=args.processes,
        extra_env={"FRONTDESK_VISITOR_RATE_PER_MINUTE": "100000"},
    )
    await asyncio.to_thread(cluster.start)
    try:
        plan = Plan(
            chats=args.chats,
            agents=args.agents,
            seconds=args.seconds,
            kills=args.kills,
            seed=args.seed,
        )
        chaos = Chaos(cluster, plan)
        await chaos.setup()
        await chaos.run()
        problems = await chaos.verify()
    finally:
        cluster.stop()
        await _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"plan: {plan}")
    for key, value in chaos.figures.items():
        print(f"{key:>24}: {value}")
    print(f"{'problems':>24}: {len(problems)}")
    for problem in problems[:50]:
        print("  ", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
