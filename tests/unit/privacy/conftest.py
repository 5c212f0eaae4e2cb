from __future__ import annotations

import pytest

from frontdesk.config import Settings
from tests.mail.support import INBOUND_TOKEN
from tests.unit.support import use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Webhooks to loopback: their deliveries record what customers wrote (never sent here).
    return settings.model_copy(
        update={"inbound_token": INBOUND_TOKEN, "webhooks_allow_private": True}
    )
