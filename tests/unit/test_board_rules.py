"""The board's attendance rule and the action tracker's rules, as a business manager and a chair rely on them."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from dashboard.rules import actions as ar
from dashboard.rules import attendance as at
from tests.conftest import ROOT
from tests.unit.test_bundled_dataset import seeds_dir

D = [date(2016, m, 10) for m in (1, 3, 5, 7, 9, 11)]


def marks(*statuses: str) -> list[at.Mark]:
    return [at.Mark(D[i], s, "Deputy" if s == "apologies" else "") for i, s in enumerate(statuses)]


def test_absences_count_only_the_latest_meetings_in_a_row_without_apologies():
    assert at.absences_in_a_row(marks("absent", "absent", "present", "absent", "absent")) == 2
    assert at.absences_in_a_row(marks("present", "absent", "absent", "absent")) == 3
    assert at.absences_in_a_row(marks("absent", "absent", "apologies")) == 0  # apologies break a run of silence
    assert at.absences_in_a_row(list(reversed(marks("present", "absent", "absent")))) == 2  # order does not matter
    assert at.absences_in_a_row([]) == 0


def test_an_agency_turns_red_at_the_boards_number_of_absences_in_a_row_and_only_then():
    before, after = marks("present", "absent", "absent"), marks("present", "absent", "absent", "absent")
    assert not at.is_red(before, 3) and at.is_red(after, 3)
    assert at.turned_red(before, after, 3)
    assert not at.turned_red(after, [*after, at.Mark(date(2017, 1, 1), "absent")], 3)  # already red: no new escalation
    assert at.is_red(before, 2) and not at.is_red(marks("absent", "present"), 1)


def test_attendance_rate_counts_a_deputy_sent_with_apologies_as_represented():
    assert at.attendance_rate(marks("present", "apologies", "absent", "absent")) == 50.0
    assert at.attendance_rate([at.Mark(D[0], "apologies", "")]) == 0.0  # apologies and nobody came
    assert at.attendance_rate([]) is None


def test_summary_takes_the_last_four_meetings_and_the_last_twelve_months():
    history = marks("absent", "absent", "present", "present", "present", "absent")
    s = at.summarise("Police", history, 3, date(2017, 2, 1))
    assert (s.recent_meetings, s.recent_rate) == (4, 75.0)
    assert s.year_meetings == 5 and s.year_rate == 60.0  # January 2016 is more than a year before
    assert s.absences_in_a_row == 1 and not s.red
    assert s.last == history[-1]


def test_the_drafted_escalation_states_the_facts():
    history = marks("present", "absent", "absent", "absent")
    question, facts = at.escalation_question("Metropolitan Police", "Havering LSCB", history, 3)
    assert "Metropolitan Police" in question and "last 3 meetings" in question
    assert "10 Mar 2016, 10 May 2016, 10 Jul 2016" in facts[0]
    assert "after 3 absences" in facts[1] and "25%" in facts[2]


@pytest.mark.parametrize("bad", ["", "x", 0, 13, "2.5"])
def test_the_boards_rule_must_be_a_sensible_whole_number(bad):
    with pytest.raises(at.AttendanceRuleError):
        at.check_absence_rule(bad)


def test_a_deputy_is_named_only_with_apologies():
    assert at.check_status("apologies", "DI Smith") == "apologies"
    with pytest.raises(at.AttendanceRuleError):
        at.check_status("present", "DI Smith")
    with pytest.raises(at.AttendanceRuleError):
        at.check_status("late", "")


def test_overdue_uses_calendar_due_dates_and_never_a_signed_off_action():
    due = date(2016, 3, 31)
    assert not ar.is_overdue("open", due, date(2016, 3, 31))  # due today is not yet overdue
    assert ar.is_overdue("open", due, date(2016, 4, 1)) and ar.days_overdue("open", due, date(2016, 4, 3)) == 3
    assert ar.is_overdue("evidenced", due, date(2016, 4, 1))  # awaiting sign-off is still not done
    assert not ar.is_overdue("signed_off", due, date(2017, 1, 1))
    assert not ar.is_overdue("open", None, date(2030, 1, 1))


def test_only_evidenced_actions_are_signed_off():
    assert ar.next_status("open", "evidence") == "evidenced"
    assert ar.next_status("evidenced", "sign_off") == "signed_off"
    with pytest.raises(ar.ActionRuleError):
        ar.next_status("open", "sign_off")
    with pytest.raises(ar.ActionRuleError):
        ar.next_status("signed_off", "evidence")


def test_a_representative_evidences_only_their_own_agencys_actions():
    assert ar.may_evidence("Metropolitan Police", "Metropolitan Police", manager=False)
    assert not ar.may_evidence("Metropolitan Police", "BHRUT (health)", manager=False)
    assert not ar.may_evidence(None, "BHRUT (health)", manager=False)
    assert ar.may_evidence(None, "BHRUT (health)", manager=True)


def test_progress_by_group_counts_signed_off_and_overdue():
    rows = [
        {"agency": "Police", "status": "signed_off", "due_date": date(2016, 1, 1)},
        {"agency": "Police", "status": "open", "due_date": date(2016, 1, 1)},
        {"agency": "Health", "status": "open", "due_date": None},
    ]
    p = {g.group: g for g in ar.progress_by(rows, "agency", date(2016, 6, 1))}
    assert (p["Police"].total, p["Police"].signed_off, p["Police"].overdue, p["Police"].percent_done) == (2, 1, 1, 50)
    assert p["Health"].percent_done == 0 and p["Health"].overdue == 0


def test_every_bundled_action_quotes_its_cited_line():
    seeds = seeds_dir()
    if seeds is None:
        pytest.skip("source documents not found beside the checkout; set SEEDS_DIR")
    spec = yaml.safe_load((ROOT / "dashboard" / "dataset" / "actions.yaml").read_text(encoding="utf-8"))
    assert len(spec["actions"]) == 9
    for a in spec["actions"]:
        line = (seeds / a["source_document"]).read_text(encoding="utf-8").splitlines()[a["source_line"] - 1]
        assert a["text"] in line, a["reference"]
        assert a["source_kind"] in ar.SOURCE_KINDS and "due_date" not in a  # the reports state no due dates
    assert any(a["source_line"] == 2024 and "infrequent partnership attendance" in a["text"] for a in spec["actions"])
