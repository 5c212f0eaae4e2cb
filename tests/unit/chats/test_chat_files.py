"""Files and images in chats over HTTP: uploads streamed to the store and sent by a message, exactly
once under retries (also of an upload cut off mid-way, over a real socket), the limits, the type
sniffed from the bytes, thumbnails without metadata, who may read a file (404 for everyone else),
the headers it is served with, and what the ticket and the transcript email keep of it."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.chats.models import ChatEvent, ChatFile
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files.models import StoredFile
from frontdesk.files.timers import delete_unsent_uploads
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import OutboxMessage
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Published, Visitor
from tests.realtime import serve
from tests.unit.support import count_rows, error_of, online

pytestmark = SQLITE_ONLY


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small, so that going over them costs the tests little.
    return settings.model_copy(
        update={
            "max_chat_file_bytes": 200 * 1024,
            "max_chat_message_bytes": 300 * 1024,
            "max_chat_message_files": 3,
        }
    )


def png(width: int = 64, height: int = 48, *, color: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (800, 600), "orange")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x9286] = "secret comment"  # UserComment
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


SECRET = "files-identity-secret-0123456789"
EMAIL = "marie@example.org"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 200 + b"\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def stored_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "files"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


async def upload(
    client: httpx.AsyncClient,
    path: str,
    chat_id: int,
    content: bytes,
    *,
    filename: str,
    client_id: str,
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    response: httpx.Response = await client.post(
        path,
        params={"chat_id": chat_id, "client_id": client_id, "filename": filename},
        content=content,
        headers={"Content-Type": content_type},
    )
    return response


async def visitor_upload(
    visitor: Visitor, chat_id: int, content: bytes, **kwargs: Any
) -> httpx.Response:
    return await upload(visitor.client, "/messenger/v1/uploads", chat_id, content, **kwargs)


async def agent_upload(agent: Agent, chat_id: int, content: bytes, **kwargs: Any) -> httpx.Response:
    return await upload(agent.client, "/api/v1/chat-uploads", chat_id, content, **kwargs)


async def active_chat(desk: Desk, visitors: Any) -> tuple[dict[str, Any], Agent, Visitor, int]:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Here is my screenshot")
    joined = await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert joined.status_code == 200, joined.text
    return inbox, ada, visitor, chat["id"]


def messages_of(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        event["data"]["message"]
        for event in detail["events"]
        if event["type"] == "chat.message_added"
    ]


# How long a test waits for the server under a loaded machine.
WAIT = 60.0


class Watched:
    """The app behind a real server, telling when a request to `path` began to receive its body
    and when the server was done with it: a test waits for those moments, not a fixed time."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path
        self.reading = asyncio.Event()
        self.done = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return

        async def watched() -> Message:
            message = await receive()
            if message["type"] == "http.request" and message.get("body"):
                self.reading.set()
            return message

        try:
            await self.app(scope, watched, send)
        finally:
            self.done.set()


class TestSendingFiles:
    async def test_visitor_sends_an_image_and_a_pdf_in_one_message_the_agent_reads_them(
        self, desk: Desk, visitors: Any, settings: Settings, published: Published
    ) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        image = await visitor_upload(
            visitor, chat_id, png(), filename="screen.png", client_id="u1", content_type="image/png"
        )
        assert image.status_code == 201, image.text
        assert image.json() | {"id": "-"} == {
            "id": "-",
            "filename": "screen.png",
            "content_type": "image/png",
            "size": len(png()),
            "image": True,
            "width": 64,
            "height": 48,
            "duplicate": False,
        }
        pdf = await visitor_upload(
            visitor, chat_id, PDF, filename="../Facture été.pdf", client_id="u2"
        )
        assert pdf.status_code == 201, pdf.text
        assert pdf.json()["content_type"] == "application/pdf"
        assert pdf.json()["filename"] == "Facture été.pdf"
        assert pdf.json()["image"] is False

        sent = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={
                "text": "",
                "client_msg_id": "m-files",
                "attachment_ids": [image.json()["id"], pdf.json()["id"]],
            },
        )
        assert sent.status_code == 201, sent.text
        assert sent.json()["duplicate"] is False

        detail = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
        message = messages_of(detail)[-1]
        assert message["text"] == ""
        assert [a["filename"] for a in message["attachments"]] == ["screen.png", "Facture été.pdf"]
        assert detail["last_message_text"] == "📎 screen.png, Facture été.pdf"
        # Live to both sides, the visitor's copy the same (nothing in it is agent-only).
        added = [m for m in published.messages if m.envelope.type == "chat.message_added"]
        agent_copy, visitor_copy = added[-2], added[-1]
        assert visitor_copy.topics[0].startswith("visitor:")
        assert agent_copy.envelope.data["message"]["attachments"] == message["attachments"]
        assert visitor_copy.envelope.data["message"]["attachments"] == message["attachments"]
        assert published.problems == []

        image_id, pdf_id = image.json()["id"], pdf.json()["id"]
        shown = await ada.client.get(f"/api/v1/chats/{chat_id}/files/{image_id}")
        assert shown.status_code == 200
        assert shown.content == png()
        assert shown.headers["content-type"] == "image/png"
        assert shown.headers["content-disposition"].startswith("inline;")
        assert shown.headers["x-content-type-options"] == "nosniff"
        thumb = await ada.client.get(
            f"/api/v1/chats/{chat_id}/files/{image_id}", params={"variant": "thumbnail"}
        )
        assert thumb.status_code == 200
        assert Image.open(io.BytesIO(thumb.content)).size == (64, 48)
        document = await ada.client.get(f"/api/v1/chats/{chat_id}/files/{pdf_id}")
        assert document.content == PDF
        assert document.headers["content-type"] == "application/octet-stream"
        assert document.headers["content-disposition"].startswith("attachment;")
        assert (
            "filename*=UTF-8''Facture%20%C3%A9t%C3%A9.pdf"
            in document.headers["content-disposition"]
        )
        assert document.headers["x-content-type-options"] == "nosniff"

    @BOTH_STORES
    async def test_agent_sends_a_file_the_visitor_opens_by_its_signed_links(
        self, desk: Desk, visitors: Any, http: httpx.AsyncClient
    ) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        up = await agent_upload(ada, chat_id, PDF, filename="guide.pdf", client_id="a1")
        assert up.status_code == 201, up.text
        sent = await ada.client.post(
            f"/api/v1/chats/{chat_id}/file-messages",
            json={"text": "The guide", "client_msg_id": "am1", "attachment_ids": [up.json()["id"]]},
        )
        assert sent.status_code == 201, sent.text
        chat = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()
        message = messages_of(chat)[-1]
        assert message["text"] == "The guide"
        (attachment,) = message["attachments"]
        links = await visitor.client.get(
            f"/messenger/v1/chats/{chat_id}/files/{attachment['id']}/links"
        )
        assert links.status_code == 200, links.text
        assert links.json()["thumbnail_url"] is None
        # The link is the credential: fetched with no token, as an <img> or a click would.
        fetched = await http.get(links.json()["download_url"])
        assert fetched.status_code == 200
        assert fetched.content == PDF
        assert fetched.headers["content-disposition"].startswith("attachment;")
        tampered = links.json()["url"].replace("variant=file", "variant=download")
        assert (await http.get(tampered)).status_code == 404

    async def test_a_file_and_text_message_is_refused_when_the_chat_ended(
        self, desk: Desk, visitors: Any
    ) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        up = await visitor_upload(visitor, chat_id, PDF, filename="a.pdf", client_id="e1")
        assert (await ada.client.post(f"/api/v1/chats/{chat_id}/end")).status_code == 200
        late = await visitor_upload(visitor, chat_id, PDF, filename="b.pdf", client_id="e2")
        error_of(late, 409, "chat_ended")
        post = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "x", "attachment_ids": [up.json()["id"]]},
        )
        error_of(post, 409, "chat_ended")


class TestExactlyOnce:
    @BOTH_STORES
    async def test_a_retried_upload_and_message_are_stored_once(
        self, app: FastAPI, desk: Desk, visitors: Any, settings: Settings
    ) -> None:
        _inbox, _ada, visitor, chat_id = await active_chat(desk, visitors)
        first = await visitor_upload(visitor, chat_id, PDF, filename="a.pdf", client_id="same")
        again = await visitor_upload(visitor, chat_id, PDF, filename="a.pdf", client_id="same")
        assert again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["duplicate"] is True
        assert await count_rows(app, ChatFile) == 1
        assert len(stored_files(settings)) == 1
        body = {"client_msg_id": "once", "attachment_ids": [first.json()["id"]]}
        posts = [
            await visitor.client.post(f"/messenger/v1/chats/{chat_id}/file-messages", json=body)
            for _ in range(2)
        ]
        assert [p.json()["duplicate"] for p in posts] == [False, True]
        assert posts[0].json()["message_id"] == posts[1].json()["message_id"]
        assert await count_rows(app, ChatEvent, ChatEvent.client_msg_id == "once") == 1

    @BOTH_STORES
    async def test_two_tries_of_one_upload_at_once_store_one_file(
        self, app: FastAPI, desk: Desk, visitors: Any, settings: Settings
    ) -> None:
        _inbox, _ada, visitor, chat_id = await active_chat(desk, visitors)
        answers = await asyncio.gather(
            *(
                visitor_upload(
                    visitor,
                    chat_id,
                    png(),
                    filename="a.png",
                    client_id="twice",
                    content_type="image/png",
                )
                for _ in range(3)
            )
        )
        assert {answer.status_code for answer in answers} == {201}
        assert len({answer.json()["id"] for answer in answers}) == 1
        assert sorted(answer.json()["duplicate"] for answer in answers) == [False, True, True]
        assert await count_rows(app, ChatFile) == 1
        # The losers' bytes (and thumbnails) are not left behind.
        assert len(stored_files(settings)) == 2

    @pytest.mark.parametrize(
        ("filename", "kind", "kept"),
        # A PDF too: half an image fails to decode anyway, half a PDF is only known to be cut
        # by the connection's end.
        [("cut.png", "image/png", 2), ("cut.pdf", "application/pdf", 1)],
    )
    async def test_an_upload_cut_off_mid_way_and_retried_is_one_file_and_one_message(
        self,
        app: FastAPI,
        desk: Desk,
        visitors: Any,
        settings: Settings,
        filename: str,
        kind: str,
        kept: int,
    ) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        content = png(400, 300, color="navy") if kind == "image/png" else PDF
        target = f"/messenger/v1/uploads?chat_id={chat_id}&client_id=cut&filename={filename}"
        uploads = Watched(app, "/messenger/v1/uploads")
        async with serve(uploads) as live:
            host, port = live.split(":")
            _reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                (
                    f"POST {target} HTTP/1.1\r\nHost: {live}\r\n"
                    f"Authorization: Bearer {visitor.token}\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(content)}\r\n\r\n"
                ).encode()
                + content[: len(content) // 2]
            )
            await writer.drain()
            # The server is storing the first half when the connection drops.
            await asyncio.wait_for(uploads.reading.wait(), WAIT)
            writer.close()
            await writer.wait_closed()
            # Looked at once the server is done with the cut upload, not before.
            await asyncio.wait_for(uploads.done.wait(), WAIT)
            assert await count_rows(app, ChatFile) == 0
            assert stored_files(settings) == []

            # Generous: a loaded machine is slow to store and fsync, and a hang still fails.
            async with httpx.AsyncClient(base_url=f"http://{live}", timeout=WAIT) as client:
                client.headers["Authorization"] = f"Bearer {visitor.token}"
                retried = await upload(
                    client,
                    "/messenger/v1/uploads",
                    chat_id,
                    content,
                    filename=filename,
                    client_id="cut",
                    content_type=kind,
                )
                assert retried.status_code == 201, retried.text
                assert retried.json()["duplicate"] is False
                body = {"client_msg_id": "cut-msg", "attachment_ids": [retried.json()["id"]]}
                duplicates = []
                for _ in range(2):
                    posted = await client.post(
                        f"/messenger/v1/chats/{chat_id}/file-messages", json=body
                    )
                    assert posted.status_code == 201, posted.text
                    duplicates.append(posted.json()["duplicate"])
                assert duplicates == [False, True]
        assert await count_rows(app, ChatFile) == 1
        assert len(stored_files(settings)) == kept  # an image has its thumbnail too
        detail = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
        with_files = [m for m in messages_of(detail) if m.get("attachments")]
        assert len(with_files) == 1


class TestLimitsAndTypes:
    async def test_an_oversized_file_is_refused_and_nothing_kept(
        self, app: FastAPI, desk: Desk, visitors: Any, settings: Settings, live: str
    ) -> None:
        _inbox, _ada, visitor, chat_id = await active_chat(desk, visitors)
        big = b"%PDF-1.4\n" + b"x" * (200 * 1024)
        declared = await visitor_upload(visitor, chat_id, big, filename="big.pdf", client_id="b1")
        assert "at most 0.195 MB" in error_of(declared, 413, "file_too_large")["message"]

        async def chunks() -> Any:
            for _ in range(30):
                yield b"y" * 10_000

        streamed = await visitor.client.post(
            "/messenger/v1/uploads",
            params={"chat_id": chat_id, "client_id": "b2", "filename": "big.txt"},
            content=chunks(),
        )
        error_of(streamed, 413, "file_too_large")

        async def the_last_piece_over() -> Any:
            # The body has all arrived when the limit is passed: nothing is left to drain, and
            # waiting for more would wait until the client gave up.
            yield b"z" * (settings.max_chat_file_bytes - 10)
            yield b"z" * 11

        # Through a real server: its receive() past the body's end waits for the client. The
        # client would wait a minute: a server waiting for it fails the bound, a slow one passes.
        async with httpx.AsyncClient(base_url=f"http://{live}", timeout=WAIT) as client:
            last = client.post(
                "/messenger/v1/uploads",
                params={"chat_id": chat_id, "client_id": "b3", "filename": "big.txt"},
                content=the_last_piece_over(),
                headers={"Authorization": f"Bearer {visitor.token}"},
            )
            error_of(await asyncio.wait_for(last, timeout=WAIT / 2), 413, "file_too_large")
        assert await count_rows(app, ChatFile) == 0
        assert stored_files(settings) == []

    async def test_per_message_limits(self, desk: Desk, visitors: Any) -> None:
        _inbox, _ada, visitor, chat_id = await active_chat(desk, visitors)
        ids = []
        for n in range(4):
            up = await visitor_upload(
                visitor, chat_id, PDF + b"x" * 80_000, filename=f"{n}.pdf", client_id=f"p{n}"
            )
            assert up.status_code == 201, up.text
            ids.append(up.json()["id"])
        url = f"/messenger/v1/chats/{chat_id}/file-messages"
        too_many = await visitor.client.post(
            url, json={"client_msg_id": "m1", "attachment_ids": ids}
        )
        assert "At most 3 files" in error_of(too_many, 422)["message"]
        too_big = await visitor.client.post(
            url, json={"client_msg_id": "m2", "attachment_ids": ids[:3]}
        )
        assert "one message may be at most" in error_of(too_big, 413, "file_too_large")["message"]
        fine = await visitor.client.post(
            url, json={"client_msg_id": "m3", "attachment_ids": ids[:2]}
        )
        assert fine.status_code == 201

    @pytest.mark.parametrize(
        ("content", "filename", "claimed", "code"),
        [
            (HTML, "cat.png", "image/png", "file_disguised"),
            (HTML, "cat", "image/png", "file_disguised"),
            (PDF, "report.pdf.jpg", "image/jpeg", "file_disguised"),
            (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.pdf", "", "file_disguised"),
            (
                b"MZ\x90\x00\x03" + bytes(100),
                "setup.exe",
                "application/x-msdownload",
                "file_type_refused",
            ),
            (b"\x7fELF\x02\x01\x01" + bytes(100), "tool", "", "file_type_refused"),
            (b"#!/bin/sh\nrm -rf ~\n", "notes.txt", "text/plain", "file_type_refused"),
            (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "broken.png", "image/png", "image_unreadable"),
            (b"", "empty.txt", "text/plain", "file_empty"),
        ],
    )
    async def test_type_is_sniffed_from_the_bytes_and_refusals_say_why(
        self,
        app: FastAPI,
        desk: Desk,
        visitors: Any,
        settings: Settings,
        content: bytes,
        filename: str,
        claimed: str,
        code: str,
    ) -> None:
        _inbox, _ada, visitor, chat_id = await active_chat(desk, visitors)
        refused = await visitor_upload(
            visitor, chat_id, content, filename=filename, client_id="t", content_type=claimed
        )
        error = error_of(refused, 422, code)
        assert error["message"]
        assert await count_rows(app, ChatFile) == 0
        assert stored_files(settings) == []

    async def test_html_and_svg_are_only_ever_downloads(self, desk: Desk, visitors: Any) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        for name, content in (("page.html", HTML), ("logo.svg", b"<svg onload='alert(1)'/>")):
            up = await visitor_upload(
                visitor,
                chat_id,
                content,
                filename=name,
                client_id=name,
                content_type="image/svg+xml",
            )
            assert up.status_code == 201, up.text
            assert up.json()["image"] is False
            await visitor.client.post(
                f"/messenger/v1/chats/{chat_id}/file-messages",
                json={"client_msg_id": f"m-{name}", "attachment_ids": [up.json()["id"]]},
            )
            served = await ada.client.get(f"/api/v1/chats/{chat_id}/files/{up.json()['id']}")
            assert served.headers["content-type"] == "application/octet-stream"
            assert served.headers["content-disposition"].startswith("attachment;")
            assert served.headers["x-content-type-options"] == "nosniff"
            assert "sandbox" in served.headers["content-security-policy"]
            thumb = await ada.client.get(
                f"/api/v1/chats/{chat_id}/files/{up.json()['id']}", params={"variant": "thumbnail"}
            )
            assert thumb.headers["content-type"] == "application/octet-stream"

    async def test_thumbnails_carry_no_metadata(self, desk: Desk, visitors: Any) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        original = jpeg_with_exif()
        assert b"SpyCam" in original
        up = await visitor_upload(
            visitor,
            chat_id,
            original,
            filename="photo.jpg",
            client_id="j",
            content_type="image/jpeg",
        )
        assert up.json()["width"] == 800
        await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "mj", "attachment_ids": [up.json()["id"]]},
        )
        thumb = await ada.client.get(
            f"/api/v1/chats/{chat_id}/files/{up.json()['id']}", params={"variant": "thumbnail"}
        )
        assert thumb.headers["content-type"] == "image/jpeg"
        assert b"SpyCam" not in thumb.content
        assert b"secret comment" not in thumb.content
        assert Image.open(io.BytesIO(thumb.content)).size == (480, 360)


class TestWhoMayRead:
    async def test_everyone_else_gets_a_404(
        self, desk: Desk, visitors: Any, http: httpx.AsyncClient
    ) -> None:
        inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        up = await visitor_upload(visitor, chat_id, PDF, filename="mine.pdf", client_id="m")
        file_id = up.json()["id"]
        path = f"/api/v1/chats/{chat_id}/files/{file_id}"
        # Not sent yet: only its uploader sees it.
        error_of(await ada.client.get(path), 404)
        await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "mm", "attachment_ids": [file_id]},
        )
        assert (await ada.client.get(path)).status_code == 200

        other_inbox = await desk.inbox(name="Sales")
        outsider = await desk.agent(inboxes=[other_inbox])
        error_of(await outsider.client.get(path), 404)
        error_of(await agent_upload(outsider, chat_id, PDF, filename="x.pdf", client_id="o"), 404)
        # In the inbox but not in the chat: may read, may not send.
        colleague = await desk.agent(inboxes=[inbox])
        assert (await colleague.client.get(path)).status_code == 200
        error_of(
            await agent_upload(colleague, chat_id, PDF, filename="x.pdf", client_id="c"),
            403,
            "not_participant",
        )

        stranger = await visitors(inbox)
        await stranger.start_chat("Me too")
        links = f"/messenger/v1/chats/{chat_id}/files/{file_id}/links"
        error_of(await stranger.client.get(links), 404)
        error_of(await visitor_upload(stranger, chat_id, PDF, filename="x.pdf", client_id="s"), 404)
        mine = await visitor.client.get(links)
        assert mine.status_code == 200
        # Another signature, another file id, an expired link: nothing.
        url = urlsplit(mine.json()["url"])
        base = f"{url.path}?{url.query}"
        assert (await http.get(base)).status_code == 200
        error_of(await http.get(re.sub(r"signature=\w+", "signature=" + "0" * 32, base)), 404)
        error_of(await http.get(base.replace(file_id, "A" * len(file_id))), 404)
        error_of(await http.get(re.sub(r"expires=\d+", "expires=1000", base)), 404)
        error_of(await http.get(f"/messenger/v1/files/{file_id}"), 404)


class TestIntoTheTicket:
    @BOTH_STORES
    async def test_chat_files_carry_into_the_ticket_and_the_transcript_email(
        self, app: FastAPI, desk: Desk, visitors: Any, http: httpx.AsyncClient
    ) -> None:
        inbox = await desk.inbox(identity_secret=SECRET)
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        await online(ada)
        visitor = await visitors(inbox)
        # Signed in: the customer gets the conversation itself by email.
        await visitor.identify(EMAIL, secret=SECRET)
        chat_id = (await visitor.start_chat("My screen", email=EMAIL))["id"]
        assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
        up = await visitor_upload(
            visitor, chat_id, png(), filename="screen.png", client_id="t1", content_type="image/png"
        )
        await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"text": "See this", "client_msg_id": "tm", "attachment_ids": [up.json()["id"]]},
        )
        ended = await ada.client.post(f"/api/v1/chats/{chat_id}/end")
        assert ended.status_code == 200, ended.text
        ticket_id = ended.json()["ticket_id"]
        ticket = (await ada.client.get(f"/api/v1/tickets/{ticket_id}")).json()
        transcript = next(e for e in ticket["entries"] if e["kind"] == "transcript")
        line = next(line for line in transcript["data"]["lines"] if line.get("files"))
        assert line["text"] == "See this"
        (listed,) = line["files"]
        assert listed["filename"] == "screen.png"
        assert "[file] screen.png" in transcript["text"]
        served = await ada.client.get(f"/api/v1/tickets/{ticket_id}/files/{listed['id']}")
        assert served.status_code == 200
        assert served.content == png()
        assert await count_rows(app, StoredFile, StoredFile.ticket_id == ticket_id) == 1

        async with unit_of_work(app.state.sessionmaker) as session:
            mail = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id)
            )
            assert mail is not None
            text, html = mail.text, mail.html or ""
        link = re.search(r"screen\.png \(\d+ KB\): (\S+)", text)
        assert link is not None, text
        assert "expires=0" in link.group(1)
        assert f'href="{escape(link.group(1))}"' in html
        url = urlsplit(link.group(1))
        # Valid with no token, for as long as the file is stored.
        fetched = await http.get(f"{url.path}?{url.query}")
        assert fetched.status_code == 200
        assert fetched.content == png()


class TestUnsentUploads:
    """Uploads no message sent are deleted after FRONTDESK_UNSENT_UPLOAD_HOURS, like a reply's
    (tests/files/test_unsent_uploads.py), and a person may leave only so many waiting."""

    @BOTH_STORES
    async def test_uploads_never_sent_go_after_the_hours_and_sent_ones_stay(
        self, app: FastAPI, desk: Desk, visitors: Any, settings: Settings
    ) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        kept = await visitor_upload(
            visitor, chat_id, png(), filename="sent.png", client_id="k", content_type="image/png"
        )
        sent = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "km", "attachment_ids": [kept.json()["id"]]},
        )
        assert sent.status_code == 201, sent.text
        forgotten = await visitor_upload(
            visitor, chat_id, png(), filename="draft.png", client_id="f", content_type="image/png"
        )
        agents = await agent_upload(ada, chat_id, PDF, filename="draft.pdf", client_id="a")
        assert forgotten.status_code == agents.status_code == 201
        # Two images (each with a thumbnail) and a PDF.
        assert len(stored_files(settings)) == 5
        made = utcnow()

        sessionmaker = app.state.sessionmaker
        early = made + timedelta(hours=23)
        assert await delete_unsent_uploads(sessionmaker, settings, now=early) == 0
        later = made + timedelta(hours=24, minutes=1)
        assert await delete_unsent_uploads(sessionmaker, settings, now=later) == 2
        assert await delete_unsent_uploads(sessionmaker, settings, now=later) == 0
        assert await count_rows(app, ChatFile) == 1
        assert len(stored_files(settings)) == 2  # the sent image and its thumbnail

        # Whoever still held one is told to upload it again; the sent file is still there.
        gone = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "late", "attachment_ids": [forgotten.json()["id"]]},
        )
        assert "upload it again" in error_of(gone, 422)["message"]
        late = await ada.client.post(
            f"/api/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "alate", "attachment_ids": [agents.json()["id"]]},
        )
        error_of(late, 422)
        path = f"/api/v1/chats/{chat_id}/files/"
        assert (await ada.client.get(path + kept.json()["id"])).content == png()
        error_of(await ada.client.get(path + agents.json()["id"]), 404)

    async def test_a_person_may_leave_only_so_many_uploads_unsent_in_a_chat(
        self, app: FastAPI, desk: Desk, visitors: Any, settings: Settings
    ) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        limit = 2 * settings.max_chat_message_files  # 6 here
        ids = []
        for n in range(limit):
            up = await visitor_upload(visitor, chat_id, PDF, filename=f"{n}.pdf", client_id=f"u{n}")
            assert up.status_code == 201, up.text
            ids.append(up.json()["id"])
        files_before = stored_files(settings)

        refused = await visitor_upload(visitor, chat_id, PDF, filename="more.pdf", client_id="x")
        error = error_of(refused, 409, "too_many_uploads")
        assert "6 files you uploaded in this chat have not been sent" in error["message"]
        assert "deleted after 24 hours" in error["message"]
        assert stored_files(settings) == files_before
        assert await count_rows(app, ChatFile) == limit
        # A retry of an upload already stored still answers with it.
        again = await visitor_upload(visitor, chat_id, PDF, filename="0.pdf", client_id="u0")
        assert again.status_code == 201, again.text
        assert again.json()["duplicate"] is True
        # Each person's own: the agent in the chat still uploads.
        theirs = await agent_upload(ada, chat_id, PDF, filename="a.pdf", client_id="a")
        assert theirs.status_code == 201, theirs.text

        sent = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "m", "attachment_ids": ids[:2]},
        )
        assert sent.status_code == 201, sent.text
        more = await visitor_upload(visitor, chat_id, PDF, filename="more.pdf", client_id="x")
        assert more.status_code == 201, more.text

    @BOTH_STORES
    async def test_uploads_sent_at_once_past_the_limit_keep_it(
        self, app: FastAPI, desk: Desk, visitors: Any, settings: Settings
    ) -> None:
        _inbox, _ada, visitor, chat_id = await active_chat(desk, visitors)
        limit = 2 * settings.max_chat_message_files
        answers = await asyncio.gather(
            *(
                visitor_upload(visitor, chat_id, PDF, filename=f"{n}.pdf", client_id=f"c{n}")
                for n in range(limit + 3)
            )
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201] * limit + [409] * 3
        assert await count_rows(app, ChatFile) == limit
        assert len(stored_files(settings)) == limit


class TestNoCache:
    async def test_no_cache_keeps_a_file_nor_its_thumbnail_for_agents_or_by_link(
        self, desk: Desk, visitors: Any, http: httpx.AsyncClient
    ) -> None:
        """An agent's browser kept a chat's files an hour: after the customer's erasure, they
        could still be seen from its cache."""
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        up = await visitor_upload(
            visitor, chat_id, png(), filename="id card.png", client_id="c", content_type="image/png"
        )
        file_id = up.json()["id"]
        sent = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "cm", "attachment_ids": [file_id]},
        )
        assert sent.status_code == 201, sent.text
        links = (
            await visitor.client.get(f"/messenger/v1/chats/{chat_id}/files/{file_id}/links")
        ).json()
        answers = [
            *[
                await ada.client.get(
                    f"/api/v1/chats/{chat_id}/files/{file_id}", params={"variant": variant}
                )
                for variant in ("file", "download", "thumbnail")
            ],
            *[await http.get(links[kind]) for kind in ("url", "download_url", "thumbnail_url")],
        ]
        for answer in answers:
            assert answer.status_code == 200, answer.text
            assert answer.headers["cache-control"] == "private, no-store"
            assert answer.headers["x-content-type-options"] == "nosniff"


class TestNames:
    async def test_a_long_name_is_shortened_and_keeps_its_extension(
        self, desk: Desk, visitors: Any
    ) -> None:
        _inbox, ada, visitor, chat_id = await active_chat(desk, visitors)
        long_name = "Screenshot " + "of the error " * 30 + "again.png"
        up = await visitor_upload(
            visitor, chat_id, png(), filename=long_name, client_id="n", content_type="image/png"
        )
        assert up.status_code == 201, up.text
        name = up.json()["filename"]
        assert 190 < len(name) <= 200
        assert name.startswith("Screenshot of the error")
        assert name.endswith("….png")
        # The extension is what makes the file open: kept for the agent's download too.
        await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/file-messages",
            json={"client_msg_id": "nm", "attachment_ids": [up.json()["id"]]},
        )
        download = await ada.client.get(
            f"/api/v1/chats/{chat_id}/files/{up.json()['id']}", params={"variant": "download"}
        )
        assert download.headers["content-disposition"].endswith(".png")
