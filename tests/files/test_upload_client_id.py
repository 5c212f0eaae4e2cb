"""An agent's upload to a ticket with a `client_id` is stored once: the same upload sent again,
or twice at once, gives one file row, the same id, and no leftover bytes in the store; without a
`client_id` every upload is a new file (old API clients); a client id is the uploader's own."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.files import service
from frontdesk.files.models import StoredFile
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import answered_ticket
from tests.unit.support import count_rows, error_of

pytestmark = SQLITE_ONLY


def stored_keys(settings: Settings) -> set[str]:
    root = Path(settings.data_dir) / "files"
    return {path.name for path in root.glob("*/*") if not path.name.endswith(".part")}


async def upload(
    agent: Any, ticket: dict[str, Any], content: Any, client_id: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"ticket_id": ticket["id"], "filename": "notes.txt"}
    if client_id is not None:
        params["client_id"] = client_id
    response = await agent.client.post("/api/v1/uploads", params=params, content=content)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


class TestUploadClientId:
    @BOTH_STORES
    async def test_the_same_upload_sent_twice_is_one_file(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        before = stored_keys(settings)
        first = await upload(ada, ticket, b"the notes", "up-1")
        again = await upload(ada, ticket, b"the notes", "up-1")
        assert again["id"] == first["id"]
        assert await count_rows(app, StoredFile, StoredFile.client_id == "up-1") == 1
        assert len(stored_keys(settings) - before) == 1
        # Another client id is another file.
        other = await upload(ada, ticket, b"the notes", "up-2")
        assert other["id"] != first["id"]

    @BOTH_STORES
    async def test_twice_at_once_is_one_file(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        before = stored_keys(settings)
        answers = await asyncio.gather(
            *(upload(ada, ticket, b"the notes", "same") for _ in range(3))
        )
        assert len({answer["id"] for answer in answers}) == 1
        assert await count_rows(app, StoredFile, StoredFile.client_id == "same") == 1
        assert len(stored_keys(settings) - before) == 1

    @BOTH_STORES
    async def test_the_loser_of_a_race_answers_the_winners_file_and_drops_its_bytes(
        self, app: FastAPI, settings: Settings, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        first = await upload(ada, ticket, b"the notes", "raced")
        before = stored_keys(settings)
        looked_up = service._by_client_id

        async def missed_once(*args: Any, **kwargs: Any) -> Any:
            # The second try looked before the first had stored: its look-up finds nothing, so
            # it stores its bytes and meets the unique constraint.
            monkeypatch.setattr(service, "_by_client_id", looked_up)
            return None

        monkeypatch.setattr(service, "_by_client_id", missed_once)
        second = await upload(ada, ticket, b"the notes", "raced")
        assert second["id"] == first["id"]
        assert await count_rows(app, StoredFile, StoredFile.client_id == "raced") == 1
        assert stored_keys(settings) == before
        download = await ada.client.get(f"/api/v1/tickets/{ticket['id']}/files/{first['id']}")
        assert download.content == b"the notes"

    async def test_without_a_client_id_each_upload_is_a_new_file(self, desk: Desk) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        first = await upload(ada, ticket, b"x")
        second = await upload(ada, ticket, b"x")
        assert first["id"] != second["id"]

    async def test_a_client_id_is_the_uploaders_own(self, desk: Desk) -> None:
        ada, inbox, ticket, _sent = await answered_ticket(desk)
        bea = await desk.agent(inboxes=[inbox], name="Bea")
        mine = await upload(ada, ticket, b"ada's", "shared-id")
        hers = await upload(bea, ticket, b"bea's", "shared-id")
        assert hers["id"] != mine["id"]

    async def test_a_bad_client_id_is_a_422(self, desk: Desk) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        response = await ada.client.post(
            "/api/v1/uploads",
            params={"ticket_id": ticket["id"], "filename": "a.txt", "client_id": "no spaces"},
            content=b"x",
        )
        error_of(response, 422)
