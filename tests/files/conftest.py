"""File store tests: the same contract for the data directory and an S3 bucket (a real SeaweedFS
on loopback, one per test worker, each test under a prefix of its own)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from frontdesk.config import Settings
from frontdesk.files.store import FileStore, LocalDirectoryStore, S3Store
from tests.files.seaweedfs import SeaweedFS, running_seaweedfs
from tests.unit.support import use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[SeaweedFS]:
    """One SeaweedFS per test process (tests/files/seaweedfs.py)."""
    with running_seaweedfs() as server:
        yield server


@pytest.fixture
def prefix() -> str:
    return f"t-{uuid.uuid4().hex[:12]}/"


def s3_settings(settings: Settings, server: SeaweedFS, prefix: str) -> Settings:
    return settings.model_copy(
        update={
            "file_store": "s3",
            "s3_endpoint_url": server.endpoint_url,
            "s3_region": server.region,
            "s3_bucket": server.bucket,
            "s3_access_key_id": server.access_key,
            "s3_secret_access_key": SecretStr(server.secret_key),
            "s3_path_style": True,
            "s3_prefix": prefix,
        }
    )


class Backend:
    """A store under test and a look at what it holds, behind its back."""

    def __init__(
        self,
        name: str,
        store: FileStore,
        *,
        root: Path | None = None,
        server: SeaweedFS | None = None,
        prefix: str = "",
    ) -> None:
        self.name = name
        self.store = store
        self.root = root
        self.server = server
        self.prefix = prefix

    def kept(self) -> list[str]:
        """Every file or object the store holds, finished or not."""
        if self.server is not None:
            return self.server.object_names(self.prefix) + [
                f"upload {upload}" for upload in self.server.multipart_uploads(self.prefix)
            ]
        assert self.root is not None
        return sorted(str(p) for p in self.root.rglob("*") if p.is_file())


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, prefix: str) -> Backend:
    if request.param == "local":
        root = tmp_path / "files"
        return Backend("local", LocalDirectoryStore(root), root=root)
    server: SeaweedFS = request.getfixturevalue("seaweedfs")
    store = S3Store(
        endpoint_url=server.endpoint_url,
        region=server.region,
        bucket=server.bucket,
        access_key=server.access_key,
        secret_key=server.secret_key,
        prefix=prefix,
    )
    return Backend("s3", store, server=server, prefix=prefix)
