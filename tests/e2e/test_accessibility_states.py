"""WCAG 2.2 AA in every state a user reaches, not only the states a hand-made list visits.

The pages come from Dash's page registry, read in a process that builds the app as the server does, so a page
registered tomorrow is checked tomorrow. Each is checked by axe-core (WCAG 2.0, 2.1 and 2.2, A and AA; zero
violations of any impact; no rule disabled) signed in as each role, in meeting mode, with drafted questions, with a
raised and an answered challenge, and with the drill panel open. A keyboard walk reaches every control of every
page in reading order with a visible focus, opens the drill panel for a chart point and downloads the pack.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import MEETING, NORMAL, SCREENSHOTS
from tests.e2e.helpers import axe_violations, open_first_drill_point, settle, sign_in
from tests.e2e.test_accessibility import (
    _CONTROLS_JS,
    describe,
    focus_is_visible,
    tab_through,
    unfocused_styles,
)
from tests.servers import running_server

pytestmark = pytest.mark.e2e

PASSWORD = "lantern-orchard-meridian"
USERS = {"viewer": "vera", "contributor": "cora", "chair": "chad", "analyst": "anna", "admin": "adam"}
INDICATOR = "police_attendance_icpc_pct"
# A value for each variable of a page's address template; a template with another variable fails the test, so that
# a new kind of page is given an example rather than skipped.
SAMPLE = {"code": INDICATOR}
QUESTION = "Why did police attendance at initial conferences fall, and what has changed since?"
ANSWERED = "What is the plan to fill the CAIT vacancies before the next board?"


def _cli(env: dict, *args: str, input: str | None = None) -> None:
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
def board_env(tmp_path_factory) -> dict:
    """A password-protected board with one user of each role, made by the command line."""
    instance = tmp_path_factory.mktemp("a11y-states")
    env = {"INSTANCE_PATH": str(instance), "AUTH_MODE": "password", "DATABASE_URL": ""}
    _cli(env, "init-db")
    for role, name in USERS.items():
        _cli(env, "user", "add", name, "--role", role, "--password-stdin", input=PASSWORD + "\n")
    return env


@pytest.fixture(scope="module")
def server(board_env):
    with running_server(board_env, timeout=180, log_path=SCREENSHOTS.parent / "a11y-states-server.log") as url:
        yield url


@pytest.fixture(scope="module")
def registered_pages(board_env) -> list[dict]:
    """Dash's page registry as the app builds it: module, name and an address to visit for each page."""
    code = (
        "import json, dash\nfrom dashboard.web.app import create_app\ncreate_app()\n"
        "print(json.dumps([{k: p.get(k) for k in ('module', 'name', 'path', 'path_template')}"
        " for p in dash.page_registry.values()]))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **board_env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    pages = json.loads(r.stdout.strip().splitlines()[-1])
    for p in pages:
        template = p.get("path_template")
        if template:
            missing = [v for v in re.findall(r"<(\w+)>", template) if v not in SAMPLE]
            assert not missing, f"page {p['module']}: give SAMPLE an example value for {missing}"
            p["visit"] = re.sub(r"<(\w+)>", lambda m: SAMPLE[m.group(1)], template)
        else:
            p["visit"] = p["path"]
    assert len(pages) >= 10 and any(p["module"] == "challenges" for p in pages)
    return pages


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def _visit(page, path: str) -> None:
    page.goto(page.base + path)
    settle(page)


def _check_pages(axe, page, pages: list[dict], query: str = "", state: str = "") -> list[str]:
    """axe on each page; one readable line per page with violations."""
    found = []
    for p in pages:
        _visit(page, p["visit"] + query)
        violations = axe_violations(axe, page)
        if violations:
            found.append(f"{p['visit']}{query} {state}:\n  {describe(violations)}")
    return found


@pytest.fixture(scope="module")
def challenges_raised(browser, server):
    """Two challenges raised by a contributor (one with a due date typed into the date field), one of them answered
    by the chair: the states the challenge log and the indicator page reach in use."""
    from tests.e2e.conftest import ConsoleWatch

    watch = ConsoleWatch()
    due = date.today() + timedelta(days=30)
    ctx, page = sign_in(browser, watch, server, USERS["contributor"], PASSWORD, NORMAL)
    try:
        _visit(page, f"/indicator/{INDICATOR}")
        due_field = page.locator("#challenge-due")
        assert due_field.get_attribute("type") == "date" and due_field.get_attribute("aria-expanded") is None
        for question, with_due in ((QUESTION, True), (ANSWERED, False)):
            page.fill("#challenge-question", question)
            if with_due:
                due_field.fill(due.isoformat())
            page.click("#challenge-submit")
            expect(page.locator("#challenge-status")).to_contain_text("raised", timeout=20_000)
            settle(page)
        listed = page.locator("#indicator-challenges").inner_text()
        assert f"due {due:%d %b %Y}" in listed, "the date typed in the date field is the challenge's due date"
    finally:
        ctx.close()
    ctx, page = sign_in(browser, watch, server, USERS["chair"], PASSWORD, NORMAL)
    try:
        _visit(page, "/challenges")
        page.locator(".challenges-grid .ag-row", has_text=ANSWERED).first.click()
        page.wait_for_selector("#challenge-response")
        page.fill("#challenge-response", "Two officers start in April; the chair will check in May.")
        page.get_by_role("button", name="Record response").click()
        expect(page.locator("#challenge-action-status")).to_contain_text("answered", timeout=20_000)
    finally:
        ctx.close()
    assert not watch.errors, watch.errors
    return due


@pytest.mark.parametrize("role", list(USERS))
def test_every_registered_page_has_no_wcag_violation_for_each_role(
    browser, console, server, axe, role, registered_pages, challenges_raised
):
    """Write controls differ by role (forms, raise and dismiss buttons, the children behind a figure)."""
    ctx, page = sign_in(browser, console, server, USERS[role], PASSWORD, NORMAL)
    try:
        found = _check_pages(axe, page, registered_pages, state=f"as {role}")
        assert not found, "axe-core (WCAG 2.2 A and AA):\n" + "\n".join(found)
    finally:
        ctx.close()


def test_every_registered_page_has_no_wcag_violation_in_meeting_mode(
    browser, console, server, axe, registered_pages, challenges_raised
):
    ctx, page = sign_in(browser, console, server, USERS["chair"], PASSWORD, MEETING)
    try:
        found = _check_pages(axe, page, registered_pages, query="?meeting=1", state="in meeting mode")
        assert "meeting" in (page.get_attribute("#shell", "class") or ""), "meeting mode is on"
        assert not found, "axe-core (WCAG 2.2 A and AA):\n" + "\n".join(found)
    finally:
        ctx.close()


@pytest.mark.parametrize("role", ["contributor", "chair", "viewer"])
def test_the_challenge_log_with_drafts_and_a_selected_challenge_has_no_wcag_violation(
    browser, console, server, axe, role, challenges_raised
):
    ctx, page = sign_in(browser, console, server, USERS[role], PASSWORD, NORMAL)
    try:
        _visit(page, "/challenges")
        expect(page.locator(".draft-card").first).to_be_visible()
        assert page.locator(".draft-reason").count() > 0, "drafted questions are shown with their reason badge"
        for question in (QUESTION, ANSWERED):
            page.locator(".challenges-grid .ag-row", has_text=question).first.click()
            expect(page.locator("#challenge-detail")).to_contain_text(question[:40])
            settle(page)
            violations = axe_violations(axe, page)
            assert not violations, f"/challenges as {role}, '{question[:30]}' selected:\n  {describe(violations)}"
        page.screenshot(path=str(SCREENSHOTS / f"a11y-challenges-{role}.png"), full_page=True)
    finally:
        ctx.close()


PAGES_WITHOUT_CHARTS = {"domain_board_business"}


def test_every_domain_page_with_its_drill_panel_open_has_no_wcag_violation(
    browser, console, server, axe, registered_pages
):
    ctx, page = sign_in(browser, console, server, USERS["viewer"], PASSWORD, NORMAL)
    domains = [p for p in registered_pages if p["module"].startswith("domain_")]
    assert domains
    try:
        found = []
        for p in domains:
            _visit(page, p["visit"])
            if page.locator("#drill-panel").count() == 0:
                # The board's business page lists attendance and actions: it draws no chart to drill into.
                assert p["module"] in PAGES_WITHOUT_CHARTS, f"{p['visit']} has no drill panel"
                continue
            text = open_first_drill_point(page)
            assert "Source" in text or "No figure" in text, f"the drill panel on {p['visit']} shows a point"
            violations = axe_violations(axe, page)  # the chart's table is open too
            if violations:
                found.append(f"{p['visit']} with the drill panel open:\n  {describe(violations)}")
        assert not found, "\n".join(found)
    finally:
        ctx.close()


# --- the keyboard ------------------------------------------------------------------------------------------------


_ORDER_JS = """() => [...document.querySelectorAll('[tabindex]')]
  .filter(el => parseInt(el.getAttribute('tabindex'), 10) > 0)
  .map(el => el.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("meeting", [False, True], ids=["normal", "meeting-mode"])
def test_a_keyboard_walk_reaches_every_control_of_every_page_in_reading_order_with_a_visible_focus(
    browser, console, server, registered_pages, meeting
):
    """Signed in as the chair (the most controls). Tab order is the reading order: no positive tabindex, and the
    controls are reached in the order they stand in the page."""
    ctx, page = sign_in(browser, console, server, USERS["chair"], PASSWORD, MEETING if meeting else NORMAL)
    problems: list[str] = []
    try:
        for p in registered_pages:
            where = p["visit"] + ("?meeting=1" if meeting else "")
            _visit(page, where)
            controls = page.evaluate(_CONTROLS_JS)
            if not controls:
                problems.append(f"{where}: no controls at all")
                continue
            jumps = page.evaluate(_ORDER_JS)
            if jumps:
                problems.append(f"{where}: a positive tabindex takes the focus out of reading order: {jumps}")
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            stops = tab_through(page, limit=len(controls) + 400)
            reached = [int(s["control"]) for s in stops if s["control"] is not None]
            missed = [c for i, c in enumerate(controls) if i not in set(reached)]
            if missed:
                problems.append(f"{where}: Tab never reaches {missed}")
            backwards = [(a, b) for a, b in zip(reached, reached[1:], strict=False) if b < a]
            if backwards:
                pairs = [(controls[a], controls[b]) for a, b in backwards]
                problems.append(f"{where}: the focus goes back up the page: {pairs}")
            after = unfocused_styles(page)
            judged = [s for s in stops if s["seen"] in after]
            invisible = [
                f'{s["tag"]} "{s["text"]}"' for s in judged if not focus_is_visible(s["style"], after[s["seen"]])
            ]
            if invisible:
                problems.append(f"{where}: no visible focus on {invisible}")
        assert not problems, "\n".join(problems)
    finally:
        ctx.close()


def test_a_keyboard_user_opens_the_drill_panel_for_a_chart_point(browser, console, server):
    ctx, page = sign_in(browser, console, server, USERS["viewer"], PASSWORD, NORMAL)
    try:
        _visit(page, "/child-protection?board=havering")
        first_chart = page.locator(".chart-card").first
        summary = first_chart.locator(".chart-summary").inner_text()
        assert re.search(r"\d", summary) and " in " in summary, f"the chart says its latest figure: {summary!r}"
        table = first_chart.locator(".chart-table")
        assert table.get_attribute("open") is None
        button_text = None
        table.locator("summary").focus()
        page.keyboard.press("Enter")
        button = table.locator(".drill-point").last
        expect(button).to_be_visible()
        button_text = button.inner_text()
        label = button.get_attribute("aria-label")
        assert label.startswith(button_text), "the button's name starts with the figure it shows (WCAG 2.5.3)"
        button.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#drill-panel")).to_contain_text("Source", timeout=15_000)
        panel = page.locator("#drill-panel").inner_text()
        period = label.split(", ")[-1].split(":")[0]
        assert period in panel, f"the drill panel is about the point pressed ({label})"
        page.screenshot(path=str(SCREENSHOTS / "a11y-drill-by-keyboard.png"), full_page=True)
    finally:
        ctx.close()


def test_a_keyboard_user_downloads_the_board_pack(browser, console, server):
    ctx, page = sign_in(browser, console, server, USERS["viewer"], PASSWORD, NORMAL)
    try:
        _visit(page, "/")
        button = page.locator("#pack-button")
        button.focus()
        assert page.evaluate("document.activeElement.id") == "pack-button"
        with page.expect_download(timeout=180_000) as download:
            page.keyboard.press("Enter")
        assert open(download.value.path(), "rb").read(4) == b"%PDF"
    finally:
        ctx.close()


def test_every_figure_is_paged_sorted_and_filtered_from_the_keyboard_with_a_visible_count(page):
    """The indicator with the most figures: 20 a page under a count, not one tall table; a heading sorts with Enter
    and a filter box narrows the rows, and the pager says how many remain."""
    page.goto(page.base + "/indicator/cp_plans?board=havering")
    settle(page)
    summary = page.locator("#indicator-content p.summary").inner_text()
    total = int(summary.split()[0].replace(",", ""))
    assert total > 20, f"the bundled dataset has more than a page of figures for cp_plans: {summary}"
    grid = page.locator("#indicator-grid")
    pager = grid.locator(".ag-paging-row-summary-panel")
    expect(pager).to_be_visible()
    assert pager.inner_text().split()[-1] == str(total), pager.inner_text()
    assert grid.locator(".ag-center-cols-container .ag-row").count() == 20
    assert page.evaluate("document.documentElement.scrollHeight") < 4000, "the page stays short"

    header = grid.locator('.ag-header-cell[role=columnheader][col-id="period"]')
    header.focus()
    page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-sort", "ascending")
    page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-sort", "descending")

    box = grid.locator(".ag-floating-filter input").first  # the Area column's filter box
    box.focus()
    page.keyboard.type("no such area")
    expect(pager).not_to_contain_text(f"of {total}", timeout=5_000)
    assert grid.locator(".ag-center-cols-container .ag-row").count() == 0


def test_the_sign_in_page_and_the_audit_log_outside_dash_have_no_wcag_violation(browser, console, server, axe):
    """Two pages the server draws itself, not through Dash's registry: signing in (also after a wrong password)
    and the admin's audit log."""
    ctx = browser.new_context(viewport=NORMAL, locale="en-GB")
    try:
        page = ctx.new_page()
        console.attach(page)
        page.goto(server + "/login")
        violations = axe_violations(axe, page)
        assert not violations, f"/login:\n  {describe(violations)}"
        page.get_by_label("User name").fill(USERS["viewer"])
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        violations = axe_violations(axe, page)
        assert not violations, f"/login after a wrong password:\n  {describe(violations)}"
    finally:
        ctx.close()
    # The refused sign-in answers 401, which the browser reports as a console error; any other error still fails.
    console.errors[:] = [e for e in console.errors if "401" not in e]
    ctx, page = sign_in(browser, console, server, USERS["admin"], PASSWORD, NORMAL)
    try:
        page.goto(server + "/admin/audit")
        assert page.locator("table").count() >= 1
        violations = axe_violations(axe, page)
        assert not violations, f"/admin/audit:\n  {describe(violations)}"
    finally:
        ctx.close()
