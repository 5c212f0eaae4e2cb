"""The name a file is kept, shown and sent under, whatever its sender called it: the last path
component only, printable, and not too long, its extension kept (a cut name must still open with
the right program). An upload (files/service.py, chats/attachments.py) and a received mail's
attachment (mail/inbound.py) are named the same way."""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath

# Characters: the columns hold 255, and no file system or mail program minds 200.
MAX_FILENAME = 200
# An extension, or two (".tar.gz"): up to 10 letters or digits each, after some name.
_EXTENSION = re.compile(r"(?<=[^.])(?:\.\w{1,10}){1,2}$")


# A name written as a path: a drive, a leading separator, or a step up ("C:\\Users\\…",
# "/home/…", "../x.exe"). Only its last component is the file's name.
_PATH = re.compile(r"^(?:[A-Za-z]:)?[\\/]|(?:^|[\\/])\.\.(?:[\\/]|$)")


def clean_filename(name: str, *, fallback: str = "attachment") -> str:
    """`fallback` when nothing is left: "..\\..\\x.exe" names no path anywhere, and the name is
    only ever shown and sent, never used as a path. A separator inside a name that is not a
    path ("résumé <b>bold</b>.txt", "Q1/Q2 report.pdf") is part of it: written "_", it keeps
    what came before it."""
    if _PATH.search(name):
        name = PureWindowsPath(PurePosixPath(name).name).name
    name = name.replace("/", "_").replace("\\", "_").strip().strip(".")
    name = "".join(char for char in name if char.isprintable())
    return shortened(name, MAX_FILENAME) or fallback


def shortened(name: str, limit: int) -> str:
    """`name` in at most `limit` characters: the stem is cut, marked with "…", and the extension
    kept."""
    if len(name) <= limit:
        return name
    found = _EXTENSION.search(name)
    extension = found.group(0) if found else ""
    stem = name[: len(name) - len(extension)]
    return stem[: limit - len(extension) - 1].rstrip(" .") + "…" + extension
