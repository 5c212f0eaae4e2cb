"""Webhook tests send to a receiver on loopback: the setting that allows private addresses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from frontdesk.config import Settings
from tests.unit.webhooks.receiver import Receiver, patient, receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhooks_allow_private": True})


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    patient(monkeypatch)
    with receiver() as running:
        yield running
