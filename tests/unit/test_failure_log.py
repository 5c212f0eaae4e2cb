"""A background loop failing every round during an outage logs its first failure whole, then a
line a minute, then its recovery: not a traceback a round."""

from __future__ import annotations

import asyncio

import pytest

from frontdesk.kit import failures
from frontdesk.kit.loops import every


async def test_an_outage_writes_a_few_lines_not_one_per_round(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(failures, "monotonic", lambda: clock[0])
    rounds = {"n": 0}
    done = asyncio.Event()

    async def job() -> None:
        rounds["n"] += 1
        clock[0] += 1  # a round a second
        if rounds["n"] == 200:
            done.set()
        if rounds["n"] <= 150:
            raise ConnectionRefusedError(111, "Connect call failed")

    with caplog.at_level("WARNING", logger="frontdesk.kit.loops"):
        task = asyncio.create_task(every(0, job, name="snoozes"))
        await asyncio.wait_for(done.wait(), 10)
        task.cancel()

    lines = [
        (record.levelname, record.getMessage(), record.exc_info is not None)
        for record in caplog.records
    ]
    still = (
        "background job snoozes still failing ({} times in a row): [Errno 111] Connect call failed"
    )
    assert lines == [
        ("ERROR", "background job snoozes failed", True),
        ("WARNING", still.format(61), False),
        ("WARNING", still.format(121), False),
        ("WARNING", "background job snoozes works again after 150 failures", False),
    ]
