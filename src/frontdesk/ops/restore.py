"""`frontdesk restore`: an archive of `frontdesk backup` back into the configured database and
data directory, checked whole before anything is touched, then migrated to this version."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

from frontdesk.config import Settings
from frontdesk.db.migrate import alembic_config, upgrade
from frontdesk.ops import databases
from frontdesk.ops.archive import DATA, DATABASE_MEMBERS, Manifest, extract
from frontdesk.ops.databases import OperationError


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    files: int
    # The revision after the migrations ran (the archive's own when it was current).
    revision: str | None


def _known_revisions(database_url: str) -> set[str]:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return {revision.revision for revision in script.walk_revisions()}


def _files_in_use(settings: Settings) -> bool:
    files = settings.data_dir / "files"
    return files.is_dir() and any(
        path.is_file() and path.suffix != ".part" for path in files.rglob("*")
    )


def _database_in_use(settings: Settings) -> bool:
    if settings.is_sqlite:
        return databases.sqlite_in_use(settings.database_url)
    return asyncio.run(databases.pg_in_use(settings.database_url))


def _check(settings: Settings, manifest: Manifest, *, force: bool) -> None:
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest.database != kind:
        raise OperationError(
            f"the archive holds a {manifest.database} database but FRONTDESK_DATABASE_URL names "
            f"{kind}: restore into the kind of database it was made from"
        )
    if manifest.revision is not None and manifest.revision not in _known_revisions(
        settings.database_url
    ):
        raise OperationError(
            f"the archive's database is at migration {manifest.revision}, which this frontdesk "
            f"does not know: it was made by a newer version ({manifest.frontdesk_version}); "
            "restore with that version or newer"
        )
    if force:
        return
    busy = [
        what
        for what, in_use in (
            ("the database holds users", _database_in_use(settings)),
            (f"{settings.data_dir / 'files'} holds files", _files_in_use(settings)),
        )
        if in_use
    ]
    if busy:
        raise OperationError(
            f"refusing to overwrite: {' and '.join(busy)}; pass --force to replace them"
        )


def _replace_data(settings: Settings, unpacked: Path) -> int:
    """Each top-level entry of the archive's data directory replaces the one there; with the
    data directory's file store, `files/` goes even when the archive has none."""
    root = settings.data_dir
    root.mkdir(parents=True, exist_ok=True)
    if settings.file_store == "local":
        shutil.rmtree(root / "files", ignore_errors=True)
    count = 0
    if not unpacked.is_dir():
        return count
    for entry in sorted(unpacked.iterdir()):
        target = root / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        count += sum(1 for path in entry.rglob("*") if path.is_file()) if entry.is_dir() else 1
        os.replace(entry, target)
    return count


def restore_backup(settings: Settings, archive: Path, *, force: bool = False) -> Restored:
    """Every process of the desk must be stopped: the database and files are replaced under
    them. Nothing is touched until the archive has been checked whole."""
    if not archive.is_file():
        raise OperationError(f"no such archive: {archive}")
    # Unpacked beside the data directory, so the files move into it by renaming.
    staging_parent = settings.data_dir.resolve().parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".frontdesk-restore-", dir=staging_parent) as scratch:
        unpacked = Path(scratch)
        manifest = extract(archive, unpacked)
        _check(settings, manifest, force=force)
        dump = unpacked / DATABASE_MEMBERS[manifest.database]
        if settings.is_sqlite:
            databases.restore_sqlite(settings.database_url, dump)
        else:
            asyncio.run(databases.pg_empty_schema(settings.database_url))
            databases.restore_postgresql(settings.database_url, dump)
        files = _replace_data(settings, unpacked / DATA)
    # An archive from an older version is brought up to this one's schema.
    upgrade(settings.database_url)
    if settings.is_sqlite:
        revision = databases.sqlite_revision(databases.sqlite_path(settings.database_url))
    else:
        revision = asyncio.run(databases.pg_revision(settings.database_url))
    return Restored(manifest=manifest, files=files, revision=revision)
