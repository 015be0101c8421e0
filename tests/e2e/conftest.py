"""End-to-end fixtures: the real app as a real server process on a free loopback port with a fresh database, and
Debian's Chromium driven by Playwright. Any browser console error or uncaught page error fails the test.

Without /usr/bin/chromium every e2e test is skipped with a loud message; with REQUIRE_BROWSER=1 (CI) they fail.
Screenshots go to test-output/screenshots/ (git-ignored); with UPDATE_SCREENSHOTS=1 the key ones are also copied,
cropped, to docs/screenshots/ for the README.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.helpers import slug, watch_network
from tests.servers import running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NORMAL = {"width": 1366, "height": 768}
MEETING = {"width": 1920, "height": 1080}
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DOC_SCREENSHOTS = ROOT / "docs" / "screenshots"
DOC_MAX_HEIGHT = 1000  # docs/ copies are cropped so that each PNG stays small
BROWSER_REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
MISSING_MESSAGE = (
    f"END-TO-END TESTS SKIPPED: no Chromium at {CHROMIUM}. Install it (apt-get install chromium) "
    "to run the real-browser tests; set REQUIRE_BROWSER=1 to make its absence a failure."
)


def browser_available() -> bool:
    return CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)


def _loud(config: pytest.Config, message: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("!", message, red=True, bold=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """No browser: skip (loudly) unless REQUIRE_BROWSER=1, when the browser fixture fails instead."""
    e2e = [item for item in items if item.get_closest_marker("e2e")]
    if not e2e or browser_available() or BROWSER_REQUIRED:
        return
    config._e2e_skipped = len(e2e)  # type: ignore[attr-defined]
    _loud(config, MISSING_MESSAGE)
    for item in e2e:
        item.add_marker(pytest.mark.skip(reason=MISSING_MESSAGE))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if getattr(config, "_e2e_skipped", 0):
        terminalreporter.write_sep("!", f"{config._e2e_skipped} end-to-end tests were skipped", red=True, bold=True)
        terminalreporter.write_line(MISSING_MESSAGE, red=True, bold=True)


# --- the server and the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> str:
    """One real server for the session, on the embedded SQLite default: created and loaded on first start."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # each run's screenshots replace the last run's: none is stale
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    env = {"INSTANCE_PATH": str(instance), "AUTH_MODE": "none"}
    with running_server(env, timeout=120, log_path=SCREENSHOTS.parent / "e2e-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not browser_available():
        pytest.fail(f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # Playwright gives each launch a fresh, throwaway user-data directory: no profile leaks between runs.
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


@dataclass
class ConsoleWatch:
    """Every console error and uncaught page error seen by one test's pages."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on(
            "console",
            lambda m: self.errors.append(f"console {m.type}: {m.text} ({page.url})") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e} ({page.url})"))


@pytest.fixture
def console(request) -> ConsoleWatch:
    watch = ConsoleWatch()
    request.node._console_watch = watch
    return watch


@pytest.fixture(scope="session")
def context(browser):
    """One browser context for the session, so the app's scripts are fetched once (a few seconds a test); each
    test starts with no cookies. A test about signing in makes its own context with `browser.new_context()`."""
    ctx = browser.new_context(viewport=NORMAL, locale="en-GB", timezone_id="Europe/London")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, console, server_url):
    """A new page on the running server, at the board's laptop size. Console errors fail the test."""
    context.clear_cookies()
    p = context.new_page()
    console.attach(p)
    watch_network(p)
    p.base = server_url  # type: ignore[attr-defined]
    yield p
    p.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """A failed test leaves a screenshot of what the browser showed: test-output/screenshots/FAILED-<test>.png."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        try:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"FAILED-{slug(item.name)}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - the browser may be what failed; the report matters more
            pass
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After the test body: any console or page error the browser reported fails the test itself."""
    result = yield
    watch: ConsoleWatch | None = getattr(item, "_console_watch", None)
    if watch is not None and watch.errors:
        pytest.fail("the browser reported errors:\n  " + "\n  ".join(watch.errors), pytrace=False)
    return result


# --- screenshots ------------------------------------------------------------------------------------------


@pytest.fixture
def shoot():
    """shoot(page, name, doc=None): a full-page screenshot in test-output/screenshots/NAME.png. With
    UPDATE_SCREENSHOTS=1 and doc="overview" (say), also docs/screenshots/overview.png for the README, cropped to
    DOC_MAX_HEIGHT so that the committed picture stays small."""

    def _shoot(page, name: str, *, doc: str | None = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{slug(name)}.png"
        # From the top: a sticky panel (the drill-down) is drawn where the window last scrolled to.
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(100)
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        if doc and os.environ.get("UPDATE_SCREENSHOTS") == "1":
            DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            width = page.viewport_size["width"]
            height = min(
                max(DOC_MAX_HEIGHT, page.viewport_size["height"]),
                page.evaluate("document.documentElement.scrollHeight"),
            )
            page.screenshot(
                path=str(DOC_SCREENSHOTS / f"{doc}.png"),
                full_page=True,
                animations="disabled",
                clip={"x": 0, "y": 0, "width": width, "height": height},
            )
        return path

    return _shoot
