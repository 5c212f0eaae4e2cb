"""PostgreSQL connections the server dropped: a pooled connection that sat idle is checked and
replaced before use; one used moments ago is not asked first, and a server restart costs it one
failed transaction (a request answered 503, "try again"), after which the pool holds only new
connections (db/session.py, docs/deploy.md). A socket's frame meanwhile:
tests/unit/chats/test_database_restart.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.db.session import create_engine, database_unreachable
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.unit.support import terminate_backends

pytestmark = pytest.mark.integration


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    return int(pid)


async def test_an_idle_connection_the_server_dropped_is_replaced_unseen(pg_url: str) -> None:
    # Every connection counts as idle here, so the check runs on the next checkout.
    engine = create_engine(pg_url, pool_size=1, ping_after_idle=0.0)
    try:
        first = await _backend_pid(engine)
        await terminate_backends(pg_url, first)
        assert await _backend_pid(engine) != first
    finally:
        await engine.dispose()


async def test_a_connection_used_moments_ago_costs_one_transaction_then_all_are_new(
    pg_url: str,
) -> None:
    engine = create_engine(pg_url, pool_size=1)
    try:
        first = await _backend_pid(engine)
        await terminate_backends(pg_url, first)
        with pytest.raises(exc.DBAPIError) as failed:
            await _backend_pid(engine)
        # Told apart from a fault in the work itself: answered "try again", not a crash.
        assert database_unreachable(failed.value)
        assert await _backend_pid(engine) != first
    finally:
        await engine.dispose()


@POSTGRESQL_ONLY
async def test_a_request_when_the_database_restarted_is_answered_503_then_served(
    app: object, desk: Desk, pg_url: str
) -> None:
    agent = await desk.agent(name="Ada")
    assert (await agent.client.get("/api/v1/me")).status_code == 200
    await terminate_backends(pg_url)
    failed = await agent.client.get("/api/v1/me")
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "2"
    assert failed.json()["error"]["code"] == "database_unavailable"
    assert (await agent.client.get("/api/v1/me")).json()["name"] == "Ada"


async def test_the_pool_holds_as_many_connections_as_configured(
    pg_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=pg_url,
        database_pool_size=3,
        public_url="http://desk.test",
        secret_key="test-secret-key-" + "x" * 32,
        _env_file=None,
    )
    app = create_app(settings, run_loops=False)
    async with app.router.lifespan_context(app):
        pool = app.state.engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == (3, 3)
