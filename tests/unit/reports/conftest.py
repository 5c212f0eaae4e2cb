"""Reports tests build a known history at known instants, then read it back over HTTP."""

from __future__ import annotations

import pytest

from frontdesk.config import Settings
from tests.mail.support import INBOUND_TOKEN


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})
