"""Commentary, challenges and the board pack in a real browser, signed in with each role: a viewer reads and is
refused writes, a contributor raises a challenge that survives a server restart, the chair answers and closes it,
and a board member downloads the pack."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import NORMAL, SCREENSHOTS
from tests.e2e.helpers import settle, watch_network
from tests.servers import running_server

pytestmark = pytest.mark.e2e

PASSWORD = "harbour-velvet-compass"
INDICATOR = "police_attendance_icpc_pct"
XSS = '<img src=x onerror="window.__xss=1"> Why did the police attend only 44% of initial conferences?'


def _cli(env, *args, input=None):
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
def board_env(tmp_path_factory):
    """A password-protected board with a viewer, a contributor and the chair (made by the command line)."""
    instance = tmp_path_factory.mktemp("review-e2e")
    env = {"INSTANCE_PATH": str(instance), "AUTH_MODE": "password", "DATABASE_URL": ""}
    _cli(env, "init-db")
    for name, role in (("vera", "viewer"), ("cora", "contributor"), ("chad", "chair")):
        _cli(env, "user", "add", name, "--role", role, "--password-stdin", input=PASSWORD + "\n")
    return env


@pytest.fixture(scope="module")
def server(board_env):
    with running_server(board_env, timeout=120, log_path=SCREENSHOTS.parent / "review-e2e-server.log") as url:
        yield url


def _signed_in(browser, console, url: str, user: str):
    ctx = browser.new_context(viewport=NORMAL, locale="en-GB", accept_downloads=True)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    console.attach(page)
    watch_network(page)
    page.goto(url + "/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + "/")
    settle(page)
    return ctx, page


def _visit(page, url):
    page.goto(url)
    settle(page)


def test_a_viewer_reads_commentary_and_challenges_but_is_offered_no_writes(browser, console, server):
    ctx, page = _signed_in(browser, console, server, "vera")
    try:
        _visit(page, f"{server}/indicator/{INDICATOR}")
        assert page.locator("#challenge-submit").count() == 0 and page.locator("#commentary-save").count() == 0
        assert "needs the contributor role" in page.locator(".review-sections").inner_text()
        assert "vera (viewer)" in page.locator(".user-menu").inner_text()
        _visit(page, f"{server}/challenges")
        assert page.get_by_role("button", name="Raise").count() == 0
        assert page.get_by_role("button", name="Dismiss").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "challenges-as-viewer.png"), full_page=True)
        # The server refuses the write callbacks themselves to a viewer: tests/integration/test_auth.py posts to
        # every one of them.
    finally:
        ctx.close()


def test_a_contributor_raises_a_challenge_that_shows_on_the_page_and_the_log_and_survives_a_restart(
    browser, console, board_env
):
    with running_server(board_env, timeout=120) as url:
        ctx, page = _signed_in(browser, console, url, "cora")
        try:
            _visit(page, f"{url}/indicator/{INDICATOR}")
            page.fill("#challenge-question", XSS)
            page.fill("#challenge-owner", "Metropolitan Police (CAIT)")
            page.click("#challenge-submit")
            expect(page.locator("#challenge-status")).to_contain_text("raised", timeout=20_000)
            settle(page)
            listed = page.locator("#indicator-challenges").inner_text()
            assert XSS in listed, "the question is shown as the text that was typed"
            assert page.locator("#indicator-challenges img").count() == 0, "typed HTML must never become elements"
            page.fill("#commentary-text", "CAIT vacancies filled in March; attendance is checked weekly.")
            page.click("#commentary-save")
            expect(page.locator("#commentary-status")).to_contain_text("Saved", timeout=20_000)
            page.screenshot(path=str(SCREENSHOTS / "indicator-with-challenge.png"), full_page=True)
            _visit(page, f"{url}/challenges")
            assert "Why did the police attend only 44%" in page.locator(".challenges-grid").inner_text()
        finally:
            ctx.close()
    with running_server(board_env, timeout=120) as url:  # a new server process on the same database
        ctx, page = _signed_in(browser, console, url, "cora")
        try:
            _visit(page, f"{url}/challenges")
            assert "Why did the police attend only 44%" in page.locator(".challenges-grid").inner_text()
            _visit(page, f"{url}/indicator/{INDICATOR}")
            assert "CAIT vacancies filled in March" in page.locator("#commentary-view").inner_text()
        finally:
            ctx.close()


def test_the_chair_records_the_response_and_closes_the_challenge(browser, console, board_env, server):
    ctx, page = _signed_in(browser, console, server, "chad")
    try:
        _visit(page, f"{server}/challenges")
        page.locator(".challenges-grid .ag-row").first.click()
        page.wait_for_selector("#challenge-response")
        page.fill("#challenge-response", "A second CAIT officer covers conferences from April.")
        page.get_by_role("button", name="Record response").click()
        expect(page.locator("#challenge-action-status")).to_contain_text("answered", timeout=20_000)
        settle(page)
        page.get_by_role("button", name="Close").click()
        expect(page.locator("#challenge-action-status")).to_contain_text("closed", timeout=20_000)
        settle(page)
        detail = page.locator("#challenge-detail").inner_text()
        assert "Closed" in detail and "chad answered" in detail and "chad closed" in detail
        page.screenshot(path=str(SCREENSHOTS / "challenge-closed-by-chair.png"), full_page=True)
    finally:
        ctx.close()


def test_a_board_member_downloads_the_board_pack_made_in_the_background(browser, console, server):
    """A viewer presses the button: a progress bar shows while the pack is made, the PDF downloads, asking again
    meanwhile is refused with a message, and another page's callbacks still answer while the pack is being made."""
    from pypdf import PdfReader

    ctx, page = _signed_in(browser, console, server, "vera")
    other = ctx.new_page()
    console.attach(other)
    watch_network(other)
    try:
        with page.expect_download(timeout=180_000) as download:
            page.click("#pack-button")
            expect(page.locator("#pack-progress-box")).to_be_visible(timeout=30_000)
            expect(page.locator("#pack-progress-text")).to_contain_text("Making the board pack", timeout=30_000)
            expect(page.locator("#pack-button")).to_be_disabled()
            # While the pack is being made, the exceptions page in another tab draws its grid (its callbacks
            # answer): the bound only says "does not hang".
            other.goto(f"{server}/exceptions")
            expect(other.locator("#exceptions-grid .ag-row").first).to_be_visible(timeout=60_000)
            # The same person asking again from another tab is told a pack of theirs is already being made.
            second = ctx.new_page()
            console.attach(second)
            watch_network(second)
            second.goto(f"{server}/")
            settle(second)
            second.click("#pack-button")
            refused = second.locator("#pack-status")
            expect(refused).not_to_be_empty(timeout=30_000)
            if "Board pack ready" not in refused.inner_text():  # the first pack may have finished meanwhile
                assert "already have a board pack being made" in refused.inner_text()
        path = download.value.path()
        data = open(path, "rb").read()
        assert data.startswith(b"%PDF") and download.value.suggested_filename.startswith("board-pack-havering")
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
        assert "Performance report: board pack" in text and "Scorecard" in text and "Open challenges" in text
        expect(page.locator("#pack-status")).to_contain_text("Board pack ready", timeout=30_000)
        expect(page.locator("#pack-progress-box")).to_be_hidden()
        expect(page.locator("#pack-button")).to_be_enabled()
    finally:
        ctx.close()


def test_contributors_see_the_pseudonymised_children_behind_a_computed_figure_and_viewers_do_not(
    browser, console, board_env, server, tmp_path
):
    returns = tmp_path / "returns"
    _cli(board_env, "synthetic-returns", str(returns), "--seed", "7", "--year", "2016")
    _cli(board_env, "ingest-903", str(returns), "--la", "havering", "--year", "2016", "--quiet")
    path = "/indicator/children_looked_after?board=havering&area=havering&period=2015-16"
    ctx, page = _signed_in(browser, console, server, "cora")
    try:
        _visit(page, server + path)
        section = page.locator(".child-level")
        expect(section.locator(".ag-row").first).to_be_visible(timeout=20_000)
        text = section.inner_text()
        assert "Children behind this figure" in text and "SYNTHETIC_ssda903_havering" in text
        page.screenshot(path=str(SCREENSHOTS / "indicator-child-level-as-contributor.png"), full_page=True)
    finally:
        ctx.close()
    ctx, page = _signed_in(browser, console, server, "vera")
    try:
        _visit(page, server + path)
        assert page.locator(".child-level").count() == 0 and page.locator("#child-rows-grid").count() == 0
        assert "Children behind this figure" not in page.content()
    finally:
        ctx.close()
