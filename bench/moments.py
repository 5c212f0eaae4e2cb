"""CPU of writing one metric moment on SQLite, with the triggers of each migration revision given.

Every chat message an agent has to answer writes a `customer_message` moment, and every answer a
`response` (metrics/record.py), in the realtime writer's transaction; the moments' triggers keep
the reports' roll-ups, histograms and per-agent tables. This migrates a database to each
revision, writes the same moments into each (alternating kinds, the chats' tickets and agents
spread as a busy desk's) in one transaction, rolls back, and prints the least CPU per moment of
`--repeat` rounds, per kind.

An empty database makes every upsert cheap; `--from FILE` copies a database at head instead (the
reports bench's year of moments: `bench/reports.py --store sqlite --keep DIR --seed-only`) and
takes each copy down to its revision.

To see which trigger costs what: `--triggers` keeps only the `metric_moments` triggers named
(`none`: the table alone; the default `all`), `--indexes` likewise its indexes (its primary key
always stays), and `--temp-store memory` keeps SQLite's statement journal in memory (a statement
with a trigger keeps the pages each row changes, to undo itself if a later step fails). Foreign
keys stay off, as SQLite's default: the moments' ids are made up.

    .venv/bin/python bench/moments.py [--revisions 0039,head] [--moments 3000] [--repeat 7]
                                      [--from DIR/frontdesk.db] [--temp-store file|memory]
                                      [--triggers all|none|NAME,...]
                                      [--indexes all|none|NAME,...]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from frontdesk.db.migrate import downgrade, upgrade

COLUMNS = "kind, at, quarter, inbox_id, channel, ticket_id, chat_id, user_id, seconds"
KINDS = ("customer_message", "response")


def moments(count: int, kind: str) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for i in range(count):
        answer = kind == "response"
        rows.append(
            (
                kind,
                f"2026-12-02 10:{i // 60 % 60:02d}:{i % 60:02d}.000000",
                1_900_000 + i // 50,
                1 + i % 3,
                "chat",
                5_000 + i % 200,
                1_000 + i % 200,
                1 + i % 20 if answer else None,
                12.5 if answer else None,
            )
        )
    return rows


def cpu_per_moment(
    path: Path, rows: list[tuple[object, ...]], repeat: int, temp_store: str
) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA temp_store = {temp_store}")
    try:
        best = float("inf")
        for _ in range(repeat):
            connection.execute("BEGIN")
            started = time.thread_time()
            for row in rows:
                connection.execute(
                    f"INSERT INTO metric_moments ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                    row,
                )
            best = min(best, time.thread_time() - started)
            connection.execute("ROLLBACK")
        return best / len(rows) * 1e6
    finally:
        connection.close()


def keep_only(path: Path, kind: str, keep: str) -> None:
    """Drops the `metric_moments` triggers or indexes (`kind`) not named in `keep`."""
    if keep == "all":
        return
    wanted = set() if keep == "none" else set(keep.split(","))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        names = [
            name
            for (name,) in connection.execute(
                # The primary key's index has no SQL: it stays.
                "SELECT name FROM sqlite_master WHERE type = ? AND tbl_name = 'metric_moments' "
                "AND sql IS NOT NULL",
                (kind,),
            )
        ]
        if unknown := wanted - set(names):
            raise SystemExit(f"no such {kind}: {', '.join(sorted(unknown))} (there are {names})")
        for name in names:
            if name not in wanted:
                connection.execute(f'DROP {kind.upper()} "{name}"')
    finally:
        connection.close()


def main(args: argparse.Namespace) -> None:
    revisions = args.revisions.split(",")
    with tempfile.TemporaryDirectory(prefix="fd-moments-") as tmp:
        paths = {}
        for revision in revisions:
            paths[revision] = Path(tmp) / f"{revision}.db"
            url = f"sqlite+aiosqlite:///{paths[revision]}"
            if args.source is None:
                upgrade(url, revision)
            else:
                shutil.copyfile(args.source, paths[revision])
                if revision != "head":
                    downgrade(url, revision)
            keep_only(paths[revision], "trigger", args.triggers)
            keep_only(paths[revision], "index", args.indexes)
        print(
            f"{args.moments:,} moments of each kind, least of {args.repeat} rounds, µs CPU each; "
            f"temp_store {args.temp_store}, triggers: {args.triggers}, indexes: {args.indexes}"
        )
        print("| kind | " + " | ".join(revisions) + " |")
        print("|---|" + "--:|" * len(revisions))
        for kind in KINDS:
            rows = moments(args.moments, kind)
            figures = [
                cpu_per_moment(paths[r], rows, args.repeat, args.temp_store) for r in revisions
            ]
            print(f"| {kind} | " + " | ".join(f"{f:.1f}" for f in figures) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--revisions", default="0039,head")
    parser.add_argument("--moments", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--from", dest="source", type=Path, help="a SQLite database at head")
    parser.add_argument("--temp-store", choices=["file", "memory"], default="file")
    parser.add_argument("--triggers", default="all", help="all, none, or names to keep")
    parser.add_argument("--indexes", default="all", help="all, none, or names to keep")
    main(parser.parse_args())
