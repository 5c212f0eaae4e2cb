"""`frontdesk backup` and `frontdesk restore` on SQLite: an archive made while the desk serves
and writes, the data directory wiped, restored, and everything there again, files included; a
target in use refused without --force; a damaged or newer archive refused before anything is
touched; an older archive migrated."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest

from frontdesk.config import Settings
from frontdesk.db.migrate import upgrade
from frontdesk.ops.archive import MANIFEST
from frontdesk.ops.databases import sqlite_revision
from frontdesk.ops.restore import _known_revisions
from tests.ops.backups import read_back, run_cli, running, write_data
from tests.unit.support import new_ticket


@pytest.fixture
def settings(sqlite_template: Path, tmp_path: Path) -> Settings:
    """The one-process install: the database inside the data directory, the secret key
    generated there too."""
    data = tmp_path / "var"
    data.mkdir()
    shutil.copyfile(sqlite_template, data / "frontdesk.db")
    return Settings(
        data_dir=data,
        database_url=f"sqlite+aiosqlite:///{data / 'frontdesk.db'}",
        public_url="http://desk.test",
        mail_domain="desk.test",
        _env_file=None,
    )


def rewrite(archive: Path, target: Path, change: dict[str, bytes]) -> None:
    """A copy of the archive with some members' contents replaced."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for info in source.getmembers():
            data = change.get(info.name)
            if data is None:
                handle = source.extractfile(info)
                assert handle is not None
                data = handle.read()
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))


async def test_a_backup_made_while_serving_restores_everything(
    settings: Settings, tmp_path: Path
) -> None:
    secret = settings.secret
    archive = tmp_path / "backups" / "desk.tar.gz"
    async with running(settings) as (_app, desk):
        written = await write_data(desk)
        agent = await desk.agent(role="admin")
        inbox = await desk.inbox(name="Busy")
        writing = True

        async def keep_writing() -> int:
            count = 0
            while writing:
                await new_ticket(agent.client, inbox, subject=f"during backup {count}")
                count += 1
            return count

        writer = asyncio.create_task(keep_writing())
        await asyncio.sleep(0.05)
        code, output = await asyncio.to_thread(run_cli, settings, "backup", "-o", str(archive))
        writing = False
        during = await writer
        assert code == 0, output
        assert during > 0
    assert "backup written to" in output
    assert archive.stat().st_mode & 0o777 == 0o600

    with tarfile.open(archive, "r:gz") as opened:
        names = set(opened.getnames())
        manifest = json.loads(opened.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    assert {"database.sqlite", "data/secret_key", MANIFEST} <= names
    assert any(name.startswith("data/files/") for name in names)
    assert not any(name.endswith(("frontdesk.db", "-wal", "-shm")) for name in names)
    assert manifest["database"] == "sqlite"
    assert manifest["revision"] == sqlite_revision(Path(settings.database_url.split("///")[1]))

    shutil.rmtree(settings.data_dir)
    code, output = run_cli(settings, "restore", str(archive))
    assert code == 0, output
    assert (settings.data_dir / "secret_key").read_bytes().strip() == secret
    database = settings.data_dir / "frontdesk.db"
    with contextlib.closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = connection.execute(
            "SELECT count(*) FROM tickets WHERE subject LIKE 'during backup %'"
        ).fetchone()[0]
    # A snapshot of one moment: some of the concurrent tickets, never more than were written.
    assert 0 <= kept <= during

    async with running(settings) as (_app, desk):
        back = await read_back(desk, written)
    assert back == {"subject": "Invoice 42 is wrong", "file": written.image}


async def test_restore_refuses_a_desk_in_use_unless_forced(
    settings: Settings, tmp_path: Path
) -> None:
    async with running(settings) as (_app, desk):
        written = await write_data(desk)
    archive = tmp_path / "desk.tar.gz"
    assert run_cli(settings, "backup", "-o", str(archive))[0] == 0
    async with running(settings) as (_app, desk):
        inbox = await desk.inbox(name="Later")
        agent = await desk.agent(role="admin")
        later = await new_ticket(agent.client, inbox, subject="written after the backup")

    code, output = run_cli(settings, "restore", str(archive))
    assert code == 1
    assert "refusing to overwrite" in output
    assert "--force" in output

    code, output = run_cli(settings, "restore", str(archive), "--force")
    assert code == 0, output
    async with running(settings) as (_app, desk):
        assert (await read_back(desk, written))["file"] == written.image
        admin = await desk.login({"email": written.email})
        assert (await admin.client.get(f"/api/v1/tickets/{later['id']}")).status_code == 404


async def test_a_damaged_or_newer_archive_is_refused_before_anything_changes(
    settings: Settings, tmp_path: Path
) -> None:
    async with running(settings) as (_app, desk):
        await write_data(desk)
    archive = tmp_path / "desk.tar.gz"
    assert run_cli(settings, "backup", "-o", str(archive))[0] == 0
    with tarfile.open(archive, "r:gz") as opened:
        members = opened.getnames()
        manifest = json.loads(opened.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    shutil.rmtree(settings.data_dir)

    damaged = tmp_path / "damaged.tar.gz"
    stored_file = next(name for name in members if name.startswith("data/files/"))
    rewrite(archive, damaged, {stored_file: b"not the picture"})
    code, output = run_cli(settings, "restore", str(damaged))
    assert code == 1
    assert f"{stored_file} fails its checksum" in output

    newer = tmp_path / "newer.tar.gz"
    manifest["revision"] = "9999"
    rewrite(archive, newer, {MANIFEST: json.dumps(manifest).encode()})
    code, output = run_cli(settings, "restore", str(newer))
    assert code == 1
    assert "newer version" in output

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:200])
    code, output = run_cli(settings, "restore", str(truncated))
    assert code == 1
    assert "cannot read the archive" in output

    # None of them wrote a database or a file (the CLI itself makes the secret key it needs).
    left = (
        {path.name for path in settings.data_dir.iterdir()} if settings.data_dir.exists() else set()
    )
    assert left <= {"secret_key"}


def test_an_archive_of_an_older_version_is_migrated_on_restore(tmp_path: Path) -> None:
    data = tmp_path / "var"
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite+aiosqlite:///{data / 'frontdesk.db'}",
        secret_key="k" * 40,
        _env_file=None,
    )
    revisions = sorted(_known_revisions(settings.database_url))
    older = revisions[-2]
    upgrade(settings.database_url, older)
    archive = tmp_path / "old.tar.gz"
    assert run_cli(settings, "backup", "-o", str(archive))[0] == 0
    shutil.rmtree(data)
    code, output = run_cli(settings, "restore", str(archive))
    assert code == 0, output
    assert f"migrated the database from {older} to" in output
    assert sqlite_revision(data / "frontdesk.db") not in (None, older)
