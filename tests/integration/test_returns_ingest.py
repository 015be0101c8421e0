"""The return ingests as an analyst meets them: the command line on synthetic files, into a real database on
both backends. Figures appear with their file and rule version; the drill-down rows are anonymised and shown only
to the right roles; a bad file names its row and column and changes nothing."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from dashboard.returns import access, synthetic
from dashboard.services import imports
from data_access import audit, db
from data_access.models import Area, DataQualityFlag, Indicator, Observation, Period
from data_access.returns_models import ChildLevelRow, ReturnIngest
from data_access.returns_store import child_level_rows
from tests.conftest import ROOT

YEAR = 2024


@pytest.fixture(scope="module")
def synthetic_files(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "synthetic-returns",
            str(out),
            "--seed",
            "11",
            "--year",
            str(YEAR),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC" in r.stdout
    return out


def cli(settings, *args):
    env = {**os.environ, "DATABASE_URL": settings.database_url, "INSTANCE_PATH": str(settings.instance_path)}
    env.pop("RETURNS_PSEUDONYM_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def observations(indicator: str | None = None) -> list:
    stmt = (
        select(
            Indicator.code.label("indicator"),
            Period.code.label("period"),
            Observation.breakdown_dimension,
            Observation.breakdown_value,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Observation.source_document,
            Observation.note,
        )
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .join(Period, Period.id == Observation.period_id)
        .join(Area, Area.id == Observation.area_id)
        .where(Area.code == "havering")
    )
    if indicator:
        stmt = stmt.where(Indicator.code == indicator)
    with db.get_engine().connect() as c:
        return c.execute(stmt).all()


def count(model) -> int:
    with db.get_engine().connect() as c:
        return c.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_synthetic_files_are_labelled_and_never_go_into_the_bundled_dataset(synthetic_files, tmp_path):
    names = sorted(p.name for p in synthetic_files.iterdir())
    assert "README_SYNTHETIC.txt" in names
    assert all(n.startswith("SYNTHETIC_") for n in names if n != "README_SYNTHETIC.txt")
    episodes = synthetic_files / f"SYNTHETIC_ssda903_havering_{YEAR}_episodes.csv"
    rows = list(csv.DictReader(episodes.open(encoding="utf-8")))
    assert rows and all(r["SYNTHETIC"].startswith("synthetic") for r in rows)
    with pytest.raises(ValueError, match="never written into the bundled dataset"):
        synthetic.generate_903(ROOT / "dashboard" / "dataset" / "tmp", seed=1, year=YEAR)
    assert not (ROOT / "dashboard" / "dataset" / "tmp").exists()
    again = tmp_path / "again"
    synthetic.generate_903(again, seed=11, year=YEAR)
    assert (again / episodes.name).read_bytes() == episodes.read_bytes()  # the same seed, the same data


def test_ingest_903_puts_figures_with_their_file_and_rule_version_and_keeps_anonymised_rows(empty_db, synthetic_files):
    r = cli(empty_db, "ingest-903", str(synthetic_files), "--la", "havering", "--year", str(YEAR), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "figures computed" in r.stdout and "added, 0 updated, 0 unchanged" in r.stdout
    assert "episode repairs" in r.stdout and "duplicate" in r.stdout
    cla = [o for o in observations("children_looked_after") if not o.breakdown_dimension]
    assert len(cla) == 1 and cla[0].period == f"{YEAR}-03-31" and 100 < cla[0].value < 400
    assert cla[0].source_document == f"SYNTHETIC_ssda903_havering_{YEAR}_episodes.csv"
    assert "ssda903/1" in cla[0].note
    assert count(DataQualityFlag) == 0  # parts add up; rates within age bands are not read as shares
    stability = [o for o in observations("cla_3_plus_placements_pct") if not o.breakdown_dimension][0]
    assert stability.period == "2023-24" and stability.numerator <= stability.denominator == cla[0].value
    leavers = observations("care_leavers_in_touch_pct")
    assert {o.breakdown_value for o in leavers} >= {"", "17_to_18", "19_to_21", "male", "female"}
    assert all(o.source_document == f"SYNTHETIC_ssda903_havering_{YEAR}_oc3.csv" for o in leavers)

    # the drill-down: the children behind the figure, pseudonymous, for an analyst only
    rows = child_level_rows("cla_3_plus_placements_pct", "havering", "2023-24")
    assert len(rows) == stability.denominator and rows["counted"].sum() == stability.numerator
    assert not rows["pseudo_id"].str.startswith("SYN").any()
    raw_ids = {
        r["CHILD"]
        for r in csv.DictReader(
            (synthetic_files / f"SYNTHETIC_ssda903_havering_{YEAR}_header.csv").open(encoding="utf-8")
        )
    }
    assert not raw_ids & set(rows["pseudo_id"])
    assert access.drill_down("analyst", "cla_3_plus_placements_pct", "havering", "2023-24").equals(rows)
    with pytest.raises(access.ChildLevelRefused):
        access.drill_down("viewer", "cla_3_plus_placements_pct", "havering", "2023-24")
    with db.get_engine().connect() as c:
        ingest = c.execute(select(ReturnIngest)).one()
    assert (
        ingest.rule_version == "ssda903/1" and "duplicate" in ingest.repairs and ingest.options == "wording=placement"
    )

    # again, with the current wording: the same children keep the same pseudonyms; rows are replaced, not added
    before = count(ChildLevelRow)
    r = cli(
        empty_db,
        "ingest-903",
        str(synthetic_files),
        "--la",
        "havering",
        "--year",
        str(YEAR),
        "--quiet",
        "--wording",
        "carer",
    )
    assert r.returncode == 0, r.stderr
    assert " 0 added" in r.stdout
    assert count(ChildLevelRow) == before and count(ReturnIngest) == 1
    again = child_level_rows("cla_3_plus_placements_pct", "havering", "2023-24")
    assert set(again["pseudo_id"]) == set(rows["pseudo_id"])
    note = [o for o in observations("cla_long_term_stability_pct") if not o.breakdown_dimension][0].note
    assert "same carer" in note


def test_ingest_annex_a_puts_front_door_and_child_protection_figures_by_month_source_and_team(
    empty_db, synthetic_files
):
    path = synthetic_files / f"SYNTHETIC_annex_a_havering_{YEAR}.xlsx"
    r = cli(empty_db, "ingest-annex-a", str(path), "--la", "havering", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "annex_a for havering, 2023-24" in r.stdout
    obs = observations()
    by = {(o.indicator, o.period, o.breakdown_dimension, o.breakdown_value): o for o in obs}
    contacts = by[("contacts", "2023-24", "", "")]
    assert 9000 < contacts.value < 11000 and contacts.source_document == path.name
    assert "annex-a/1" in contacts.note
    assert sum(o.value for k, o in by.items() if k[0] == "contacts" and k[1] != "2023-24") == contacts.value
    assert sum(o.value for k, o in by.items() if k[:3] == ("contacts", "2023-24", "source")) == contacts.value
    assert ("referrals", "2023-24", "team", "mash") in by
    for code in (
        "contacts_to_referral_pct",
        "re_referrals_12m_pct",
        "referrals_nfa_pct",
        "assessments_within_45_days_pct",
        "icpc_within_15_days_pct",
        "cp_plans_second_subsequent_pct",
        "cp_plans_2_years_plus_pct",
    ):
        f = by[(code, "2023-24", "", "")]
        assert 0 < f.value < 100 and f.numerator < f.denominator
    started = by[("cp_plans_started", "2023-24", "", "")]
    cats = [o for k, o in by.items() if k[:3] == ("cp_plans_started", "2023-24", "initial_category")]
    assert {o.breakdown_value for o in cats} == {"neglect", "emotional", "physical", "sexual", "multiple"}
    assert sum(o.value for o in cats) == started.value
    icpc = child_level_rows("icpc_within_15_days_pct", "havering", "2023-24")
    assert len(icpc) == by[("icpc_within_15_days_pct", "2023-24", "", "")].denominator
    assert count(DataQualityFlag) == 0  # the parts add up to the totals


def test_an_ingest_whose_audit_entry_cannot_be_written_keeps_the_earlier_figures_and_rows(empty_db, synthetic_files):
    """Figures, child-level rows and audit entries are one transaction: when the audit write fails (the table
    renamed away, so the database itself refuses it), the re-ingest leaves the earlier ingest whole."""
    first = imports.ingest_903(synthetic_files, la="havering", year=YEAR, key=b"k", actor="anna")
    assert first.child_rows > 0 and first.result.added > 0
    figures, rows = sorted(observations()), child_level_rows("cla_3_plus_placements_pct", "havering", "2023-24")
    ingests = [(e.target, e.detail) for e in audit.recent(10, action="returns.ingest")]
    assert len(ingests) == 1 and f'"child_level_rows": {first.child_rows}' in ingests[0][1]
    assert [e.actor for e in audit.recent(10, action="import")] == ["anna"]

    with db.get_engine().begin() as c:
        c.execute(text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    try:
        with pytest.raises(DBAPIError, match="audit_log"):
            imports.ingest_903(
                synthetic_files, la="havering", year=YEAR, key=b"other key", wording="carer", actor="anna"
            )
    finally:
        with db.get_engine().begin() as c:
            c.execute(text("ALTER TABLE audit_log_away RENAME TO audit_log"))
    assert sorted(observations()) == figures  # the notes still give the placement wording
    assert child_level_rows("cla_3_plus_placements_pct", "havering", "2023-24").equals(rows)  # same pseudonyms
    with db.get_engine().connect() as c:
        assert c.execute(select(ReturnIngest.options)).scalars().all() == ["wording=placement"]
    assert count(ChildLevelRow) == first.child_rows and len(audit.recent(10)) == 2


def test_a_dry_run_ingest_reports_its_figures_and_writes_nothing(empty_db, synthetic_files):
    report = imports.ingest_903(synthetic_files, la="havering", year=YEAR, key=b"k", dry_run=True, actor="anna")
    assert report.dry_run and report.figures > 0 and report.result.added == report.figures
    assert count(Observation) == 0 and count(ChildLevelRow) == 0 and count(ReturnIngest) == 0
    assert audit.recent(5) == []


def test_a_bad_903_file_names_its_row_and_column_and_changes_nothing(empty_db, synthetic_files, tmp_path):
    folder = tmp_path / "903"
    shutil.copytree(synthetic_files, folder, ignore=shutil.ignore_patterns("*.xlsx"))
    episodes = folder / f"SYNTHETIC_ssda903_havering_{YEAR}_episodes.csv"
    lines = episodes.read_text(encoding="utf-8").splitlines()
    cells = lines[4].split(",")
    cells[2] = "Q"  # RNE
    lines[4] = ",".join(cells)
    episodes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = cli(empty_db, "ingest-903", str(folder), "--la", "havering", "--year", str(YEAR), "--quiet")
    assert r.returncode == 1
    assert f"{episodes.name}, row 5, column 'RNE': 'Q' is not a valid RNE code" in r.stderr
    assert "nothing was changed" in r.stderr
    assert count(Observation) == 0 and count(ChildLevelRow) == 0 and count(ReturnIngest) == 0


def test_a_bad_annex_a_cell_names_its_sheet_row_and_column_and_changes_nothing(empty_db, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "List 3"
    ws.append(["Child Unique ID", "Date of referral", "Referral NFA?"])
    ws.append(["A1", "03/04/2023", "No"])
    ws.append(["A2", "33/04/2023", "No"])
    path = tmp_path / "annex.xlsx"
    wb.save(path)
    r = cli(empty_db, "ingest-annex-a", str(path), "--la", "havering", "--quiet")
    assert r.returncode == 1
    assert "sheet 'List 3', row 3, column 'Date of referral': '33/04/2023' is not a real date" in r.stderr
    assert count(Observation) == 0 and count(ChildLevelRow) == 0


def test_a_dry_run_writes_nothing_and_an_unknown_council_is_refused(empty_db, synthetic_files):
    r = cli(
        empty_db, "ingest-903", str(synthetic_files), "--la", "havering", "--year", str(YEAR), "--dry-run", "--quiet"
    )
    assert r.returncode == 0, r.stderr
    assert "dry run, nothing written" in r.stdout
    assert count(Observation) == 0 and count(ChildLevelRow) == 0
    r = cli(empty_db, "ingest-903", str(synthetic_files), "--la", "narnia", "--year", str(YEAR), "--quiet")
    assert r.returncode == 1 and "'narnia' is not a council" in r.stderr and "havering" in r.stderr


def test_an_export_of_child_level_rows_needs_the_flag_and_is_audited_first(empty_db, synthetic_files, tmp_path):
    assert (
        cli(empty_db, "ingest-903", str(synthetic_files), "--la", "havering", "--year", str(YEAR), "--quiet").returncode
        == 0
    )
    audited: list[str] = []
    out = tmp_path / "rows.csv"
    n = access.export_child_level(
        "analyst", "care_leavers_eet_pct", "havering", "2023-24", out, include_child_level=True, audit=audited.append
    )
    assert n > 50 and len(audited) == 1 and f"exported {n} child-level rows" in audited[0]
    assert out.read_text(encoding="utf-8").count("\n") == n + 1

    def failing_audit(_message):
        raise RuntimeError("audit log unavailable")

    with pytest.raises(RuntimeError):
        access.export_child_level(
            "analyst",
            "care_leavers_eet_pct",
            "havering",
            "2023-24",
            tmp_path / "no.csv",
            include_child_level=True,
            audit=failing_audit,
        )
    assert not (tmp_path / "no.csv").exists()


@pytest.mark.parametrize("command", ["ingest-903", "ingest-annex-a", "synthetic-returns"])
def test_every_return_command_explains_itself(command):
    r = subprocess.run(
        [sys.executable, "-m", "dashboard", command, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0 and "usage: board-dashboard" in r.stdout and len(r.stdout.split()) > 40
