"""Files over HTTP: an agent's upload for a reply (the raw body, streamed to the store) and a
ticket's files read back as downloads."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep, SettingsDep
from frontdesk.files import service
from frontdesk.files.schemas import StoredFileRead
from frontdesk.files.store import file_store
from frontdesk.kit.body_limit import drain
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
) -> StoredFileRead:
    """A file for a reply on the ticket: the raw bytes as the body, its type as Content-Type.
    Send its id in the reply's `attachment_ids`. At most FRONTDESK_MAX_ATTACHMENT_BYTES."""
    ticket = await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    limit = settings.max_attachment_bytes
    declared = request.headers.get("content-length", "")
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
            chunks=request.stream(),
            limit=limit,
        )
    except service.FileTooLarge:
        # Read to the end and dropped: a browser still sending would otherwise see a reset, not
        # the 413 that says what the limit is.
        await drain(request.receive)
        raise
    return StoredFileRead.model_validate(stored)


@router.get("/tickets/{ticket_id}/files/{file_id}", response_class=Response)
async def download(
    file_id: Id,
    ticket: LoadedTicket,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    stored = await service.get_file(session, ticket=ticket, user=user, file_id=file_id)
    content = await file_store(settings).read(stored.key)
    fallback = stored.filename.encode("ascii", "replace").decode().replace('"', "_")
    return Response(
        content,
        # Served as a download whatever it claims to be: a file must never run as a page.
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(stored.filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )
