"""Files and images in chats: an upload (streamed to the file store, its type sniffed from the
bytes, images decoded and thumbnailed), the message that sends uploads, who may read a file,
what a chat's files become when it ends (the ticket's files, and links in the transcript email),
and uploads never sent: a few per person at most, deleted after FRONTDESK_UNSENT_UPLOAD_HOURS.

Exactly once, twice over: an upload carries a client id, unique per chat (a retried upload
answers with the file stored the first time); the message carries a `client_msg_id`, unique per
chat like every message (a retried post answers with the stored message). docs/chat.md, "Files
and images", has the rules."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.chats.errors import ChatEnded, MessageTooLong
from frontdesk.chats.events import ChatEventType
from frontdesk.chats.log import (
    VISITOR,
    Author,
    PostedMessage,
    agent_author,
    append_event,
    lock_chat,
)
from frontdesk.chats.models import AuthorKind, Chat, ChatEvent, ChatFile, ChatState
from frontdesk.chats.reads import ensure_participant
from frontdesk.config import Settings
from frontdesk.db.context import settings_of
from frontdesk.db.session import release_before_waiting
from frontdesk.errors import FrontdeskError, Invalid, NotFound
from frontdesk.files import service as files_service
from frontdesk.files.cleanup import delete_unsent
from frontdesk.files.models import StoredFile
from frontdesk.files.sniff import FileRefused, KeptHead, check
from frontdesk.files.store import FileStore, TooLarge
from frontdesk.files.thumbnails import save_thumbnail
from frontdesk.kit.clock import utcnow
from frontdesk.kit.ids import same, sign
from frontdesk.realtime.catalogue import ChatAttachment
from frontdesk.users.models import User

__all__ = [
    "ChatFileTooLarge",
    "FileRefused",
    "TooManyUploads",
    "Uploader",
    "carry_to_ticket",
    "delete_unsent_uploads",
    "file_link",
    "get_agent_file",
    "get_linked_file",
    "get_visitor_file",
    "post_with_files",
    "save_chat_upload",
    "visitor_links",
]


class ChatFileTooLarge(FrontdeskError):
    status_code = 413
    code = "file_too_large"

    def __init__(self, limit: int, *, together: bool = False) -> None:
        what = "The files of one message may be" if together else "Each file may be"
        super().__init__(f"The file is too large: {what} at most {_megabytes(limit)}.")


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):.3g} MB"


def unsent_limit(settings: Settings) -> int:
    """How many uploads one person may have waiting, unsent, in a chat: two messages' worth. A
    client uploads and sends at once, so only one that never sends (a script, a page closed
    mid-way, again and again) reaches it; without it, an anonymous visitor could fill the store
    for a day with files nobody ever sees."""
    return 2 * settings.max_chat_message_files


class TooManyUploads(FrontdeskError):
    """409: the chat's state (uploads waiting) refuses the upload, not its content; no time to
    wait would help the uploader, as a 429's `Retry-After` would say."""

    status_code = 409
    code = "too_many_uploads"

    def __init__(self, limit: int, hours: float) -> None:
        super().__init__(
            f"{limit} files you uploaded in this chat have not been sent yet: send them in a "
            f"message before uploading more. Files never sent are deleted after {hours:g} hours."
        )


@dataclass(frozen=True)
class Uploader:
    """Who uploads or sends: the chat's visitor (`user` None) or an agent in it."""

    user: User | None = None

    @property
    def kind(self) -> AuthorKind:
        return AuthorKind.visitor if self.user is None else AuthorKind.agent

    def owns(self, stored: ChatFile) -> bool:
        return stored.uploader_kind is self.kind and stored.uploaded_by == (
            self.user.id if self.user else None
        )


async def _by_client_id(session: AsyncSession, chat: Chat, client_id: str) -> ChatFile | None:
    return await session.scalar(
        select(ChatFile).where(ChatFile.chat_id == chat.id, ChatFile.client_id == client_id)
    )


def _repeat(stored: ChatFile, uploader: Uploader) -> ChatFile:
    if not uploader.owns(stored):
        raise Invalid("client_id", "This client id is taken: upload the file with a new one.")
    return stored


async def _ensure_can_write(session: AsyncSession, *, chat: Chat, uploader: Uploader) -> None:
    if ChatState(chat.state) is ChatState.ended:
        raise ChatEnded
    if uploader.user is not None:
        await ensure_participant(session, chat=chat, user_id=uploader.user.id)


def unsent() -> ColumnElement[bool]:
    """An upload no message has sent (`post_with_files` sets `event_id`)."""
    return ChatFile.event_id.is_(None)


async def _ensure_room(
    session: AsyncSession, *, settings: Settings, chat: Chat, uploader: Uploader
) -> None:
    """Refuses an upload past the uploader's unsent uploads in the chat (`unsent_limit`)."""
    uploaded_by = (
        ChatFile.uploaded_by == uploader.user.id
        if uploader.user is not None
        else ChatFile.uploaded_by.is_(None)
    )
    waiting = await session.scalar(
        select(func.count())
        .select_from(ChatFile)
        .where(
            ChatFile.chat_id == chat.id,
            unsent(),
            ChatFile.uploader_kind == uploader.kind,
            uploaded_by,
        )
    )
    limit = unsent_limit(settings)
    if (waiting or 0) >= limit:
        raise TooManyUploads(limit, settings.unsent_upload_hours)


async def save_chat_upload(
    session: AsyncSession,
    *,
    store: FileStore,
    chat: Chat,
    uploader: Uploader,
    client_id: str,
    filename: str,
    claimed_type: str | None,
    chunks: AsyncIterator[bytes],
) -> tuple[ChatFile, bool]:
    """Stores an upload of someone who may write in the chat (the caller has checked that they
    may see it): (the file, whether it repeats an upload already stored under `client_id`).
    Nothing is kept of a refused file."""
    settings = settings_of(session)
    stored = await _by_client_id(session, chat, client_id)
    if stored is not None:
        return _repeat(stored, uploader), True
    await _ensure_can_write(session, chat=chat, uploader=uploader)
    # Before a byte is stored; again under the chat's lock below, for uploads sent at once.
    await _ensure_room(session, settings=settings, chat=chat, uploader=uploader)
    # The bytes arrive at the sender's pace and an image waits its turn to be decoded: neither
    # holds the database (on SQLite, the process's one connection). All is checked again below.
    await release_before_waiting(session)
    name = files_service.clean_filename(filename)
    head = KeptHead(chunks)
    try:
        key, size = await store.save(aiter(head), limit=settings.max_chat_file_bytes)
    except TooLarge:
        raise ChatFileTooLarge(settings.max_chat_file_bytes) from None
    keys = [key]
    try:
        sniffed = check(head.head, filename=name, claimed_type=claimed_type)
        width = height = None
        thumbnail_key = None
        if sniffed.is_image:
            thumbnail = await save_thumbnail(store, key)
            thumbnail_key, width, height = thumbnail.key, thumbnail.width, thumbnail.height
            keys.append(thumbnail_key)
        # Two tries of one upload may both get here: the chat's lock orders them, and the
        # second answers with the first one's file.
        chat = await lock_chat(session, chat=chat)
        first = await _by_client_id(session, chat, client_id)
        if first is not None:
            await _delete(store, keys)
            return _repeat(first, uploader), True
        await _ensure_can_write(session, chat=chat, uploader=uploader)
        await _ensure_room(session, settings=settings, chat=chat, uploader=uploader)
        stored = ChatFile(
            public_id=secrets.token_urlsafe(18),
            chat_id=chat.id,
            client_id=client_id,
            key=key,
            thumbnail_key=thumbnail_key,
            filename=name,
            content_type=sniffed.content_type,
            size=size,
            width=width,
            height=height,
            uploader_kind=uploader.kind,
            uploaded_by=uploader.user.id if uploader.user else None,
        )
        session.add(stored)
        await session.flush()
    except BaseException:
        await _delete(store, keys)
        raise
    return stored, False


async def _delete(store: FileStore, keys: Sequence[str]) -> None:
    for key in keys:
        await store.delete(key)


async def delete_unsent_uploads(
    session: AsyncSession, *, store: FileStore, now: datetime, older_than: timedelta, limit: int
) -> int:
    """Deletes up to `limit` uploads no message sent since before `now - older_than`, rows and
    bytes, as a reply's uploads are (files/cleanup.py); returns how many."""
    return await delete_unsent(
        session,
        model=ChatFile,
        unsent=unsent(),
        store=store,
        now=now,
        older_than=older_than,
        limit=limit,
    )


def summary(stored: ChatFile) -> ChatAttachment:
    """How a message lists a file: the same for agents and the visitor (nothing agent-only)."""
    return ChatAttachment(
        id=stored.public_id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        image=stored.thumbnail_key is not None,
        width=stored.width,
        height=stored.height,
    )


async def post_with_files(
    session: AsyncSession,
    *,
    chat: Chat,
    uploader: Uploader,
    text: str,
    client_msg_id: str,
    file_ids: Sequence[str],
) -> PostedMessage:
    """A message that sends the uploader's own uploads (with an optional text). A retry with the
    same `client_msg_id` answers with the stored message and sends nothing again."""
    settings = settings_of(session)
    chat = await lock_chat(session, chat=chat)
    repeated = await session.scalar(
        select(ChatEvent).where(
            ChatEvent.chat_id == chat.id, ChatEvent.client_msg_id == client_msg_id
        )
    )
    if repeated is not None:
        return PostedMessage(repeated.id, repeated.seq, duplicate=True)
    await _ensure_can_write(session, chat=chat, uploader=uploader)
    if len(text) > settings.max_message_length:
        raise MessageTooLong(settings.max_message_length)
    if "\x00" in text:
        raise Invalid("text", "Messages cannot contain NUL characters (\\u0000).")
    ids = list(dict.fromkeys(file_ids))
    if len(ids) > settings.max_chat_message_files:
        raise Invalid(
            "attachment_ids",
            f"At most {settings.max_chat_message_files} files in one message.",
            field_code="too_long",
            limit=settings.max_chat_message_files,
        )
    found = {
        stored.public_id: stored
        for stored in await session.scalars(
            select(ChatFile).where(ChatFile.chat_id == chat.id, ChatFile.public_id.in_(ids))
        )
        if uploader.owns(stored) and stored.event_id is None
    }
    missing = [file_id for file_id in ids if file_id not in found]
    if missing or not ids:
        raise Invalid("attachment_ids", "A file of this message is gone: upload it again.")
    files = [found[file_id] for file_id in ids]
    if sum(stored.size for stored in files) > settings.max_chat_message_bytes:
        raise ChatFileTooLarge(settings.max_chat_message_bytes, together=True)
    author = (
        agent_author(uploader.user)
        if uploader.user
        else Author(AuthorKind.visitor, chat.visitor_name or VISITOR.name)
    )
    data: dict[str, Any] = {"attachments": [summary(stored) for stored in files]}
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.message_added,
        author=author,
        text=text,
        data=data,  # type: ignore[arg-type]
        client_msg_id=client_msg_id,
    )
    event_id = (
        await session.execute(
            select(ChatEvent.id).where(ChatEvent.chat_id == chat.id, ChatEvent.seq == chat.last_seq)
        )
    ).scalar_one()
    result = await session.execute(
        update(ChatFile)
        .where(ChatFile.id.in_([stored.id for stored in files]), ChatFile.event_id.is_(None))
        .values(event_id=event_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(files):  # type: ignore[attr-defined]
        raise Invalid("attachment_ids", "A file of this message was sent by another message.")
    if not text.strip():
        # The chat lists show the last message's text: for files alone, their names.
        chat.last_message_text = ("📎 " + ", ".join(f.filename for f in files))[:300]
    return PostedMessage(event_id, chat.last_seq, duplicate=False)


def _readable(stored: ChatFile | None, uploader: Uploader) -> ChatFile:
    """Sent files for everyone who sees the chat; an upload not sent yet for its uploader only."""
    if stored is None or (stored.event_id is None and not uploader.owns(stored)):
        raise NotFound("No such file in this chat.")
    return stored


async def _in_chat(session: AsyncSession, chat: Chat, file_id: str) -> ChatFile | None:
    return await session.scalar(
        select(ChatFile).where(ChatFile.chat_id == chat.id, ChatFile.public_id == file_id)
    )


async def get_visitor_file(session: AsyncSession, *, chat: Chat, file_id: str) -> ChatFile:
    """A file of the visitor's own chat (the caller loaded the chat as theirs)."""
    return _readable(await _in_chat(session, chat, file_id), Uploader())


async def get_agent_file(
    session: AsyncSession, *, chat: Chat, user: User, file_id: str
) -> ChatFile:
    """A file of a chat the agent may see (the caller loaded the chat through `visible_chats`)."""
    return _readable(await _in_chat(session, chat, file_id), Uploader(user))


# What a signed link reads: the file as it is (inline only if a raster image), always as a
# download, or the thumbnail.
VARIANTS = ("file", "download", "thumbnail")
# How long the visitor's links are valid: the messenger asks for new ones each time it draws.
VISITOR_LINK_SECONDS = 12 * 3600


def _signature(settings: Settings, public_id: str, variant: str, expires: int) -> str:
    return sign(settings.secret, f"chat-file:{public_id}:{variant}:{expires}", 32)


def signed_path(settings: Settings, stored: ChatFile, *, variant: str, expires: int) -> str:
    """`expires` is a Unix time, or 0 for a link that never expires (the transcript email's). A
    path: the messenger puts the server's address it knows in front."""
    signature = _signature(settings, stored.public_id, variant, expires)
    return (
        f"/messenger/v1/files/{stored.public_id}"
        f"?variant={variant}&expires={expires}&signature={signature}"
    )


def file_link(settings: Settings, stored: ChatFile) -> str:
    """The customer's link to a sent file, for the transcript email: signed, and valid as long as
    the file is stored (the email is the customer's record of the chat)."""
    return settings.public_url + signed_path(settings, stored, variant="file", expires=0)


@dataclass(frozen=True)
class VisitorLinks:
    url: str
    download_url: str
    thumbnail_url: str | None
    expires_at: datetime


def visitor_links(settings: Settings, stored: ChatFile) -> VisitorLinks:
    expires_at = utcnow() + timedelta(seconds=VISITOR_LINK_SECONDS)
    expires = int(expires_at.timestamp())
    return VisitorLinks(
        url=signed_path(settings, stored, variant="file", expires=expires),
        download_url=signed_path(settings, stored, variant="download", expires=expires),
        thumbnail_url=signed_path(settings, stored, variant="thumbnail", expires=expires)
        if stored.thumbnail_key
        else None,
        expires_at=expires_at,
    )


async def get_linked_file(
    session: AsyncSession, *, file_id: str, variant: str, expires: int, signature: str
) -> ChatFile:
    """The file a signed link names, if the signature is ours and has not expired."""
    settings = settings_of(session)
    valid = (
        variant in VARIANTS
        and (expires == 0 or expires > utcnow().timestamp())
        and same(signature, _signature(settings, file_id, variant, expires))
    )
    stored = (
        await session.scalar(select(ChatFile).where(ChatFile.public_id == file_id))
        if valid
        else None
    )
    if stored is None or (variant == "thumbnail" and stored.thumbnail_key is None):
        raise NotFound(f"No file {file_id} by this link: it is not valid, or has expired.")
    return stored


@dataclass(frozen=True)
class CarriedFile:
    """A chat's file as its ticket and transcript know it."""

    ticket_file: StoredFile
    filename: str
    content_type: str
    size: int
    link: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.ticket_file.id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "image": self.ticket_file.thumbnail_key is not None,
            "width": self.ticket_file.width,
            "height": self.ticket_file.height,
        }


async def carry_to_ticket(
    session: AsyncSession, *, chat: Chat, ticket_id: int
) -> dict[int, list[CarriedFile]]:
    """The chat's sent files become files of its ticket (the same bytes, no copy), read from the
    ticket page like the files of a reply; by the event that sent them."""
    settings = settings_of(session)
    carried: dict[int, list[CarriedFile]] = {}
    sent = await session.scalars(
        select(ChatFile)
        .where(ChatFile.chat_id == chat.id, ChatFile.event_id.is_not(None))
        .order_by(ChatFile.id)
    )
    for stored in sent:
        if stored.event_id is None:  # excluded by the query; says so to the type checker
            continue
        ticket_file = await files_service.add_carried_file(
            session,
            key=stored.key,
            filename=stored.filename,
            content_type=stored.content_type,
            size=stored.size,
            ticket_id=ticket_id,
            uploaded_by=stored.uploaded_by,
            thumbnail_key=stored.thumbnail_key,
            width=stored.width,
            height=stored.height,
        )
        carried.setdefault(stored.event_id, []).append(
            CarriedFile(
                ticket_file,
                stored.filename,
                stored.content_type,
                stored.size,
                file_link(settings, stored),
            )
        )
    return carried


async def attach_carried(
    session: AsyncSession, *, carried: dict[int, list[CarriedFile]], entry_id: int
) -> None:
    """The transcript entry lists the carried files: they are sent files of the ticket."""
    files = [item.ticket_file for items in carried.values() for item in items]
    await files_service.attach(session, files=files, entry_id=entry_id)
