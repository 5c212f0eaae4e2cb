"""Files on private notes (docs/desk.md, "Private notes"), through HTTP: a note takes the author's
uploads exactly as a reply does (their own, on this ticket, unsent, used once, within the limits),
lists them on the entry, and its files are read through the ticket by the agents of its inbox,
light agents too, never by an agent of another inbox; they are never mailed, never listed nor
served by the customer's portal (the file and its thumbnail: 404), and they follow the note
when it is split off or its ticket merged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.files.service import MAX_FILES_PER_REPLY
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    SmtpSink,
    answered_ticket,
    deliver,
    ticket_of,
    ticket_with_reply,
    with_smtp,
)
from tests.mail.test_portal import scene, sign_in
from tests.mail.test_reply_attachments import PDF, upload
from tests.mail.test_ticket_images import png
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small, so that going over it costs the test little.
    return settings.model_copy(update={"max_attachment_bytes": 256 * 1024})


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The customer's browser: its own cookie jar."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


async def note(agent: Any, ticket: dict[str, Any], text: str, ids: list[int]) -> httpx.Response:
    response: httpx.Response = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": text, "attachment_ids": ids}
    )
    return response


async def image_and_pdf(agent: Any, ticket: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    image = await upload(
        agent, ticket, png(900, 600), filename="screen.png", content_type="image/png"
    )
    pdf = await upload(agent, ticket, PDF, filename="server.log.pdf")
    assert image.status_code == pdf.status_code == 201, (image.text, pdf.text)
    return image.json(), pdf.json()


@BOTH_STORES
async def test_a_note_keeps_files_as_a_reply_sends_them_for_the_inboxs_agents_only(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
) -> None:
    ada, inbox, ticket, _sent = await answered_ticket(desk)
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    linus = await desk.agent(role="collaborator", inboxes=[inbox], name="Linus")
    outsider = await desk.agent(inboxes=[await desk.inbox(name="Billing")], name="Otto")
    image, pdf = await image_and_pdf(ada, ticket)

    added = await note(ada, ticket, "The engineer's screenshot and log.", [image["id"], pdf["id"]])
    assert added.status_code == 201, added.text
    entry = added.json()
    assert entry["kind"] == "note"
    shown = {file["filename"]: file for file in entry["data"]["attachments"]}
    assert [file["id"] for file in entry["data"]["attachments"]] == [image["id"], pdf["id"]]
    assert all(file["stored"] for file in shown.values())
    assert shown["screen.png"]["image"] is True
    assert (shown["screen.png"]["width"], shown["screen.png"]["height"]) == (900, 600)
    assert shown["server.log.pdf"]["image"] is False
    on_ticket = await ticket_of(grace, ticket["id"])
    (listed,) = [e for e in on_ticket["entries"] if e["id"] == entry["id"]]
    assert listed["data"]["attachments"] == entry["data"]["attachments"]

    # The inbox's agents, a light agent among them, read them; an agent of another inbox not.
    files = f"/api/v1/tickets/{ticket['id']}/files"
    for agent in (ada, grace, linus):
        got = await agent.client.get(f"{files}/{pdf['id']}")
        assert got.status_code == 200
        assert got.content == PDF
        thumbnail = await agent.client.get(
            f"{files}/{image['id']}", params={"variant": "thumbnail"}
        )
        assert thumbnail.status_code == 200
        assert thumbnail.headers["content-type"] in ("image/jpeg", "image/png")
    for url in (f"{files}/{pdf['id']}", f"{files}/{image['id']}?variant=thumbnail"):
        error_of(await outsider.client.get(url), 404)

    # Used once: neither another note nor a reply takes them again.
    error_of(await note(ada, ticket, "Again.", [pdf["id"]]), 422)
    again = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "Here is our log.", "attachment_ids": [pdf["id"]]},
    )
    error_of(again, 422)

    # A note goes to nobody by mail: the only mail sent is the reply's, with no file.
    await deliver(app, with_smtp(settings, sink))
    assert sink.received
    for mail in sink.received:
        assert list(mail.message.iter_attachments()) == []
        assert b"server.log.pdf" not in mail.raw


@BOTH_STORES
async def test_a_notes_files_are_checked_as_a_replys_are(
    app: FastAPI, settings: Settings, desk: Desk
) -> None:
    ada, inbox, ticket, _sent = await answered_ticket(desk)
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    mine = (await upload(ada, ticket, PDF)).json()
    theirs = (await upload(grace, ticket, PDF)).json()
    # Another agent's upload, or one of another ticket: not waiting for this author here.
    error_of(await note(ada, ticket, "Theirs.", [theirs["id"]]), 422)
    other, _reply = await ticket_with_reply(ada, inbox, email="other@example.org")
    elsewhere = (await upload(ada, other, PDF)).json()
    error_of(await note(ada, ticket, "Elsewhere.", [elsewhere["id"]]), 422)
    # Files alone are no note, as they are no reply.
    refused = await note(ada, ticket, "   ", [mine["id"]])
    assert error_of(refused, 422)["message"]
    # At most so many files, and within the size limit together.
    error_of(await note(ada, ticket, "Many.", list(range(1, MAX_FILES_PER_REPLY + 2))), 422)
    half = settings.max_attachment_bytes // 2 + 1
    big = [
        (await upload(ada, ticket, b"z" * half, filename="a.txt", content_type="text/plain")).json()
        for _ in range(2)
    ]
    error_of(await note(ada, ticket, "Both.", [b["id"] for b in big]), 413, "file_too_large")
    # Nothing refused was taken: the upload still waits for its author.
    kept = await note(ada, ticket, "Only mine.", [mine["id"]])
    assert kept.status_code == 201, kept.text
    assert [f["id"] for f in kept.json()["data"]["attachments"]] == [mine["id"]]


async def test_a_light_agent_adds_a_note_with_a_file(desk: Desk) -> None:
    ada, inbox, ticket, _sent = await answered_ticket(desk)
    linus = await desk.agent(role="collaborator", inboxes=[inbox], name="Linus")
    log = await upload(linus, ticket, PDF, filename="trace.pdf")
    assert log.status_code == 201, log.text
    added = await note(linus, ticket, "The trace from the server.", [log.json()["id"]])
    assert added.status_code == 201, added.text
    (listed,) = added.json()["data"]["attachments"]
    assert listed["filename"] == "trace.pdf"
    got = await ada.client.get(f"/api/v1/tickets/{ticket['id']}/files/{listed['id']}")
    assert got.status_code == 200
    assert got.content == PDF


async def test_the_portal_never_lists_nor_serves_a_notes_files(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk, then="hold")
    image, pdf = await image_and_pdf(ada, ticket)
    added = await note(ada, ticket, "Internal: the crash screen.", [image["id"], pdf["id"]])
    assert added.status_code == 201, added.text
    public = (await upload(ada, ticket, PDF, filename="label.pdf")).json()
    sent = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "Here is your return label.", "attachment_ids": [public["id"]]},
    )
    assert sent.status_code == 201, sent.text

    await sign_in(app, settings, sink, browser)
    base = f"/help/requests/{ticket['number']}"
    page = await browser.get(base)
    assert page.status_code == 200
    assert "Here is your return label." in page.text
    assert f"{base}/files/file-{public['id']}" in page.text
    assert "crash screen" not in page.text
    for hidden in (image, pdf):
        assert hidden["filename"] not in page.text
        assert f"file-{hidden['id']}" not in page.text
        for url in (
            f"{base}/files/file-{hidden['id']}",
            f"{base}/files/file-{hidden['id']}/thumbnail",
        ):
            assert (await browser.get(url)).status_code == 404
    # The reply's file is served, so the 404s above are the note's alone.
    assert (await browser.get(f"{base}/files/file-{public['id']}")).content == PDF


async def test_a_notes_files_follow_it_when_split_off_and_merged(desk: Desk) -> None:
    ada, _inbox, ticket, _sent = await answered_ticket(desk)
    _image, pdf = await image_and_pdf(ada, ticket)
    added = await note(ada, ticket, "Log for the engineers.", [pdf["id"]])
    assert added.status_code == 201, added.text
    split = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/entries/{added.json()['id']}/split", json={}
    )
    assert split.status_code == 201, split.text
    new_id = split.json()["target_ticket_id"]
    on_new = f"/api/v1/tickets/{new_id}/files/{pdf['id']}"
    assert (await ada.client.get(on_new)).content == PDF
    error_of(await ada.client.get(f"/api/v1/tickets/{ticket['id']}/files/{pdf['id']}"), 404)
    (moved,) = [e for e in (await ticket_of(ada, new_id))["entries"] if e["kind"] == "note"]
    assert [f["id"] for f in moved["data"]["attachments"]] == [pdf["id"]]

    # Merged back: the file goes with the thread into the ticket that stays.
    merged = await ada.client.post(
        f"/api/v1/tickets/{new_id}/merge", json={"into_ticket_id": ticket["id"]}
    )
    assert merged.status_code == 201, merged.text
    assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/files/{pdf['id']}")).content == (
        PDF
    )
    error_of(await ada.client.get(on_new), 404)
