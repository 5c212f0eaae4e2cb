"""The desk's typed API client is generated from a committed copy of the OpenAPI document; it
must be the document the server serves, or the desk compiles against an API that is not there."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import SQLITE_ONLY

pytestmark = SQLITE_ONLY

DESK_COPY = Path(__file__).resolve().parents[2] / "web" / "desk" / "src" / "api" / "openapi.json"


async def test_the_desk_client_matches_the_served_api(http: httpx.AsyncClient) -> None:
    served = (await http.get("/openapi.json")).json()
    committed = json.loads(DESK_COPY.read_text())
    assert committed == served, "run `cd web/desk && npm run openapi && npm run build`"
