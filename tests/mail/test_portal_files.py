"""Files in the customer portal (docs/portal.md, "Files"), through HTTP: a signed-in customer
attaches files to a new request or an answer, in a `multipart/form-data` body as a browser sends
it; they become the ticket's files of the customer's entry (the desk lists them, an image with its
thumbnail), the request's page lists them and downloads them for that customer only. Refused
files (too large, too many, a disguised type), a body past the bound (refused before it is all
read) and a form without its CSRF token show the page again, or refuse it, with nothing written:
no ticket, no entry, no file's bytes kept."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Sequence
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import func, select

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files.models import StoredFile
from frontdesk.portal import forms
from frontdesk.portal import service as portal_service
from frontdesk.tickets.models import Ticket, TicketEntry
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    SUPPORT,
    SmtpSink,
    online,
    outbox,
    post_mime,
    ticket_of,
    ticket_with_reply,
)
from tests.mail.test_portal import csrf_of, scene, sign_in
from tests.mail.test_portal_requests import NEW, requests_inbox
from tests.mail.test_portal_shared import CORA, DAN, EVE, acme
from tests.mail.test_reply_attachments import PDF, files_under, upload
from tests.mail.test_ticket_images import HTML, png

pytestmark = SQLITE_ONLY

# Small limits, so that going over them costs the tests little.
EACH = 200 * 1024
TOGETHER = 300 * 1024
SUBJECT = "Broken screen"
TEXT = "It arrived cracked.\nPhotos attached."

File = tuple[str, bytes, str]
SECRET = "portal-files-identity-secret-0123"
MARIE = "marie@example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"max_chat_file_bytes": EACH, "max_chat_message_bytes": TOGETHER}
    )


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The customer's browser: its own cookie jar."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


def form_data(fields: dict[str, str], files: Sequence[File], *, field: str = "files") -> bytes:
    """A body as Chromium writes it: the fields in the page's order, then the file field's parts
    (one with no name and no bytes when no file was chosen)."""
    boundary = BOUNDARY.encode()
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            b"--" + boundary + b"\r\n"
            b'Content-Disposition: form-data; name="'
            + name.encode()
            + b'"\r\n\r\n'
            + value.replace("\n", "\r\n").encode()
            + b"\r\n"
        )
    for filename, content, content_type in files:
        parts.append(
            b"--" + boundary + b"\r\n"
            b'Content-Disposition: form-data; name="'
            + field.encode()
            + b'"; filename="'
            + filename.replace('"', "%22").encode()
            + b'"\r\nContent-Type: '
            + content_type.encode()
            + b"\r\n\r\n"
            + content
            + b"\r\n"
        )
    return b"".join(parts) + b"--" + boundary + b"--\r\n"


BOUNDARY = "----WebKitFormBoundaryQ3e9Xb2vT7kLm1pA"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
NO_FILE: File = ("", b"", "application/octet-stream")


async def post_form(
    browser: httpx.AsyncClient,
    path: str,
    fields: dict[str, str],
    files: Sequence[File] = (NO_FILE,),
    **headers: str,
) -> httpx.Response:
    return await browser.post(
        path, content=form_data(fields, files), headers={**MULTIPART, **headers}
    )


async def new_request(
    browser: httpx.AsyncClient, files: Sequence[File], **headers: str
) -> httpx.Response:
    csrf = csrf_of(await browser.get(NEW))
    fields = {"csrf": csrf, "subject": SUBJECT, "text": TEXT}
    return await post_form(browser, NEW, fields, files, **headers)


async def counts(app: FastAPI) -> tuple[int, int, int]:
    """(tickets, entries, stored files) in the database."""
    async with unit_of_work(app.state.sessionmaker) as session:
        tickets = await session.scalar(select(func.count()).select_from(Ticket))
        entries = await session.scalar(select(func.count()).select_from(TicketEntry))
        stored = await session.scalar(select(func.count()).select_from(StoredFile))
    return int(tickets or 0), int(entries or 0), int(stored or 0)


async def signed_in_with_requests(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> tuple[Any, dict[str, Any]]:
    await scene(desk)
    admin, inbox = await requests_inbox(desk)
    await sign_in(app, settings, sink, browser)
    return admin, inbox


def assert_kept(page: httpx.Response, *, status: int, sentence: str) -> None:
    """The form shown again: the refusal's status and sentence, what was typed kept."""
    assert page.status_code == status, page.text
    assert sentence in page.text
    assert f'value="{SUBJECT}"' in page.text
    assert "It arrived cracked." in page.text


@BOTH_STORES
async def test_a_new_request_with_an_image_and_a_pdf(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    admin, inbox = await signed_in_with_requests(app, settings, desk, sink, browser)
    form = await browser.get(NEW)
    assert 'enctype="multipart/form-data"' in form.text
    assert '<label for="portal-files">Attach files</label>' in form.text
    assert 'name="files" type="file" multiple' in form.text
    assert "up to 5 files, 0.195 MB each and 0.293 MB together" in form.text
    image = png(900, 600)
    opened = await new_request(
        browser,
        [("screen.png", image, "image/png"), ("Facture été.pdf", PDF, "application/pdf")],
    )
    assert opened.status_code == 303, opened.text
    page = await browser.get(opened.headers["location"])
    assert 'alt="screen.png"' in page.text
    assert "Facture été.pdf</a>" in page.text

    # The desk: the customer's entry carries both, the image with its thumbnail.
    found = (await admin.client.get("/api/v1/tickets", params={"inbox_id": inbox["id"]})).json()
    (row,) = found["items"]
    ticket = await ticket_of(admin, row["id"])
    (entry,) = [e for e in ticket["entries"] if e["direction"] == "in"]
    assert entry["text"] == TEXT
    assert entry["data"]["portal"] is True
    shown = {file["filename"]: file for file in entry["data"]["attachments"]}
    assert set(shown) == {"screen.png", "Facture été.pdf"}
    assert shown["screen.png"]["image"] is True
    assert (shown["screen.png"]["width"], shown["screen.png"]["height"]) == (900, 600)
    assert shown["screen.png"]["content_type"] == "image/png"
    assert shown["Facture été.pdf"]["image"] is False
    assert shown["Facture été.pdf"]["content_type"] == "application/pdf"
    assert all(file["stored"] for file in shown.values())
    desk_files = f"/api/v1/tickets/{row['id']}/files"
    thumbnail = await admin.client.get(
        f"{desk_files}/{shown['screen.png']['id']}", params={"variant": "thumbnail"}
    )
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] in ("image/jpeg", "image/png")
    pdf = await admin.client.get(f"{desk_files}/{shown['Facture été.pdf']['id']}")
    assert pdf.content == PDF

    # The portal: the image as its thumbnail (the shape of the image, at most 240 CSS pixels,
    # the page not moving as it loads) linked to the image; the PDF a download with its size.
    number = row["number"]
    links = {
        name: f"/help/requests/{number}/files/file-{file['id']}" for name, file in shown.items()
    }
    image_link, pdf_link = links["screen.png"], links["Facture été.pdf"]
    assert (
        f'<a href="{image_link}"><img src="{image_link}/thumbnail" alt="screen.png" '
        'width="240" height="160" loading="lazy"></a>'
    ) in page.text
    assert '<ul class="thumbnails" aria-label="Images">' in page.text
    assert f'<a href="{pdf_link}">Facture été.pdf</a> (75 KB)' in page.text
    assert f"{pdf_link}/thumbnail" not in page.text
    # The help center's policy lets the page show its own images, and runs nothing.
    policy = page.headers["content-security-policy"]
    assert "img-src 'self'" in policy
    assert "script-src" not in policy
    assert "default-src 'none'" in policy

    thumbnail = await browser.get(f"{image_link}/thumbnail")
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.headers["content-disposition"].startswith("inline;")
    assert thumbnail.headers["x-content-type-options"] == "nosniff"
    assert thumbnail.headers["cache-control"] == "private, no-store"
    with Image.open(io.BytesIO(thumbnail.content)) as drawn:
        drawn.load()
        assert drawn.size == (480, 320)
    # The image opens in the browser, as the type its bytes say; the PDF stays a download.
    opened_image = await browser.get(image_link)
    assert opened_image.status_code == 200
    assert opened_image.content == image
    assert opened_image.headers["content-type"] == "image/png"
    assert opened_image.headers["content-disposition"].startswith("inline;")
    assert opened_image.headers["x-content-type-options"] == "nosniff"
    assert opened_image.headers["cache-control"] == "private, no-store"
    pdf = await browser.get(pdf_link)
    assert pdf.content == PDF
    assert pdf.headers["content-type"] == "application/octet-stream"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert pdf.headers["cache-control"] == "private, no-store"
    assert (await browser.get(f"{pdf_link}/thumbnail")).status_code == 404

    # For nobody else: another customer, a browser not signed in.
    ada = await desk.agent(inboxes=[inbox], name="Ada Two")
    await ticket_with_reply(ada, inbox, email="someone.else@example.org")
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
        ) as other,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
        ) as stranger,
    ):
        await sign_in(app, settings, sink, other, "someone.else@example.org")
        for link in (image_link, f"{image_link}/thumbnail", pdf_link):
            for someone in (other, stranger):
                refused = await someone.get(link)
                assert refused.status_code == 404
                assert "This page is not here" in refused.text


async def test_an_answer_with_a_file_and_one_with_files_alone(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk)
    await sign_in(app, settings, sink, browser)
    path = f"/help/requests/{ticket['number']}"
    page = await browser.get(path)
    assert f'action="{path}/reply" enctype="multipart/form-data"' in page.text
    assert 'id="portal-reply-files" name="files" type="file" multiple' in page.text
    answered = await post_form(
        browser,
        f"{path}/reply",
        {"csrf": csrf_of(page), "text": "Here is the invoice."},
        [("invoice.pdf", PDF, "application/pdf")],
    )
    assert answered.status_code == 303, answered.text
    alone = await post_form(
        browser,
        f"{path}/reply",
        {"csrf": csrf_of(page), "text": ""},
        [("label.png", png(40, 30), "image/png")],
    )
    assert alone.status_code == 303, alone.text

    seen = await ticket_of(ada, ticket["id"])
    assert seen["state"] == "open"
    answers = [e for e in seen["entries"] if e["direction"] == "in" and e["data"].get("portal")]
    assert [(e["text"], [f["filename"] for f in e["data"]["attachments"]]) for e in answers] == [
        ("Here is the invoice.", ["invoice.pdf"]),
        ("", ["label.png"]),
    ]
    listed = (await browser.get(path)).text
    assert "invoice.pdf</a>" in listed
    # A small image is shown at its own size, never enlarged.
    assert 'alt="label.png" width="40" height="30"' in listed


async def test_no_file_chosen_is_no_file_and_the_old_form_still_works(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    admin, inbox = await signed_in_with_requests(app, settings, desk, sink, browser)
    opened = await new_request(browser, [NO_FILE])
    assert opened.status_code == 303, opened.text
    # A page loaded before files came (urlencoded), or kept in the browser's cache.
    old = await browser.post(
        NEW, data={"csrf": csrf_of(await browser.get(NEW)), "subject": "Old", "text": "Form"}
    )
    assert old.status_code == 303, old.text
    found = (await admin.client.get("/api/v1/tickets", params={"inbox_id": inbox["id"]})).json()
    for row in found["items"]:
        entry = next(e for e in (await ticket_of(admin, row["id"]))["entries"])
        assert "attachments" not in entry["data"]
    assert len(found["items"]) == 2
    assert files_under(settings) == []


async def test_too_large_too_many_and_disguised_files_are_refused_with_nothing_written(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await signed_in_with_requests(app, settings, desk, sink, browser)
    before = await counts(app)
    small = png(20, 20)

    big = await new_request(
        browser, [("ok.png", small, "image/png"), ("scan.pdf", PDF * 3, "application/pdf")]
    )
    assert_kept(
        big, status=413, sentence="scan.pdf is too large: each file may be at most 0.195 MB."
    )
    assert "Nothing was sent: your text is kept, choose your files again." in big.text
    assert 'aria-describedby="portal-files-hint new-problem" aria-invalid="true"' in big.text

    together = await new_request(
        browser, [(f"part{n}.pdf", PDF * 2, "application/pdf") for n in range(2)]
    )
    assert_kept(
        together,
        status=413,
        sentence="Your files are too large together: at most 0.293 MB in one message.",
    )

    many = await new_request(browser, [(f"s{n}.png", small, "image/png") for n in range(6)])
    assert_kept(many, status=422, sentence="Too many files: at most 5 in one message.")

    disguised = await new_request(
        browser, [("ok.png", small, "image/png"), ("photo.png", HTML, "image/png")]
    )
    assert_kept(
        disguised,
        status=422,
        sentence="photo.png says it is an image or a PDF, but its content is not one.",
    )
    program = await new_request(browser, [("run.sh", b"#!/bin/sh\nrm -rf /\n", "text/plain")])
    assert_kept(
        program, status=422, sentence="run.sh was not sent: programs and scripts are not accepted."
    )
    french = await new_request(
        browser, [("photo.png", HTML, "image/png")], **{"Accept-Language": "fr"}
    )
    assert french.status_code == 422
    assert "photo.png se présente comme une image ou un PDF" in french.text
    assert "choisissez à nouveau vos fichiers" in french.text

    assert await counts(app) == before
    assert files_under(settings) == []


async def test_a_refused_answer_keeps_its_text_and_stores_nothing(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket = await scene(desk)
    await sign_in(app, settings, sink, browser)
    path = f"/help/requests/{ticket['number']}"
    before = await counts(app)
    refused = await post_form(
        browser,
        f"{path}/reply",
        {"csrf": csrf_of(await browser.get(path)), "text": "See the photo."},
        [("photo.jpg", HTML, "image/jpeg")],
    )
    assert refused.status_code == 422
    assert "photo.jpg says it is an image or a PDF" in refused.text
    assert "See the photo.</textarea>" in refused.text
    assert await counts(app) == before
    assert (await ticket_of(ada, ticket["id"]))["state"] == "closed"
    assert files_under(settings) == []


async def test_a_body_past_the_bound_is_refused_before_it_is_all_read(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await signed_in_with_requests(app, settings, desk, sink, browser)
    before = await counts(app)
    csrf = csrf_of(await browser.get(NEW))
    head = form_data({"csrf": csrf, "subject": SUBJECT, "text": TEXT}, [])
    head = (
        head[: -len(f"--{BOUNDARY}--\r\n")]
        + (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
            'filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
        ).encode()
    )
    chunk = 1024 * 1024
    total = 64

    for announced in (True, False):
        pulled = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal pulled
            yield head
            for _ in range(total):
                pulled += 1
                yield b"\0" * chunk

        headers = dict(MULTIPART)
        if announced:
            headers["Content-Length"] = str(len(head) + total * chunk)
        refused = await browser.post(NEW, content=body(), headers=headers)
        assert_kept(
            refused,
            status=413,
            sentence="Your files are too large together: at most 0.293 MB in one message.",
        )
        # Read no further than the bound and what is drained after the refusal (16 MiB, so that
        # the browser reads the answer), never the 64 MiB sent.
        assert pulled <= 18, pulled
    assert await counts(app) == before
    assert files_under(settings) == []


async def test_without_the_csrf_token_nothing_is_written(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    _ada, _inbox, ticket = await scene(desk)
    await requests_inbox(desk)
    await sign_in(app, settings, sink, browser)
    before = await counts(app)
    files = [("invoice.pdf", PDF, "application/pdf")]
    opened = await post_form(browser, NEW, {"subject": SUBJECT, "text": TEXT}, files)
    assert opened.status_code == 403
    assert "This form is out of date." in opened.text
    forged = await post_form(
        browser, NEW, {"csrf": "x" * 40, "subject": SUBJECT, "text": TEXT}, files
    )
    assert forged.status_code == 403
    path = f"/help/requests/{ticket['number']}/reply"
    csrf = csrf_of(await browser.get(f"/help/requests/{ticket['number']}"))
    elsewhere = await post_form(
        browser, path, {"csrf": csrf, "text": "Hi"}, files, Origin="https://elsewhere.test"
    )
    assert elsewhere.status_code == 403
    assert await counts(app) == before
    assert files_under(settings) == []


def test_the_parts_of_a_body_come_back_byte_for_byte() -> None:
    content = bytes(range(256)) * 40 + b"\r\n--" + b"\r\n\r\n" + b"\n--" + BOUNDARY.encode()[:-1]
    body = form_data({"csrf": "t", "text": "é\n✓"}, [("a.bin", content, "x/y"), NO_FILE])
    posted = forms.parse_multipart(body, BOUNDARY)
    assert posted is not None
    assert posted.fields == {"csrf": "t", "text": "é\r\n✓"}
    assert [(u.filename, u.claimed_type, u.content) for u in posted.files] == [
        ("a.bin", "x/y", content),
        ("", "application/octet-stream", b""),
    ]
    # Names as browsers escape them; more parts than a page sends: the rest unread.
    quoted = form_data({}, [('say "hi".txt', b"x", "text/plain")])
    parsed = forms.parse_multipart(quoted, BOUNDARY)
    assert parsed is not None
    assert parsed.files[0].filename == 'say "hi".txt'
    crowded = form_data({f"f{n}": "x" for n in range(forms.MAX_PARTS + 1)}, [])
    flooded = forms.parse_multipart(crowded, BOUNDARY)
    assert flooded is not None
    assert flooded.overflow
    # Not a form-data body: no first boundary, or a part that never ends.
    assert forms.parse_multipart(b"hello", BOUNDARY) is None
    assert forms.parse_multipart(body[:-50], BOUNDARY) is None
    # A nested multipart is a part's bytes, never read into.
    nested = form_data({}, [("n.eml", b"--inner\r\n\r\n--inner--", "multipart/mixed")])
    inner = forms.parse_multipart(nested, BOUNDARY)
    assert inner is not None
    assert inner.files[0].content == b"--inner\r\n\r\n--inner--"


async def test_files_of_a_request_past_the_hourly_limit_are_not_kept(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    await signed_in_with_requests(app, settings, desk, sink, browser)
    for _ in range(portal_service.REQUESTS_PER_WINDOW):
        assert (await new_request(browser, [NO_FILE])).status_code == 303
    before = await counts(app)
    # Checked, then stored, then refused by the limit (counted under the customer's lock).
    limited = await new_request(browser, [("screen.png", png(30, 30), "image/png")])
    assert limited.status_code == 429
    assert await counts(app) == before
    assert files_under(settings) == []


async def test_a_colleague_downloads_the_files_but_cannot_answer_with_one(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, browser: httpx.AsyncClient
) -> None:
    _admin, _ada, _acme, tickets = await acme(desk)
    dan = tickets["dan"]
    path = f"/help/requests/{dan['number']}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as dans:
        await sign_in(app, settings, sink, dans, DAN)
        sent = await post_form(
            dans,
            f"{path}/reply",
            {"csrf": csrf_of(await dans.get(path)), "text": "The error:"},
            [("login-error.png", png(50, 40), "image/png")],
        )
        assert sent.status_code == 303, sent.text
    await sign_in(app, settings, sink, browser, CORA)
    page = await browser.get(path)
    (link,) = re.findall(
        r'href="(/help/requests/\d+/files/file-\d+)"><img src="\1/thumbnail" '
        r'alt="login-error.png"',
        page.text,
    )
    assert (await browser.get(link)).status_code == 200
    with Image.open(io.BytesIO((await browser.get(f"{link}/thumbnail")).content)) as drawn:
        assert drawn.size == (50, 40)
    # Eve, of another organisation that shares its requests too: not hers to see.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as eves:
        await sign_in(app, settings, sink, eves, EVE)
        assert (await eves.get(link)).status_code == 404
        assert (await eves.get(f"{link}/thumbnail")).status_code == 404
    before = await counts(app)
    stored = files_under(settings)
    answered = await post_form(
        browser,
        f"{path}/reply",
        {"csrf": csrf_of(page), "text": "Me too"},
        [("mine.pdf", PDF, "application/pdf")],
    )
    assert answered.status_code == 404
    assert await counts(app) == before
    assert files_under(settings) == stored


async def test_images_of_a_chat_an_email_and_a_reply_show_as_thumbnails(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    browser: httpx.AsyncClient,
    http: httpx.AsyncClient,
    visitors: Any,
) -> None:
    """Every way an image reaches a request: a chat's (known by the ticket's rows), an agent's
    reply's, an email's (its thumbnail kept beside it); a file that only claims to be an image,
    and an upload never sent, have no thumbnail."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT, identity_secret=SECRET)
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    admin = await desk.agent(role="admin")
    await online(ada)
    visitor = await visitors(inbox)
    await visitor.identify(MARIE, secret=SECRET)
    chat_id = (await visitor.start_chat("My screen", email=MARIE))["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    uploaded = await visitor.client.post(
        "/messenger/v1/uploads",
        params={"chat_id": chat_id, "client_id": "c1", "filename": "screen.png"},
        content=png(900, 600),
        headers={"Content-Type": "image/png"},
    )
    assert uploaded.status_code == 201, uploaded.text
    sent = await visitor.client.post(
        f"/messenger/v1/chats/{chat_id}/file-messages",
        json={"text": "See this", "client_msg_id": "m1", "attachment_ids": [uploaded.json()["id"]]},
    )
    assert sent.status_code in (200, 201), sent.text
    ended = await ada.client.post(f"/api/v1/chats/{chat_id}/end")
    assert ended.status_code == 200, ended.text
    ticket = await ticket_of(ada, ended.json()["ticket_id"])
    transcript = next(e for e in ticket["entries"] if e["kind"] == "transcript")
    (chat_file,) = next(line["files"] for line in transcript["data"]["lines"] if line.get("files"))

    label = (
        await upload(ada, ticket, png(300, 600), filename="label.png", content_type="image/png")
    ).json()
    unsent = (
        await upload(ada, ticket, png(30, 30), filename="draft.png", content_type="image/png")
    ).json()
    replied = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "Here is your label.", "attachment_ids": [label["id"]], "then": "hold"},
    )
    assert replied.status_code == 201, replied.text
    (row,) = [r for r in await outbox(admin) if r["message_id"] == replied.json()["message_id"]]
    message = EmailMessage()
    message["From"] = f"Marie Curie <{MARIE}>"
    message["To"] = row["headers"]["Reply-To"]
    message["Subject"] = "Re: My screen"
    message["Message-ID"] = make_msgid(domain="example.org")
    message["In-Reply-To"] = row["message_id"]
    message.set_content("The parcel, and what the page said.")
    photo = png(640, 480)
    # The customer's mail program says nothing useful of the type: the bytes decide.
    message.add_attachment(photo, "application", "octet-stream", filename="parcel.png")
    message.add_attachment(HTML, "image", "png", filename="trap.png")
    mailed = await post_mime(
        http, message.as_bytes(policy=email_policy.SMTP), to=[row["headers"]["Reply-To"]]
    )
    assert mailed.status_code == 200, mailed.text
    entries = (await ticket_of(ada, ticket["id"]))["entries"]
    email = next(e for e in entries if e["direction"] == "in" and e["kind"] == "reply")
    parts = {item["filename"]: item["id"] for item in email["data"]["attachments"]}

    await sign_in(app, settings, sink, browser, MARIE)
    base = f"/help/requests/{ticket['number']}/files"
    page = await browser.get(f"/help/requests/{ticket['number']}")
    assert page.status_code == 200, page.text
    shown = {
        f"file-{chat_file['id']}": ("screen.png", 240, 160, (480, 320)),
        f"file-{label['id']}": ("label.png", 120, 240, (240, 480)),
        f"mail-{parts['parcel.png']}": ("parcel.png", 240, 180, (480, 360)),
    }
    for reference, (name, width, height, drawn_size) in shown.items():
        link = f"{base}/{reference}"
        assert (
            f'<a href="{link}"><img src="{link}/thumbnail" alt="{name}" width="{width}" '
            f'height="{height}" loading="lazy"></a>'
        ) in page.text
        thumbnail = await browser.get(f"{link}/thumbnail")
        assert thumbnail.status_code == 200
        assert thumbnail.headers["cache-control"] == "private, no-store"
        with Image.open(io.BytesIO(thumbnail.content)) as drawn:
            drawn.load()
            assert drawn.size == drawn_size
    full = await browser.get(f"{base}/mail-{parts['parcel.png']}")
    assert full.content == photo
    assert full.headers["content-type"] == "image/png"
    assert full.headers["content-disposition"].startswith("inline;")
    assert full.headers["cache-control"] == "private, no-store"

    trap = f"{base}/mail-{parts['trap.png']}"
    assert f'<a href="{trap}">trap.png</a>' in page.text
    assert f"{trap}/thumbnail" not in page.text
    assert (await browser.get(f"{trap}/thumbnail")).status_code == 404
    served = await browser.get(trap)
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment;")
    # The upload Ada never sent is not hers to see, as a file or a thumbnail.
    assert "draft.png" not in page.text
    assert (await browser.get(f"{base}/file-{unsent['id']}/thumbnail")).status_code == 404

    french = await browser.get(
        f"/help/requests/{ticket['number']}", headers={"Accept-Language": "fr"}
    )
    assert '<ul class="thumbnails" aria-label="Images">' in french.text
    assert '<ul class="files" aria-label="Fichiers">' in french.text
