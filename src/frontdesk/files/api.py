"""Files over HTTP: an agent's upload for a reply (the raw body, streamed to the store) and a
ticket's files streamed back as downloads (files/downloads.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep, SettingsDep
from frontdesk.errors import NotFound
from frontdesk.files import service
from frontdesk.files.downloads import file_response, stored_thumbnail_response
from frontdesk.files.schemas import FileVariant, StoredFileRead
from frontdesk.files.store import StoreUnavailable, file_store
from frontdesk.kit.body_limit import StreamedBody
from frontdesk.kit.methods import is_head
from frontdesk.kit.schemas import Id
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.deps import LoadedTicket

UPLOAD_PATH = "/api/v1/uploads"
router = APIRouter(tags=["files"], route_class=AuthenticateFirst)


@router.post(
    "/uploads",
    response_model=StoredFileRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def upload(
    request: Request,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
    ticket_id: Id,
    filename: Annotated[str, Query(min_length=1, max_length=1000)],
    client_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="Chosen by the client per file; a retry repeats it and gets the same file",
        ),
    ] = None,
) -> StoredFileRead:
    """A file for a reply or a private note on the ticket: the raw bytes as the body, its type
    as Content-Type. Send its id in the reply's or the note's `attachment_ids`. At most
    FRONTDESK_MAX_ATTACHMENT_BYTES. With `client_id`, a repeated upload answers with the file
    stored the first time."""
    ticket = await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    limit = settings.max_attachment_bytes
    declared = request.headers.get("content-length", "")
    body = StreamedBody(request.receive)
    try:
        if declared.isdigit() and int(declared) > limit:
            # Refused before a byte is kept.
            raise service.FileTooLarge(limit)
        stored = await service.save_upload(
            session,
            store=file_store(settings),
            ticket=ticket,
            user=user,
            filename=filename,
            content_type=request.headers.get("content-type"),
            chunks=body.chunks(),
            limit=limit,
            client_id=client_id,
        )
    except (service.FileTooLarge, StoreUnavailable):
        # Read to the end and dropped: a browser still sending would otherwise see a reset, not
        # the 413 (or 503) that says what went wrong.
        await body.drain()
        raise
    # A repeated upload answers without reading the bytes: read to the end, they are dropped.
    await body.drain()
    return StoredFileRead.model_validate(stored)


@router.get(
    "/tickets/{ticket_id}/files/{file_id}",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }
        },
        206: {"description": "The byte range asked for with `Range`"},
        416: {"description": "The range asked for starts past the end of the file"},
    },
)
async def download(
    request: Request,
    file_id: Id,
    ticket: LoadedTicket,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
    variant: FileVariant = "download",
) -> Response:
    """The file as a download, streamed; one byte range with `Range: bytes=first-last`. An image
    (`image` true in the entry's `data.attachments`) also has `variant=file`, shown in the
    browser, and `variant=thumbnail`; any other file is a download whatever the variant, and
    has no thumbnail (404)."""
    stored = await service.get_file(session, ticket=ticket, user=user, file_id=file_id)
    store = file_store(settings)
    if variant == "thumbnail":
        if stored.thumbnail_key is None:
            raise NotFound("This file has no thumbnail: it is not an image.")
        return await stored_thumbnail_response(
            store, stored.thumbnail_key, filename=stored.filename
        )
    return await file_response(
        store,
        stored,
        range_header=request.headers.get("range"),
        head=is_head(request.scope),
        inline=variant == "file",
    )
