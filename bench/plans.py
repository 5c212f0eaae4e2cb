"""The SQLite plans of every statement the app sends: which read a whole table that grows.

Run from the repository root:

    .venv/bin/python bench/plans.py [--skip-capture] [pytest arguments …]

First it runs the SQLite half of the suite (`-m "not integration"`, or the pytest arguments
given) with a `sitecustomize` on `PYTHONPATH` that records, in every process the suite starts
(its workers and the servers they run), the text of each statement handed to `sqlite3` and the
first frame of `src/frontdesk` that sent it. Then it asks SQLite for the plan of each statement,
and of each trigger's statements, on an empty database migrated to the head: without statistics
(the app never runs ANALYZE) the plans do not depend on the data, so they are the ones a full
desk gets. It prints, for each place in `src/`, the statements whose plan scans a table that
grows with the desk's use. A scan is not always wrong (a list read newest first that stops at
its page, an erasure that must read every row); each is a question to answer
(docs/performance.md, "Reads that went through the whole history"). Plans that search by an
index whose range grows with the history are not found this way: count a read's steps at two
sizes (tests/unit/support.sqlite_steps).

With `--against REVISION` it also plans every statement on a database migrated to that earlier
revision and prints those whose plan is not the same at the head. Run it when a migration adds an
index: without statistics SQLite breaks a cost tie between two indexes for the newer one, so a
new index can take statements that another served better (docs/performance.md, "An agent's list
sorted by creation or number"). Each changed plan is a question to answer before it lands.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from frontdesk.db.migrate import upgrade
from frontdesk.search.schema import register_sqlite_fold

ROOT = Path(__file__).resolve().parent.parent
# Settings, people, live sockets and a queue emptied every few seconds: a scan of them stays small.
SMALL = frozenset(
    [
        "alembic_version",
        "api_tokens",
        "business_hours",
        "counters",
        "inbox_assignment",
        "inbox_members",
        "inboxes",
        "labels",
        "macros",
        "mailbox_accounts",
        "mailbox_oauth",
        "notification_preferences",
        "push_subscriptions",
        "rating_agents",
        "rating_settings",
        "recovery_codes",
        "rules",
        "saved_replies",
        "security_policy",
        "sidebar_apps",
        "sla_policies",
        "sqlite_master",
        "sso_identities",
        "sso_settings",
        "ticket_counts",
        "users",
        "vapid_keys",
        "webhook_subscriptions",
        "connections",
        "ticket_count_deltas",
    ]
)
ALIAS = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+AS)?\s+(\w+)", re.I)

RECORDER = """
import json, os, sqlite3, sys

_out = os.environ["FRONTDESK_PLANS_OUT"]
_seen = set()
_connect = sqlite3.connect


def _note(sql):
    if sql in _seen:
        return
    _seen.add(sql)
    frame, where = sys._getframe(2), None
    while frame is not None:
        name = frame.f_code.co_filename
        if "/src/frontdesk/" in name and "/src/frontdesk/db/" not in name:
            where = f"{name.split('/src/', 1)[1]}:{frame.f_lineno} {frame.f_code.co_name}"
            break
        frame = frame.f_back
    with open(os.path.join(_out, f"{os.getpid()}.jsonl"), "a") as handle:
        handle.write(json.dumps([sql, where]) + "\\n")


class _Cursor(sqlite3.Cursor):
    def execute(self, sql, *args, **kwargs):
        _note(sql)
        return super().execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        _note(sql)
        return super().executemany(sql, *args, **kwargs)


class _Connection(sqlite3.Connection):
    def cursor(self, factory=_Cursor):
        return super().cursor(factory)

    def execute(self, sql, *args, **kwargs):
        return self.cursor().execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        return self.cursor().executemany(sql, *args, **kwargs)


def _recording(*args, **kwargs):
    kwargs.setdefault("factory", _Connection)
    return _connect(*args, **kwargs)


sqlite3.connect = _recording
"""


def capture(out: Path, pytest_args: Sequence[str]) -> int:
    """Runs the tests with the recorder; answers pytest's exit code."""
    with tempfile.TemporaryDirectory(prefix="fd-plans-") as site:
        (Path(site) / "sitecustomize.py").write_text(RECORDER)
        env = dict(os.environ, FRONTDESK_PLANS_OUT=str(out))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [site, env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *pytest_args]
        return subprocess.call(command, cwd=ROOT, env=env)


def recorded(out: Path) -> dict[str, set[str]]:
    """Each statement and the places in src/ that sent it."""
    places: dict[str, set[str]] = defaultdict(set)
    for path in out.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            sql, where = json.loads(line)
            if where:
                places[sql].add(where)
    return places


class _Nulls(dict[str, Any]):
    def __missing__(self, key: str) -> None:
        return None


def plan(db: sqlite3.Connection, sql: str) -> list[str]:
    """The plan's lines, every parameter NULL (the plan does not depend on them)."""
    explain = "EXPLAIN QUERY PLAN " + sql
    try:
        rows = db.execute(explain, ()).fetchall()
    except sqlite3.ProgrammingError as exc:
        count = re.search(r"uses (\d+), and there are", str(exc))
        parameters: Any = (None,) * int(count.group(1)) if count else _Nulls()
        rows = db.execute(explain, parameters).fetchall()
    return [str(row[3]) for row in rows]


def trigger_statements(db: sqlite3.Connection) -> Iterator[tuple[str, str]]:
    """(trigger, statement) for each statement of each trigger, NEW.x and OLD.x as parameters."""
    for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"):
        body = re.search(r"\bBEGIN\b(.*)\bEND\s*$", sql, re.S | re.I)
        for part in (body.group(1) if body else "").split(";"):
            if part.strip() and "RAISE(" not in part:
                yield name, re.sub(r"\b(NEW|OLD)\.(\w+)", "?", part.strip(), flags=re.I)


def scans(sql: str, lines: Sequence[str], tables: frozenset[str]) -> list[str]:
    """The plan's scans of a table that grows (an alias read as its table; a subquery, a CTE,
    VALUES or a full-text table is none)."""
    aliases = {alias: table for table, alias in ALIAS.findall(sql)}
    found = []
    for line in lines:
        match = re.match(r"SCAN (\w+)", line)
        if match is None:
            continue
        name = match.group(1)
        table = aliases.get(name, name)
        if table in tables and table not in SMALL and not table.startswith("search_"):
            found.append(line if table == name else f"{line} ({table})")
    return found


def _plannable(sql: str) -> bool:
    first = sql.split(None, 1)[0].upper() if sql.strip() else ""
    return first in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE"}


def _planned(db: sqlite3.Connection, sql: str) -> list[str] | None:
    try:
        return plan(db, sql)
    except sqlite3.Error:
        return None  # a table or column this schema does not have


Changes = dict[str, list[tuple[list[str], list[str], str]]]


def changed_plans(
    places: dict[str, set[str]], before: sqlite3.Connection, after: sqlite3.Connection
) -> Changes:
    """By sender, each statement (and trigger statement) planned on both schemas whose plan is not
    the same on `after`: (plan before, plan after, statement). One that only `after` can plan
    reads something new, and is no change of an existing plan."""
    changes: Changes = defaultdict(list)
    for sql, senders in places.items():
        if not _plannable(sql):
            continue
        old, new = _planned(before, sql), _planned(after, sql)
        if old is not None and new is not None and old != new:
            for sender in senders:
                changes[sender].append((old, new, sql))
    triggers_before = dict(_grouped(trigger_statements(before)))
    for trigger, statements in _grouped(trigger_statements(after)):
        for sql in set(statements) & set(triggers_before.get(trigger, [])):
            old, new = _planned(before, sql), _planned(after, sql)
            if old is not None and new is not None and old != new:
                changes[f"trigger {trigger}"].append((old, new, sql))
    return changes


def _grouped(pairs: Iterator[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for name, sql in pairs:
        grouped[name].append(sql)
    yield from grouped.items()


def report_changes(out: Path, before: Path, after: Path, revision: str) -> None:
    with closing(sqlite3.connect(before)) as old, closing(sqlite3.connect(after)) as new:
        register_sqlite_fold(old)
        register_sqlite_fold(new)
        changes = changed_plans(recorded(out), old, new)
    for sender in sorted(changes):
        print(f"\n## {sender}")
        for old_plan, new_plan, sql in changes[sender]:
            print(f"- {' '.join(sql.split())[:300]}")
            print(f"  at {revision}: {' / '.join(old_plan)}")
            print(f"  at the head: {' / '.join(new_plan)}")
    print(f"\n{len(changes)} places with a plan that is not the one it had at {revision}")


def report(out: Path, database: Path) -> int:
    places = recorded(out)
    problems: dict[str, list[tuple[list[str], str]]] = defaultdict(list)
    with closing(sqlite3.connect(database)) as db:
        # The search indexes' triggers call it (search/schema.py): without it, no plan of theirs.
        register_sqlite_fold(db)
        tables = frozenset(
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        )
        checked = 0
        for sql, senders in places.items():
            if not _plannable(sql):
                continue
            try:
                lines = plan(db, sql)
            except sqlite3.Error:
                continue  # a migration's statement, on a table the head no longer has
            checked += 1
            if found := scans(sql, lines, tables):
                for sender in senders:
                    problems[sender].append((found, sql))
        for trigger, sql in trigger_statements(db):
            checked += 1
            if found := scans(sql, plan(db, sql), tables):
                problems[f"trigger {trigger}"].append((found, sql))
    for sender in sorted(problems):
        print(f"\n## {sender}")
        for found, sql in problems[sender]:
            print(f"- {', '.join(sorted(set(found)))}: {' '.join(sql.split())[:300]}")
    print(f"\n{checked} statements planned; {len(problems)} places with a scan of a growing table")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "frontdesk-plans")
    parser.add_argument(
        "--skip-capture", action="store_true", help="plan what an earlier run recorded in --out"
    )
    parser.add_argument(
        "--against",
        metavar="REVISION",
        help="also print the statements whose plan at the head is not the one at this revision",
    )
    args, pytest_args = parser.parse_known_args(argv)
    if not args.skip_capture:
        args.out.mkdir(parents=True, exist_ok=True)
        for old in args.out.glob("*.jsonl"):
            old.unlink()
        code = capture(args.out, pytest_args or ["-n", "2", "-m", "not integration"])
        if code not in (0, 1):  # 1: some tests failed, what ran was still recorded
            return code
    with tempfile.TemporaryDirectory(prefix="fd-plans-db-") as tmp:
        database = Path(tmp) / "frontdesk.db"
        upgrade(f"sqlite+aiosqlite:///{database}")
        code = report(args.out, database)
        if args.against:
            earlier = Path(tmp) / "earlier.db"
            upgrade(f"sqlite+aiosqlite:///{earlier}", args.against)
            report_changes(args.out, earlier, database, args.against)
        return code


if __name__ == "__main__":
    sys.exit(main())
