"""The reading process (db/reading.py), where the reports run: a process of its own, one read
one snapshot, never a write, the desk's requests answered while it reads, and a new process
after one dies. On both stores.

The functions it runs are in tests/unit/reading_work.py: the reading process imports them by
name, and that module imports little."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import ParamSpec, TypeVar

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from frontdesk.db.reading import ReadingUnavailable, Work, read
from frontdesk.errors import Invalid
from frontdesk.labels.models import Label
from tests.conftest import SQLITE_ITSELF, Desk
from tests.unit.reading_work import die, labels_before_and_after, pid, refuse, write

P = ParamSpec("P")
T = TypeVar("T")


async def reading(app: FastAPI, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    async with app.state.sessionmaker() as session:
        return await read(session, work, *args, **kwargs)


async def test_reads_run_in_one_process_of_their_own(app: FastAPI) -> None:
    first = await reading(app, pid)
    assert first != os.getpid()
    assert await reading(app, pid) == first


async def test_the_desk_goes_on_while_a_read_sees_one_state(
    app: FastAPI, desk: Desk, tmp_path: Path
) -> None:
    admin = await desk.agent(role="admin")
    go_on = str(tmp_path / "go-on")
    read_task = asyncio.create_task(reading(app, labels_before_and_after, go_on))
    while not await asyncio.to_thread(Path(go_on + ".reading").exists):
        assert not read_task.done(), read_task.result()
        await asyncio.sleep(0.02)

    # The read is under way, its transaction open: the desk still writes (on SQLite it would
    # wait for the process's one connection if the read held it).
    response = await admin.client.post("/api/v1/labels", json={"name": "Refund"})
    assert response.status_code == 201, response.text
    assert not read_task.done()
    await asyncio.to_thread(Path(go_on).touch)

    before, after, went_on = await read_task
    assert went_on
    assert after == before  # one snapshot, whatever was written meanwhile
    assert await reading(app, labels_before_and_after, go_on) == (before + 1, before + 1, True)


async def test_a_read_cannot_write(app: FastAPI) -> None:
    with pytest.raises(sa.exc.DBAPIError, match=r"(?i)read-?only"):
        await reading(app, write)
    async with app.state.sessionmaker() as session:
        assert await session.scalar(sa.select(Label.id).where(Label.name == "Written")) is None


async def test_an_error_of_the_read_comes_back_whole(app: FastAPI) -> None:
    with pytest.raises(Invalid) as raised:
        await reading(app, refuse)
    assert raised.value.status_code == 422
    assert raised.value.message == "Not this range."
    assert raised.value.fields == [
        {"field": "until", "code": "invalid", "message": "Not this range."}
    ]


async def test_a_dead_reading_process_is_replaced(app: FastAPI) -> None:
    first = await reading(app, pid)
    with pytest.raises(ReadingUnavailable) as raised:
        await reading(app, die)
    assert raised.value.status_code == 503
    second = await reading(app, pid)
    assert second not in (first, os.getpid())


CRASHING_DESK = """
import asyncio, os, sys
from frontdesk.config import Settings
from frontdesk.db.reading import ReadingProcess

async def main():
    settings = Settings(database_url=sys.argv[1], secret_key="x" * 40, _env_file=None)
    process = ReadingProcess(settings)
    pool = await process.start()
    print(next(iter(pool._processes)), flush=True)
    os.kill(os.getpid(), 9)

if __name__ == "__main__":
    asyncio.run(main())
"""


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    return False


@SQLITE_ITSELF
def test_the_reading_process_ends_with_a_killed_desk(database_url: str, tmp_path: Path) -> None:
    script = tmp_path / "desk.py"
    script.write_text(CRASHING_DESK)
    ran = subprocess.run(
        [sys.executable, str(script), database_url], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == -signal.SIGKILL, ran.stderr
    reading_pid = int(ran.stdout.split()[0])
    assert gone_within(reading_pid, 10), f"the reading process {reading_pid} outlived its desk"
