"""`frontdesk backup`: the database and the data directory's files in one archive, made while
the server runs (docs/deploy.md "Backup and restore")."""

from __future__ import annotations

import asyncio
import os
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal

from frontdesk.config import Settings
from frontdesk.ops import databases
from frontdesk.ops.archive import DATA, DATABASE_MEMBERS, MANIFEST, Manifest, add_bytes, add_file

# SQLite's companions of a database file, and what a restore stages beside it.
_DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".restoring")


def frontdesk_version() -> str:
    try:
        return version("frontdesk")
    except PackageNotFoundError:
        return "unknown"


def default_name(now: datetime) -> str:
    return f"frontdesk-backup-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def _data_files(settings: Settings, skip: set[Path]) -> Iterator[tuple[Path, str]]:
    """The data directory's files, sorted: the database is in the archive on its own, unfinished
    uploads (`.part`) are not files yet, and a bucket's files are the bucket's to back up."""
    root = settings.data_dir
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_symlink() or not path.is_file() or path.suffix == ".part":
            continue
        if path.resolve() in skip:
            continue
        if settings.file_store == "s3" and relative.parts[0] == "files":
            continue
        yield path, f"{DATA}/{relative.as_posix()}"


def create_backup(settings: Settings, output: Path) -> Manifest:
    """Writes the archive to `output` (under a temporary name until it is complete, readable by
    its owner only: it holds every conversation and the secret key)."""
    kind: Literal["sqlite", "postgresql"] = "sqlite" if settings.is_sqlite else "postgresql"
    partial = output.with_name(output.name + ".partial")
    skip = {output.resolve(), partial.resolve()}
    if settings.is_sqlite:
        database = databases.sqlite_path(settings.database_url).resolve()
        skip |= {database.with_name(database.name + suffix) for suffix in _DATABASE_SUFFIXES}
    manifest = Manifest(
        frontdesk_version=frontdesk_version(),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        database=kind,
        revision=None,
        file_store=settings.file_store,
    )
    with tempfile.TemporaryDirectory(prefix="frontdesk-backup-") as scratch:
        dump = Path(scratch) / DATABASE_MEMBERS[kind]
        # The database first: every file a row of this snapshot names was written before the
        # row committed, so it is in the data directory when the files are copied next.
        if settings.is_sqlite:
            databases.dump_sqlite(settings.database_url, dump)
            manifest.revision = databases.sqlite_revision(dump)
        else:
            manifest.revision = asyncio.run(databases.pg_revision(settings.database_url))
            databases.dump_postgresql(settings.database_url, dump)
        output.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with (
                os.fdopen(descriptor, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive,
            ):
                manifest.members.append(add_file(archive, dump, DATABASE_MEMBERS[kind]))
                for path, name in _data_files(settings, skip):
                    try:
                        manifest.members.append(add_file(archive, path, name))
                    except FileNotFoundError:
                        continue  # deleted meanwhile (an unsent upload's expiry)
                add_bytes(archive, MANIFEST, manifest.to_json())
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest
