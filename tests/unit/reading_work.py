"""What tests/unit/test_reading_process.py runs in the reading process, which imports this module
by name to run it: kept apart from the tests so that it imports little (each new reading
process of a test imports it)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.labels.models import Label


async def pid(_session: AsyncSession) -> int:
    return os.getpid()


async def labels_before_and_after(session: AsyncSession, go_on: str) -> tuple[int, int, bool]:
    """Counts the labels, says so (a file), waits for the test's `go_on` file, counts again."""
    count = sa.select(sa.func.count()).select_from(Label)
    before = int(await session.scalar(count) or 0)
    await asyncio.to_thread(Path(go_on + ".reading").touch)
    for _ in range(600):
        if await asyncio.to_thread(Path(go_on).exists):
            break
        await asyncio.sleep(0.05)
    went_on = await asyncio.to_thread(Path(go_on).exists)
    return before, int(await session.scalar(count) or 0), went_on


async def write(session: AsyncSession) -> None:
    await session.execute(
        sa.insert(Label).values(name="Written", color="#000000", name_key="written")
    )


async def refuse(_session: AsyncSession) -> None:
    raise Invalid("until", "Not this range.")


async def die(_session: AsyncSession) -> None:
    os._exit(3)
