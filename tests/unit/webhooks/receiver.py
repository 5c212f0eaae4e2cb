"""A real HTTP receiver on a loopback port, checking every request with the verifier copied out
of docs/webhooks.md (so the documentation cannot drift from what is sent)."""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import pytest

from frontdesk.webhooks import sender
from tests.realtime import serve_in_thread

DOCS = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


def docs_verifier() -> Callable[[str, str, bytes], bool]:
    text = DOCS.read_text()
    section = text.split("## Verifying the signature", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.S)
    assert snippet is not None, "docs/webhooks.md lost its Python verifier"
    namespace: dict[str, Any] = {}
    exec(snippet.group(1), namespace)  # noqa: S102 (the documented code, on purpose)
    verify: Callable[[str, str, bytes], bool] = namespace["verify"]
    return verify


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class Receiver:
    url: str
    secret: str = ""
    # Statuses to answer, in turn; 200 once they run out.
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    # The error answer's body, and whether it is gzipped: "asked" when the request accepts gzip
    # (as most web servers do), "always" even when it does not (a server that ignores it).
    error_body: bytes = b"something broke"
    gzip: Literal["asked", "always"] | None = None
    requests: list[Received] = field(default_factory=list)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if type is None or r.json["type"] == type]


# How long a test lets a loopback connection or answer take. The sender's 10 s (5 s to connect) are
# for the internet; here they measure only the machine: a CI run under heavy load once stalled
# the test's process past 5 s in the middle of a connect, an attempt the receiver never saw. A
# test about timeouts sets its own.
LOOPBACK_PATIENCE = 60.0


def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender, "CONNECT_TIMEOUT", LOOPBACK_PATIENCE)
    monkeypatch.setattr(sender, "TOTAL_TIMEOUT", LOOPBACK_PATIENCE)


@contextmanager
def receiver() -> Iterator[Receiver]:
    verify = docs_verifier()
    lock = threading.Lock()
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            signed = verify(state.secret, self.headers.get("Frontdesk-Signature", ""), body)
            with lock:
                state.requests.append(Received(dict(self.headers.items()), body, signed))
                status = state.statuses.pop(0) if state.statuses else 200
            if state.delay:
                time.sleep(state.delay)
            answer = b"thanks" if status < 300 else state.error_body
            accepted = self.headers.get("Accept-Encoding", "")
            zipped = state.gzip == "always" or (state.gzip == "asked" and "gzip" in accepted)
            if zipped:
                answer = gzip.compress(answer)
            self.send_response(status)
            if zipped:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        # The default backlog of 5 overflows when several delivery loops post at once on a busy
        # machine: the kernel drops the extra connections and the client's SYN retries (1, 3,
        # 7 s…) outlast the sender's 10 s, a delivery the test then finds pending.
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    serve_in_thread(server)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
