"""SLA tests: customers write by email (posted as raw MIME, as a mail provider forwards it), on a
frozen clock, and the timer's round is called as the loop calls it."""

from __future__ import annotations

import pytest

from frontdesk.config import Settings
from tests.mail.support import INBOUND_TOKEN


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})
