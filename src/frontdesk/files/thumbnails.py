"""Thumbnails of sent images, made on the server with Pillow: the image is decoded (so a file that
only starts like an image is refused), and the thumbnail is drawn anew from its pixels, so it
carries none of the original's metadata (camera, place, comments)."""

from __future__ import annotations

import asyncio
import io
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from frontdesk.files.contents import FileStore
from frontdesk.files.sniff import FileRefused

# The longest side of a thumbnail, in pixels (shown at half that on high-density screens).
THUMBNAIL_SIDE = 480
# Beyond this an image is refused rather than decoded: a small file can claim a huge canvas.
MAX_PIXELS = 50_000_000


def _unreadable() -> FileRefused:
    return FileRefused(
        "This image could not be read: it may be damaged. Send it as another format.",
        code="image_unreadable",
    )


def make_thumbnail(content: bytes) -> tuple[int, int, bytes]:
    """(width, height, thumbnail as PNG or JPEG bytes) of a raster image, or FileRefused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise FileRefused(
                        f"This image is too large ({width}x{height} pixels).",
                        code="image_too_large",
                    )
                image.seek(0)
                # The photo the right way up, as the sender saw it; then only the pixels.
                upright = ImageOps.exif_transpose(image)
                has_alpha = upright.mode in ("RGBA", "LA", "P", "PA")
                frame = upright.convert("RGBA" if has_alpha else "RGB")
    except FileRefused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _unreadable() from None
    frame.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    clean = Image.new(frame.mode, frame.size)
    clean.paste(frame)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="JPEG", quality=85)
    return upright.width, upright.height, out.getvalue()


@dataclass(frozen=True)
class Thumbnail:
    """A stored thumbnail (its own key in the store) and the original's size in pixels."""

    key: str
    width: int
    height: int


async def _one(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def save_thumbnail(store: FileStore, key: str) -> Thumbnail:
    """The thumbnail of the image stored under `key`, drawn off the event loop and stored; raises
    FileRefused when the image cannot be read (the caller decides whether that refuses the file)."""
    width, height, thumbnail = await asyncio.to_thread(make_thumbnail, await store.read(key))
    thumbnail_key, _ = await store.save(_one(thumbnail), limit=len(thumbnail))
    return Thumbnail(thumbnail_key, width, height)
