"""Real `frontdesk run` processes on one PostgreSQL database and one Redis channel, on loopback
ports, that a test can kill (`kill -9`) and start again."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import redis

from frontdesk.db.session import create_engine, create_sessionmaker, unit_of_work
from frontdesk.users import service as users_service
from frontdesk.users.models import Role
from tests.conftest import PASSWORD

FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        data_dir: Path,
        size: int,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.env = (
            os.environ
            | {
                "FRONTDESK_DATABASE_URL": database_url,
                "FRONTDESK_REDIS_URL": redis_url,
                "FRONTDESK_REDIS_CHANNEL": f"fd-test-{uuid.uuid4().hex}",
                "FRONTDESK_SECRET_KEY": "cluster-secret-" + "k" * 32,
                "FRONTDESK_DATA_DIR": str(data_dir),
                "FRONTDESK_LOG_LEVEL": "warning",
                "FRONTDESK_TIMER_INTERVAL": "0.5",
                # Several servers on one machine: none of them listens for mail.
                "FRONTDESK_SMTP_LISTEN": "",
            }
            | dict(extra_env or {})
        )
        self.data_dir = data_dir
        self.database_url = database_url
        self.ports = [free_port() for _ in range(size)]
        self.urls = [f"127.0.0.1:{port}" for port in self.ports]
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * size

    def create_owner(self, email: str) -> None:
        """An owner to log in as (password PASSWORD), written from this process through the
        users service, as `frontdesk create-user` writes one: that command in a Python of its
        own cost seconds of CPU a cluster (the interpreter, the app's imports, two argon2
        hashes at the production cost) for nothing the cluster tests are about. A thread of its
        own: the caller may be inside an event loop."""

        async def create() -> None:
            engine = create_engine(self.database_url, pool_size=1)
            try:
                async with unit_of_work(create_sessionmaker(engine)) as session:
                    await users_service.create_user(
                        session, email=email, name="Owner", password=PASSWORD, role=Role.owner
                    )
            finally:
                await engine.dispose()

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, create()).result()

    def start(self, index: int | None = None) -> None:
        for i in range(len(self.ports)) if index is None else [index]:
            # A file, not a pipe: nobody reads a pipe during the run, and a full one would stall
            # the server on its next log line.
            with self.log(i).open("ab") as log:
                self.processes[i] = subprocess.Popen(
                    [FRONTDESK, "run"],
                    env=self.env | {"FRONTDESK_PORT": str(self.ports[i])},
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
        try:
            for i in range(len(self.ports)) if index is None else [index]:
                self._wait_healthy(i)
        except BaseException:
            # A half-started cluster must not outlive the test: its timers would act on the
            # database the next test of this worker uses.
            self.stop()
            raise

    def kill(self, index: int) -> None:
        """`kill -9`: no shutdown, no goodbye to sockets, nothing flushed."""
        process = self.processes[index]
        assert process is not None
        process.kill()
        process.wait(timeout=10)

    def stop(self) -> None:
        running = [p for p in self.processes if p is not None and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGINT)
        for process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        # What the servers kept in Redis (rate limits' counts) goes with them: the keys start
        # with the cluster's own channel name.
        client = redis.Redis.from_url(self.env["FRONTDESK_REDIS_URL"])
        try:
            keys = list(client.scan_iter(match=f"{self.env['FRONTDESK_REDIS_CHANNEL']}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()

    def log(self, index: int) -> Path:
        return self.data_dir / f"server-{index}.log"

    def _wait_healthy(self, index: int) -> None:
        url, process = self.urls[index], self.processes[index]
        assert process is not None
        # A loaded machine starts slowly (60 s was seen to fall short at load 20); a server
        # that fails to start exits, which is noticed at once below, so a passing run never
        # waits for this deadline.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://{url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(self.log(index).read_text(errors="replace")[-4000:])
            time.sleep(0.1)
        raise RuntimeError(f"server at {url} did not start")


OWNER_EMAIL = "owner@cluster.example.com"


@contextmanager
def running(
    *,
    database_url: str,
    redis_url: str,
    data_dir: Path,
    size: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Iterator[list[str]]:
    """`size` servers sharing one database and one Redis channel, with an owner (OWNER_EMAIL,
    the tests' PASSWORD) to log in as; yields their host:port addresses."""
    cluster = Cluster(
        database_url=database_url,
        redis_url=redis_url,
        data_dir=data_dir,
        size=size,
        extra_env=extra_env,
    )
    cluster.create_owner(OWNER_EMAIL)
    try:
        cluster.start()
        yield cluster.urls
    finally:
        cluster.stop()


async def login(url: str, email: str) -> httpx.AsyncClient:
    """An API client of one server, logged in as `email` (password PASSWORD)."""
    client = httpx.AsyncClient(base_url=f"http://{url}")
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client
