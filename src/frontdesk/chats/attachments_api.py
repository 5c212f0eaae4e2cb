"""Files in chats over HTTP, for agents (/api/v1) and visitors (/messenger/v1): the upload (the raw
body, streamed to the store), the message that sends uploads, and the files read back. The rules
are in chats/attachments.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import attachments, service
from frontdesk.chats.messenger_deps import CurrentVisitor, VisitorFirst
from frontdesk.chats.models import Chat, ChatFile
from frontdesk.chats.schemas import (
    ChatFileId,
    ChatFileLinks,
    ChatFileRead,
    ClientMsgId,
    FilesMessageCreate,
    MessageAck,
)
from frontdesk.config import Settings
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep, SettingsDep
from frontdesk.files.downloads import NO_STORE, SAFE_HEADERS, disposition, thumbnail_response
from frontdesk.files.sniff import RASTER_TYPES
from frontdesk.files.store import FileStore, file_store
from frontdesk.kit.body_limit import StreamedBody
from frontdesk.kit.schemas import Id

AGENT_UPLOAD_PATH = "/api/v1/chat-uploads"
VISITOR_UPLOAD_PATH = "/messenger/v1/uploads"

agent_router = APIRouter(tags=["chat files"], route_class=AuthenticateFirst)
visitor_router = APIRouter(prefix="/messenger/v1", tags=["messenger"], route_class=VisitorFirst)
# Signed links: the link is the credential (an <img> or an email cannot send a token).
link_router = APIRouter(prefix="/messenger/v1", tags=["messenger"])

RAW_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
FileName = Annotated[str, Query(min_length=1, max_length=1000)]
ClientId = Annotated[ClientMsgId, Query(description="Chosen by the client; a retry repeats it")]


async def load_chat(chat_id: Id, user: CurrentAgent, session: SessionDep) -> Chat:
    return await service.get_chat(session, user=user, chat_id=chat_id)


LoadedChat = Annotated[Chat, Depends(load_chat)]


async def _upload(
    request: Request,
    *,
    settings: Settings,
    session: AsyncSession,
    chat: Chat,
    uploader: attachments.Uploader,
    client_id: str,
    filename: str,
) -> ChatFileRead:
    limit = settings.max_chat_file_bytes
    declared = request.headers.get("content-length", "")
    body = StreamedBody(request.receive)
    try:
        if declared.isdigit() and int(declared) > limit:
            # Refused before a byte is kept.
            raise attachments.ChatFileTooLarge(limit)
        stored, duplicate = await attachments.save_chat_upload(
            session,
            store=file_store(settings),
            chat=chat,
            uploader=uploader,
            client_id=client_id,
            filename=filename,
            claimed_type=request.headers.get("content-type"),
            chunks=body.chunks(),
        )
    except Exception:
        await body.drain()
        raise
    if duplicate:
        await body.drain()
    return ChatFileRead(**attachments.summary(stored), duplicate=duplicate)


async def _file_response(store: FileStore, stored: ChatFile, *, variant: str) -> Response:
    """Only a raster image, sniffed so, is ever shown inline; everything else is a download of
    bytes the browser must not interpret (nosniff, and a policy that runs nothing)."""
    if variant == "thumbnail" and stored.thumbnail_key:
        return thumbnail_response(await store.read(stored.thumbnail_key), filename=stored.filename)
    content = await store.read(stored.key)
    inline = variant != "download" and stored.content_type in RASTER_TYPES
    media_type = stored.content_type if inline else "application/octet-stream"
    headers = {
        **SAFE_HEADERS,
        **NO_STORE,
        "Content-Disposition": disposition("inline" if inline else "attachment", stored.filename),
    }
    return Response(content, media_type=media_type, headers=headers)


Variant = Annotated[str, Query(pattern="^(file|download|thumbnail)$")]


# --- agents ---------------------------------------------------------------------------------------


@agent_router.post(
    "/chat-uploads",
    response_model=ChatFileRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=RAW_BODY,
)
async def agent_upload(
    request: Request,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
    chat_id: Id,
    client_id: ClientId,
    filename: FileName,
) -> ChatFileRead:
    """A file for a message in a chat you are in: the raw bytes as the body. Send its `id` in
    `POST /chats/{chat_id}/file-messages`. At most FRONTDESK_MAX_CHAT_FILE_BYTES; the type is
    sniffed from the bytes."""
    chat = await service.get_chat(session, user=user, chat_id=chat_id)
    return await _upload(
        request,
        settings=settings,
        session=session,
        chat=chat,
        uploader=attachments.Uploader(user),
        client_id=client_id,
        filename=filename,
    )


@agent_router.post(
    "/chats/{chat_id}/file-messages",
    response_model=MessageAck,
    status_code=status.HTTP_201_CREATED,
)
async def agent_files_message(
    body: FilesMessageCreate, chat: LoadedChat, user: CurrentAgent, session: SessionDep
) -> MessageAck:
    posted = await attachments.post_with_files(
        session,
        chat=chat,
        uploader=attachments.Uploader(user),
        text=body.text,
        client_msg_id=body.client_msg_id,
        file_ids=body.attachment_ids,
    )
    return MessageAck(message_id=posted.id, seq=posted.seq, duplicate=posted.duplicate)


@agent_router.get("/chats/{chat_id}/files/{file_id}", response_class=Response)
async def agent_file(
    file_id: ChatFileId,
    chat: LoadedChat,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
    variant: Variant = "file",
) -> Response:
    """A file of a chat you may see: raster images inline (or `variant=download`, or
    `variant=thumbnail`), everything else as a download."""
    stored = await attachments.get_agent_file(session, chat=chat, user=user, file_id=file_id)
    return await _file_response(file_store(settings), stored, variant=variant)


# --- visitors -------------------------------------------------------------------------------------


@visitor_router.post(
    "/uploads",
    response_model=ChatFileRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=RAW_BODY,
)
async def visitor_upload(
    request: Request,
    visitor: CurrentVisitor,
    session: SessionDep,
    settings: SettingsDep,
    chat_id: Id,
    client_id: ClientId,
    filename: FileName,
) -> ChatFileRead:
    chat = await service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    return await _upload(
        request,
        settings=settings,
        session=session,
        chat=chat,
        uploader=attachments.Uploader(),
        client_id=client_id,
        filename=filename,
    )


@visitor_router.post(
    "/chats/{chat_id}/file-messages",
    response_model=MessageAck,
    status_code=status.HTTP_201_CREATED,
)
async def visitor_files_message(
    chat_id: Id, body: FilesMessageCreate, visitor: CurrentVisitor, session: SessionDep
) -> MessageAck:
    chat = await service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    posted = await attachments.post_with_files(
        session,
        chat=chat,
        uploader=attachments.Uploader(),
        text=body.text,
        client_msg_id=body.client_msg_id,
        file_ids=body.attachment_ids,
    )
    return MessageAck(message_id=posted.id, seq=posted.seq, duplicate=posted.duplicate)


@visitor_router.get("/chats/{chat_id}/files/{file_id}/links", response_model=ChatFileLinks)
async def visitor_file_links(
    chat_id: Id,
    file_id: ChatFileId,
    visitor: CurrentVisitor,
    session: SessionDep,
    settings: SettingsDep,
) -> ChatFileLinks:
    """Signed addresses of a file of your chat, for <img> and links, valid for 12 hours."""
    chat = await service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    stored = await attachments.get_visitor_file(session, chat=chat, file_id=file_id)
    return ChatFileLinks.model_validate(attachments.visitor_links(settings, stored))


@link_router.get("/files/{file_id}", response_class=Response)
async def linked_file(
    file_id: ChatFileId,
    session: SessionDep,
    settings: SettingsDep,
    variant: Variant = "file",
    # Missing, like wrong, is a link that is not valid: a 404.
    expires: Annotated[int, Query(ge=0, le=2**40)] = 0,
    signature: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """A chat file by a signed link (the messenger's, or the transcript email's)."""
    stored = await attachments.get_linked_file(
        session, file_id=file_id, variant=variant, expires=expires, signature=signature
    )
    return await _file_response(file_store(settings), stored, variant=variant)
