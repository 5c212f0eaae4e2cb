"""The default store: files in the data directory (FRONTDESK_DATA_DIR/files), one per key, under a
folder named by the key's first two characters so that no folder grows too large. The same
layout as objects in a bucket (files/s3_store.py), so moving between the two is a plain copy."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from frontdesk.files.contents import CHUNK, Content, TooLarge, is_key, new_key, read_all


class LocalDirectoryStore:
    """Written to a temporary name, flushed to disk and renamed when complete: a reader (or a
    crash) never sees half a file under its key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not is_key(key):
            raise FileNotFoundError("not a key of this store")
        return self.root / key[:2] / key

    async def save(self, chunks: AsyncIterable[bytes], *, limit: int) -> tuple[str, int]:
        key = new_key()
        path = self._path(key)
        partial = path.with_name(f"{key}.part")
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        size = 0
        handle = await asyncio.to_thread(open, partial, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_finish, handle, partial, path)
        except BaseException:
            handle.close()
            partial.unlink(missing_ok=True)
            raise
        return key, size

    async def open(self, key: str, *, start: int = 0, end: int | None = None) -> Content:
        path = self._path(key)
        size = (await asyncio.to_thread(path.stat)).st_size
        last = size - 1 if end is None else min(end, size - 1)
        return Content(size=size, chunks=_chunks(path, start, last - start + 1))

    async def read(self, key: str) -> bytes:
        return await read_all(await self.open(key))

    async def exists(self, key: str) -> bool:
        return is_key(key) and await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


def _finish(handle: BinaryIO, partial: Path, path: Path) -> None:
    # fsync before the rename, and of the folder after it: after a power cut the key names the
    # whole file or nothing, never an empty one.
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    os.replace(partial, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


async def _chunks(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    """Opened when first iterated, so a response that is never sent holds no file open."""
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        await asyncio.to_thread(handle.seek, start)
        while length > 0:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)
