"""`frontdesk backup` and `frontdesk restore` on a real PostgreSQL with pg_dump and pg_restore:
an archive made while the desk serves, restored into another database (a new machine) and over
a database in use with --force."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk.config import Settings
from frontdesk.db.migrate import upgrade
from tests.conftest import PG_ADMIN_URL, _pg_execute, service_missing
from tests.ops.backups import read_back, run_cli, running, write_data
from tests.unit.support import new_ticket

pytestmark = pytest.mark.integration


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """Two new databases: the desk's, migrated, and an empty one to restore into."""
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            service_missing(tool, "apt-get install postgresql-client", FileNotFoundError(tool))
    names = [f"fd_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    try:
        for name in names:
            asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError) as exc:
        service_missing("PostgreSQL", "pg_ctlcluster … start", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    urls = (f"{base}/{names[0]}", f"{base}/{names[1]}")
    upgrade(urls[0])
    yield urls
    for name in names:
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def desk_settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        public_url="http://desk.test",
        mail_domain="desk.test",
        secret_key="test-secret-key-" + "x" * 32,
        _env_file=None,
    )


async def test_a_backup_made_while_serving_restores_on_another_database(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source = desk_settings(databases[0], tmp_path / "old-machine")
    target = desk_settings(databases[1], tmp_path / "new-machine")
    archive = tmp_path / "desk.tar.gz"
    async with running(source) as (_app, desk):
        written = await write_data(desk)
        agent = await desk.agent(role="admin")
        inbox = await desk.inbox(name="Busy")
        writing = True

        async def keep_writing() -> None:
            while writing:
                await new_ticket(agent.client, inbox, subject="during backup")

        writer = asyncio.create_task(keep_writing())
        await asyncio.sleep(0.05)
        code, output = await asyncio.to_thread(run_cli, source, "backup", "-o", str(archive))
        writing = False
        await writer
    assert code == 0, output
    assert "postgresql at migration" in output

    code, output = await asyncio.to_thread(run_cli, target, "restore", str(archive))
    assert code == 0, output
    async with running(target) as (_app, desk):
        assert await read_back(desk, written) == {
            "subject": "Invoice 42 is wrong",
            "file": written.image,
        }
        # The sequences came along: a new ticket does not collide with a restored one.
        admin = await desk.login({"email": written.email})
        inboxes = (await admin.client.get("/api/v1/inboxes")).json()
        billing = next(item for item in inboxes if item["name"] == "Billing")
        after = await new_ticket(admin.client, billing, subject="after the restore")

    code, output = await asyncio.to_thread(run_cli, target, "restore", str(archive))
    assert code == 1
    assert "refusing to overwrite: the database holds users" in output
    code, output = await asyncio.to_thread(run_cli, target, "restore", str(archive), "--force")
    assert code == 0, output
    async with running(target) as (_app, desk):
        admin = await desk.login({"email": written.email})
        gone = await admin.client.get(f"/api/v1/tickets/{after['id']}")
        assert gone.status_code == 404
        kept = await admin.client.get(f"/api/v1/tickets/{written.ticket_id}")
        assert kept.json()["subject"] == "Invoice 42 is wrong"
