"""The rules of stored files: an agent uploads a file to a ticket they may see (streamed to the
store, within the size limit, its type sniffed from the bytes, images thumbnailed), a reply, a
private note or a side conversation's message takes the uploads of its author, a file is read
back only through its ticket, and an upload nothing took is deleted after a while (cleanup.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import release_before_waiting
from frontdesk.errors import FrontdeskError, Invalid, NotFound

# Re-exported: the loop in timers.py calls it through this module, like every rule of files.
from frontdesk.files import cleanup
from frontdesk.files.cleanup import delete_unsent_uploads as delete_unsent_uploads
from frontdesk.files.models import StoredFile

# Re-exported: how every upload is named (chats/attachments.py calls it through this module).
from frontdesk.files.names import clean_filename as clean_filename
from frontdesk.files.sniff import FileRefused, KeptHead, kept_promise, refuse_empty
from frontdesk.files.store import FileStore, TooLarge
from frontdesk.files.thumbnails import Thumbnail, save_thumbnail
from frontdesk.side_conversations.models import SideConversationFile
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User

MAX_FILES_PER_REPLY = 10


class FileTooLarge(FrontdeskError):
    status_code = 413
    code = "file_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The file is too large: attachments may be at most {_megabytes(limit)} together."
        )


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):.3g} MB"


async def save_upload(
    session: AsyncSession,
    *,
    store: FileStore,
    ticket: Ticket,
    user: User,
    filename: str,
    content_type: str | None,
    chunks: AsyncIterator[bytes],
    limit: int,
    client_id: str | None = None,
) -> StoredFile:
    """The caller has checked that `user` may see the ticket. The file waits, unsent, until a
    reply of the same agent takes it. With a `client_id`, the upload is stored once: a retry
    answers with the file stored first, and the bytes of a losing concurrent try are deleted."""
    if client_id is not None:
        first = await _by_client_id(session, ticket=ticket, user=user, client_id=client_id)
        if first is not None:
            return first
    name = clean_filename(filename)
    # The bytes arrive at the sender's pace and an image waits its turn to be decoded: neither
    # holds the database (on SQLite, the process's one connection: every request would wait).
    await release_before_waiting(session)
    head = KeptHead(chunks)
    try:
        key, size = await store.save(aiter(head), limit=limit)
    except TooLarge:
        raise FileTooLarge(limit) from None
    keys = [key]
    try:
        refuse_empty(head.head)
        sniffed = kept_promise(head.head, filename=name, claimed_type=content_type)
        thumbnail = await _thumbnail(store, key) if sniffed.is_image else None
    except BaseException:
        await store.delete(key)
        raise
    if thumbnail is not None:
        keys.append(thumbnail.key)
    stored = StoredFile(
        key=key,
        filename=name,
        content_type=sniffed.content_type,
        size=size,
        ticket_id=ticket.id,
        uploaded_by=user.id,
        client_id=client_id,
        thumbnail_key=thumbnail.key if thumbnail else None,
        width=thumbnail.width if thumbnail else None,
        height=thumbnail.height if thumbnail else None,
    )
    try:
        # A savepoint: the unique constraint decides between two tries sent at once, and the
        # loser's transaction goes on to answer with the winner's file.
        async with session.begin_nested():
            session.add(stored)
            await session.flush()
    except IntegrityError:
        await _delete(store, keys)
        first = (
            await _by_client_id(session, ticket=ticket, user=user, client_id=client_id)
            if client_id is not None
            else None
        )
        if first is None:
            raise
        return first
    except BaseException:
        await _delete(store, keys)
        raise
    return stored


async def _thumbnail(store: FileStore, key: str) -> Thumbnail | None:
    """A reply's image that cannot be decoded still goes by email, as a download only: unlike a
    chat, the customer may need exactly that file (a damaged scan to look into)."""
    try:
        return await save_thumbnail(store, key)
    except FileRefused:
        return None


async def _delete(store: FileStore, keys: Sequence[str]) -> None:
    for key in keys:
        await store.delete(key)


async def _by_client_id(
    session: AsyncSession, *, ticket: Ticket, user: User, client_id: str
) -> StoredFile | None:
    return await session.scalar(
        select(StoredFile).where(
            StoredFile.uploaded_by == user.id,
            StoredFile.ticket_id == ticket.id,
            StoredFile.client_id == client_id,
        )
    )


async def pending_uploads(
    session: AsyncSession, *, ticket: Ticket, author: User, file_ids: Sequence[int], limit: int
) -> list[StoredFile]:
    """The uploads a reply sends (or a note keeps), checked: the author's own, on this ticket,
    not sent yet, and within the size limit together."""
    ids = list(dict.fromkeys(file_ids))
    if not ids:
        return []
    if len(ids) > MAX_FILES_PER_REPLY:
        raise Invalid(
            "attachment_ids",
            f"At most {MAX_FILES_PER_REPLY} attachments in one message.",
            field_code="too_long",
            limit=MAX_FILES_PER_REPLY,
        )
    found = {
        stored.id: stored
        for stored in await session.scalars(
            select(StoredFile).where(
                StoredFile.id.in_(ids),
                StoredFile.ticket_id == ticket.id,
                StoredFile.uploaded_by == author.id,
                # Neither sent nor held by a reply waiting for Undo send.
                cleanup.unsent(),
            )
        )
    }
    missing = [file_id for file_id in ids if file_id not in found]
    if missing:
        raise Invalid(
            "attachment_ids",
            f"No upload {missing[0]} waits on this ticket: upload the file again.",
        )
    files = [found[file_id] for file_id in ids]
    if sum(stored.size for stored in files) > limit:
        raise FileTooLarge(limit)
    return files


async def attach(session: AsyncSession, *, files: Sequence[StoredFile], entry_id: int) -> None:
    """The files are sent by this entry (a reply, or kept by a note); guarded so that an upload
    is sent once."""
    for stored in files:
        result = await session.execute(
            update(StoredFile)
            .where(
                StoredFile.id == stored.id,
                StoredFile.entry_id.is_(None),
                ~cleanup.sent_aside(),
            )
            .values(entry_id=entry_id)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise Invalid("attachment_ids", f"{stored.filename} was sent by another message.")
        stored.entry_id = entry_id


async def attach_to_side_message(
    session: AsyncSession, *, files: Sequence[StoredFile], side_message_id: int
) -> None:
    """The files are sent by this side conversation's message (side_conversations/models.py):
    linked to it, so that they are sent once and never swept as unsent uploads. An upload a reply
    sent meanwhile is refused here as `attach` refuses one sent aside (the link's unique file)."""
    for stored in files:
        sent = await session.scalar(
            select(StoredFile.entry_id).where(
                StoredFile.id == stored.id, StoredFile.entry_id.is_not(None)
            )
        )
        if sent is not None:
            raise Invalid("attachment_ids", f"{stored.filename} was sent by another message.")
        try:
            async with session.begin_nested():
                link = SideConversationFile(side_message_id=side_message_id, file_id=stored.id)
                session.add(link)
                await session.flush()
        except IntegrityError:
            raise Invalid(
                "attachment_ids", f"{stored.filename} was sent by another message."
            ) from None


def summaries(files: Sequence[StoredFile]) -> list[dict[str, Any]]:
    """How an entry lists the files it sent (`data.attachments`): `stored` says they are served
    from the ticket's files, not from a received mail's attachments."""
    return [
        {
            "id": stored.id,
            "filename": stored.filename,
            "content_type": stored.content_type,
            "size": stored.size,
            "inline": False,
            "stored": True,
            # A thumbnail to show, and the image opens in the browser (files/api.py `variant`).
            "image": stored.thumbnail_key is not None,
            "width": stored.width,
            "height": stored.height,
        }
        for stored in files
    ]


async def get_file(
    session: AsyncSession, *, ticket: Ticket, user: User, file_id: int
) -> StoredFile:
    """A file of a ticket the caller may see: sent ones for everyone who sees the ticket, an
    upload still waiting only for the agent who made it."""
    stored = await session.scalar(
        select(StoredFile).where(StoredFile.id == file_id, StoredFile.ticket_id == ticket.id)
    )
    if stored is None:
        raise NotFound("No such file on this ticket.")
    if stored.entry_id is None and stored.uploaded_by != user.id:
        # Not sent by a reply: readable by all only if a side conversation's message sent it.
        aside = await session.scalar(
            select(SideConversationFile.id).where(SideConversationFile.file_id == stored.id)
        )
        if aside is None:
            raise NotFound("No such file on this ticket.")
    return stored


async def add_carried_file(
    session: AsyncSession,
    *,
    key: str,
    filename: str,
    content_type: str,
    size: int,
    ticket_id: int,
    uploaded_by: int | None,
    thumbnail_key: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> StoredFile:
    """A file that came with a chat into its ticket (chats/attachments.py): the same bytes in the
    store, now read through the ticket like the files of a reply."""
    stored = StoredFile(
        key=key,
        filename=filename,
        content_type=content_type,
        size=size,
        ticket_id=ticket_id,
        uploaded_by=uploaded_by,
        thumbnail_key=thumbnail_key,
        width=width,
        height=height,
    )
    session.add(stored)
    await session.flush()
    return stored
