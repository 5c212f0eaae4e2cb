"""Live visitors shared through Redis (docs/messenger.md, "Live visitors"): two app instances,
as two processes of one desk, on one database and one Redis channel. A visit reported to one is
listed by the other, an invitation written on one reaches the visitor through the other, once,
and a visit forgotten by one's sweep is gone for both."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.visitors import registry, service
from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import online, use_cheap_passwords
from tests.unit.visitors.test_live_visitors_api import browser, listed, report, shows_visitors

pytestmark = [pytest.mark.integration, SQLITE_ONLY]


@pytest.fixture
async def second(settings: Settings, redis_url: str, app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app the `desk` fixture uses is the first one: this is the second, on the same
    database, and both on one Redis channel of their own."""
    channel = f"fd-test-{uuid.uuid4().hex}"
    app.state.sessionmaker.kw["info"][service.VISITS_KEY].registry = registry.RedisRegistry(
        redis_url, prefix=f"{channel}:visits:"
    )
    other = create_app(
        settings.model_copy(update={"redis_url": redis_url, "redis_channel": channel}),
        run_loops=False,
    )
    yield other
    await other.state.sessionmaker.kw["info"][service.VISITS_KEY].registry.close()
    await other.state.engine.dispose()
    await app.state.sessionmaker.kw["info"][service.VISITS_KEY].registry.close()


async def test_two_instances_share_the_list(
    desk: Desk, second: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_cheap_passwords(monkeypatch)
    inbox = await desk.inbox(name="Shop")
    admin = await desk.agent(role="admin")
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    await shows_visitors(admin, inbox)
    await online(ada)
    async with browser(second) as site:
        await report(site, inbox, url="https://shop.example.com/a", title="A")
        await report(site, inbox, url="https://shop.example.com/b", title="B")
        [row] = await listed(ada)
        assert (row["page_title"], row["pages"]) == ("B", 2)
        made = await ada.client.post(
            f"/api/v1/visitors/{row['visit_id']}/invitation",
            json={"inbox_id": inbox["id"], "text": "Hello from the first"},
        )
        assert made.status_code == 201, made.text
        answer = await report(site, inbox, page=False)
        assert answer["invitation"]["text"] == "Hello from the first"
        assert (await report(site, inbox, page=False))["invitation"] is None

    # Expired, swept by the second: gone for the first too.
    now = time.time() + registry.TTL + 1
    monkeypatch.setattr(registry, "time", SimpleNamespace(time=lambda: now))
    live = second.state.sessionmaker.kw["info"][service.VISITS_KEY]
    assert await live.registry.sweep() == {inbox["id"]}
    assert await listed(ada) == []
