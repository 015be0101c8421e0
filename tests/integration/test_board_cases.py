"""The board business use cases on real SQLite and PostgreSQL: the business manager records meetings, an agency
absent three times in a row turns red and gets one drafted escalation in the challenge log, the board sets its own
rule, and the action tracker keeps each role to its own part (a police representative cannot sign off, nor evidence a
health action). Every write leaves its audit entry; every refusal leaves nothing."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from dashboard.auth.roles import make_user
from dashboard.reference.view import view_from_query
from dashboard.services import board as cases
from dashboard.services import challenges
from data_access import audit, db
from data_access.board_models import BoardAction, BoardActionEvent, BoardAttendance
from data_access.review_models import Challenge

MANAGER = make_user("bea", ["business_manager"])
CHAIR = make_user("chad", ["chair"])
ANALYST = make_user("ana", ["analyst"])
POLICE = make_user("pat", ["contributor"])
VIEWER = make_user("vera", ["viewer"])
TODAY = date(2016, 12, 1)
AGENCIES = ("Metropolitan Police", "BHRUT (health)", "Havering children's services")


def _count(model, *where) -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _meeting(day: str, police: str, user=MANAGER, deputy: str = ""):
    marks = {
        "Metropolitan Police": (police, deputy),
        "BHRUT (health)": ("present", ""),
        "Havering children's services": ("apologies", "Deputy director"),
    }
    return cases.record_attendance(user, "havering", day, "board", marks, today=TODAY)


def test_a_third_absence_in_a_row_turns_the_agency_red_with_one_drafted_escalation(empty_db):
    assert _meeting("2016-03-10", "present").ok
    assert _meeting("2016-05-12", "absent").ok
    r = _meeting("2016-07-14", "absent")
    assert r.ok and "red" not in r.message and _count(Challenge) == 0
    r = _meeting("2016-09-15", "absent")
    assert r.ok and "Metropolitan Police is now red (absent 3 times in a row)" in r.message
    assert r.challenge_id is not None

    view = cases.attendance_view("havering", CHAIR, today=TODAY)
    police = view.rows[0]
    assert (police.agency, police.red, police.absences_in_a_row) == ("Metropolitan Police", True, 3)
    assert police.recent == "25% (1 of 4)" and police.last == "Absent, 15 Sep 2016"
    assert "1 agency is red: Metropolitan Police." == view.summary
    health = next(x for x in view.rows if x.agency == "BHRUT (health)")
    assert not health.red and health.recent == "100% (4 of 4)"

    # The escalation sits in the chair's challenge log, addressed to the agency, with the facts it used.
    log = challenges.challenge_log(view_from_query({"board": "havering"}), "active", today=TODAY)
    assert [row["owner"] for row in log.rows] == ["Metropolitan Police"]
    assert "not been represented at the last 3 meetings" in log.rows[0]["question"]
    with db.session_scope() as s:
        facts = json.loads(s.scalar(select(Challenge.facts)))
    assert "12 May 2016, 14 Jul 2016, 15 Sep 2016" in facts[0]
    assert [e.action for e in audit.recent(10)][:2] == ["board.attendance", "challenge.raise"]

    # Correcting the same meeting, or a fourth absence, does not raise it again: the agency is already red.
    assert _meeting("2016-09-15", "absent").message.startswith(
        "Attendance at the board meeting of 15 Sep 2016 corrected"
    )
    assert _meeting("2016-11-10", "absent").ok
    assert _count(Challenge) == 1


def test_a_deputy_keeps_the_agency_represented_and_refusals_save_nothing(empty_db):
    for day in ("2016-03-10", "2016-05-12", "2016-07-14"):
        assert _meeting(day, "apologies", deputy="DI Jones").ok
    row = cases.attendance_view("havering", CHAIR, today=TODAY).rows
    assert all(not r.red for r in row) and row[0].recent == "100% (3 of 3)"

    for user in (VIEWER, POLICE, CHAIR):
        r = _meeting("2016-09-15", "absent", user=user)
        assert not r.ok and r.refused and "needs the business_manager role" in r.message
    assert _count(BoardAttendance) == 9
    bad = cases.record_attendance(
        MANAGER, "havering", "2017-01-01", "board", {"Metropolitan Police": ("absent", "")}, today=TODAY
    )
    assert not bad.ok and "once it has been held" in bad.message
    bad = cases.record_attendance(
        MANAGER, "havering", "2016-10-01", "board", {"Metropolitan Police": ("present", "DI Jones")}, today=TODAY
    )
    assert not bad.ok and "deputy is named only" in bad.message
    assert _count(BoardAttendance) == 9


def test_the_board_sets_its_own_rule_and_only_an_analyst_or_the_chair_may_change_it(empty_db):
    assert cases.absences_rule("havering") == 3
    r = cases.set_absence_rule(MANAGER, "havering", 2)
    assert not r.ok and r.refused
    assert not cases.set_absence_rule(CHAIR, "havering", "0").ok
    assert cases.set_absence_rule(CHAIR, "havering", "2").ok
    assert cases.set_absence_rule(ANALYST, "havering", 2).ok
    assert cases.absences_rule("havering") == 2
    assert _meeting("2016-05-12", "absent").ok
    r = _meeting("2016-07-14", "absent")
    assert "now red (absent 2 times in a row)" in r.message
    assert [e.actor for e in audit.recent(20, action="board.rule")] == ["ana", "chad"]


def _own_agency_setup():
    assert cases.add_representative(
        MANAGER, "havering", "Metropolitan Police", "Pat Police", "Detective Inspector", "pat"
    ).ok
    assert cases.add_action(
        MANAGER,
        "havering",
        "S11-POL-1",
        "section11",
        "Section 11 audit 2016",
        "Metropolitan Police",
        "Police to attend every strategy meeting.",
        "2016-10-31",
    ).ok
    assert cases.add_action(
        MANAGER,
        "havering",
        "S11-HEA-1",
        "section11",
        "Section 11 audit 2016",
        "BHRUT (health)",
        "Level 3 training to 85%.",
        "2017-03-31",
    ).ok
    ids = {a.reference: a.id for a in cases.action_tracker("havering", today=TODAY).rows}
    return ids["S11-POL-1"], ids["S11-HEA-1"]


def test_a_police_representative_evidences_their_own_action_but_not_healths_and_signs_off_nothing(empty_db):
    police_action, health_action = _own_agency_setup()
    r = cases.record_evidence(POLICE, health_action, "Done")
    assert not r.ok and r.refused and "pat represents Metropolitan Police" in r.message
    assert not cases.sign_off_action(POLICE, police_action).ok
    assert not cases.sign_off_action(CHAIR, police_action).ok  # nothing to sign off without evidence
    assert cases.record_evidence(POLICE, police_action, "CAIT rota in place since October.").ok
    r = cases.sign_off_action(POLICE, police_action)
    assert not r.ok and r.refused and "needs the chair role" in r.message
    assert cases.sign_off_action(CHAIR, police_action).ok

    tracker = cases.action_tracker("havering", today=TODAY)
    done = next(a for a in tracker.rows if a.id == police_action)
    assert done.status == "Signed off" and done.signed_off.startswith("chad, ") and not done.overdue
    assert [(e["actor"], e["change"]) for e in cases.action_history(police_action)] == [
        ("bea", "added"),
        ("pat", "evidenced"),
        ("chad", "signed_off"),
    ]
    assert _count(BoardActionEvent, BoardActionEvent.action_id == health_action) == 1
    assert [e.action for e in audit.recent(3)] == ["action.sign_off", "action.evidence", "action.add"]


def test_overdue_actions_are_the_exceptions_and_progress_is_by_source_and_agency(empty_db):
    _own_agency_setup()
    tracker = cases.action_tracker("havering", today=TODAY)
    assert [(a.reference, a.days_overdue) for a in tracker.overdue] == [("S11-POL-1", 31)]
    assert tracker.summary == "2 actions: 0 signed off, 1 overdue."
    by_agency = {p.group: (p.total, p.overdue) for p in tracker.by_agency}
    assert by_agency == {"BHRUT (health)": (1, 0), "Metropolitan Police": (1, 1)}
    assert [(p.group, p.total) for p in tracker.by_source] == [("Section 11 audit", 2)]


def test_the_ofsted_recommendations_are_the_first_actions_each_with_its_line(empty_db):
    assert cases.load_bundled_actions() == 9
    assert cases.load_bundled_actions() == 0  # init-db again adds nothing twice
    tri = cases.action_tracker("triborough", today=TODAY).rows
    escalate = next(a for a in tri if "infrequent partnership attendance" in a.text)
    assert escalate.cited == "003_a79bf05b93d54816.txt, line 2024" and escalate.source_kind == "Inspection"
    hav = cases.action_tracker("havering", today=TODAY).rows
    assert [a.cited for a in hav] == [f"001_21cb56d49e1c8890.txt, line {n}" for n in (374, 375, 376, 377)]
    assert all(a.due == "no due date" and not a.overdue for a in hav)
    assert _count(BoardAction) == 9


def test_the_pack_section_has_attendance_by_agency_and_overdue_actions(empty_db):
    _own_agency_setup()
    for day in ("2016-05-12", "2016-07-14", "2016-09-15"):
        _meeting(day, "absent")
    pack = cases.board_business_for_pack(view_from_query({"board": "havering"}), today=TODAY)
    assert pack.board_name == "Havering LSCB" and pack.absences_rule == 3
    assert pack.attendance[0].agency == "Metropolitan Police" and pack.attendance[0].red
    assert [a.reference for a in pack.overdue_actions] == ["S11-POL-1"]
