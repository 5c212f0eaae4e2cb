"""Mail tests: real SMTP on loopback (an aiosmtpd sink for what we send, our own listener for
what we receive), on SQLite and PostgreSQL like every other test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.mail.dovecot import Dovecot, running_dovecot
from tests.mail.support import INBOUND_TOKEN, SmtpSink
from tests.unit.support import use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def listener(app: FastAPI, settings: Settings) -> AsyncIterator[InboundListener]:
    server = InboundListener(app.state.sessionmaker, settings, host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the test's own on loopback (tests/mail/dovecot.py)."""
    with running_dovecot() as server:
        yield server
