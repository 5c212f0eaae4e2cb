"""What every file store promises (files/contents.py `FileStore`), held against the data directory
and a real S3 bucket alike: whole or nothing, streamed both ways in bounded memory, ranges, deletes
that can be repeated, and keys that name nothing a user chose."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import AsyncIterator

import pytest

from frontdesk.files.contents import CHUNK, TooLarge
from frontdesk.files.s3_store import PART_SIZE
from tests.files.conftest import Backend

MB = 1024 * 1024


async def stream(data: bytes, size: int = 50_000) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


async def generated(total: int, size: int = CHUNK) -> AsyncIterator[bytes]:
    """`total` bytes made as they are asked for: the test itself holds none of them."""
    block = os.urandom(size)
    sent = 0
    while sent < total:
        part = block[: min(size, total - sent)]
        sent += len(part)
        yield part


async def collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


class TestSaveAndOpen:
    async def test_what_is_saved_is_read_back_whole_with_its_size(self, backend: Backend) -> None:
        data = os.urandom(300_000)
        key, size = await backend.store.save(stream(data), limit=MB)
        assert size == len(data)
        content = await backend.store.open(key)
        assert content.size == len(data)
        chunks = await collect(content.chunks)
        assert len(chunks) > 1, "read back in chunks, not in one piece"
        assert b"".join(chunks) == data
        assert await backend.store.read(key) == data
        assert await backend.store.exists(key)

    async def test_each_file_gets_a_new_random_key(self, backend: Backend) -> None:
        first, _ = await backend.store.save(stream(b"same"), limit=10)
        second, _ = await backend.store.save(stream(b"same"), limit=10)
        assert first != second
        assert len(first) == 32
        assert all(first not in name for name in backend.kept() if second in name)

    async def test_an_empty_file_is_a_file(self, backend: Backend) -> None:
        key, size = await backend.store.save(stream(b""), limit=10)
        assert size == 0
        content = await backend.store.open(key)
        assert content.size == 0
        assert await collect(content.chunks) == []
        assert await backend.store.exists(key)

    async def test_a_large_file_goes_in_parts_and_comes_back_exact(self, backend: Backend) -> None:
        # More than two S3 parts, and not a multiple of the part size.
        data = os.urandom(2 * PART_SIZE + 123_457)
        key, size = await backend.store.save(stream(data, 70_001), limit=4 * PART_SIZE)
        assert size == len(data)
        assert await backend.store.read(key) == data
        if backend.server is not None:
            assert backend.server.multipart_uploads(backend.prefix) == []

    async def test_a_range_is_read_alone(self, backend: Backend) -> None:
        data = bytes(range(256)) * 1000
        key, _ = await backend.store.save(stream(data), limit=MB)
        content = await backend.store.open(key, start=1000, end=1999)
        assert content.size == len(data)
        assert b"".join(await collect(content.chunks)) == data[1000:2000]
        tail = await backend.store.open(key, start=len(data) - 10, end=len(data) + 500)
        assert b"".join(await collect(tail.chunks)) == data[-10:]
        last = await backend.store.open(key, start=5, end=5)
        assert b"".join(await collect(last.chunks)) == data[5:6]


class TestNothingHalfKept:
    @pytest.mark.parametrize("total", [5_000, 2 * PART_SIZE + 10], ids=["one-part", "multipart"])
    async def test_over_the_limit_raises_and_keeps_nothing(
        self, backend: Backend, total: int
    ) -> None:
        with pytest.raises(TooLarge):
            await backend.store.save(stream(os.urandom(total), 64_000), limit=total - 1)
        assert backend.kept() == []

    @pytest.mark.parametrize("total", [5_000, PART_SIZE + 10], ids=["one-part", "multipart"])
    async def test_a_sender_that_goes_away_midway_leaves_nothing(
        self, backend: Backend, total: int
    ) -> None:
        async def broken() -> AsyncIterator[bytes]:
            async for chunk in stream(os.urandom(total), 64_000):
                yield chunk
            raise ConnectionResetError("client went away")

        with pytest.raises(ConnectionResetError):
            await backend.store.save(broken(), limit=10 * total)
        assert backend.kept() == []

    async def test_what_is_kept_is_only_finished_files(self, backend: Backend) -> None:
        key, _ = await backend.store.save(stream(b"done"), limit=10)
        (kept,) = backend.kept()
        assert kept.endswith(f"{key[:2]}/{key}")


class TestDelete:
    async def test_a_deleted_file_is_gone_and_deleting_again_is_fine(
        self, backend: Backend
    ) -> None:
        key, _ = await backend.store.save(stream(b"bye"), limit=10)
        other, _ = await backend.store.save(stream(b"stay"), limit=10)
        await backend.store.delete(key)
        assert not await backend.store.exists(key)
        with pytest.raises(FileNotFoundError):
            await backend.store.open(key)
        await backend.store.delete(key)
        assert await backend.store.read(other) == b"stay"

    @pytest.mark.parametrize("key", ["0" * 32, "../../etc/passwd", "", "A" * 32, "ab/cd"])
    async def test_no_file_under_a_key_it_never_gave(self, backend: Backend, key: str) -> None:
        assert not await backend.store.exists(key)
        with pytest.raises(FileNotFoundError):
            await backend.store.open(key)


class TestBoundedMemory:
    """20 MB in and out while Python's own allocations are traced: the peak stays a small
    fraction of the file (the data directory: a few chunks; S3: one part and a little)."""

    async def test_twenty_megabytes_pass_through_in_bounded_memory(self, backend: Backend) -> None:
        total = 20 * MB
        bound = PART_SIZE + 2 * MB if backend.server is not None else 2 * MB
        tracemalloc.start()
        try:
            key, size = await backend.store.save(generated(total), limit=total)
            _, saving = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            content = await backend.store.open(key)
            seen = 0
            async for chunk in content.chunks:
                seen += len(chunk)
            _, reading = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert size == seen == total
        assert saving < bound, f"saving peaked at {saving / MB:.1f} MB"
        assert reading < 2 * MB, f"reading peaked at {reading / MB:.1f} MB"
