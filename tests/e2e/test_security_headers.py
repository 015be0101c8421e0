"""The real app, signed in through the real form in Chromium, works under its Content-Security-Policy: no console
errors and no CSP violation on any page (Dash's inline scripts by hash, Plotly's charts, the vendored CSS)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from dashboard.reference.registry import registry
from tests.conftest import ROOT
from tests.e2e.conftest import NORMAL, SCREENSHOTS
from tests.e2e.helpers import DOMAIN_PAGES, settle, watch_network
from tests.servers import running_server

pytestmark = pytest.mark.e2e

PASSWORD = "kettle-orbit-lantern"
# Runs before any of the page's own scripts: every CSP violation the browser reports is kept for the test to read.
CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile || ''}`);
});
"""


def _cli(env: dict[str, str], *args: str, input: str | None = None) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def signed_in_server(tmp_path_factory):
    """A real server with password sign-in on the embedded database, and one admin made by the command line (every
    role, so that no page refuses a part of itself)."""
    instance = tmp_path_factory.mktemp("auth-e2e")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # also when this file runs on its own
    env = {"INSTANCE_PATH": str(instance), "AUTH_MODE": "password", "DATABASE_URL": ""}
    _cli(env, "init-db")
    _cli(env, "user", "add", "anna", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
    with running_server(env, timeout=120, log_path=SCREENSHOTS.parent / "auth-e2e-server.log") as url:
        _SERVER_DATABASES[url] = f"sqlite:///{instance / 'board.db'}"
        yield url


_SERVER_DATABASES: dict[str, str] = {}


def signed_in_server_db(url: str) -> str:
    return _SERVER_DATABASES[url]


def _end_all_sessions(database_url: str) -> None:
    from sqlalchemy import create_engine, delete

    from data_access.auth_models import UserSession

    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(delete(UserSession))
    engine.dispose()


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_signed_in_every_page_runs_under_the_csp_with_no_console_errors(browser, console, signed_in_server):
    url = signed_in_server
    ctx = browser.new_context(viewport=NORMAL, locale="en-GB")
    ctx.set_default_timeout(20_000)
    ctx.add_init_script(CSP_PROBE)
    page = ctx.new_page()
    console.attach(page)
    watch_network(page)
    page.base = url  # type: ignore[attr-defined]
    try:
        first = page.goto(url + "/front-door")
        assert page.url == url + "/login?next=/front-door"
        csp = first.headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'none'" in csp
        page.get_by_label("User name").fill("anna")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_role("alert").inner_text().startswith("That user name and password do not match")
        page.screenshot(path=str(SCREENSHOTS / "sign-in-error.png"), full_page=True)
        console.errors[:] = [e for e in console.errors if "status of 401" not in e]  # the refused sign-in itself
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url + "/front-door")
        settle(page)

        code = next(iter(registry().indicators))
        charts = 0
        for path in [
            "/",
            *DOMAIN_PAGES,
            "/exceptions",
            "/challenges",
            "/about",
            f"/indicator/{code}",
            "/?meeting=1",
            "/no-such-page",
        ]:
            response = page.goto(url + path)
            assert response.status == 200, path
            assert response.headers["x-frame-options"] == "DENY" and "content-security-policy" in response.headers
            settle(page)
            charts += page.locator(".js-plotly-plot .main-svg").count()
            assert _violations(page) == [], f"CSP violations on {path}"
        assert charts > 0, "Plotly charts should have been drawn on the domain pages"
        assert page.context.cookies(url)[0]["httpOnly"] in (True, False)
        session = next(c for c in ctx.cookies(url) if c["name"] == "board_session")
        assert session["httpOnly"] and session["sameSite"] == "Lax"

        # The session ends on the server (idle, or signed out elsewhere): the next thing the page asks for is
        # refused, and the browser is taken to sign in, then back.
        page.goto(url + "/")
        settle(page)
        _end_all_sessions(signed_in_server_db(url))
        page.get_by_role("link", name="Front door").click()
        page.wait_for_url(re.compile(r".*/login\?expired=1&next=%2Ffront-door.*"))
        console.errors[:] = [e for e in console.errors if "status of 401" not in e]  # the refused request itself
        assert "Sign in again" in page.get_by_role("status").inner_text()
        page.get_by_label("User name").fill("anna")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/front-door\?board=.*"))  # back where the user was
        settle(page)

        page.goto(url + "/logout")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(url + "/login?signed_out=1")
        assert "You have signed out." in page.get_by_role("status").inner_text()
        assert page.goto(url + "/_dash-layout").status == 401
        console.errors[:] = [e for e in console.errors if "/_dash-layout" not in e]  # asked for on purpose
        assert _violations(page) == []
    finally:
        ctx.close()


def test_the_sign_in_page_is_tidy_and_accessible(browser, console, signed_in_server):
    from axe_playwright_python.sync_playwright import Axe

    ctx = browser.new_context(viewport={"width": 1024, "height": 720}, locale="en-GB")
    ctx.add_init_script(CSP_PROBE)
    page = ctx.new_page()
    console.attach(page)
    try:
        page.goto(signed_in_server + "/login")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") in ("username", "password")
        page.screenshot(path=str(SCREENSHOTS / "sign-in.png"), full_page=True)
        results = Axe().run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], [v["id"] for v in serious]
        assert _violations(page) == []
    finally:
        ctx.close()
