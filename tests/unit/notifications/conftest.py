"""What the notification tests share: an inbound token (customers' replies over HTTP) and push
endpoints allowed on plain-HTTP loopback (a test that checks the refusal of private addresses
turns that off)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from frontdesk.config import Settings
from tests.mail.support import INBOUND_TOKEN, SmtpSink
from tests.unit.notifications.support import PushService
from tests.unit.support import use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "inbound_token": INBOUND_TOKEN,
            "push_allow_http": True,
            "push_allow_private": True,
        }
    )


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    service.thread.start()
    try:
        yield service
    finally:
        service.server.shutdown()
        service.server.server_close()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback keeping what the mail outbox sends."""
    server = SmtpSink()
    server.start()
    yield server
    server.stop()
