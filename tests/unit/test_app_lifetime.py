"""An app that is done with is freed: nothing process-wide keeps it, its engine and its caches.

The test suite makes an app a test, thousands in one process. An endpoint that held its app (a
closure over `create_app`'s app) stayed in FastAPI's process-wide caches of analysed endpoints,
and so did the app: every full garbage collection then walked hundreds of dead apps, for seconds
on a loaded machine, while every socket test of the process waited."""

from __future__ import annotations

import gc
import weakref

import httpx
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.conftest import SQLITE_ONLY

pytestmark = SQLITE_ONLY


async def used_and_dropped(settings: Settings) -> weakref.ref[FastAPI]:
    app = create_app(settings, run_loops=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
        ) as client,
    ):
        # A page of the app's own (the API docs), a page of the desk, and the API.
        for path in ("/api/docs", "/", "/demo", "/api/v1/me", "/healthz"):
            await client.get(path)
    return weakref.ref(app)


async def test_an_app_no_longer_used_is_freed(settings: Settings) -> None:
    gone = await used_and_dropped(settings)
    gc.collect()
    assert gone() is None, "something process-wide still holds the app"
