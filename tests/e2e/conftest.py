"""Browser tests: Debian's Chromium driven by Playwright against the app served on loopback."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

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
    async with serve(app, app.state.settings) as host:
        yield f"http://{host}"


@pytest.fixture
def screenshots() -> Path:
    """Where tests save the screenshots we review; ignored by git."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


class PolicyWatch:
    """Collects every Content-Security-Policy violation a browser context reports: the
    `securitypolicyviolation` events of its pages and Chromium's console lines about CSP (these
    also cover frames where no script runs, such as sandboxed mail previews)."""

    REPORTER = """document.addEventListener('securitypolicyviolation', (event) =>
      window.reportPolicyViolation(
        `${event.effectiveDirective}: ${event.blockedURI || 'inline'} on ${event.documentURI}`
      ));"""

    def __init__(self) -> None:
        self.violations: list[str] = []

    async def watch(self, context: BrowserContext) -> None:
        await context.expose_binding(
            "reportPolicyViolation", lambda _source, text: self.violations.append(text)
        )
        await context.add_init_script(self.REPORTER)
        context.on("console", self._console)

    async def reported(self, timeout: float = 5.0) -> list[str]:
        """The violations, once there is one (the browser reports them asynchronously)."""
        async with asyncio.timeout(timeout):
            while not self.violations:
                await asyncio.sleep(0.05)
        return self.violations

    async def assert_enforced(self, page: Page) -> None:
        """The page's policy is in force: an inline script injected into it is refused."""
        assert self.violations == []
        injected = "const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        await page.evaluate(injected + " document.body.append(s)")
        assert await page.evaluate("window.ran") is None
        assert "script-src" in " ".join(await self.reported()), self.violations

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)


@pytest.fixture
def policy_watch() -> PolicyWatch:
    return PolicyWatch()
