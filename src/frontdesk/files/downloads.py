"""A stored file as an HTTP download: streamed from the store chunk by chunk (never whole in
memory), as an attachment with `nosniff` (inline only for an image decoded at upload), a single
byte range when asked (a resumed download, a media player seeking), and for HEAD the headers
without reading the file. Thumbnails, of ticket, chat and mail files alike: `thumbnail_response`."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from frontdesk.errors import NotFound
from frontdesk.files.contents import FileStore
from frontdesk.files.models import StoredFile
from frontdesk.files.sniff import HEAD_BYTES, RASTER_TYPES, sniff

logger = logging.getLogger(__name__)

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(first, last) of a satisfiable single range; None to send the whole file (no header, one
    this server does not take, like several ranges: the RFC lets it answer 200 with all); "*" for
    a range entirely past the end (416)."""
    if not header:
        return None
    found = _RANGE.match(header.strip().replace(" ", ""))
    if found is None:
        return None
    first, last = found.groups()
    if not first:
        if not last:
            return None
        # The last N bytes.
        suffix = int(last)
        if suffix == 0 or size == 0:
            return "*"
        return max(size - suffix, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return "*"
    return start, min(int(last), size - 1) if last else size - 1


# Whatever a file holds, the browser never guesses its type nor runs anything in it.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}
# Every file, thumbnail and original, of a ticket, a chat or a mail: never kept by a shared cache,
# nor by the agent's browser, where a copy would outlive the customer's erasure (and, by an id the
# database gives again after a deletion, could even show under another customer's file).
NO_STORE = {"Cache-Control": "private, no-store"}


def disposition(kind: str, filename: str) -> str:
    """`kind` is "attachment" or "inline"; the name for old browsers in ASCII, and in full."""
    fallback = filename.encode("ascii", "replace").decode().replace('"', "_")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _headers(stored: StoredFile, *, inline: bool) -> dict[str, str]:
    return {
        **SAFE_HEADERS,
        "Content-Disposition": disposition("inline" if inline else "attachment", stored.filename),
        "Accept-Ranges": "bytes",
        **NO_STORE,
    }


def thumbnail_response(content: bytes, *, filename: str) -> Response:
    """A thumbnail this server drew (PNG or JPEG, files/thumbnails.py): shown inline, its type
    read from its own bytes, stored by no cache (a thumbnail shows as much of a customer's photo
    as a person needs to recognise it)."""
    return Response(
        content,
        media_type=sniff(content[:16]),
        headers={
            **SAFE_HEADERS,
            "Content-Disposition": disposition("inline", f"thumbnail-{filename}"),
            **NO_STORE,
        },
    )


def received_file_response(content: bytes, *, filename: str, decoded: bool, show: bool) -> Response:
    """A file received from outside and kept whole (a mail's attachment): shown in the browser
    when `show` asks and it was decoded as an image on receipt (`decoded`), as the type its bytes
    say; otherwise a download whatever it claims to be: it must never run as a page."""
    kind = sniff(content[:HEAD_BYTES]) if decoded else ""
    inline = show and kind in RASTER_TYPES
    return Response(
        content,
        media_type=kind if inline else "application/octet-stream",
        headers={
            **SAFE_HEADERS,
            **NO_STORE,
            "Content-Disposition": disposition("inline" if inline else "attachment", filename),
        },
    )


async def stored_thumbnail_response(store: FileStore, key: str, *, filename: str) -> Response:
    try:
        content = await store.read(key)
    except FileNotFoundError:
        logger.error("thumbnail %s: no bytes in the store", key)
        raise NotFound("This file's thumbnail is no longer stored.") from None
    return thumbnail_response(content, filename=filename)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover  (makes this an async generator)


async def file_response(
    store: FileStore,
    stored: StoredFile,
    *,
    range_header: str | None,
    head: bool,
    inline: bool = False,
) -> Response:
    """Raises NotFound when the store has no bytes for the row (they were lost outside the
    desk), StoreUnavailable when it cannot be reached. `inline` shows an image in the browser,
    and only an image that was decoded at upload (it has a thumbnail) ever is."""
    inline = inline and stored.thumbnail_key is not None and stored.content_type in RASTER_TYPES
    headers = _headers(stored, inline=inline)
    # Otherwise served as a download whatever it claims to be: a file must never run as a page.
    media_type = stored.content_type if inline else "application/octet-stream"
    wanted = byte_range(range_header, stored.size)
    if wanted == "*":
        return Response(
            status_code=416,
            headers={**headers, "Content-Range": f"bytes */{stored.size}"},
            media_type=media_type,
        )
    start, end = wanted if isinstance(wanted, tuple) else (0, None)
    try:
        content = await store.open(stored.key, start=start, end=end)
    except FileNotFoundError:
        logger.error("file %s (key %s): no bytes in the store", stored.id, stored.key)
        raise NotFound("This file's contents are no longer stored.") from None
    last = content.size - 1 if end is None else min(end, content.size - 1)
    headers["Content-Length"] = str(max(last - start + 1, 0))
    status = 200
    if isinstance(wanted, tuple):
        status = 206
        headers["Content-Range"] = f"bytes {start}-{last}/{content.size}"
    # HEAD (answered as GET by kit/methods.py) gets the headers; the bytes are never fetched.
    chunks = _nothing() if head else content.chunks
    return StreamingResponse(chunks, status_code=status, headers=headers, media_type=media_type)
