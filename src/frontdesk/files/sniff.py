"""What a file is, from its first bytes, and whether it may be sent in a chat or a ticket reply.

The name and the type the sender's browser claims are never trusted: the type stored and served
is the one sniffed here. The policy (docs/chat.md, "Files and images"; docs/desk.md for replies):

- programs (Windows, Linux and macOS executables, scripts starting with `#!`) are refused in a
  chat (`check`); a reply's attachment goes by email, where they were always allowed;
- an empty file is refused everywhere (`refuse_empty`);
- a file that claims to be an image or a PDF (by its type or its name) but whose bytes are not
  is refused, as disguised: an HTML page named `photo.png` never reaches anyone;
- PNG, JPEG, GIF and WebP are images: thumbnails, and shown inline when opened;
- everything else (PDF, archives, text, HTML, SVG …) is a download only, never shown inline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from frontdesk.errors import FrontdeskError

# Enough of the head for every signature below (and for the HTML/SVG look-ahead).
HEAD_BYTES = 512

RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
)

_PROGRAMS: tuple[bytes, ...] = (
    b"MZ",  # Windows .exe, .dll
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O, 32 and 64 bits, both byte orders, and universal binaries
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",  # a script for some interpreter
)

# What a name or claimed type promises, and the sniffed types that keep the promise.
_PROMISES: dict[str, frozenset[str]] = {
    ".png": frozenset({"image/png"}),
    ".jpg": frozenset({"image/jpeg"}),
    ".jpeg": frozenset({"image/jpeg"}),
    ".gif": frozenset({"image/gif"}),
    ".webp": frozenset({"image/webp"}),
    ".pdf": frozenset({"application/pdf"}),
}
_CLAIMED_TYPES: dict[str, str] = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}

_MARKUP = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg")


class FileRefused(FrontdeskError):
    """A file that may not be sent: the message says why, for the sender to read."""

    status_code = 422

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class Sniffed:
    content_type: str

    @property
    def is_image(self) -> bool:
        """A raster image: thumbnails, and shown inline. Never HTML or SVG."""
        return self.content_type in RASTER_TYPES


def sniff(head: bytes) -> str:
    """The type the bytes say, or application/octet-stream."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(b"<?xml") and b"<svg" in lowered:
        return "image/svg+xml"
    if any(lowered.startswith(tag) for tag in _MARKUP):
        return "image/svg+xml" if lowered.startswith(b"<svg") else "text/html"
    if _is_text(head):
        return "text/plain"
    return "application/octet-stream"


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut at the end of the head is still text.
        return exc.start >= len(head) - 3
    return True


def check(head: bytes, *, filename: str, claimed_type: str | None) -> Sniffed:
    """The sniffed type of a file about to be sent in a chat, or FileRefused saying why not."""
    if any(head.startswith(magic) for magic in _PROGRAMS):
        raise FileRefused(
            "Programs and scripts cannot be sent in a chat.", code="file_type_refused"
        )
    refuse_empty(head)
    return kept_promise(head, filename=filename, claimed_type=claimed_type)


def refuse_empty(head: bytes) -> None:
    """FileRefused for an empty file, sent in a chat or on a ticket alike: there is nothing to
    open, and it is most likely a mistake (a file still being written, an export that failed)."""
    if not head:
        raise FileRefused("The file is empty.", code="file_empty")


def kept_promise(head: bytes, *, filename: str, claimed_type: str | None) -> Sniffed:
    """The sniffed type, or FileRefused when the name or the claimed type promises an image or a
    PDF that the bytes are not (the check every upload gets, in a chat or on a ticket)."""
    kind = sniff(head)
    promises = [PurePosixPath(filename.lower()).suffix]
    claimed = (claimed_type or "").split(";")[0].strip().lower()
    if claimed in _CLAIMED_TYPES:
        promises.append(_CLAIMED_TYPES[claimed])
    for promise in promises:
        expected = _PROMISES.get(promise)
        if expected is not None and kind not in expected:
            what = "a PDF" if promise == ".pdf" else "an image"
            raise FileRefused(
                f"{filename} says it is {what}, but its content is not: it was not sent.",
                code="file_disguised",
            )
    return Sniffed(kind)


class KeptHead:
    """Passes an upload's chunks on to the store, keeping the first bytes for the sniffing."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks
        self.head = b""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.chunks:
            if len(self.head) < HEAD_BYTES:
                self.head += chunk[: HEAD_BYTES - len(self.head)]
            yield chunk
