"""Where file contents live: a small interface (`FileStore`) and its one implementation today, a
directory under FRONTDESK_DATA_DIR. The database keeps what a file is (files/models.py); a store
keeps only bytes under a key, so another store (object storage) can take its place."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from frontdesk.config import Settings


class TooLarge(Exception):
    """The content ran past the limit while arriving; nothing of it is kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class FileStore(Protocol):
    async def save(self, chunks: AsyncIterator[bytes], *, limit: int) -> tuple[str, int]:
        """Writes the chunks as they come, never holding them all; returns (key, size). Raises
        TooLarge, keeping nothing, once more than `limit` bytes have arrived."""
        ...

    async def read(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


class LocalDirectoryStore:
    """Files in one directory, each named by a random key: no name a user chose ever becomes a
    path. Written to a temporary name and renamed when complete, so a reader never sees half."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("not a key of this store")
        return self.root / key[:2] / key

    async def save(self, chunks: AsyncIterator[bytes], *, limit: int) -> tuple[str, int]:
        key = secrets.token_hex(16)
        path = self._path(key)
        partial = path.with_suffix(".part")
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        size = 0
        handle = await asyncio.to_thread(open, partial, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, partial, path)
        except BaseException:
            handle.close()
            partial.unlink(missing_ok=True)
            raise
        return key, size

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


def file_store(settings: Settings) -> FileStore:
    """The store of this installation: the `files` directory of FRONTDESK_DATA_DIR."""
    return LocalDirectoryStore(settings.data_dir / "files")
