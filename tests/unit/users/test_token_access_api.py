"""API tokens an admin can trust: read-only tokens, expiry, and the record of their last use,
through the real HTTP boundary (docs/security.md, "What an API token cannot do")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, NOW)


async def make_token(agent: Agent, **fields: Any) -> dict[str, Any]:
    response = await agent.client.post("/api/v1/me/tokens", json={"name": "script"} | fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


def as_token(desk: Desk, token: str) -> httpx.AsyncClient:
    """A script: no cookie, no CSRF token, only the bearer token."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app),
        base_url="http://desk.test",
        headers={"Authorization": f"Bearer {token}"},
    )


async def listed(agent: Agent, token_id: int) -> dict[str, Any]:
    tokens = (await agent.client.get("/api/v1/me/tokens")).json()
    return dict(next(token for token in tokens if token["id"] == token_id))


class TestReadOnly:
    async def test_a_read_token_reads_and_is_refused_every_write(self, desk: Desk) -> None:
        agent = await desk.agent()
        created = await make_token(agent, access="read")
        assert created["access"] == "read"
        async with as_token(desk, created["token"]) as script:
            assert (await script.get("/api/v1/me")).status_code == 200
            assert (await script.get("/api/v1/tickets")).status_code == 200
            assert (await script.head("/api/v1/me")).status_code in (200, 405)
            refused = [
                await script.post("/api/v1/notifications/read", json={}),
                await script.patch("/api/v1/me", json={"name": "Renamed by a script"}),
                await script.put("/api/v1/me/availability", json={"available": True}),
                await script.delete(f"/api/v1/me/tokens/{created['id']}"),
            ]
        for response in refused:
            error = error_of(response, 403, "token_read_only")
            assert "write access" in error["message"]
        # Refused before anything was done: the name, the token are as they were.
        me = (await agent.client.get("/api/v1/me")).json()
        assert me["name"] == agent.user["name"]
        assert (await listed(agent, created["id"]))["access"] == "read"

    async def test_a_token_made_without_a_choice_writes_as_before(self, desk: Desk) -> None:
        agent = await desk.agent()
        created = await make_token(agent)
        assert created["access"] == "write"
        assert created["expires_at"] is None
        async with as_token(desk, created["token"]) as script:
            renamed = await script.patch("/api/v1/me", json={"name": "Renamed by a script"})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["name"] == "Renamed by a script"

    async def test_an_unknown_access_is_a_422_naming_the_field(self, desk: Desk) -> None:
        agent = await desk.agent()
        response = await agent.client.post(
            "/api/v1/me/tokens", json={"name": "script", "access": "admin"}
        )
        error = error_of(response, 422)
        assert error["fields"][0]["field"] == "access"


class TestExpiry:
    async def test_an_expired_token_is_401_token_expired_not_bad_token(
        self, desk: Desk, clock: FrozenClock
    ) -> None:
        agent = await desk.agent()
        created = await make_token(agent, expires_in_days=30)
        assert datetime.fromisoformat(created["expires_at"]) == datetime(
            2027, 1, 5, 9, 0, tzinfo=UTC
        )
        assert created["expired"] is False
        async with as_token(desk, created["token"]) as script:
            clock.advance(days=30, seconds=-1)
            assert (await script.get("/api/v1/me")).status_code == 200
            clock.advance(seconds=1)
            expired = await script.get("/api/v1/me")
            write = await script.post("/api/v1/notifications/read", json={})
        error = error_of(expired, 401, "token_expired")
        assert "create a new one" in error["message"]
        assert expired.headers["www-authenticate"].endswith('error="invalid_token"')
        error_of(write, 401, "token_expired")
        agent = await desk.login(agent.user)  # their desk session ran out meanwhile
        shown = await listed(agent, created["id"])
        assert shown["expired"] is True
        assert shown["expires_at"] == created["expires_at"]
        async with as_token(desk, "fd_never-issued") as stranger:
            error_of(await stranger.get("/api/v1/me"), 401, "bad_token")

    async def test_a_token_without_expiry_never_expires(
        self, desk: Desk, clock: FrozenClock
    ) -> None:
        agent = await desk.agent()
        created = await make_token(agent, expires_in_days=None)
        clock.advance(days=3650)
        async with as_token(desk, created["token"]) as script:
            assert (await script.get("/api/v1/me")).status_code == 200
        agent = await desk.login(agent.user)
        assert (await listed(agent, created["id"]))["expired"] is False

    async def test_a_lifetime_out_of_range_is_refused(self, desk: Desk) -> None:
        agent = await desk.agent()
        for days in (0, -1, 366):
            response = await agent.client.post(
                "/api/v1/me/tokens", json={"name": "script", "expires_in_days": days}
            )
            error = error_of(response, 422)
            assert error["fields"][0]["field"] == "expires_in_days"
        assert (await agent.client.get("/api/v1/me/tokens")).json() == []


class TestLastUsed:
    async def test_last_use_is_recorded_at_most_once_a_minute(
        self, desk: Desk, clock: FrozenClock
    ) -> None:
        agent = await desk.agent()
        created = await make_token(agent)
        assert created["last_used_at"] is None
        async with as_token(desk, created["token"]) as script:
            await script.get("/api/v1/me")
            first = (await listed(agent, created["id"]))["last_used_at"]
            assert datetime.fromisoformat(first) == NOW
            clock.advance(seconds=59)
            await script.get("/api/v1/me")
            assert (await listed(agent, created["id"]))["last_used_at"] == first
            clock.advance(seconds=2)
            await script.get("/api/v1/me")
        later = (await listed(agent, created["id"]))["last_used_at"]
        assert datetime.fromisoformat(later) == datetime(2026, 12, 6, 9, 1, 1, tzinfo=UTC)
