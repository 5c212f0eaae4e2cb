"""Where file contents live: the installation's store, chosen by FRONTDESK_FILE_STORE: the data
directory (files/local_store.py, the default) or an S3-compatible bucket (files/s3_store.py). Both
keep the interface of files/contents.py, re-exported here for callers."""

from __future__ import annotations

from frontdesk.config import Settings
from frontdesk.files.contents import Content, FileStore, StoreUnavailable, TooLarge
from frontdesk.files.local_store import LocalDirectoryStore
from frontdesk.files.s3_store import S3Store

__all__ = [
    "Content",
    "FileStore",
    "LocalDirectoryStore",
    "S3Store",
    "StoreUnavailable",
    "TooLarge",
    "file_store",
]


def file_store(settings: Settings) -> FileStore:
    """FRONTDESK_FILE_STORE=local: the `files` directory of FRONTDESK_DATA_DIR; s3: the bucket of
    the FRONTDESK_S3_* settings."""
    if settings.file_store == "s3":
        return S3Store.from_settings(settings)
    return LocalDirectoryStore(settings.data_dir / "files")
