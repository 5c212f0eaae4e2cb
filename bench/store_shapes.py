"""The SQL statements that only tests marked SQLite-only would run on PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/store_shapes.py [pytest arguments …]

Most tests run on SQLite alone (`SQLITE_ONLY`, tests/conftest.py; the rule is in
docs/architecture.md, "Tests"). That is safe only while every statement the app sends is still
sent to PostgreSQL by some test that runs there: a statement PostgreSQL refuses (a GROUP BY
SQLite lets pass, a comparison of mismatched types, a NUL in a text) would otherwise go unseen.

This runs the PostgreSQL half of the suite with the SQLite-only tests put back on PostgreSQL
(`FRONTDESK_TEST_STORES=all`; the tests of SQLite itself, `SQLITE_ITSELF`, stay on SQLite),
records each test's statements in a shape that ignores what does not change how PostgreSQL
reads them (parameters and their number, column lists, the columns an UPDATE sets), and prints
the shapes that only SQLite-only tests sent, with one such test each. It exits 1 when there is
any: mark one of the tests named `BOTH_STORES`, or say why the shape needs no PostgreSQL run.
About 5 minutes on 2 cores (docs/performance.md, "Which tests run on PostgreSQL").
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_ENV = "FRONTDESK_STORE_SHAPES_OUT"

_PARAM = re.compile(
    r"\$\d+(::(TIMESTAMP WITH(OUT)? TIME ZONE|DOUBLE PRECISION|[A-Z]+(\(\d+\))?)(\[\])?)?"
)
_PARAMS = re.compile(r"\$(, \$)+")
_ROWS = re.compile(r"\(\$\.\.\.\)(, \(\$\.\.\.\))+")
_COLUMNS = re.compile(r"\b\w+\.\w+( AS \w+)?(, \w+\.\w+( AS \w+)?)+")
_SET = re.compile(r"SET \w+=\$(, \w+=\$)*")
_INSERT = re.compile(r"INSERT INTO (\w+) \([^)]*\) VALUES .*?(?= RETURNING|$)")
_SAVEPOINT = re.compile(r"(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT) \S+")


def shape(statement: str) -> str:
    text = " ".join(statement.split())
    text = _PARAM.sub("$", text)
    text = _PARAMS.sub("$...", text).replace("IN ($)", "IN ($...)")
    text = _ROWS.sub("($...)...", text)
    text = _COLUMNS.sub("<columns>", text)
    text = _SET.sub("SET <columns>", text)
    text = _INSERT.sub(r"INSERT INTO \1 <values>", text)
    return _SAVEPOINT.sub(r"\1 <name>", text)


# --- the pytest plugin, in each worker ----------------------------------------------------------

_current: dict[str, Any] = {"test": None}
_seen: dict[str, dict[str, Any]] = {}


def pytest_configure(config: Any) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def record(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        test = _current["test"]
        if test is not None and conn.dialect.name == "postgresql":
            test["shapes"].add(shape(statement))


def pytest_runtest_setup(item: Any) -> None:
    named = item.get_closest_marker("stores")
    narrowed = named is not None and "postgresql" not in named.args
    _current["test"] = _seen.setdefault(item.nodeid, {"narrowed": narrowed, "shapes": set()})


def pytest_runtest_teardown(item: Any, nextitem: Any) -> None:
    _current["test"] = None


def pytest_unconfigure(config: Any) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    out = Path(os.environ[OUT_ENV]) / f"{worker}.json"
    seen = {test: {**kept, "shapes": sorted(kept["shapes"])} for test, kept in _seen.items()}
    out.write_text(json.dumps(seen))


# --- the run and the report ---------------------------------------------------------------------


def records(directory: Path) -> Iterator[tuple[str, bool, list[str]]]:
    for path in directory.glob("*.json"):
        for test, kept in json.loads(path.read_text()).items():
            yield test, kept["narrowed"], kept["shapes"]


def report(directory: Path) -> int:
    kept_shapes: set[str] = set()
    narrowed: dict[str, str] = {}
    tests = {True: 0, False: 0}
    for test, is_narrowed, shapes in records(directory):
        tests[is_narrowed] += 1
        if is_narrowed:
            for item in shapes:
                narrowed.setdefault(item, test)
        else:
            kept_shapes.update(shapes)
    missing = {item: test for item, test in narrowed.items() if item not in kept_shapes}
    print(
        f"{tests[False]} tests ran on PostgreSQL, {len(kept_shapes)} statement shapes; "
        f"{tests[True]} SQLite-only tests put back: {len(missing)} shapes only they sent"
    )
    for item, test in sorted(missing.items(), key=lambda pair: pair[1]):
        print(f"\n{test}\n    {item[:400]}")
    return 1 if missing else 0


def main(arguments: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="store-shapes-") as directory:
        environment = {
            **os.environ,
            "FRONTDESK_TEST_STORES": "all",
            OUT_ENV: directory,
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT / "bench"), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        command = [
            sys.executable, "-m", "pytest", "-p", "store_shapes", "-q", "-p", "no:cacheprovider",
            *(arguments or ["-n", "2", "--dist", "loadgroup", "-k", "postgresql"]),
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, env=environment, check=False)
        return report(Path(directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
