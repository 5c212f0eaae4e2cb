"""The server's SQLite transactions keep their statement journals in memory, never in temporary
files (db/session.py, `PRAGMA temp_store=MEMORY`).

SQLite reads its temporary directory once, when the library starts, so the transaction runs in a
child process pointed at a directory of the test's own (`SQLITE_TMPDIR`). SQLite removes a
temporary file as soon as it has opened it, so the trace it leaves is the directory's
modification time, changed by the file's creation and removal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TRANSACTION = """
import asyncio
import sys

from sqlalchemy import text

from frontdesk.db.session import create_engine


async def main(path: str) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT UNIQUE)")
            )
            await connection.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                    " INSERT INTO notes (body) SELECT printf('%d %.500c', i, 'x') FROM n"
                )
            )
        print("seeded", flush=True)
        sys.stdin.readline()
        # A statement that may fail halfway (the UNIQUE body), after another in the same
        # transaction, changing some 250 pages: SQLite journals those pages to undo it alone,
        # more than it keeps in memory unless told to.
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE notes SET body = body || '!' WHERE id = 1"))
            await connection.execute(text("UPDATE notes SET body = body || '?'"))
            count = await connection.scalar(text("SELECT count(*) FROM notes WHERE body LIKE '%?'"))
        print("updated", count, flush=True)
    finally:
        await engine.dispose()


asyncio.run(main(sys.argv[1]))
"""


def test_a_transaction_writes_no_temporary_file(tmp_path: Path) -> None:
    temporary = tmp_path / "sqlite-tmp"
    temporary.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", TRANSACTION, str(tmp_path / "desk.db")],
        env=os.environ | {"SQLITE_TMPDIR": str(temporary)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "seeded"
        # Past the file system's clock tick, so that a file made and removed now shows.
        time.sleep(0.05)
        untouched = temporary.stat().st_mtime_ns
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().split() == ["updated", "2000"]
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
    assert temporary.stat().st_mtime_ns == untouched, "the transaction wrote a temporary file"
