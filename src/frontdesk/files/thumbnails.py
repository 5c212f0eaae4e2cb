"""Thumbnails of sent images, made on the server with Pillow: the image is decoded (so a file that
only starts like an image is refused), and the thumbnail is drawn anew from its pixels, so it
carries none of the original's metadata (camera, place, comments).

A small file can claim a huge canvas (a plain 7000x7000 PNG is 14 KB), and anyone can send one
(a visitor's upload, an email). So the decoded image is never copied whole: a JPEG is decoded at
1/2, 1/4 or 1/8 of its size straight away, any other image is decoded once and shrunk strip by
strip, and only the small image is turned upright and converted. And decodes run in a pool of
their own, one at a time per process: the peak is one image's pixels, however many arrive
together (docs/performance.md, "Files")."""

from __future__ import annotations

import asyncio
import io
import math
import warnings
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import ExifTags, Image, UnidentifiedImageError

from frontdesk.files.contents import FileStore
from frontdesk.files.sniff import FileRefused

# The longest side of a thumbnail, in pixels (shown at half that on high-density screens).
THUMBNAIL_SIDE = 480
# Beyond this an image is refused rather than decoded: a small file can claim a huge canvas.
# At the limit, the one decode a process runs holds 200 MB (4 bytes a pixel, PNG); a JPEG far
# less, as it is decoded already shrunk.
MAX_PIXELS = 50_000_000
# Decodes at once in a process. One: the memory they need adds up, and thumbnails are rare and
# short next to the rest of the work (a 12-megapixel photo takes about 10 ms).
DECODES = 1
# Shrunk by whole factors to at least twice the thumbnail's size, then resampled: what Pillow's
# own `thumbnail` does (its `reducing_gap`), as good to the eye as resampling from the original.
_REDUCING_GAP = 2
# Pixels converted at a time while shrinking: a few megabytes, whatever the canvas.
_STRIP_PIXELS = 1 << 20

_decoder = ThreadPoolExecutor(max_workers=DECODES, thread_name_prefix="thumbnail")

# EXIF orientation -> the turn that puts the photo the way the sender saw it (as
# PIL.ImageOps.exif_transpose, which would copy the whole decoded image).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# The orientations whose turn swaps width and height.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})


def _unreadable() -> FileRefused:
    return FileRefused(
        "This image could not be read: it may be damaged. Send it as another format.",
        code="image_unreadable",
    )


def _fitted(width: int, height: int) -> tuple[int, int]:
    """The thumbnail's size: within THUMBNAIL_SIDE on both sides, the image's proportions."""
    scale = min(1.0, THUMBNAIL_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrunk(image: Image.Image, mode: str) -> Image.Image:
    """`image` in `mode`, shrunk by a whole factor to no less than twice the thumbnail's size,
    without ever holding a second full-size copy of it: a JPEG is decoded shrunk (`draft`), and
    every image is converted and reduced a strip of rows at a time."""
    fitted = _fitted(*image.size)
    image.draft(None, (fitted[0] * _REDUCING_GAP, fitted[1] * _REDUCING_GAP))
    image.load()
    width, height = image.size
    factor = max(1, min(width // fitted[0], height // fitted[1]) // _REDUCING_GAP)
    shrunk = Image.new(mode, (math.ceil(width / factor), math.ceil(height / factor)))
    # Whole boxes of `factor` rows per strip, so each strip reduces as the whole image would.
    rows = factor * max(1, _STRIP_PIXELS // (width * factor))
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(top + rows, height))).convert(mode)
        shrunk.paste(strip.reduce(factor) if factor > 1 else strip, (0, top // factor))
    return shrunk


def make_thumbnail(content: bytes) -> tuple[int, int, bytes]:
    """(width, height, thumbnail as PNG or JPEG bytes) of a raster image, or FileRefused. The
    width and height are the original's, upright. Blocks for as long as decoding takes: from
    async code, call `thumbnail_of`."""
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
                has_alpha = image.mode in ("RGBA", "LA", "P", "PA")
                orientation = image.getexif().get(ExifTags.Base.Orientation)
                frame = _shrunk(image, "RGBA" if has_alpha else "RGB")
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
    # The photo the right way up, as the sender saw it; then only the pixels.
    turn = _TURNS.get(orientation) if isinstance(orientation, int) else None
    if turn is not None:
        frame = frame.transpose(turn)
        if orientation in _QUARTER_TURNS:
            width, height = height, width
    clean = Image.new(frame.mode, frame.size)
    clean.paste(frame)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="JPEG", quality=85)
    return width, height, out.getvalue()


async def thumbnail_of(content: bytes) -> tuple[int, int, bytes]:
    """`make_thumbnail` off the event loop, in the process's decoding pool: uploads that arrive
    together wait their turn rather than each holding a decoded image at once."""
    return await asyncio.get_running_loop().run_in_executor(_decoder, make_thumbnail, content)


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
    width, height, thumbnail = await thumbnail_of(await store.read(key))
    thumbnail_key, _ = await store.save(_one(thumbnail), limit=len(thumbnail))
    return Thumbnail(thumbnail_key, width, height)
