"""The importer's two readers give the same result, and a bulk load on PostgreSQL leaves the schema as it was.

CSV files are read a frame at a time and checked a column at a time, through the same column and row rules as the
row-by-row check; any row that breaks a rule there is checked row by row, and workbooks and unreadable CSV files
are read row by row. These tests hold the fast path to the row-by-row one: the same rows staged with the same
values, the same errors in the same order, the same counts.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from dashboard.services import dataset as services
from dashboard.settings import Settings
from data_access import db, importer
from data_access.exporter import export_csv
from data_access.importer import COLUMNS, ImportRejected
from data_access.imports import checking, merging, reading

# Cells for each column: plain ones, ones written another way (spaces, commas, a "%"), and mistakes.
CELLS = {
    "indicator": ["contacts", "referrals_to_assessment_pct", "cp_plans", " contacts", "contactz", ""],
    "area": ["havering", "westminster", "havering ", "nowhere", ""],
    "period": ["2014-15", "2015-03-31", "2014/15", " 2014-15", "Mar 2015", "2014-16", ""],
    "breakdown_dimension": ["", "", "source", "category", "colour", " source"],
    "breakdown_value": ["", "", "police", " police ", "neglect"],
    "value": ["42", "11.6", "0", "007", "1,234", "12%", "105", "-3", "+5", ".5", "1e5", "c", " 7", ""],
    "numerator": ["", "", "30", "50", "1,000", "x"],
    "denominator": ["", "", "40", "20", "0"],
    "unit": ["", "count", "percent", " count", "days"],
    "source_document": ["", "002.txt", " 003.txt "],
    "source_line": ["", "12", "x", "\u00b2", " 4"],
    "note": ["", 'a, "quoted" note', "two\nlines", "Caf\u00e9"],
    "derived": ["", "yes", "no", "1", "Yes", "maybe"],
    "source_kind": ["", "", "official", "Document", " returns", "survey"],
    "value_status": ["", "", "", "suppressed", "Not_available", "c", " low_reliability"],
    "rounded": ["", "", "yes", "no", "maybe"],
}

row_strategy = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CELLS.items()})


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("readers") / "board.db"
    services.bootstrap(
        Settings(instance_path=path.parent / "instance", database_url=f"sqlite:///{path}", redis_url=None)
    )
    services.init_database(load_bundled=False)
    return db.get_engine()


def by_rows(first: int, frame: pd.DataFrame, ref) -> tuple[list, list[str], tuple[int, int]]:
    """What the row-by-row check makes of each row of the frame."""
    errors, result, staged = importer.Errors(), importer.ImportResult(), []
    for i, row in enumerate(frame.to_dict("records")):
        kind = checking.blank_or_template(row)
        if kind == "template":
            result.skipped_blank += 1
        if kind:
            continue
        result.rows += 1
        checked = checking.check_row(f"row {first + i}", row, ref, errors)  # the reference path, spelled out
        if checked is not None:
            staged.append((first + i, *checked, None))
    return staged, [str(e) for e in errors.items], (result.rows, result.skipped_blank)


def by_frame(first: int, frame: pd.DataFrame, ref) -> tuple[list, list[str], tuple[int, int]]:
    errors, result = importer.Errors(), importer.ImportResult()
    columns, rows = checking.check_frame(first, frame, ref, errors, result)
    staged = sorted([*zip(*(columns[c] for c in checking.STAGING_COLS), strict=True), *rows])
    return staged, [str(e) for e in errors.items], (result.rows, result.skipped_blank)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, min_size=1, max_size=25), first=st.integers(2, 10**6))
def test_the_column_check_stages_and_refuses_exactly_what_the_row_check_does(reference_db, rows, first):
    frame = pd.DataFrame(rows, columns=list(CELLS), dtype=str)
    with reference_db.connect() as conn:
        ref = checking.Reference(conn)
        try:
            assert by_frame(first, frame, ref) == by_rows(first, frame, ref)
        finally:
            conn.rollback()  # periods the check added


def test_a_frame_without_optional_columns_is_checked_like_rows(reference_db):
    frame = pd.DataFrame(
        {
            "indicator": ["contacts", "contacts", ""],
            "area": ["havering", "havering", ""],
            "period": ["2014-15", "2013-14", ""],
            "value": ["6984", "lots", ""],
        },
        dtype=str,
    )
    with reference_db.connect() as conn:
        ref = checking.Reference(conn)
        fast, slow = by_frame(2, frame, ref), by_rows(2, frame, ref)
        conn.rollback()
    assert fast == slow
    assert fast[1] == ["row 3, column 'value': 'lots' is not a number; write digits such as 42 or 11.6"]


ROW_VALUES = {  # read values of a row, as the row rules see them (NaN: an empty figure)
    "code": ["contacts", "referrals_to_assessment_pct"],
    "unit_of": ["", "count", "percent", "days", "ratio"],
    "unit": ["", "count", "percent"],
    "breakdowns": ["", "source,age_band"],
    "breakdown_dimension": ["", "source"],
    "breakdown_value": ["", "police"],
    "breakdown_unknown": [False, True],
    "value": [float("nan"), -3.0, 0.0, 42.0, 105.0],
    "numerator": [float("nan"), 30.0, 50.0],
    "denominator": [float("nan"), 40.0],
    "value_status": ["", "suppressed"],
}


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in ROW_VALUES.items()}), min_size=1, max_size=20
    )
)
def test_each_row_rule_judges_a_row_and_a_column_of_rows_alike(rows):
    """The one expression of each rule, on one row's plain values and on a frame's arrays, breaks the same rows."""
    columns = {
        k: np.array(
            [r[k] for r in rows],
            dtype=np.float64
            if k in ("value", "numerator", "denominator")
            else bool
            if k == "breakdown_unknown"
            else object,
        )
        for k in ROW_VALUES
    }
    for rule in (*checking.BREAKDOWN_RULES, *checking.FIGURE_RULES):
        one_by_one = [bool(rule.fails(r)) for r in rows]
        assert one_by_one == np.broadcast_to(rule.fails(columns), len(rows)).tolist()
        assert all(type(rule.fails(r)) is bool for r in rows), "plain Python on a row, not numpy scalars"


def write_csv(path, rows: list[dict], header=COLUMNS, prefix: str = "") -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    path.write_text(prefix + buf.getvalue(), encoding="utf-8")


def outcome(path, row_by_row: bool):
    try:
        r = importer.import_file(path, dry_run=True, row_by_row=row_by_row)
    except ImportRejected as e:
        return "rejected", [str(x) for x in e.errors], e.more
    return "imported", (r.rows, r.added, r.updated, r.unchanged, r.skipped_blank)


def test_the_bundled_dataset_imports_the_same_either_way(loaded_db, tmp_path):
    exported = tmp_path / "all.csv"
    export_csv(exported)
    for row_by_row in (True, False):
        db.get_engine().dispose()
        with db.session_scope() as s:
            s.execute(text("DELETE FROM observation_history"))
            s.execute(text("DELETE FROM observation"))
        importer.import_file(exported, row_by_row=row_by_row)
        again = tmp_path / f"again_{row_by_row}.csv"
        export_csv(again)
        assert again.read_bytes() == exported.read_bytes()


@pytest.mark.parametrize(
    "body",
    [
        # blank lines, an unfilled template row, a spaced code, a number with a thousands comma, and a note over
        # two lines
        ",".join(COLUMNS) + "\ncontacts,havering,2014-15,,,6984,,,count,,,,\n\ncp_plans,,,,,,,,,,,,\n"
        ' referrals ,havering,2014-15,,,"1,774",,,count,002.txt,368,"two\nlines",\n',
        # a row with more cells than the header (the csv module ignores the extra), and one with fewer
        ",".join(COLUMNS) + "\ncontacts,havering,2014-15,,,6984,,,count,,,,,extra\nreferrals,havering,2014-15,,,1\n",
        # columns in another order, an unknown column, and a blank header cell
        "value,period,area,indicator,comment,\n6984,2014-15,havering,contacts,checked,\n",
        # errors of several kinds, in order
        ",".join(COLUMNS) + "\ncontactz,havering,2014-15,,,1,,,,,,,\ncontacts,havering,2014-16,,,1,,,,,,,\n"
        "contacts,havering,2014-15,,,c,,,,,,,\n",
        # a duplicate, spelled two ways
        ",".join(COLUMNS) + "\ncontacts,havering,2014-15,,,1,,,,,,,\ncontacts,havering,2014/15,,,2,,,,,,,\n",
        # an unterminated quote
        ",".join(COLUMNS) + '\ncontacts,havering,2014-15,,,1,,,,,,"open,\n',
    ],
    ids=["blank and template rows", "ragged rows", "other columns", "errors", "duplicate", "broken quote"],
)
def test_files_read_both_ways_give_the_same_outcome(empty_db, tmp_path, body):
    p = tmp_path / "data.csv"
    p.write_text(body, encoding="utf-8")
    assert outcome(p, row_by_row=False) == outcome(p, row_by_row=True)


def test_a_file_the_fast_reader_cannot_read_is_read_row_by_row(empty_db, tmp_path, monkeypatch):
    """A byte that is not UTF-8 after the first frame: the frames already staged are discarded and the
    row-by-row reader names the line."""
    monkeypatch.setattr(reading, "FRAME_ROWS", 5)
    rows = [
        {"indicator": "contacts", "area": "havering", "period": f"2014-{m:02d}", "value": str(m)} for m in range(1, 13)
    ]
    p = tmp_path / "data.csv"
    write_csv(p, rows)
    assert importer.import_file(p, dry_run=True).added == 12
    with p.open("ab") as f:
        f.write("referrals,havering,2014-15,,,1774,,,count,,,Caf\u00e9,\n".encode("cp1252"))
    with pytest.raises(ImportRejected) as e:
        importer.import_file(p)
    assert e.value.errors[0].where == "line 14" and "not UTF-8" in e.value.errors[0].message
    assert outcome(p, row_by_row=False) == outcome(p, row_by_row=True)


def index_oids(conn) -> dict[str, int]:
    return dict(
        conn.execute(
            text(
                "SELECT i.relname, i.oid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = 'observation'::regclass"
            )
        ).all()
    )


def schema_of_observation(conn) -> tuple[set, set]:
    indexes = set(
        conn.execute(
            text("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'observation'::regclass")
        ).scalars()
    )
    constraints = set(
        conn.execute(
            text(
                "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'observation'::regclass"
            )
        ).scalars()
    )
    return indexes, constraints


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # bulk loading is PostgreSQL's
def test_a_bulk_load_on_postgresql_rebuilds_indexes_and_keys_exactly(empty_db, tmp_path, monkeypatch):
    engine = db.get_engine()
    assert engine.dialect.name == "postgresql"
    monkeypatch.setattr(merging, "BULK_MIN_ROWS", 50)
    rows = [
        {"indicator": "contacts", "area": area, "period": f"{y}-{(y + 1) % 100:02d}", "value": str(y)}
        for area in ("havering", "westminster", "kensington_chelsea")
        for y in range(1990, 2030)
    ]
    big = tmp_path / "big.csv"
    write_csv(big, rows)
    with engine.connect() as conn:
        before_schema, before_oids = schema_of_observation(conn), index_oids(conn)

    importer.import_file(big, dry_run=True)  # rolled back: the dropped indexes come back untouched
    with engine.connect() as conn:
        assert index_oids(conn) == before_oids

    r = importer.import_file(big)
    assert r.added == len(rows)
    with engine.connect() as conn:
        assert schema_of_observation(conn) == before_schema
        after = index_oids(conn)
        rebuilt = {name for name in after if after[name] != before_oids.get(name)}
        assert rebuilt == {"ix_observation_area_headline", "ix_observation_indicator_breakdown"}
        # the foreign keys are enforced again
        with pytest.raises(Exception, match="foreign key"):
            conn.execute(text("UPDATE observation SET area_id = -1 WHERE id = (SELECT min(id) FROM observation)"))

    small = tmp_path / "small.csv"
    write_csv(small, rows[:10])
    importer.import_file(small)  # no bulk load: the table already holds more than the file
    with engine.connect() as conn:
        assert index_oids(conn) == after
