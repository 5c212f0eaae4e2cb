"""Two message writers in two processes, each storing a batch of answers in one statement, take
the same histogram rows (`metric_seconds`) in opposite orders: neither waits a second for
PostgreSQL's deadlock detector, nor loses its batch to it (migration 0042)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.conftest import POSTGRESQL_ONLY, Desk

pytestmark = pytest.mark.integration

# After each moment's own triggers, the writer pauses on the first moment of its statement, so
# that the other writer takes its first rows meanwhile: the interleaving that deadlocked.
_PAUSE = """
CREATE FUNCTION test_pause_after_first() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$;
CREATE TRIGGER zz_test_pause AFTER INSERT ON metric_moments FOR EACH ROW
WHEN (NEW.seconds IN (1.5, 30.5)) EXECUTE FUNCTION test_pause_after_first();
"""
_UNPAUSE = """
DROP TRIGGER IF EXISTS zz_test_pause ON metric_moments;
DROP FUNCTION IF EXISTS test_pause_after_first();
"""
_INSERT = (
    "INSERT INTO metric_moments (kind, at, quarter, inbox_id, channel, user_id, seconds) "
    "SELECT 'response', now(), 2000000, $1, 'chat', u, s "
    "FROM unnest($2::int[], $3::float8[]) AS m(u, s)"
)


@pytest.fixture
async def server(pg_url: str) -> AsyncIterator[str]:
    dsn = pg_url.replace("postgresql+asyncpg", "postgresql")
    admin = await asyncpg.connect(dsn)
    await admin.execute(_PAUSE)
    try:
        yield dsn
    finally:
        await admin.execute(_UNPAUSE)
        await admin.close()


@POSTGRESQL_ONLY
async def test_two_batches_of_the_same_rows_in_opposite_orders_both_commit(
    app: object, desk: Desk, server: str
) -> None:
    inbox = await desk.inbox()
    ada, bob = await desk.agent(name="Ada"), await desk.agent(name="Bob")
    writers = [await asyncpg.connect(server) for _ in range(2)]

    async def store(connection: asyncpg.Connection, users: list[int], seconds: list[float]) -> None:
        async with connection.transaction():
            await connection.execute(_INSERT, inbox["id"], users, seconds)

    try:
        # 1.5 and 1.6 s fall in one bucket, 30 and 30.5 s in another: the same rows, in turn.
        await asyncio.wait_for(
            asyncio.gather(
                store(writers[0], [ada.id, bob.id], [1.5, 30.0]),
                store(writers[1], [bob.id, ada.id], [30.5, 1.6]),
            ),
            timeout=10,
        )
        counts = await writers[0].fetch(
            "SELECT user_id, bucket, n FROM metric_seconds WHERE span = 96 AND user_id <> 0 "
            "ORDER BY user_id"
        )
        assert [tuple(row) for row in counts] == [(ada.id, 11, 2), (bob.id, 23, 2)]
    finally:
        for connection in writers:
            await connection.close()
