"""Two admins creating the same organisation at the same moment, on PostgreSQL, the interleaving
forced: both have checked that the name is free before either writes. The unique key decides:
one organisation, and the other admin a 409 in words, never a 500 or a second row."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.organisations import service
from frontdesk.organisations.models import Organisation, OrganisationDomain
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.unit.support import count_rows, use_cheap_passwords

pytestmark = [pytest.mark.integration, POSTGRESQL_ONLY]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def test_two_admins_creating_one_name_at_once_get_one_and_a_409(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await desk.agent(role="admin")
    ben = await desk.agent(role="owner")
    real: Callable[..., Awaitable[None]] = service._ensure_free_name
    checked = 0
    both_checked = asyncio.Event()

    async def held(*args: Any, **kwargs: Any) -> None:
        nonlocal checked
        await real(*args, **kwargs)
        checked += 1
        if checked == 2:
            both_checked.set()
        await both_checked.wait()

    monkeypatch.setattr(service, "_ensure_free_name", held)
    answers = await asyncio.gather(
        ana.client.post(
            "/api/v1/organisations", json={"name": "Acme", "domains": ["acme.example"]}
        ),
        ben.client.post("/api/v1/organisations", json={"name": "ACME", "domains": ["b.example"]}),
    )
    assert checked == 2
    assert sorted(answer.status_code for answer in answers) == [201, 409], [
        answer.text for answer in answers
    ]
    refused = next(answer for answer in answers if answer.status_code == 409).json()["error"]
    assert refused["code"] == "organisation_exists"
    assert "already exists" in refused["message"] or "is taken" in refused["message"]
    assert await count_rows(app, Organisation) == 1
    # Nothing half-written: the refused one's domain is not there either.
    assert await count_rows(app, OrganisationDomain) == 1
