"""The partner template as an analyst meets it: written by the command line, opened, filled in, imported."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select

from dashboard.reference.registry import UNITS, registry
from dashboard.reports.template import LISTS_SHEET, README_SHEET, REFERENCE_COLUMNS, sheet_title
from data_access import db
from data_access.exporter import iter_rows
from data_access.importer import COLUMNS
from data_access.models import Observation
from tests.conftest import ROOT


def board_dashboard(*args: str, settings=None) -> subprocess.CompletedProcess:
    """The installed command when there is one (as an analyst runs it), else the same entry point."""
    exe = Path(sys.executable).with_name("board-dashboard")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "dashboard"]
    env = dict(os.environ)
    if settings is not None:
        env.update(DATABASE_URL=settings.database_url, INSTANCE_PATH=str(settings.instance_path))
    return subprocess.run([*cmd, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("template") / "partner_template.xlsx"
    r = board_dashboard("template", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.is_file() and f"wrote {out}" in r.stdout
    return out


def domain_sheets(wb) -> dict[str, Worksheet]:
    reg = registry()
    return {d.code: wb[sheet_title(d.title)] for d in reg.domains.values() if reg.in_domain(d.code)}


def header(ws: Worksheet) -> list[str]:
    return [c.value for c in ws[1]]


def list_values(wb, formula: str) -> list[str]:
    """The values a drop-down offers: its formula is a range on the lists sheet."""
    sheet, _, cells = formula.lstrip("=").partition("!")
    assert sheet.strip("'") == LISTS_SHEET
    first, last = cells.replace("$", "").split(":")
    return [c.value for row in wb[LISTS_SHEET][f"{first}:{last}"] for c in row]


def validations_by_column(ws: Worksheet) -> dict[str, object]:
    names = header(ws)
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_col == rng.max_col, "one column per rule"
            assert rng.min_row == 2 and rng.max_row >= 1000, f"{names[rng.min_col - 1]}: {rng.coord}"
            found[names[rng.min_col - 1]] = dv
    return found


# ------------------------------------------------------------------ what the file holds


def test_the_template_has_a_readme_first_and_a_sheet_per_domain_with_every_indicator_once(template):
    reg = registry()
    wb = load_workbook(template)
    assert wb.sheetnames[0] == README_SHEET and wb.active.title == README_SHEET
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    sheets = domain_sheets(wb)
    assert {d for d in reg.domains if reg.in_domain(d)} == set(sheets)
    seen = Counter()
    for domain, ws in sheets.items():
        assert header(ws) == COLUMNS + REFERENCE_COLUMNS
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        for row in rows:
            rec = dict(zip(header(ws), row, strict=True))
            spec = reg.indicators[rec["indicator"]]
            assert spec.domain == domain
            assert (rec["unit"], rec["title"], rec["definition"]) == (spec.unit, spec.title, spec.definition)
            # everything the analyst gives is left blank
            assert all(rec[c] in (None, "") for c in COLUMNS if c not in ("indicator", "unit")), rec
            seen[rec["indicator"]] += 1
        assert ws.freeze_panes == "B2"
        assert ws.column_dimensions["O"].width > ws.column_dimensions["F"].width  # definitions get room
    assert seen == Counter(dict.fromkeys(reg.indicators, 1))


def test_the_readme_explains_periods_units_and_suppressed_figures(template):
    wb = load_workbook(template)
    text = "\n".join(str(c.value) for row in wb[README_SHEET].iter_rows() for c in row if c.value)
    for form in ("2014-15", "2014-15 Q3", "2015-03", "Mar 2015", "2015-03-31", "2015-04/2015-09"):
        assert form in text
    for unit in UNITS:
        assert f"\n{unit}\n" in f"\n{text}\n"
    assert "Suppressed figures ('c'" in text and "must be left out" in text
    assert "board-dashboard import" in text


def test_every_sheet_has_drop_downs_and_checks_on_the_columns_excel_can_check(template):
    reg = registry()
    wb = load_workbook(template)
    for domain, ws in domain_sheets(wb).items():
        dv = validations_by_column(ws)
        assert dv["indicator"].type == "list"
        assert list_values(wb, dv["indicator"].formula1) == [i.code for i in reg.in_domain(domain)]
        assert dv["area"].type == "list" and list_values(wb, dv["area"].formula1) == list(reg.areas)
        assert dv["unit"].type == "list" and list_values(wb, dv["unit"].formula1) == list(UNITS)
        dims = sorted({d for i in reg.in_domain(domain) for d in i.breakdowns})
        if dims:
            assert dv["breakdown_dimension"].type == "list"
            assert list_values(wb, dv["breakdown_dimension"].formula1) == dims
        else:
            assert dv["breakdown_dimension"].type == "custom" and "LEN(" in dv["breakdown_dimension"].formula1
        value = dv["value"]
        assert value.type == "custom"
        assert all(part in value.formula1 for part in ("ISNUMBER(F2)", "F2>=0", '"percent"', "F2<=100", "$A2"))
        for name in ("numerator", "denominator"):
            assert (dv[name].type, dv[name].operator, dv[name].formula1) == ("decimal", "greaterThanOrEqual", "0")
        assert dv["source_line"].type == "whole"
        assert "2014-15 Q3" in dv["period"].prompt and "2015-04/2015-09" in dv["period"].prompt
        assert not {"title", "definition", "note", "source_document"} & set(dv)
        for rule in dv.values():
            # Excel refuses (and "repairs") a workbook whose messages are longer than this.
            assert len(rule.prompt or "") <= 255 and len(rule.error or "") <= 255
            assert len(rule.promptTitle or "") <= 32 and len(rule.errorTitle or "") <= 32
            assert rule.showErrorMessage and rule.allow_blank


def test_a_percentage_rule_can_look_up_every_indicator_unit(template):
    wb = load_workbook(template)
    ws = wb[LISTS_SHEET]
    formula = validations_by_column(domain_sheets(wb)["front_door"])["value"].formula1
    lookup = formula.split("VLOOKUP(")[1].split(",")[1]  # 'Lists'!$D$2:$E$74
    first, last = lookup.split("!")[1].replace("$", "").split(":")
    pairs = {code.value: unit.value for code, unit in ws[f"{first}:{last}"]}
    assert pairs == {i.code: i.unit for i in registry().indicators.values()}


def test_the_period_column_keeps_what_is_typed_as_text(template):
    # Excel turns 2015-03 typed into a General cell into the date 1 March 2015.
    ws = domain_sheets(load_workbook(template))["child_protection"]
    assert ws.column_dimensions["C"].number_format == "@"
    assert all(ws.cell(row=r, column=3).number_format == "@" for r in range(2, ws.max_row + 1))


def test_the_template_never_replaces_an_existing_file(tmp_path):
    filled = tmp_path / "filled_in.xlsx"
    filled.write_bytes(b"a partner's work")
    r = board_dashboard("template", "--out", str(filled))
    assert r.returncode == 1 and "already exists" in r.stderr and "--force" in r.stderr
    assert filled.read_bytes() == b"a partner's work"
    r = board_dashboard("template", "--out", str(tmp_path / "template.csv"))
    assert r.returncode == 1 and "ending in .xlsx" in r.stderr
    assert board_dashboard("template", "--out", str(filled), "--force").returncode == 0
    assert load_workbook(filled).sheetnames[0] == README_SHEET


# ------------------------------------------------------------------ filled in and imported


def row_of(ws: Worksheet, code: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == code)


def fill(ws: Worksheet, row: int, **values) -> None:
    names = header(ws)
    for name, v in values.items():
        ws.cell(row=row, column=names.index(name) + 1, value=v)


def observations() -> list[list[str]]:
    return [r[:9] for r in iter_rows()]


def test_a_filled_in_template_imports_exactly_the_rows_filled_in(empty_db, template, tmp_path):
    wb = load_workbook(template)
    sheets = domain_sheets(wb)
    front, cp = sheets["front_door"], sheets["child_protection"]
    fill(
        front,
        row_of(front, "contacts"),
        area="havering",
        period="2014-15",
        value=6984,
        source_document="002_03d1966eb6299bca.txt",
        source_line=368,
    )
    extra = front.max_row + 1  # a second figure for the same indicator: the row copied below the others
    fill(
        front,
        extra,
        indicator="contacts",
        area="havering",
        period="2014-15",
        breakdown_dimension="source",
        breakdown_value="police",
        value=4500,
        unit="count",
    )
    fill(
        cp,
        row_of(cp, "icpc_within_15_days_pct"),
        area="westminster",
        period="2015-16 Q2",
        value=85.5,
        numerator=171,
        denominator=200,
        note="partner's own figure",
    )
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    r = board_dashboard("import", "--quiet", str(filled), settings=empty_db)
    assert r.returncode == 0, r.stderr
    assert "3 rows read: 3 added, 0 updated, 0 unchanged" in r.stdout
    assert sorted(observations()) == sorted(
        [
            ["contacts", "havering", "2014-15", "", "", "6984", "", "", "count"],
            ["contacts", "havering", "2014-15", "source", "police", "4500", "", "", "count"],
            ["icpc_within_15_days_pct", "westminster", "2015-16 Q2", "", "", "85.5", "171", "200", "percent"],
        ]
    )
    r = board_dashboard("import", "--quiet", str(filled), settings=empty_db)  # sent twice: nothing changes
    assert "3 rows read: 0 added, 0 updated, 3 unchanged" in r.stdout


def test_an_untouched_template_says_it_has_no_figures(empty_db, template):
    r = board_dashboard("import", "--quiet", str(template), settings=empty_db)
    assert r.returncode == 1
    assert "the file has a header but no data rows" in r.stderr


@pytest.mark.parametrize(
    "sheet,code,values,column,message",
    [
        ("front_door", "contacts", {"value": "lots"}, "value", "'lots' is not a number"),
        ("front_door", "contacts", {"value": "c"}, "value", "suppressed figures such as 'c' cannot be imported"),
        ("child_protection", "icpc_within_15_days_pct", {"value": 120}, "value", "percentage outside 0-100"),
        ("looked_after", "children_looked_after", {"value": 10, "period": "2015-13"}, "period", "2015-13"),
        (
            "care_leavers",
            "care_leavers",
            {"value": 10, "numerator": 12, "denominator": 10},
            "numerator",
            "greater than denominator",
        ),
    ],
    ids=["text value", "suppressed value", "percent over 100", "bad period", "numerator over denominator"],
)
def test_a_wrong_cell_in_a_filled_template_is_named_by_sheet_row_and_column(
    empty_db, template, tmp_path, sheet, code, values, column, message
):
    wb = load_workbook(template)
    ws = domain_sheets(wb)[sheet]
    good = domain_sheets(wb)["front_door"]
    fill(good, row_of(good, "referrals"), area="havering", period="2014-15", value=1774)
    row = row_of(ws, code)
    fill(ws, row, area="havering", **{"period": "2014-15", **values})
    filled = tmp_path / "filled_wrong.xlsx"
    wb.save(filled)

    r = board_dashboard("import", "--quiet", str(filled), settings=empty_db)
    assert r.returncode == 1
    assert "filled_wrong.xlsx was not imported; nothing was changed" in r.stderr
    errors = [line.strip() for line in r.stderr.splitlines() if line.startswith("  ")]
    assert len(errors) == 1, r.stderr
    assert errors[0].startswith(f"sheet '{ws.title}', row {row}, column '{column}': ")
    assert message in errors[0]
    with db.get_engine().connect() as c:
        assert c.execute(select(func.count()).select_from(Observation)).scalar_one() == 0
