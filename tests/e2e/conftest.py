"""Browser tests: Debian's Chromium driven by Playwright against the app served on loopback."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, async_playwright

from tests.conftest import IN_CI
from tests.realtime import serve

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """Browser tests exercise the front ends, not the store: SQLite only keeps them quick."""
    path = tmp_path / "frontdesk.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def browser(request: pytest.FixtureRequest) -> AsyncIterator[Browser]:
    # `-m "not e2e"` must leave out every test that needs Chromium, so none may go unmarked.
    if request.node.get_closest_marker("e2e") is None:
        pytest.fail(
            f"{request.node.nodeid} drives the browser: mark it e2e "
            "(pytestmark = pytest.mark.e2e in its module)",
            pytrace=False,
        )
    executable = shutil.which("chromium")
    if executable is None:
        message = "Chromium is missing: apt-get install chromium (make test installs it as root)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    """The base URL (http://127.0.0.1:PORT) of the app under test."""
    async with serve(app) as host:
        yield f"http://{host}"


@pytest.fixture
def screenshots() -> Path:
    """Where tests save the screenshots we review; ignored by git."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
