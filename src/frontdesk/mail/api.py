"""Mail over HTTP: the outbox for admins (the development mail viewer when no SMTP server is
configured), inbound MIME from mail providers, and the originals behind a ticket's emails."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from frontdesk.auth import bearer_token
from frontdesk.deps import AuthenticateFirst, CurrentAdmin, SessionDep, SettingsDep
from frontdesk.errors import FrontdeskError, NotFound, Unauthorized
from frontdesk.files.downloads import NO_STORE, received_file_response, thumbnail_response
from frontdesk.files.schemas import FileVariant
from frontdesk.files.store import file_store
from frontdesk.idempotency import edge as idempotency
from frontdesk.kit.clock import utcnow
from frontdesk.kit.ids import same
from frontdesk.kit.schemas import MAX_ID, Id
from frontdesk.mail import inbound as parsing
from frontdesk.mail import outbox, receiving
from frontdesk.mail.errors import InboundNotConfigured
from frontdesk.mail.models import InboundStatus, OutboxState
from frontdesk.mail.receiving import Delivery
from frontdesk.mail.schemas import InboundRead, InboundResultRead, OutboxDetail, OutboxRead
from frontdesk.mail.writer import InboundWriter
from frontdesk.tickets.deps import LoadedTicket

# AuthenticateFirst for its Idempotency-Key (a retry of a send).
router = APIRouter(prefix="/outbox", tags=["mail"], route_class=AuthenticateFirst)
inbound_router = APIRouter(prefix="/inbound", tags=["mail"])
ticket_mail_router = APIRouter(prefix="/tickets", tags=["mail"])

MIME_TYPES = ("message/rfc822", "application/octet-stream")


def _eml(raw: bytes, filename: str) -> Response:
    return Response(
        raw,
        media_type="message/rfc822",
        # A customer's whole email: kept by no cache, as every file (files/downloads.py).
        headers={"Content-Disposition": f'inline; filename="{filename}"', **NO_STORE},
    )


@router.get("", response_model=list[OutboxRead])
async def list_outbox(
    _admin: CurrentAdmin,
    session: SessionDep,
    state: OutboxState | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[OutboxRead]:
    messages = await outbox.list_outbox(session, state=state, limit=limit, offset=offset)
    return [OutboxRead.model_validate(message) for message in messages]


@router.get("/{message_id}", response_model=OutboxDetail)
async def get_outbox_message(
    message_id: Id, _admin: CurrentAdmin, session: SessionDep, settings: SettingsDep
) -> OutboxDetail:
    message = await outbox.get_outbox_message(session, message_id=message_id)
    rendered = await outbox.render_outbox(message, store=file_store(settings), session=session)
    raw = rendered.decode("ascii", "replace")
    return OutboxDetail(
        **OutboxRead.model_validate(message).model_dump(),
        entry_id=message.entry_id,
        data=message.data,
        raw=raw,
    )


@router.get("/{message_id}/raw", response_class=Response)
async def get_outbox_raw(
    message_id: Id, _admin: CurrentAdmin, session: SessionDep, settings: SettingsDep
) -> Response:
    message = await outbox.get_outbox_message(session, message_id=message_id)
    raw = await outbox.render_outbox(message, store=file_store(settings), session=session)
    return _eml(raw, f"outbox-{message.id}.eml")


@router.post("/{message_id}/retry", response_model=OutboxRead)
async def retry_outbox_message(
    message_id: Id, _admin: CurrentAdmin, session: SessionDep
) -> OutboxRead:
    message = await outbox.get_outbox_message(session, message_id=message_id)
    await outbox.retry_outbox(session, message=message, now=utcnow())
    return OutboxRead.model_validate(message)


async def inbound_caller(request: Request, settings: SettingsDep) -> None:
    """Mail providers authenticate with the shared inbound token, not as an agent."""
    if not settings.inbound_token:
        raise InboundNotConfigured
    token = bearer_token(request.headers.get("authorization"))
    if token is None or not same(token, settings.inbound_token):
        raise Unauthorized(
            "Send the inbound token as 'Authorization: Bearer <token>'.", code="bad_token"
        )


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or its first limit+1 bytes: enough to know it is too large and who sent it."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


@inbound_router.post(
    "/mime",
    response_model=InboundResultRead,
    dependencies=[Depends(inbound_caller)],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}} for kind in MIME_TYPES
            },
        }
    },
)
async def receive_mime(
    request: Request,
    to: Annotated[list[str] | None, Query(description="Envelope recipient(s)")] = None,
    sender: Annotated[str | None, Query(alias="from", description="Envelope sender")] = None,
) -> Response:
    """A raw RFC 5322 message, as mail providers forward it. With an `Idempotency-Key`, a
    delivery sent again with the same key gets the first one's answer, with
    `Idempotent-Replayed: true` (docs/api.md, "Retrying safely")."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in MIME_TYPES:
        raise FrontdeskError(
            "Send the raw message with Content-Type message/rfc822 or application/octet-stream.",
            code="unsupported_media_type",
            status_code=415,
        )
    raw = await read_body(request, parsing.MAX_MESSAGE_BYTES)

    async def store() -> Response:
        # Stored by the process's inbound writer, with the deliveries that arrive at the same
        # moment.
        writer: InboundWriter = request.app.state.inbound_writer
        result = await writer.receive(Delivery(raw, to, sender, "http"))
        read = InboundResultRead.model_validate(result)
        return Response(read.model_dump_json(), media_type="application/json")

    # With an Idempotency-Key, a retry gets the first delivery's answer (docs/api.md).
    return await idempotency.once(request, raw, store)


@inbound_router.get("", response_model=list[InboundRead])
async def list_inbound(
    _admin: CurrentAdmin,
    session: SessionDep,
    status: InboundStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[InboundRead]:
    messages = await receiving.list_inbound(session, status=status, limit=limit, offset=offset)
    return [InboundRead.model_validate(message) for message in messages]


@inbound_router.get("/{inbound_id}/raw", response_class=Response)
async def get_inbound_raw(inbound_id: Id, _admin: CurrentAdmin, session: SessionDep) -> Response:
    inbound = await receiving.get_inbound(session, inbound_id=inbound_id)
    return _eml(inbound.raw, f"inbound-{inbound.id}.eml")


@ticket_mail_router.get("/{ticket_id}/entries/{entry_id}/original", response_class=Response)
async def get_entry_original(entry_id: Id, ticket: LoadedTicket, session: SessionDep) -> Response:
    """The email an entry was received (or sent) as, exactly as it was."""
    raw, filename = await receiving.get_inbound_original(session, ticket=ticket, entry_id=entry_id)
    return _eml(raw, filename)


@ticket_mail_router.get("/{ticket_id}/attachments/{attachment_id}", response_class=Response)
async def get_attachment(
    attachment_id: Id, ticket: LoadedTicket, session: SessionDep, variant: FileVariant = "download"
) -> Response:
    """A received mail's attachment as a download. An image (`image` true in the entry's
    `data.attachments`) also has `variant=file`, shown in the browser, and `variant=thumbnail`."""
    attachment = await receiving.get_attachment(
        session, ticket=ticket, attachment_id=attachment_id, thumbnail=variant == "thumbnail"
    )
    if variant == "thumbnail":
        if attachment.thumbnail is None:
            raise NotFound("This attachment has no thumbnail: it is not an image.")
        return thumbnail_response(attachment.thumbnail, filename=attachment.filename)
    return received_file_response(
        attachment.content,
        filename=attachment.filename,
        decoded=attachment.width is not None,
        show=variant == "file",
    )
