"""SQLite checkpoints run on a thread of their own, never inside a commit on the event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from frontdesk.db.session import create_engine
from frontdesk.db.sqlite import Checkpointer, WriterPause, sqlite_checkpointer


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


async def test_a_steady_stream_of_commits_keeps_the_log_bounded(tmp_path: Path) -> None:
    """A PASSIVE checkpoint cannot finish while commits keep coming, so the log never starts
    again; past its limit the checkpointer pauses the writers (they wait for the connection,
    asynchronously) and finishes one."""
    path = tmp_path / "desk.db"
    wal = tmp_path / "desk.db-wal"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", background_checkpoints=True)
    checkpointer = Checkpointer(str(path), interval=0.02, log_limit=1_000_000)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    checkpointer.start(WriterPause(engine, asyncio.get_running_loop()))
    loop = asyncio.get_running_loop()
    commits, largest = 0, 0
    try:
        started = loop.time()
        # Thousands of commits of a page each: tens of megabytes of log without the pause.
        while commits < 6_000 and loop.time() - started < 60:
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO notes (body) VALUES (:b)"), {"b": "x" * 3000}
                )
            commits += 1
            await asyncio.sleep(0)
            if wal.exists():
                largest = max(largest, wal.stat().st_size)
    finally:
        await asyncio.to_thread(checkpointer.stop)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM notes"))).scalar() == commits
    await engine.dispose()
    assert commits == 6_000
    assert largest < 10_000_000


async def test_a_pause_that_cannot_have_the_connection_gives_up(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}")
    pause = WriterPause(engine, asyncio.get_running_loop(), timeout=0.2)

    def hold() -> bool:  # on a thread, as the checkpointer does
        with pause.held() as held:
            return held

    try:
        assert await asyncio.to_thread(hold) is True
        async with engine.begin() as connection:
            # A long transaction holds the process's one connection meanwhile.
            assert await asyncio.to_thread(hold) is False
            await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
        assert await asyncio.to_thread(hold) is True
        pause.close()
        assert await asyncio.to_thread(hold) is False
    finally:
        await engine.dispose()


def test_only_sqlite_files_get_a_checkpointer() -> None:
    assert sqlite_checkpointer("postgresql+asyncpg://db/desk") is None
    assert sqlite_checkpointer("sqlite+aiosqlite:///:memory:") is None
    assert isinstance(sqlite_checkpointer("sqlite+aiosqlite:////tmp/desk.db"), Checkpointer)
