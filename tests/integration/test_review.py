"""Commentary and challenges on real databases: history kept, stale saves refused, the pack shows them."""

from __future__ import annotations

import io
import subprocess
from datetime import date

import pytest

from dashboard.reference.view import view_from_query
from dashboard.reports.pack import build_pack
from dashboard.services import dataset as services
from data_access import review_store
from data_access.review_store import ChallengeChange, VersionConflict


def test_commentary_edits_keep_every_version(loaded_db):
    v1 = review_store.save_commentary(
        "contacts", "havering", "2014-15", "Demand fell after the MASH launch.", "ann", None
    )
    v2 = review_store.save_commentary("contacts", "havering", "2014-15", "Demand fell; blue RAG removed.", "bob", v1)
    assert (v1, v2) == (1, 2)
    current = review_store.commentary_table()
    assert list(current["body"]) == ["Demand fell; blue RAG removed."] and list(current["author"]) == ["bob"]
    history = review_store.commentary_revisions("contacts", "havering", "2014-15")
    assert list(history["body"]) == ["Demand fell; blue RAG removed.", "Demand fell after the MASH launch."]


def test_a_stale_commentary_save_is_refused_with_the_current_text(loaded_db):
    review_store.save_commentary("contacts", "havering", "2014-15", "first", "ann", None)
    review_store.save_commentary("contacts", "havering", "2014-15", "second", "bob", 1)
    with pytest.raises(VersionConflict) as e:
        review_store.save_commentary("contacts", "havering", "2014-15", "late", "cat", 1)
    assert e.value.current["body"] == "second" and e.value.current["author"] == "bob"
    assert list(review_store.commentary_table()["body"]) == ["second"]


def test_two_people_editing_one_challenge_the_later_save_is_told_not_applied(loaded_db):
    cid = review_store.raise_challenge(
        "police_attendance_icpc_pct", "havering", "2014-15", "Why only 44%?", "Metropolitan Police (CAIT)", "chair"
    )
    opened_by_both = review_store.current_challenge(cid)["version"]
    review_store.update_challenge(cid, opened_by_both, "ann", ChallengeChange(question="Why only 44%? By when 100%?"))
    with pytest.raises(VersionConflict) as e:
        review_store.update_challenge(cid, opened_by_both, "bob", ChallengeChange(question="Bob's wording"))
    assert e.value.current["question"] == "Why only 44%? By when 100%?" and e.value.current["updated_by"] == "ann"
    assert review_store.current_challenge(cid)["question"] == "Why only 44%? By when 100%?"


def test_every_change_to_a_challenge_is_kept_with_who_and_when(loaded_db):
    cid = review_store.raise_challenge(
        "police_attendance_icpc_pct",
        "havering",
        "2014-15",
        "Why only 44%?",
        "Metropolitan Police (CAIT)",
        "chair",
        due_date=date(2030, 1, 31),
        meeting="Board 8 Dec",
    )
    v = review_store.update_challenge(
        cid, 1, "chair", ChallengeChange(status="answered", action="answered", response="New rota from April.")
    )
    review_store.update_challenge(cid, v, "chair", ChallengeChange(status="closed", action="closed"))
    events = review_store.challenge_events(cid)
    assert list(events["action"]) == ["raised", "answered", "closed"]
    assert list(events["to_status"]) == ["open", "answered", "closed"]
    assert (events["actor"] == "chair").all() and events["at"].notna().all()
    row = review_store.challenges_table().iloc[0]
    assert (row["status"], row["response"], row["meeting"]) == ("closed", "New rota from April.", "Board 8 Dec")


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text in reading order (a table cell per line)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _words(pdf: bytes) -> str:
    return " ".join(_pdf_text(pdf).split())


def _cell_after(pdf: bytes, label: str) -> str:
    lines = [x.strip() for x in _pdf_text(pdf).splitlines()]
    return lines[lines.index(label) + 1]


def test_the_board_pack_holds_cover_scorecard_exceptions_commentary_and_challenges(loaded_db, tmp_path):
    review_store.save_commentary(
        "police_attendance_icpc_pct", "havering", "2014-15", "CAIT vacancies <b>filled</b> in March.", "q&e", None
    )
    review_store.raise_challenge(
        "police_attendance_icpc_pct",
        "havering",
        "2014-15",
        "What will the police do to attend every initial conference?",
        "Metropolitan Police (CAIT)",
        "chair",
        due_date=date(2030, 1, 31),
    )
    text = _words(build_pack(view_from_query({"board": "havering"}), today=date(2026, 11, 22), with_charts=False))
    for expected in (
        "Havering Local Safeguarding Children Board",
        "Performance report: board pack",
        "Produced 22 November 2026",
        "Contents",
        "Scorecard",
        "Exceptions and commentary",
        "Police (CAIT) attendance at initial conferences",
        "Red",
        "Open challenges",
        "What will the police do to attend every initial conference?",
        "31 Jan 2030",
        "CAIT vacancies <b>filled</b> in March.",
        "Page 3 of",
    ):
        assert expected in text, expected


def test_the_pack_prints_small_counts_as_c_unless_turned_off(loaded_db, tmp_path):
    small = tmp_path / "small.csv"
    small.write_text("indicator,area,period,value\ncontacts,havering,2018-19,3\n", encoding="utf-8")
    services.import_dataset(small)
    view = view_from_query({"board": "havering"})
    suppressed = build_pack(view, with_charts=False)
    assert _cell_after(suppressed, "Contacts received") == "c"
    assert "official statistics convention" in _words(suppressed)
    assert _cell_after(build_pack(view, suppress=False, with_charts=False), "Contacts received") == "3"


def test_the_pack_command_draws_the_charts_with_chromium(loaded_db, tmp_path):
    import os
    import sys

    from dashboard.reports.pack import chart_browser

    if chart_browser() is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (REQUIRE_BROWSER=1) to draw the pack's charts")
        pytest.skip("no Chromium: the pack's charts cannot be drawn here")

    out = tmp_path / "pack.pdf"
    env = {**os.environ, "DATABASE_URL": loaded_db.database_url, "INSTANCE_PATH": str(loaded_db.instance_path)}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "pack",
            "--out",
            str(out),
            "--board",
            "triborough",
            "--area",
            "triborough",
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    pdf = out.read_bytes()
    assert pdf.count(b"/Subtype /Image") >= 2, "the domain pages should carry chart images"
    text = _words(pdf)
    assert "Tri-borough" in text and "Children subject to a child protection plan" in text
