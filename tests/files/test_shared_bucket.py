"""The S3 store as several processes use it: two app instances on one database and one bucket,
each with a data directory of its own, read each other's files; a reply's file stored in the
bucket goes out by mail as a MIME part; and a bucket out of reach is a 503 that keeps nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files.models import StoredFile
from frontdesk.files.store import StoreUnavailable, file_store
from frontdesk.files.timers import delete_unsent_uploads
from frontdesk.kit.clock import utcnow
from tests.conftest import SQLITE_ONLY, Desk
from tests.files.conftest import s3_settings
from tests.files.seaweedfs import SeaweedFS
from tests.mail.support import (
    SmtpSink,
    answered_ticket,
    deliver,
    free_port,
    outbox,
    with_smtp,
)
from tests.unit.support import count_rows, error_of

pytestmark = SQLITE_ONLY

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 2000 + b"\n%%EOF\n"


@pytest.fixture
def settings(settings: Settings, seaweedfs: SeaweedFS, prefix: str) -> Settings:
    return s3_settings(settings, seaweedfs, prefix)


@pytest.fixture
async def other_app(settings: Settings, tmp_path: Path) -> AsyncIterator[FastAPI]:
    """A second instance: the same database and bucket, its own data directory."""
    application = create_app(
        settings.model_copy(update={"data_dir": tmp_path / "other"}), run_loops=False
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


class TestSharedBucket:
    async def test_two_instances_read_each_others_files(
        self, settings: Settings, other_app: FastAPI, desk: Desk, tmp_path: Path
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        other_desk = Desk(other_app)
        try:
            ada_elsewhere = await other_desk.login(ada.user)
            first = await ada.client.post(
                "/api/v1/uploads",
                params={"ticket_id": ticket["id"], "filename": "one.pdf"},
                content=PDF,
            )
            second = await ada_elsewhere.client.post(
                "/api/v1/uploads",
                params={"ticket_id": ticket["id"], "filename": "two.txt"},
                content=b"from the other instance",
            )
            assert first.status_code == second.status_code == 201
            url = f"/api/v1/tickets/{ticket['id']}/files/"
            got = await ada_elsewhere.client.get(url + str(first.json()["id"]))
            assert got.content == PDF
            got = await ada.client.get(url + str(second.json()["id"]))
            assert got.content == b"from the other instance"
        finally:
            await other_desk.close()
        # Neither instance kept a byte in its own data directory.
        for data_dir in (settings.data_dir, tmp_path / "other"):
            assert not (data_dir / "files").exists()

    async def test_a_reply_sends_a_file_from_the_bucket_by_mail(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk, then="hold")
        file = (
            await ada.client.post(
                "/api/v1/uploads",
                params={"ticket_id": ticket["id"], "filename": "invoice.pdf"},
                content=PDF,
                headers={"Content-Type": "application/pdf"},
            )
        ).json()
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "Attached.", "attachment_ids": [file["id"]]},
        )
        assert sent.status_code == 201, sent.text
        await deliver(app, with_smtp(settings, sink))
        (part,) = list(sink.received[-1].message.iter_attachments())
        assert part.get_filename() == "invoice.pdf"
        assert part.get_content() == PDF

    async def test_a_mail_whose_file_cannot_be_read_for_now_is_tried_again(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk, then="hold")
        await deliver(app, with_smtp(settings, sink))
        file = (
            await ada.client.post(
                "/api/v1/uploads",
                params={"ticket_id": ticket["id"], "filename": "invoice.pdf"},
                content=PDF,
            )
        ).json()
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "Attached.", "attachment_ids": [file["id"]]},
        )
        assert sent.status_code == 201, sent.text
        before = len(sink.received)
        down = settings.model_copy(update={"s3_endpoint_url": f"http://127.0.0.1:{free_port()}"})
        await deliver(app, with_smtp(down, sink))
        assert len(sink.received) == before
        admin = await desk.agent(role="admin")
        (row,) = [r for r in await outbox(admin) if r["message_id"] == sent.json()["message_id"]]
        assert row["state"] == "queued"
        assert row["attempts"] == 1
        assert "file store is out of reach" in row["last_error"]

        await deliver(app, with_smtp(settings, sink), now=utcnow() + timedelta(minutes=5))
        (part,) = list(sink.received[-1].message.iter_attachments())
        assert part.get_content() == PDF


class TestBucketOutOfReach:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        # Nothing listens there.
        return settings.model_copy(update={"s3_endpoint_url": f"http://127.0.0.1:{free_port()}"})

    async def test_uploads_and_downloads_are_a_503_with_a_reason_and_keep_no_row(
        self, app: FastAPI, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        response = await ada.client.post(
            "/api/v1/uploads",
            params={"ticket_id": ticket["id"], "filename": "a.txt"},
            content=b"x" * 1000,
        )
        error = error_of(response, 503, "file_store_unavailable")
        assert "try again" in error["message"]
        assert await count_rows(app, StoredFile) == 0

        async with unit_of_work(app.state.sessionmaker) as session:
            stored = StoredFile(
                key="ab" * 16,
                filename="a.txt",
                content_type="text/plain",
                size=3,
                ticket_id=ticket["id"],
                uploaded_by=ada.id,
            )
            session.add(stored)
        url = f"/api/v1/tickets/{ticket['id']}/files/{stored.id}"
        error_of(await ada.client.get(url), 503, "file_store_unavailable")

    async def test_unsent_uploads_stay_until_the_bucket_is_back(
        self, app: FastAPI, settings: Settings, seaweedfs: SeaweedFS, prefix: str, desk: Desk
    ) -> None:
        """The cleaning loop (files/timers.py) deletes the bytes first, rows locked: when the
        bucket is out of reach the rows stay, and a later round deletes both."""
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        reachable = s3_settings(settings, seaweedfs, prefix)
        store = file_store(reachable)
        key, size = await store.save(_one(b"draft"), limit=100)
        async with unit_of_work(app.state.sessionmaker) as session:
            session.add(
                StoredFile(
                    key=key,
                    filename="draft.txt",
                    content_type="text/plain",
                    size=size,
                    ticket_id=ticket["id"],
                    uploaded_by=ada.id,
                )
            )
        later = utcnow() + timedelta(hours=settings.unsent_upload_hours + 1)
        with pytest.raises(StoreUnavailable):
            await delete_unsent_uploads(app.state.sessionmaker, settings, now=later)
        assert await count_rows(app, StoredFile) == 1
        assert await store.exists(key)
        assert await delete_unsent_uploads(app.state.sessionmaker, reachable, now=later) == 1
        assert not await store.exists(key)
        assert await count_rows(app, StoredFile) == 0


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data
