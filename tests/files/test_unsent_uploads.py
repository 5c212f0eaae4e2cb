"""Uploads no reply took are deleted, row and bytes, FRONTDESK_UNSENT_UPLOAD_HOURS after they were
made; sent files stay; two processes cleaning at once delete each upload once; a store out of
reach leaves the rows for the next round (tests/files/test_shared_bucket.py). Time is moved by
the `now` the loop is given."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.files.models import StoredFile
from frontdesk.files.store import file_store
from frontdesk.files.timers import delete_unsent_uploads
from frontdesk.kit.clock import utcnow
from tests.conftest import Desk
from tests.files.conftest import s3_settings
from tests.files.seaweedfs import SeaweedFS
from tests.mail.support import answered_ticket
from tests.unit.support import count_rows, error_of


@pytest.fixture(params=["local", "s3"])
def settings(request: pytest.FixtureRequest, settings: Settings, prefix: str) -> Settings:
    settings = settings.model_copy(update={"unsent_upload_hours": 24})
    if request.param == "local":
        return settings
    server: SeaweedFS = request.getfixturevalue("seaweedfs")
    return s3_settings(settings, server, prefix)


async def upload(agent: Any, ticket: dict[str, Any], content: bytes) -> dict[str, Any]:
    response = await agent.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "draft.txt"},
        content=content,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def key_of(app: FastAPI, file_id: int) -> str:
    async with app.state.sessionmaker() as session:
        stored = await session.get(StoredFile, file_id)
        assert stored is not None
        key: str = stored.key
        return key


class TestUnsentUploads:
    async def test_an_unsent_upload_goes_after_the_hours_and_a_sent_one_stays(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        store = file_store(settings)
        unsent = await upload(ada, ticket, b"never sent")
        sent = await upload(ada, ticket, b"sent with a reply")
        reply = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "Here it is.", "attachment_ids": [sent["id"]]},
        )
        assert reply.status_code == 201, reply.text
        unsent_key, sent_key = await key_of(app, unsent["id"]), await key_of(app, sent["id"])
        sessionmaker = app.state.sessionmaker
        made = utcnow()

        early = made + timedelta(hours=23)
        assert await delete_unsent_uploads(sessionmaker, settings, now=early) == 0
        assert await store.exists(unsent_key)

        later = made + timedelta(hours=24, minutes=1)
        assert await delete_unsent_uploads(sessionmaker, settings, now=later) == 1
        assert not await store.exists(unsent_key)
        assert await count_rows(app, StoredFile, StoredFile.id == unsent["id"]) == 0
        assert await store.read(sent_key) == b"sent with a reply"
        assert await delete_unsent_uploads(sessionmaker, settings, now=later) == 0

        # The reply box that still held it is told to upload it again.
        error = error_of(
            await ada.client.post(
                f"/api/v1/tickets/{ticket['id']}/replies",
                json={"text": "Late.", "attachment_ids": [unsent["id"]]},
            ),
            422,
        )
        assert "upload the file again" in error["message"]
        url = f"/api/v1/tickets/{ticket['id']}/files/"
        error_of(await ada.client.get(url + str(unsent["id"])), 404)
        assert (await ada.client.get(url + str(sent["id"]))).status_code == 200

    async def test_two_processes_cleaning_at_once_delete_each_upload_once(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        for number in range(6):
            await upload(ada, ticket, f"draft {number}".encode())
        later = utcnow() + timedelta(hours=25)
        counts = await asyncio.gather(
            *(delete_unsent_uploads(app.state.sessionmaker, settings, now=later) for _ in range(3))
        )
        assert sum(counts) == 6
        assert await count_rows(app, StoredFile) == 0
