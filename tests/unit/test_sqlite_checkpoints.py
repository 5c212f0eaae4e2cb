"""SQLite checkpoints run on a thread of their own, never inside a commit on the event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from frontdesk.db.session import create_engine
from frontdesk.db.sqlite import Checkpointer, sqlite_checkpointer


async def test_the_servers_commits_leave_the_log_to_the_checkpointer(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", background_checkpoints=True)
    checkpointer = Checkpointer(str(path), interval=0.05)
    try:
        async with engine.begin() as connection:
            assert (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 0
            await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        for _ in range(600):
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO notes (body) VALUES (:b)"), {"b": "x" * 4000}
                )
        # Well past SQLite's automatic threshold (1,000 pages), and no commit checkpointed: the
        # rows are in the log only, the database file has not grown.
        assert (tmp_path / "desk.db-wal").stat().st_size > 1000 * 4096
        assert path.stat().st_size < 100_000

        checkpointer.start()
        for _ in range(250):
            await asyncio.sleep(0.02)
            if path.stat().st_size > 2_000_000:
                break
        assert path.stat().st_size > 2_000_000
    finally:
        await asyncio.to_thread(checkpointer.stop)
        await engine.dispose()
    async with create_engine(f"sqlite+aiosqlite:///{path}").connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM notes"))).scalar() == 600


def test_only_sqlite_files_get_a_checkpointer() -> None:
    assert sqlite_checkpointer("postgresql+asyncpg://db/desk") is None
    assert sqlite_checkpointer("sqlite+aiosqlite:///:memory:") is None
    assert isinstance(sqlite_checkpointer("sqlite+aiosqlite:////tmp/desk.db"), Checkpointer)
