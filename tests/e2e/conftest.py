"""Browser tests: Debian's Chromium driven by Playwright against the app served on loopback."""

from __future__ import annotations

import asyncio
import shutil
from asyncio import Runner
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio
from fastapi import FastAPI
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    async_playwright,
)

from frontdesk.mail.listener import InboundListener
from tests.conftest import IN_CI, sqlite_copy
from tests.mail.support import SmtpSink

if TYPE_CHECKING:
    from tests.e2e.test_messenger import Website
from tests.realtime import serve

# The features Playwright (1.65) turns off in every Chromium it launches. Chromium reads only the
# last --disable-features it is given, so ours repeats these (tests/e2e/test_chromium_flags.py
# checks the list against the installed Playwright's).
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
)
# Every browser context opens a window of its own, and Chromium preloads the address bar's
# suggestion popup (a WebUI page of ~1,300 modules, in a renderer of its own) for each window,
# headless or not: a third of Chromium's CPU time in our browser tests, for a popup no test
# can open (docs/performance.md, "The address bar's popup").
UNUSED_WINDOW_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-features=" + ",".join(PLAYWRIGHT_DISABLED_FEATURES + UNUSED_WINDOW_FEATURES),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture(params=["sqlite"])
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """Browser tests exercise the front ends, not the store: SQLite only keeps them quick."""
    with sqlite_copy(sqlite_template, tmp_path) as path:
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def _function_scoped_runner(_session_scoped_runner: Runner) -> Runner:
    """Every browser test, and every async fixture it uses, runs in the worker's one event loop
    (pytest-asyncio's session loop), so that one Playwright driver and one Chromium serve them
    all: starting the driver (Node) and Chromium costs seconds, a new context milliseconds.
    Isolation stays per test: each test gets its own app, database, server and browser
    contexts (`browser` closes every context a test leaves open)."""
    return _session_scoped_runner


def _chromium_executable() -> str:
    executable = shutil.which("chromium")
    if executable is None:
        message = "Chromium is missing: apt-get install chromium (make test installs it as root)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return executable


class _SharedChromium:
    """The worker's one Playwright driver and Chromium; Chromium is started again if it went
    away (a crash must not fail every later test)."""

    def __init__(self, playwright: Playwright) -> None:
        self._playwright = playwright
        self._browser: Browser | None = None

    async def get(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            self._browser = await self._playwright.chromium.launch(
                executable_path=_chromium_executable(), args=CHROMIUM_FLAGS
            )
        return self._browser

    async def stop(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        await self._playwright.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _shared_chromium() -> AsyncIterator[_SharedChromium]:
    shared = _SharedChromium(await async_playwright().start())
    await shared.get()
    yield shared
    await shared.stop()


@pytest.fixture(autouse=True)
async def _no_task_outlives_its_test(_shared_chromium: _SharedChromium) -> AsyncIterator[None]:
    """What a test started in the shared loop (servers, sockets, the app's writers) ends with
    it, as when each test had a loop of its own that closed: a leftover would otherwise run on
    during the next tests and slow or disturb them."""
    before = asyncio.all_tasks()
    yield
    current = asyncio.current_task()
    leftovers = [t for t in asyncio.all_tasks() - before if t is not current and not t.done()]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


@pytest.fixture
async def browser(
    request: pytest.FixtureRequest, _shared_chromium: _SharedChromium
) -> AsyncIterator[Browser]:
    """The worker's Chromium; every context the test opened is closed after it, so no page,
    cookie or storage outlives the test."""
    # `-m "not e2e"` must leave out every test that needs Chromium, so none may go unmarked.
    if request.node.get_closest_marker("e2e") is None:
        pytest.fail(
            f"{request.node.nodeid} drives the browser: mark it e2e "
            "(pytestmark = pytest.mark.e2e in its module)",
            pytrace=False,
        )
    _chromium_executable()
    shared = await _shared_chromium.get()
    yield shared
    for context in list(shared.contexts):
        await context.close()


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    """The base URL (http://127.0.0.1:PORT) of the app under test. Its reading process (reports,
    the audit log, privacy exports: db/reading.py) starts at the first request that reads
    there, not with the server as `frontdesk run` has it: most browser tests read nothing
    there, and starting and stopping the process cost them ~0.1 s each."""
    async with serve(app, app.state.settings) as host:
        yield f"http://{host}"


@pytest.fixture
async def site(live: str) -> AsyncIterator[Website]:
    """The demo web page that embeds the messenger, served beside the desk; set its `key`."""
    # Here, not at the top: that module imports this one.
    from tests.e2e.test_messenger import Website, requires_bundle

    requires_bundle()
    website = Website(live)
    async with serve(website.app) as host:
        website.url = f"http://{host}"
        yield website


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


# Mail on loopback for the desk's tests: our SMTP listener (what customers' servers send to) and
# a sink (where the desk's mail goes).
@pytest.fixture
async def listener(app: FastAPI) -> AsyncIterator[InboundListener]:
    server = InboundListener(app.state.sessionmaker, app.state.settings, host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    yield server
    server.stop()
