"""Reading the portal's forms that may carry files (a new request, an answer; docs/portal.md,
"Files"): `multipart/form-data` from today's pages, `application/x-www-form-urlencoded` from a
page loaded before (or a form kept in a browser's cache). Read as the body arrives, never past
its bound: a body announcing more (Content-Length) or running past it while it arrives is cut
there, only its head kept, which holds the form's text fields (they come before the files on
the page), so the refusal can show what was typed again; the rest is drained (up to
kit/body_limit.DRAIN_LIMIT) so that the browser reads the answer.

The body is split here, not by `email`'s parser: that parser takes seconds on a body of mere line
breaks or of many tiny parts (16 s for 25 MB of "\\n", 40 s for 200,000 parts, measured), and
recurses into nested multiparts. A form-data body is a flat list of parts, found with
`bytes.find`; each part's few header lines are read with the stdlib `email` header parser
(`policy=default`: quoted parameters, UTF-8 file names as browsers send them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default
from urllib.parse import parse_qs

from starlette.requests import Request

from frontdesk.kit.body_limit import StreamedBody

# Parts read from one body at most: a page's fields and its files, with room to spare. A body of
# more is a form no page of ours sends; what comes after is not read (`Posted.overflow`).
MAX_PARTS = 64
# One part's header lines (a Content-Disposition with a long file name, a Content-Type).
MAX_PART_HEADERS = 8 * 1024
# RFC 2046's boundary: 1 to 70 characters of these.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]")
# How browsers escape a field's and a file's name in Content-Disposition (the HTML standard).
_ESCAPES = {"%22": '"', "%0D": "\r", "%0A": "\n"}
_ESCAPED = re.compile("|".join(_ESCAPES))


@dataclass(frozen=True)
class Upload:
    """A file field's part as sent: its name and type as the browser says them (neither is
    trusted, portal/service.py `check_files`) and its bytes. An empty file field (no file chosen)
    is sent as a part with no name and no bytes."""

    filename: str
    claimed_type: str | None
    content: bytes


@dataclass
class Posted:
    """A form as read: its text fields (the first value of each), its files, and whether the
    body was larger than the form may be (`too_large`: only its head was read, so the fields
    that came before the cut and no file) or held more parts than a page of ours sends
    (`overflow`: the parts after MAX_PARTS were not read)."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)
    too_large: bool = False
    overflow: bool = False


def _boundary(content_type: str) -> str | None:
    parsed = BytesHeaderParser(policy=default).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    )
    if parsed.get_content_type() != "multipart/form-data":
        return None
    boundary = parsed.get_param("boundary")
    if not isinstance(boundary, str) or not _BOUNDARY.fullmatch(boundary):
        return None
    return boundary


def _unescaped(name: str) -> str:
    return _ESCAPED.sub(lambda found: _ESCAPES[found.group(0)], name)


def parse_multipart(body: bytes, boundary: str, *, cut: bool = False) -> Posted | None:
    """The parts of a form-data body, or None when it is not one (no first boundary, a part
    without its headers' end, headers too long). `cut`: the body is the head of a longer one;
    its last part, unfinished, is left out, and so are its files."""
    delimiter = b"--" + boundary.encode("ascii")
    posted = Posted(too_large=cut)
    if body.startswith(delimiter):
        at = len(delimiter)
    else:
        found = body.find(b"\r\n" + delimiter)
        if found < 0:
            return None if not cut else posted
        at = found + 2 + len(delimiter)
    parts = 0
    while True:
        if body.startswith(b"--", at):
            return posted  # the closing delimiter
        line_end = body.find(b"\r\n", at)
        if line_end < 0 or body[at:line_end].strip(b" \t"):
            return posted if cut else None
        start = line_end + 2
        end = body.find(b"\r\n" + delimiter, start)
        if end < 0:
            # No closing delimiter: a cut body's unfinished part, or a body ended early.
            return posted if cut else None
        if parts == MAX_PARTS:
            posted.overflow = True
            return posted
        parts += 1
        if not _add_part(posted, body[start:end], keep_files=not cut):
            return None
        at = end + 2 + len(delimiter)


def _add_part(posted: Posted, part: bytes, *, keep_files: bool) -> bool:
    if part.startswith(b"\r\n"):
        return True  # no headers: no name, nothing a form sends
    split = part.find(b"\r\n\r\n")
    if split < 0 or split > MAX_PART_HEADERS:
        return False
    headers = BytesHeaderParser(policy=default).parsebytes(part[: split + 4])
    content = part[split + 4 :]
    name = headers.get_param("name", header="content-disposition")
    if not isinstance(name, str):
        return True
    name = _unescaped(name)
    filename = headers.get_param("filename", header="content-disposition")
    if isinstance(filename, str):
        if keep_files:
            claimed = str(headers.get("content-type") or "") or None
            posted.files.append(Upload(_unescaped(headers.get_filename() or ""), claimed, content))
        return True
    if name not in posted.fields:
        posted.fields[name] = content.decode("utf-8", errors="replace")
    return True


def parse_urlencoded(body: bytes) -> Posted:
    fields = {
        key: values[0]
        for key, values in parse_qs(body.decode(errors="replace"), keep_blank_values=True).items()
    }
    return Posted(fields=fields)


async def read_form(request: Request, *, text_room: int, files_room: int) -> Posted | None:
    """The form a page posted, read within its bounds: an urlencoded body up to `text_room`
    bytes (a larger one: None, as a form no page sends); a form-data body up to `text_room` and
    `files_room` together, a larger one cut after `text_room` bytes (`Posted.too_large`). None for
    any other body, or a form-data body that is not one."""
    content_type = request.headers.get("content-type", "")
    declared = request.headers.get("content-length", "")
    announced = int(declared) if declared.isascii() and declared.isdigit() else None
    body = StreamedBody(request.receive)
    if content_type.lower().startswith("multipart/"):
        boundary = _boundary(content_type)
        if boundary is None:
            await body.drain()
            return None
        limit = text_room + files_room
        data, whole = await _read(body, limit, announced, head=text_room)
        if whole:
            return parse_multipart(data, boundary)
        await body.drain()
        return parse_multipart(data[:text_room], boundary, cut=True)
    if not content_type.lower().startswith("application/x-www-form-urlencoded"):
        await body.drain()
        return None
    data, whole = await _read(body, text_room, announced, head=0)
    if not whole:
        await body.drain()
        return None
    return parse_urlencoded(data)


async def _read(
    body: StreamedBody, limit: int, announced: int | None, *, head: int
) -> tuple[bytes, bool]:
    """(the body, True) when it is at most `limit` bytes. Else False, with: when it announced
    more, its first `head` bytes or so (refused before the rest is read); when it ran past
    `limit` while arriving, what was read up to the chunk that did."""
    data = bytearray()
    if announced is not None and announced > limit:
        # Refused from what it announces: only the head the text fields are in is read.
        if head > 0:
            async for chunk in body.chunks():
                data += chunk
                if len(data) >= head:
                    break
        return bytes(data), False
    async for chunk in body.chunks():
        data += chunk
        if len(data) > limit:
            return bytes(data), False
    return bytes(data), True
