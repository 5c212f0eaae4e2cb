"""What the ticket tests over real WebSockets share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.realtime import serve


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    """host:port of the app under test, served by uvicorn on loopback."""
    async with serve(app) as host:
        yield host
