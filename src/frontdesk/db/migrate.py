"""Run Alembic from code, so `frontdesk migrate`, `frontdesk run` and the tests share one path."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    _refuse_under_a_running_erasure(database_url)
    command.downgrade(alembic_config(database_url), revision)


def _refuse_under_a_running_erasure(database_url: str) -> None:
    """Checked once before the first step, not in each migration: SQLite commits every
    migration alone, so a refusal met on the way down would leave the later ones undone under an
    erasure that reads the tables as this version's models give them (docs/privacy.md)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(asyncio.run, _running_erasures(database_url)).result()
    if running:
        raise RuntimeError(
            f"{running} customer erasure(s) have not finished: start this version of frontdesk "
            "and let them finish (Settings, Privacy: none 'running'), then downgrade."
        )


async def _running_erasures(database_url: str) -> int:
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            # Before 0064 an erasure was done when its row was written (no `finished_at`).
            columns = await connection.run_sync(_erasures_columns)
            if "finished_at" not in columns:
                return 0
            query = sa.text("SELECT count(*) FROM erasures WHERE finished_at IS NULL")
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


def _erasures_columns(connection: sa.Connection) -> set[str]:
    inspector = sa.inspect(connection)
    if not inspector.has_table("erasures"):
        return set()
    return {column["name"] for column in inspector.get_columns("erasures")}
