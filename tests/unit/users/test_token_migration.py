"""Migration 0062 gives API tokens an access level and an expiry: the tokens made before keep
working as they did (write, never expiring), through the real HTTP boundary."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
from sqlalchemy import String, cast, select

from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.users import service as users_service
from frontdesk.users.models import ApiToken, TokenAccess
from tests.conftest import Desk
from tests.unit.support import error_of


async def test_tokens_made_before_0062_keep_writing(desk: Desk, database_url: str) -> None:
    user = await desk.user()
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        owner = await users_service.get_user(session, user_id=user["id"])
        _old, old_token = await users_service.create_api_token(
            session, user=owner, name="nightly export", by_token=False
        )
        read, read_token = await users_service.create_api_token(
            session, user=owner, name="dashboard", by_token=False, access=TokenAccess.read
        )
    await asyncio.to_thread(downgrade, database_url, "0061")
    await asyncio.to_thread(upgrade, database_url)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app),
        base_url="http://desk.test",
        headers={"Authorization": f"Bearer {old_token}"},
    ) as script:
        assert (await script.get("/api/v1/me")).status_code == 200
        renamed = await script.patch("/api/v1/me", json={"name": "Still writing"})
        assert renamed.status_code == 200, renamed.text
        tokens = (await script.get("/api/v1/me/tokens")).json()
        # Going down, a read-only token could only have become a write token: it was revoked.
        refused = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {read_token}"})
    error_of(refused, 401, "bad_token")
    assert [(t["name"], t["access"], t["expires_at"]) for t in tokens] == [
        ("nightly export", "write", None)
    ]
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        revoked = await session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == read.id))
    assert revoked is not None


async def test_going_below_0062_revokes_the_tokens_that_expire(
    desk: Desk, database_url: str
) -> None:
    """Below 0062 a token never expires: one that had an expiry, run out or not, would come back
    up valid for ever. It is revoked, at the time of the downgrade."""
    user = await desk.user()
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        owner = await users_service.get_user(session, user_id=user["id"])
        running, running_token = await users_service.create_api_token(
            session, user=owner, name="for a month", by_token=False, expires_in_days=30
        )
        ran_out, ran_out_token = await users_service.create_api_token(
            session, user=owner, name="ran out", by_token=False, expires_in_days=1
        )
        ran_out.expires_at = utcnow() - timedelta(hours=1)
        _kept, kept_token = await users_service.create_api_token(
            session, user=owner, name="nightly export", by_token=False
        )
    before = utcnow()
    await asyncio.to_thread(downgrade, database_url, "0061")
    after = utcnow()
    await asyncio.to_thread(upgrade, database_url)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app), base_url="http://desk.test"
    ) as script:
        answers = {
            token: await script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            for token in (running_token, ran_out_token, kept_token)
        }
    error_of(answers[running_token], 401, "bad_token")
    error_of(answers[ran_out_token], 401, "bad_token")
    assert answers[kept_token].status_code == 200, answers[kept_token].text
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        revoked = (
            await session.scalars(
                select(ApiToken.revoked_at).where(ApiToken.id.in_([running.id, ran_out.id]))
            )
        ).all()
        # Stored as the application stores a time: on SQLite, text with the microseconds that
        # its comparisons with the application's times rely on.
        stored = (
            await session.scalars(
                select(cast(ApiToken.revoked_at, String)).where(
                    ApiToken.id.in_([running.id, ran_out.id])
                )
            )
        ).all()
    assert len(revoked) == 2
    assert all(at is not None and before <= at <= after for at in revoked)
    if database_url.startswith("sqlite"):
        assert all(
            re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", text) for text in stored
        ), stored
