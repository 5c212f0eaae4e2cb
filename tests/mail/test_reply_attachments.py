"""Attachments on agents' email replies: uploaded over HTTP (streamed to the data directory), sent
as MIME parts to an SMTP server on loopback, listed on the entry and served back only to agents
who see the ticket, as downloads; too large is a 413 that keeps nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.files.models import StoredFile
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import SmtpSink, answered_ticket, deliver, outbox, ticket_of, with_smtp
from tests.unit.support import count_rows, error_of

pytestmark = SQLITE_ONLY


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small, so that going over it costs the test little.
    return settings.model_copy(update={"max_attachment_bytes": 256 * 1024})


PDF = b"%PDF-1.4\n" + bytes(range(256)) * 300 + b"\n%%EOF\n"


async def upload(
    agent: Any,
    ticket: dict[str, Any],
    content: bytes,
    *,
    filename: str = "invoice.pdf",
    content_type: str = "application/pdf",
) -> httpx.Response:
    response: httpx.Response = await agent.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": filename},
        content=content,
        headers={"Content-Type": content_type},
    )
    return response


def files_under(settings: Settings) -> list[Path]:
    root = settings.data_dir / "files"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class TestReplyAttachments:
    async def test_an_uploaded_file_is_sent_as_a_mime_part_and_listed_on_the_entry(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk, then="hold")
        uploaded = await upload(ada, ticket, PDF, filename="../../Facture été.pdf")
        assert uploaded.status_code == 201, uploaded.text
        file = uploaded.json()
        assert file["filename"] == "Facture été.pdf"
        assert file["size"] == len(PDF)
        assert file["entry_id"] is None
        (path,) = files_under(settings)
        assert path.read_bytes() == PDF
        assert "été" not in str(path)

        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "Your invoice is attached.", "attachment_ids": [file["id"]]},
        )
        assert sent.status_code == 201, sent.text
        entry = sent.json()
        (listed,) = entry["data"]["attachments"]
        assert listed["id"] == file["id"]
        assert listed["stored"] is True
        assert listed["filename"] == "Facture été.pdf"

        await deliver(app, with_smtp(settings, sink))
        message = sink.received[-1].message
        assert message.get_content_type() == "multipart/mixed"
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        assert "Your invoice is attached." in str(body.get_content())
        (part,) = list(message.iter_attachments())
        assert part.get_content_type() == "application/pdf"
        assert part.get_filename() == "Facture été.pdf"
        assert part.get_content() == PDF

        # The viewer and the entry's original show the same message, attachment and all.
        admin = await desk.agent(role="admin")
        (row,) = [r for r in await outbox(admin) if r["message_id"] == entry["message_id"]]
        raw = await admin.client.get(f"/api/v1/outbox/{row['id']}/raw")
        original = await ada.client.get(
            f"/api/v1/tickets/{ticket['id']}/entries/{entry['id']}/original"
        )
        assert raw.content == original.content == sink.received[-1].raw

        download = await ada.client.get(f"/api/v1/tickets/{ticket['id']}/files/{file['id']}")
        assert download.status_code == 200
        assert download.content == PDF
        assert download.headers["content-type"] == "application/octet-stream"
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert (
            "filename*=UTF-8''Facture%20%C3%A9t%C3%A9.pdf"
            in (download.headers["content-disposition"])
        )
        listed_on_ticket = await ticket_of(ada, ticket["id"])
        (shown,) = [e for e in listed_on_ticket["entries"] if e["id"] == entry["id"]]
        assert shown["data"]["attachments"] == entry["data"]["attachments"]

    async def test_only_agents_who_see_the_ticket_get_its_files_and_uploads_stay_private(
        self, desk: Desk
    ) -> None:
        ada, inbox, ticket, _sent = await answered_ticket(desk)
        file = (await upload(ada, ticket, PDF)).json()
        colleague = await desk.agent(inboxes=[inbox], name="Grace")
        outsider = await desk.agent()
        url = f"/api/v1/tickets/{ticket['id']}/files/{file['id']}"
        # Not sent yet: only its uploader sees it, and no one else can send it.
        assert (await ada.client.get(url)).status_code == 200
        error_of(await colleague.client.get(url), 404)
        error_of(
            await colleague.client.post(
                f"/api/v1/tickets/{ticket['id']}/replies",
                json={"text": "Mine now", "attachment_ids": [file["id"]]},
            ),
            422,
        )
        error_of(await upload(outsider, ticket, b"x"), 404)
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "Sent.", "attachment_ids": [file["id"]]},
        )
        assert sent.status_code == 201, sent.text
        assert (await colleague.client.get(url)).status_code == 200
        error_of(await outsider.client.get(url), 404)
        # Sent once: a second reply cannot send it again.
        error_of(
            await ada.client.post(
                f"/api/v1/tickets/{ticket['id']}/replies",
                json={"text": "Again.", "attachment_ids": [file["id"]]},
            ),
            422,
        )

    async def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        limit = settings.max_attachment_bytes
        error_of(await upload(ada, ticket, b"x" * (limit + 1)), 413, "file_too_large")

        async def chunks() -> Any:
            # No Content-Length: the limit is found while the body streams in.
            for _ in range(limit // 65536 + 2):
                yield b"y" * 65536

        streamed = await ada.client.post(
            "/api/v1/uploads",
            params={"ticket_id": ticket["id"], "filename": "big.bin"},
            content=chunks(),
        )
        error_of(streamed, 413, "file_too_large")
        assert files_under(settings) == []
        assert await count_rows(app, StoredFile) == 0

        # Two that fit alone but not together.
        half = limit // 2 + 1
        ids = [
            (
                await upload(
                    ada, ticket, b"z" * half, filename="notes.txt", content_type="text/plain"
                )
            ).json()["id"]
            for _ in range(2)
        ]
        error_of(
            await ada.client.post(
                f"/api/v1/tickets/{ticket['id']}/replies",
                json={"text": "Both.", "attachment_ids": ids},
            ),
            413,
            "file_too_large",
        )

    @BOTH_STORES
    async def test_a_mail_whose_file_is_gone_fails_for_an_admin_rather_than_going_without(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        await deliver(app, with_smtp(settings, sink))
        file = (await upload(ada, ticket, PDF)).json()
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "Attached.", "attachment_ids": [file["id"]]},
        )
        assert sent.status_code == 201, sent.text
        (path,) = files_under(settings)
        path.unlink()
        before = len(sink.received)
        await deliver(app, with_smtp(settings, sink))
        assert len(sink.received) == before
        admin = await desk.agent(role="admin")
        (row,) = await outbox(admin, state="failed")
        assert row["message_id"] == sent.json()["message_id"]
        assert "an attachment is missing" in row["last_error"]
        entry_id = sent.json()["id"]
        error_of(
            await ada.client.get(f"/api/v1/tickets/{ticket['id']}/entries/{entry_id}/original"),
            404,
        )

    async def test_a_long_name_is_shortened_and_keeps_its_extension_to_the_mail(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk, then="hold")
        long_name = "Quarterly report " + "very " * 60 + "long.pdf"
        uploaded = await upload(ada, ticket, PDF, filename=long_name)
        assert uploaded.status_code == 201, uploaded.text
        name = uploaded.json()["filename"]
        assert 190 < len(name) <= 200
        assert name.startswith("Quarterly report very very")
        assert name.endswith("….pdf")
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": "The report.", "attachment_ids": [uploaded.json()["id"]]},
        )
        assert sent.status_code == 201, sent.text
        await deliver(app, with_smtp(settings, sink))
        (part,) = list(sink.received[-1].message.iter_attachments())
        assert part.get_filename() == name

    async def test_an_empty_file_is_refused_as_in_a_chat_and_nothing_is_kept(
        self, app: FastAPI, settings: Settings, desk: Desk
    ) -> None:
        ada, _inbox, ticket, _sent = await answered_ticket(desk)
        for kind in ("text/plain", "application/octet-stream"):
            refused = await upload(ada, ticket, b"", filename="empty.txt", content_type=kind)
            assert error_of(refused, 422, "file_empty")["message"] == "The file is empty."
        assert files_under(settings) == []
        assert await count_rows(app, StoredFile) == 0
