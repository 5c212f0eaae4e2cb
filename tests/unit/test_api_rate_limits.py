"""The API's rate limits per credential (docs/api.md "Rate limits"): an API token's requests a
minute, a desk session's counted apart, 429 `rate_limited` past them with `Retry-After`, and
`RateLimit-*` headers on every counted answer."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from frontdesk.config import Settings
from frontdesk.kit import ratelimit
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, new_ticket

pytestmark = SQLITE_ONLY

# 10 seconds into a minute: the window ends in 50 s.
START = 1_800_000_000.0 - 1_800_000_000.0 % 60 + 10


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"api_rate_per_minute": 3, "desk_rate_per_minute": 5})


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The wall clock the limits cut their windows by, moved by the test."""
    now = [START]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now[0]))
    return now


async def token(desk: Desk, agent: Agent) -> httpx.AsyncClient:
    response = await agent.client.post("/api/v1/me/tokens", json={"name": "script"})
    assert response.status_code == 201, response.text
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app),
        base_url="http://desk.test",
        headers={"Authorization": f"Bearer {response.json()['token']}"},
    )


def limits_of(response: httpx.Response) -> tuple[str, str, str]:
    return (
        response.headers["RateLimit-Limit"],
        response.headers["RateLimit-Remaining"],
        response.headers["RateLimit-Reset"],
    )


async def test_an_api_token_is_limited_per_minute(desk: Desk, clock: list[float]) -> None:
    agent = await desk.agent()
    async with await token(desk, agent) as script, await token(desk, agent) as other:
        answers = [await script.get("/api/v1/me") for _ in range(3)]
        assert [limits_of(each) for each in answers] == [
            ("3", "2", "50"),
            ("3", "1", "50"),
            ("3", "0", "50"),
        ]
        refused = await script.get("/api/v1/me")
        error = error_of(refused, 429, "rate_limited")
        assert "API token" in error["message"]
        assert refused.headers["Retry-After"] == "50"
        assert limits_of(refused) == ("3", "0", "50")
        # Another token has its own count, and the desk's session its own limit.
        assert (await other.get("/api/v1/me")).status_code == 200
        desk_answer = await agent.client.get("/api/v1/me")
        assert desk_answer.status_code == 200
        assert desk_answer.headers["RateLimit-Limit"] == "5"
        # The next minute starts afresh: at its very first instant, the whole minute is left,
        # never more.
        clock[0] += 50
        again = await script.get("/api/v1/me")
        assert again.status_code == 200
        assert limits_of(again) == ("3", "2", "60")
        # Part of a second in, the seconds left round up: waiting them reaches the next minute.
        clock[0] += 0.25
        assert limits_of(await script.get("/api/v1/me")) == ("3", "1", "60")
        clock[0] += 59.5
        assert limits_of(await script.get("/api/v1/me")) == ("3", "0", "1")


async def test_the_desk_session_is_counted_apart(desk: Desk, clock: list[float]) -> None:
    agent = await desk.agent()
    for _ in range(5):
        assert (await agent.client.get("/api/v1/me")).status_code == 200
    refused = await agent.client.get("/api/v1/inboxes")
    error = error_of(refused, 429, "rate_limited")
    assert "desk session" in error["message"]
    # A write too, before it does anything.
    refused = await agent.client.patch("/api/v1/me", json={"name": "Ada"})
    error_of(refused, 429, "rate_limited")
    clock[0] += 60
    assert (await agent.client.get("/api/v1/me")).json()["name"] != "Ada"


async def test_a_refused_request_is_not_kept_for_its_key(desk: Desk, clock: list[float]) -> None:
    """A 429 says to wait: the same key after the wait does the thing, once."""
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    async with await token(desk, agent) as script:
        ticket = await new_ticket(script, inbox)
        path = f"/api/v1/tickets/{ticket['id']}/replies"
        for key in ("a", "b"):
            sent = await script.post(path, json={"text": key}, headers={"Idempotency-Key": key})
            assert sent.status_code == 201
        headers = {"Idempotency-Key": "c"}
        error_of(await script.post(path, json={"text": "c"}, headers=headers), 429)
        clock[0] += 60
        later: Any = await script.post(path, json={"text": "c"}, headers=headers)
        assert later.status_code == 201
        assert "Idempotent-Replayed" not in later.headers
        again = await script.post(path, json={"text": "c"}, headers=headers)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == later.json()["id"]


async def test_unauthenticated_requests_say_nothing_of_limits(
    http: httpx.AsyncClient, clock: list[float]
) -> None:
    response = await http.get("/api/v1/me")
    assert response.status_code == 401
    assert "RateLimit-Limit" not in response.headers
