"""Uploads and downloads over HTTP with each store (the data directory and an S3 bucket): the
bytes stream to the store and back, served as downloads with safe headers, HEAD without the
body, one byte range on request, and nothing kept of a refused upload."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files import local_store
from frontdesk.files.models import StoredFile
from frontdesk.files.store import S3Store, file_store
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.files.conftest import s3_settings
from tests.files.seaweedfs import SeaweedFS
from tests.mail.support import answered_ticket
from tests.unit.support import count_rows, error_of

pytestmark = SQLITE_ONLY

DATA = os.urandom(700_000)


@pytest.fixture(params=["local", "s3"])
def settings(request: pytest.FixtureRequest, settings: Settings, prefix: str) -> Settings:
    settings = settings.model_copy(update={"max_attachment_bytes": 1024 * 1024})
    if request.param == "local":
        return settings
    server: SeaweedFS = request.getfixturevalue("seaweedfs")
    return s3_settings(settings, server, prefix)


async def upload(agent: Any, ticket: dict[str, Any], content: Any) -> httpx.Response:
    response: httpx.Response = await agent.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "report <script>.html"},
        content=content,
        headers={"Content-Type": "text/html"},
    )
    return response


def kept(settings: Settings, server: SeaweedFS | None) -> list[str]:
    if settings.file_store == "s3":
        assert server is not None
        return server.object_names(settings.s3_prefix) + server.multipart_uploads(
            settings.s3_prefix
        )
    root = settings.data_dir / "files"
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def server(request: pytest.FixtureRequest, settings: Settings) -> SeaweedFS | None:
    return request.getfixturevalue("seaweedfs") if settings.file_store == "s3" else None


class TestDownloads:
    async def test_an_upload_is_stored_and_streamed_back_as_a_download(
        self, settings: Settings, desk: Desk, server: SeaweedFS | None
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        uploaded = await upload(ada, ticket, DATA)
        assert uploaded.status_code == 201, uploaded.text
        file = uploaded.json()
        assert file["size"] == len(DATA)
        (name,) = kept(settings, server)
        assert "script" not in name

        url = f"/api/v1/tickets/{ticket['id']}/files/{file['id']}"
        async with ada.client.stream("GET", url) as response:
            assert response.status_code == 200
            chunks = [chunk async for chunk in response.aiter_raw()]
        assert b"".join(chunks) == DATA
        headers = response.headers
        assert headers["content-type"] == "application/octet-stream"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["content-disposition"].startswith('attachment; filename="report')
        assert headers["content-length"] == str(len(DATA))
        assert headers["accept-ranges"] == "bytes"
        assert "no-store" in headers["cache-control"]

        head = await ada.client.head(url)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len(DATA))
        assert head.headers["x-content-type-options"] == "nosniff"

    async def test_head_never_reads_the_bytes(
        self, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        file = (await upload(ada, ticket, DATA)).json()
        url = f"/api/v1/tickets/{ticket['id']}/files/{file['id']}"
        read: list[str] = []

        async def reading(*_args: Any, **_kwargs: Any) -> AsyncIterator[bytes]:
            read.append("read")
            yield b"x"

        monkeypatch.setattr(local_store, "_chunks", reading)
        monkeypatch.setattr(S3Store, "_chunks", reading)
        head = await ada.client.head(url)
        assert head.status_code == 200
        assert head.headers["content-length"] == str(len(DATA))
        assert read == []
        await ada.client.get(url)
        assert read == ["read"]

    @pytest.mark.parametrize(
        ("asked", "first", "last"),
        [("bytes=0-9", 0, 9), ("bytes=1000-", 1000, len(DATA) - 1), ("bytes=-5", len(DATA) - 5,
         len(DATA) - 1), ("bytes=10-99999999", 10, len(DATA) - 1)],
    )  # fmt: skip
    async def test_one_range_is_sent_alone(
        self, desk: Desk, asked: str, first: int, last: int
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        file = (await upload(ada, ticket, DATA)).json()
        url = f"/api/v1/tickets/{ticket['id']}/files/{file['id']}"
        response = await ada.client.get(url, headers={"Range": asked})
        assert response.status_code == 206, response.text
        assert response.content == DATA[first : last + 1]
        assert response.headers["content-range"] == f"bytes {first}-{last}/{len(DATA)}"
        assert response.headers["content-length"] == str(last - first + 1)
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_a_range_past_the_end_is_a_416_and_an_odd_one_gets_the_whole_file(
        self, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        file = (await upload(ada, ticket, DATA)).json()
        url = f"/api/v1/tickets/{ticket['id']}/files/{file['id']}"
        past = await ada.client.get(url, headers={"Range": f"bytes={len(DATA)}-"})
        assert past.status_code == 416
        assert past.headers["content-range"] == f"bytes */{len(DATA)}"
        for odd in ("bytes=0-1,5-9", "items=0-1", "bytes=9-2", "bytes=x-"):
            whole = await ada.client.get(url, headers={"Range": odd})
            assert whole.status_code == 200, odd
            assert whole.content == DATA

    async def test_over_the_limit_while_streaming_keeps_nothing(
        self, app: FastAPI, settings: Settings, desk: Desk, server: SeaweedFS | None
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)

        async def chunks() -> Any:
            # No Content-Length: the limit is found while the body streams in.
            for _ in range(settings.max_attachment_bytes // 65536 + 2):
                yield b"y" * 65536

        error_of(await upload(ada, ticket, chunks()), 413, "file_too_large")
        assert kept(settings, server) == []
        assert await count_rows(app, StoredFile) == 0

    @BOTH_STORES
    async def test_over_the_limit_in_the_last_chunk_is_answered_at_once(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        # The whole body has arrived when the limit is found: nothing is left to drain, and
        # waiting for more would wait for ever.
        ada, _inbox, ticket, _sent = await answered_ticket(desk)

        async def one_chunk() -> Any:
            yield b"z" * (settings.max_attachment_bytes + 1)

        error_of(await upload(ada, ticket, one_chunk()), 413, "file_too_large")
        assert await count_rows(app, StoredFile) == 0

    async def test_a_file_whose_bytes_were_lost_is_a_404_not_a_500(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        file = (await upload(ada, ticket, b"soon gone")).json()
        async with unit_of_work(app.state.sessionmaker) as session:
            stored = await session.get(StoredFile, file["id"])
            assert stored is not None
            await file_store(settings).delete(stored.key)
        url = f"/api/v1/tickets/{ticket['id']}/files/{file['id']}"
        error_of(await ada.client.get(url), 404)
