"""What every file store offers (`FileStore`) and the types around it. The database keeps what a
file is (files/models.py); a store keeps only bytes under a key it chose itself, so no name a
user wrote ever becomes a path or an object name."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from frontdesk.errors import FrontdeskError

# How much of a file is read or sent at a time: memory stays at a few of these per transfer.
CHUNK = 64 * 1024


class TooLarge(Exception):
    """The content ran past the limit while arriving; nothing of it is kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class StoreUnavailable(FrontdeskError):
    """The store could not be reached or refused the request (a bucket down, wrong credentials):
    the caller may try again later; nothing half-written is kept. `detail` (logged by the store)
    says what failed; the person sees only that it is worth another try."""

    status_code = 503
    code = "file_store_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__("Files cannot be stored or read just now; try again in a moment.")
        self.detail = detail


@dataclass(frozen=True)
class Content:
    """A stored file opened for reading: its whole size, and its bytes (or the asked range of
    them) as chunks, fetched only while they are iterated."""

    size: int
    chunks: AsyncIterator[bytes]


class FileStore(Protocol):
    async def save(self, chunks: AsyncIterable[bytes], *, limit: int) -> tuple[str, int]:
        """Writes the chunks as they come, never holding them all; returns (key, size). Raises
        TooLarge, keeping nothing, once more than `limit` bytes have arrived. The file is there
        whole or not at all."""
        ...

    async def open(self, key: str, *, start: int = 0, end: int | None = None) -> Content:
        """The file under `key` (bytes `start` to `end` inclusive, when given; the caller keeps
        them within the size). Raises FileNotFoundError when there is none."""
        ...

    async def read(self, key: str) -> bytes:
        """The whole file in memory: only for what is sent whole anyway (mail attachments)."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Removes the file; a key with no file is not an error (deletes are retried)."""
        ...


def new_key() -> str:
    return secrets.token_hex(16)


def is_key(key: str) -> bool:
    return len(key) == 32 and all(char in "0123456789abcdef" for char in key)


async def read_all(content: Content) -> bytes:
    return b"".join([chunk async for chunk in content.chunks])
