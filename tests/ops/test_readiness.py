"""/healthz and /readyz over HTTP, with a real Redis and a real SMTP server (aiosmtpd): ready
when every configured part answers, 503 naming the part that does not, and the mail server asked
at most once per cache period however often the probe comes."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.ops import health
from tests.conftest import IN_CI
from tests.mail.support import free_port


class NoopCounter:
    """An SMTP server that counts the NOOPs it is sent (the readiness check's one command)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.noops = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_NOOP(self, server: Any, session: Any, envelope: Any, arg: str) -> str:
        self.noops += 1
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[NoopCounter]:
    server = NoopCounter()
    server.controller.start()
    yield server
    if server.controller.server is not None:
        server.controller.stop()


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    # The checks are the same whatever the database; SQLite keeps these quick.
    shutil.copyfile(sqlite_template, tmp_path / "frontdesk.db")
    return f"sqlite+aiosqlite:///{tmp_path / 'frontdesk.db'}"


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings, run_loops=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
        ) as client,
    ):
        yield client


@pytest.fixture
async def probe(
    settings: Settings, redis_url: str, smtp: NoopCounter
) -> AsyncIterator[httpx.AsyncClient]:
    configured = settings.model_copy(
        update={"redis_url": redis_url, "smtp_url": f"smtp://127.0.0.1:{smtp.port}"}
    )
    async for client in _client(configured):
        yield client


def nothing_listening() -> int:
    return free_port()


async def test_ready_when_the_database_redis_and_the_mail_server_answer(
    probe: httpx.AsyncClient,
) -> None:
    response = await probe.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "ok", "mail": "ok"},
    }
    live = await probe.get("/healthz")
    assert live.status_code == 200
    assert live.json() == {"status": "ok", "database": "ok"}


async def test_parts_not_configured_are_not_checked(settings: Settings) -> None:
    async for client in _client(settings):
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {
            "database": "ok",
            "redis": "not configured",
            "mail": "not configured",
        }


async def test_a_mail_server_that_is_down_makes_the_process_unready(
    settings: Settings, redis_url: str
) -> None:
    configured = settings.model_copy(
        update={"redis_url": redis_url, "smtp_url": f"smtp://127.0.0.1:{nothing_listening()}"}
    )
    async for client in _client(configured):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "10"
        body = response.json()
        assert body["failing"] == ["mail"]
        assert body["checks"] == {"database": "ok", "redis": "ok", "mail": "unreachable"}
        # A probe that must not take the desk out of service for mail says so.
        assert (await client.get("/readyz?skip=mail")).status_code == 200
        # Liveness does not depend on the mail server.
        assert (await client.get("/healthz")).status_code == 200


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis of this test's own, so that it can be stopped while the desk runs."""
    binary = shutil.which("redis-server")
    if binary is None:
        # Under CI a missing service fails, as for every other real server the tests start.
        message = "redis-server is not installed: apt-get install redis-server"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    port = free_port()
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(10)


async def test_a_redis_that_goes_down_makes_the_process_unready(
    settings: Settings, own_redis: str
) -> None:
    async for client in _client(settings.model_copy(update={"redis_url": own_redis})):
        assert (await client.get("/readyz")).status_code == 200
        with contextlib.suppress(redis.exceptions.ConnectionError):
            redis.Redis.from_url(own_redis).shutdown(nosave=True)
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["redis"]
        assert (await client.get("/healthz")).status_code == 200


async def test_a_database_that_cannot_be_opened_makes_both_probes_fail(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}",
        secret_key="k" * 40,
        _env_file=None,
    )
    async for client in _client(settings):
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["failing"] == ["database"]
        assert (await client.get("/healthz")).status_code == 503


async def test_the_mail_server_is_asked_once_per_cache_period(
    probe: httpx.AsyncClient, smtp: NoopCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        assert (await probe.get("/readyz")).status_code == 200
    assert smtp.noops == 1
    # Past the period, the next probe asks again and sees the server gone.
    smtp.controller.stop()
    monkeypatch.setattr(health, "MAIL_CACHE_SECONDS", 0.0)
    response = await probe.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["mail"]


async def test_an_unknown_part_to_skip_is_refused(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/readyz?skip=mail,disk")
    assert response.status_code == 400
    assert "disk" in response.text
