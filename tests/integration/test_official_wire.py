"""Official statistics beside the board's own figures, as an operator meets them on the command line.

An official load through `board-dashboard import-official`, then a partner's figure for the same key, an export
and an import of it back, areas named by ONS code and DfE number, and the area list.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

from sqlalchemy import delete, select

from data_access import db
from data_access.models import Area, Indicator, Observation, ObservationHistory, Period
from tests.conftest import ROOT

EXCERPTS = ROOT / "tests" / "fixtures" / "official" / "excerpts"
HEADER = (
    "indicator,area,period,breakdown_dimension,breakdown_value,value,numerator,denominator,unit,"
    "source_document,source_line,note,derived"
)


def cli(settings, *args):
    env = {**os.environ, "DATABASE_URL": settings.database_url, "INSTANCE_PATH": str(settings.instance_path)}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def figures(area: str = "havering") -> list[tuple]:
    """Every figure of an area: indicator, period, breakdown, kind, value, status."""
    o = Observation
    stmt = (
        select(
            Indicator.code,
            Period.code,
            o.breakdown_dimension,
            o.breakdown_value,
            o.source_kind,
            o.value,
            o.value_status,
        )
        .join(Indicator, Indicator.id == o.indicator_id)
        .join(Area, Area.id == o.area_id)
        .join(Period, Period.id == o.period_id)
        .where(Area.code == area)
    )
    with db.get_engine().connect() as conn:
        return sorted(conn.execute(stmt).all(), key=repr)


def test_import_official_loads_once_lists_areas_and_refuses_a_changed_header(empty_db, tmp_path):
    r = cli(empty_db, "import-official", str(EXCERPTS), "--quiet")
    assert r.returncode == 0, r.stderr
    assert " added, 0 updated, 0 unchanged" in r.stdout and "data-quality checks:" in r.stdout
    loaded = figures()
    assert (
        any(
            kind == "official" and status is not None and value is None
            for *_k, kind, value, status in figures("england") + loaded
        )
        or loaded
    )
    again = cli(empty_db, "import-official", str(EXCERPTS), "--quiet")
    assert again.returncode == 0 and " 0 added, 0 updated, " in again.stdout
    assert figures() == loaded

    areas = cli(empty_db, "areas", "--csv")
    assert areas.returncode == 0, areas.stderr
    rows = list(csv.DictReader(io.StringIO(areas.stdout)))
    assert list(rows[0]) == ["code", "name", "kind", "ons_code", "dfe_number", "region", "first_year", "last_year"]
    havering = next(r for r in rows if r["code"] == "havering")
    assert (havering["ons_code"], havering["dfe_number"]) == ("E09000016", "311")
    assert rows[0]["code"] == "england"

    bad = tmp_path / "b1_children_in_need_2013_to_2025.csv"
    text = (EXCERPTS / bad.name).read_text(encoding="utf-8-sig")
    bad.write_text(text.replace("la_name", "local_authority_name", 1), encoding="utf-8")
    r = cli(empty_db, "import-official", str(bad), "--dry-run", "--quiet")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("board-dashboard: ") and bad.name in r.stderr and "line 1" in r.stderr
    assert "nothing was changed" in r.stderr
    assert figures() == loaded


def test_a_partner_figure_for_an_official_key_is_kept_beside_it_and_areas_go_by_any_code(empty_db, tmp_path):
    assert cli(empty_db, "import-official", str(EXCERPTS), "--quiet").returncode == 0
    official = [f for f in figures() if f[4] == "official" and f[5] is not None and not f[2]]
    indicator, period, _dim, _val, _kind, value, _status = official[0]
    before = figures()
    path = tmp_path / "partner.csv"
    # the same figure as the DfE's key, once by ONS code and once by DfE number (one figure: a repeat is refused)
    path.write_text(f"{HEADER}\n{indicator},E09000016,{period},,,{value + 1:g},,,,partner.xlsx,3,,\n", encoding="utf-8")
    r = cli(empty_db, "import", str(path), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "1 added, 0 updated, 0 unchanged" in r.stdout
    after = figures()
    assert set(before) <= set(after), "the official figure is untouched"
    assert (indicator, period, "", "", "partner", value + 1, None) in after

    by_number = tmp_path / "by_number.csv"
    by_number.write_text(f"{HEADER}\n{indicator},311,{period},,,{value + 1:g},,,,partner.xlsx,3,,\n", encoding="utf-8")
    r = cli(empty_db, "import", str(by_number), "--quiet")
    assert r.returncode == 0 and "0 added, 0 updated, 1 unchanged" in r.stdout, r.stderr

    typo = tmp_path / "typo.csv"
    typo.write_text(f"{HEADER}\n{indicator},Havring,{period},,,1,,,,,,,\n", encoding="utf-8")
    r = cli(empty_db, "import", str(typo), "--quiet")
    assert r.returncode == 1 and "unknown area 'Havring'; did you mean 'havering'?" in r.stderr


def test_export_then_import_gives_back_every_row_symbols_and_kinds_included(empty_db, tmp_path):
    assert cli(empty_db, "import-official", str(EXCERPTS), "--quiet").returncode == 0
    first = tmp_path / "first.csv"
    assert cli(empty_db, "export", "--out", str(first)).returncode == 0
    rows = list(csv.DictReader(first.open(encoding="utf-8")))
    assert {"source_kind", "value_status", "rounded"} <= set(rows[0])
    symbols = [r for r in rows if r["value_status"]]
    assert symbols and all(r["value"] == "" for r in symbols)
    assert any(r["rounded"] == "yes" for r in rows)
    with db.session_scope() as s:
        s.execute(delete(ObservationHistory))
        s.execute(delete(Observation))
    r = cli(empty_db, "import", str(first), "--quiet")
    assert r.returncode == 0, r.stderr
    assert f"{len(rows)} rows read: {len(rows)} added, 0 updated, 0 unchanged" in r.stdout
    second = tmp_path / "second.csv"
    assert cli(empty_db, "export", "--out", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()

    # a row with no value is accepted only with a known status
    bad = tmp_path / "bad.csv"
    ind, area, period = rows[0]["indicator"], rows[0]["area"], rows[0]["period"]
    bad.write_text(
        f"{HEADER},source_kind,value_status,rounded\n{ind},{area},{period},,,,,,,,,,,partner,c,\n"
        f"{ind},{area},{period},,,,,,,,,,,document,,\n",
        encoding="utf-8",
    )
    r = cli(empty_db, "import", str(bad), "--quiet")
    assert r.returncode == 1
    assert "'c' is not a known status" in r.stderr and "every row needs a figure" in r.stderr


def test_a_council_is_named_by_its_ons_code_or_dfe_number(empty_db):
    from dashboard.services import imports
    from data_access.importer import ImportRejected

    assert cli(empty_db, "import-official", str(EXCERPTS), "--quiet").returncode == 0
    assert imports.check_council("E09000016") == "havering"
    assert imports.check_council("311") == "havering"
    try:
        imports.check_council("Havring")
    except ImportRejected as e:
        assert "did you mean havering (Havering)?" in str(e.errors[0])
    else:
        raise AssertionError("an unknown council must be refused")
