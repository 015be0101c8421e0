"""The board's own business in a real browser: the business manager adds the member agencies and records three
meetings in which the police are absent; on the third the police turn red (in words and a symbol) and an
escalation addressed to them is drafted in the challenge log; the chair sees who is not coming. axe-core finds no
serious or critical violation on either page, and the recording grid works from the keyboard."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_accessibility import BLOCKING, describe
from tests.e2e.test_review_flow import PASSWORD, _cli, _signed_in, _visit
from tests.servers import running_server

pytestmark = pytest.mark.e2e

POLICE = "Metropolitan Police"
HEALTH = "BHRUT (health)"


@pytest.fixture(scope="module")
def board_env(tmp_path_factory):
    """A password-protected board with a business manager and the chair."""
    instance = tmp_path_factory.mktemp("board-e2e")
    env = {"INSTANCE_PATH": str(instance), "AUTH_MODE": "password", "DATABASE_URL": ""}
    _cli(env, "init-db", "--empty")
    for name, role in (("bea", "business_manager"), ("chad", "chair")):
        _cli(env, "user", "add", name, "--role", role, "--password-stdin", input=PASSWORD + "\n")
    return env


@pytest.fixture(scope="module")
def server(board_env):
    with running_server(board_env, timeout=120, log_path=SCREENSHOTS.parent / "board-e2e-server.log") as url:
        yield url


def _axe_clean(page) -> None:
    results = Axe().run(
        page,
        options={
            "resultTypes": ["violations"],
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
        },
    )
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {page.url}:\n  {describe(blocking)}"


def _record(page, day: str, police: str) -> str:
    page.fill("#board-record-date", day)
    row = page.locator("fieldset", has_text=POLICE)
    row.get_by_label(police, exact=True).check()
    page.locator("fieldset", has_text=HEALTH).get_by_label("Present", exact=True).check()
    page.get_by_role("button", name="Save attendance").click()
    status = page.locator("#board-record-status")
    expect(status).to_contain_text(f"meeting of {day[8:]}", timeout=20_000)
    return status.inner_text()


def test_a_third_absence_turns_the_police_red_with_a_drafted_escalation(browser, console, server):
    ctx, page = _signed_in(browser, console, server, "bea")
    try:
        _visit(page, f"{server}/board-business/record?board=havering")
        for agency in (POLICE, HEALTH):
            page.get_by_label("Add a member agency").fill(agency)
            page.get_by_role("button", name="Add agency").click()
            expect(page.locator("fieldset", has_text=agency)).to_be_visible(timeout=20_000)
        _axe_clean(page)
        # The keyboard reaches the radio group: Tab into the police row and choose "Absent" with the arrow keys.
        page.locator("fieldset", has_text=POLICE).get_by_label("Present", exact=True).focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(page.locator("fieldset", has_text=POLICE).get_by_label("Absent", exact=True)).to_be_checked()
        assert "red" not in _record(page, "2016-05-12", "Absent")
        assert "red" not in _record(page, "2016-07-14", "Absent")
        message = _record(page, "2016-09-15", "Absent")
        assert f"{POLICE} is now red (absent 3 times in a row): escalation drafted as challenge #1" in message
        page.screenshot(path=str(SCREENSHOTS / "board-record-attendance.png"), full_page=True)
    finally:
        ctx.close()

    ctx, page = _signed_in(browser, console, server, "chad")
    try:
        _visit(page, f"{server}/board-business?board=havering")
        table = page.locator("#board-attendance table")
        expect(table).to_be_visible(timeout=20_000)
        first = table.locator("tbody tr").first
        assert POLICE in first.inner_text() and "\u2716" in first.inner_text() and "Red: escalate" in first.inner_text()
        assert "0% (0 of 3)" in first.inner_text() and "Absent, 15 Sep 2016" in first.inner_text()
        assert "1 agency is red: Metropolitan Police." in page.locator("#board-attendance").inner_text()
        # The Ofsted recommendations are not loaded by an empty init-db: the tracker says so plainly.
        assert "0 actions: 0 signed off, 0 overdue." in page.locator("#board-actions").inner_text()
        _axe_clean(page)
        page.screenshot(path=str(SCREENSHOTS / "board-business-chair.png"), full_page=True)
        page.get_by_label("Absences in a row that turn an agency red").fill("4")
        page.get_by_role("button", name="Save the rule").click()
        expect(page.locator("#board-rule-status")).to_contain_text("absent from 4 meetings in a row", timeout=20_000)
        expect(page.locator("#board-attendance")).to_contain_text("No agency has missed enough", timeout=20_000)

        _visit(page, f"{server}/challenges?board=havering")
        grid = page.locator(".challenges-grid")
        expect(grid).to_contain_text(POLICE, timeout=20_000)
        assert "not been represented at the last 3 meetings" in grid.inner_text()
    finally:
        ctx.close()


def test_a_police_representative_evidences_only_police_actions_and_the_chair_signs_off(
    browser, console, server, board_env
):
    _cli(board_env, "user", "add", "pat", "--role", "contributor", "--password-stdin", input=PASSWORD + "\n")
    _cli(
        board_env,
        "board",
        "add-representative",
        "--board",
        "havering",
        "--agency",
        POLICE,
        "--name",
        "Pat Police",
        "--role-title",
        "Detective Inspector",
        "--user",
        "pat",
    )
    _cli(
        board_env,
        "board",
        "add-action",
        "--board",
        "havering",
        "--reference",
        "S11-POL-1",
        "--source-kind",
        "section11",
        "--source",
        "Section 11 audit 2016",
        "--agency",
        POLICE,
        "--text",
        "Attend every strategy meeting.",
        "--due",
        "2016-10-31",
    )
    _cli(
        board_env,
        "board",
        "add-action",
        "--board",
        "havering",
        "--reference",
        "S11-HEA-1",
        "--source-kind",
        "section11",
        "--source",
        "Section 11 audit 2016",
        "--agency",
        HEALTH,
        "--text",
        "Level 3 training to 85%.",
        "--due",
        "2099-03-31",
    )
    ctx, page = _signed_in(browser, console, server, "pat")
    try:
        _visit(page, f"{server}/board-business?board=havering")
        actions = page.locator("#board-actions")
        expect(actions).to_contain_text("Overdue", timeout=20_000)
        assert "S11-POL-1" in actions.locator("table").first.inner_text()  # the overdue exceptions lead
        assert page.get_by_role("button", name="Record evidence for S11-HEA-1").count() == 0
        assert page.get_by_role("button", name="Sign off S11-POL-1").count() == 0
        _axe_clean(page)
        page.get_by_label("Evidence for S11-POL-1").fill("CAIT rota covers every strategy meeting from October.")
        page.get_by_role("button", name="Record evidence for S11-POL-1").click()
        expect(page.locator("#board-action-status")).to_contain_text(
            "Evidence recorded against action S11-POL-1", timeout=20_000
        )
    finally:
        ctx.close()
    ctx, page = _signed_in(browser, console, server, "chad")
    try:
        _visit(page, f"{server}/board-business?board=havering")
        page.get_by_role("button", name="Sign off S11-POL-1").click()
        expect(page.locator("#board-action-status")).to_contain_text("signed off by chad", timeout=20_000)
        expect(page.locator("#board-actions")).to_contain_text("0 overdue", timeout=20_000)
        page.screenshot(path=str(SCREENSHOTS / "board-business-actions.png"), full_page=True)
    finally:
        ctx.close()
