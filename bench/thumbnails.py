"""What drawing one thumbnail costs in memory and time, for small files that claim a huge canvas:
the files a visitor can send anonymously (POST /messenger/v1/uploads) or anyone by mail.

Run from the repository root:

    .venv/bin/python bench/thumbnails.py [--side 7000] [--concurrent 4]

Each case runs in a fresh Python process (so that nothing freed earlier is counted): the image is
made in memory, one small thumbnail is drawn to load the code, the process's peak resident memory
is reset (`/proc/self/clear_refs`), then `files.thumbnails.make_thumbnail` runs on the image. The
figure is the peak (VmHWM) minus the resident memory just before. Pillow allocates its pixels in
C, where tracemalloc does not see them: resident memory is the measure. The last case runs
`--concurrent` uploads' worth of `thumbnail_of` at once, as that many uploads arriving together
would. Nothing here is a test: no assertion.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

MB = 1024 * 1024
CASES = ("palette-png", "rgb-png", "rgba-png", "rotated-jpeg", "photo-jpeg")


def image_bytes(case: str, side: int) -> bytes:
    """A plain image of `side`x`side` pixels: plain, so that the file is small (the attack)."""
    out = io.BytesIO()
    if case == "palette-png":
        Image.new("P", (side, side), 3).save(out, format="PNG", optimize=True)
    elif case == "rgb-png":
        Image.new("RGB", (side, side), "teal").save(out, format="PNG", optimize=True)
    elif case == "rgba-png":
        Image.new("RGBA", (side, side), (0, 128, 128, 100)).save(out, format="PNG", optimize=True)
    elif case == "rotated-jpeg":
        exif = Image.Exif()
        exif[0x0112] = 6  # Orientation: rotate 90°
        Image.new("RGB", (side, side // 2), "orange").save(
            out, format="JPEG", quality=85, exif=exif.tobytes()
        )
    else:
        # A 12-megapixel phone photo, as most images sent are.
        Image.new("RGB", (4000, 3000), "orange").save(out, format="JPEG", quality=90)
    return out.getvalue()


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field}")


def measure(case: str, side: int, concurrent: int) -> dict[str, object]:
    """In this process: one case, as described at the top."""
    from frontdesk.files import thumbnails
    from frontdesk.files.sniff import FileRefused

    content = image_bytes(case, side)
    thumbnails.make_thumbnail(image_bytes("photo-jpeg", 64))
    Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    started = time.perf_counter()
    if concurrent > 1:
        run = getattr(thumbnails, "thumbnail_of", None)

        async def many() -> None:
            if run is None:  # before the bound: the default thread pool
                await asyncio.gather(
                    *(
                        asyncio.to_thread(thumbnails.make_thumbnail, content)
                        for _ in range(concurrent)
                    )
                )
            else:
                await asyncio.gather(*(run(content) for _ in range(concurrent)))

        asyncio.run(many())
        result: object = f"{concurrent} at once"
    else:
        try:
            width, height, thumbnail = thumbnails.make_thumbnail(content)
            result = f"{width}x{height}, thumbnail {len(thumbnail) / 1024:.1f} KB"
        except FileRefused as refused:
            result = f"refused: {refused.code}"
    elapsed = time.perf_counter() - started
    return {
        "case": case,
        "file_kb": round(len(content) / 1024, 1),
        "growth_mb": round((_status("VmHWM") - before) / MB, 1),
        "seconds": round(elapsed, 2),
        "result": result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=7000)
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.side, args.concurrent)))
        return
    runs = [(case, 1) for case in CASES] + [("rgb-png", args.concurrent)]
    print("| image | file | peak memory growth | time | result |")
    print("|---|---|---|---|---|")
    for case, times in runs:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                case,
                "--side",
                f"{args.side}",
                "--concurrent",
                f"{times}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout)
        print(
            f"| {row['case']} | {row['file_kb']} KB | {row['growth_mb']} MB "
            f"| {row['seconds']} s | {row['result']} |"
        )


if __name__ == "__main__":
    main()
