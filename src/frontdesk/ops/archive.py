"""The backup archive: one .tar.gz holding the database (`database.sqlite` or `database.pgdump`),
the data directory's files under `data/`, and `manifest.json`, written last because it holds the
checksum of every other member."""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from frontdesk.ops.databases import OperationError

FORMAT = 1
MANIFEST = "manifest.json"
DATA = "data"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Member:
    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    frontdesk_version: str
    created_at: str
    database: Literal["sqlite", "postgresql"]
    # The Alembic revision the database was at; None for a database never migrated.
    revision: str | None
    file_store: str
    members: list[Member] = field(default_factory=list)
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data: dict[str, Any] = json.loads(raw)
            if data.get("format") != FORMAT:
                raise OperationError(
                    f"backup format {data.get('format')!r} is not one this frontdesk reads "
                    f"({FORMAT}): restore it with the version that made it"
                )
            members = [Member(**item) for item in data.pop("members")]
            manifest = cls(**data, members=members)
        except (ValueError, TypeError, KeyError) as exc:
            raise OperationError(f"the archive's manifest is unreadable: {exc}") from None
        if manifest.database not in DATABASE_MEMBERS:
            raise OperationError(f"the archive names an unknown database {manifest.database!r}")
        return manifest


class _Hashing:
    """Hashes what tarfile reads through it, so each file is read once."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        return data


def add_file(archive: tarfile.TarFile, source: Path, name: str) -> Member:
    """Raises FileNotFoundError when the file went away before it was opened."""
    with source.open("rb") as handle:
        stat = source.stat()
        info = tarfile.TarInfo(name)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = 0o600
        hashing = _Hashing(handle)
        archive.addfile(info, hashing)
    return Member(path=name, size=info.size, sha256=hashing.digest.hexdigest())


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def extract(archive_path: Path, into: Path) -> Manifest:
    """Unpacks the archive into `into` and checks it whole against its manifest: every member
    listed, of its size and checksum, and nothing else."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for info in archive.getmembers():
                if not info.isfile():
                    raise OperationError(f"the archive holds {info.name!r}, which is not a file")
            # filter="data": no absolute paths, no "..", no links out of `into`.
            archive.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise OperationError(f"cannot read the archive {archive_path}: {exc}") from None
    manifest_path = into / MANIFEST
    if not manifest_path.is_file():
        raise OperationError(f"{archive_path} is not a frontdesk backup: it has no {MANIFEST}")
    manifest = Manifest.from_json(manifest_path.read_bytes())
    listed = {member.path for member in manifest.members}
    present = {path.relative_to(into).as_posix() for path in into.rglob("*") if path.is_file()} - {
        MANIFEST
    }
    if present != listed:
        extra, missing = sorted(present - listed), sorted(listed - present)
        raise OperationError(
            f"the archive does not match its manifest: extra {extra}, missing {missing}"
        )
    for member in manifest.members:
        path = into / member.path
        if path.stat().st_size != member.size or sha256_of(path) != member.sha256:
            raise OperationError(f"the archive is damaged: {member.path} fails its checksum")
    if DATABASE_MEMBERS[manifest.database] not in listed:
        raise OperationError("the archive holds no database")
    return manifest
