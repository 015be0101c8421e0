"""Import and export on real databases: round trip, idempotency, history, and every kind of bad input."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from dashboard.services import dataset as services
from data_access import audit, db
from data_access.auth_models import AuditEntry
from data_access.exporter import export_csv
from data_access.importer import COLUMNS, ImportRejected
from data_access.models import ImportRun, Observation, ObservationHistory
from tests.conftest import ROOT

HEADER = ",".join(COLUMNS)


def count(model=Observation) -> int:
    with db.get_engine().connect() as c:
        return c.execute(select(func.count()).select_from(model)).scalar_one()


def write(tmp_path: Path, body: str, name="data.csv", encoding="utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(body.encode(encoding))
    return p


def test_export_then_import_into_empty_database_then_export_is_identical(loaded_db, tmp_path):
    first = tmp_path / "first.csv"
    n = export_csv(first)
    assert n > 200
    services.init_database(load_bundled=False)  # upgrading in place keeps the data
    assert count() == n
    # an empty database of the same backend
    from sqlalchemy import delete

    with db.session_scope() as s:
        s.execute(delete(ObservationHistory))
        s.execute(delete(Observation))
    r = services.import_dataset(first)
    assert (r.added, r.updated, r.unchanged) == (n, 0, 0)
    second = tmp_path / "second.csv"
    export_csv(second)
    assert first.read_bytes() == second.read_bytes()


def test_reimport_is_unchanged_and_a_changed_value_keeps_the_old_one(loaded_db, tmp_path):
    out = tmp_path / "all.csv"
    n = export_csv(out)
    r = services.import_dataset(out)
    assert (r.added, r.updated, r.unchanged) == (0, 0, n)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    target = next(
        r
        for r in rows
        if r["indicator"] == "cp_plans"
        and r["area"] == "westminster"
        and r["period"] == "2016-03-31"
        and not r["breakdown_dimension"]
    )
    before_history = count(ObservationHistory)
    target["value"] = str(int(float(target["value"])) + 1)
    target["note"] = "revised by the council's performance team"
    changed = write(tmp_path, "", "changed.csv")
    with changed.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerow(target)
    r = services.import_dataset(changed)
    assert (r.added, r.updated, r.unchanged) == (0, 1, 0)
    assert count(ObservationHistory) == before_history + 1
    with db.get_engine().connect() as c:
        old = c.execute(select(ObservationHistory.value).order_by(ObservationHistory.id.desc())).first()[0]
    assert old == float(target["value"]) - 1


def test_dry_run_reports_and_writes_nothing(empty_db, tmp_path):
    p = write(tmp_path, f"{HEADER}\ncontacts,havering,2014-15,,,6984,,,count,x.txt,1,,\n")
    r = services.import_dataset(p, dry_run=True)
    assert (r.added, r.dry_run) == (1, True)
    assert count() == 0


def figures() -> list[tuple]:
    """Every figure of the dataset as the board sees it."""
    with db.get_engine().connect() as c:
        return sorted(
            c.execute(
                text(
                    "SELECT indicator_id, area_id, period_id, breakdown_dimension, breakdown_value, "
                    "value, source_document, note FROM observation"
                )
            ).all()
        )


def write_counts() -> dict[str, int]:
    """How many rows each table an import writes holds."""
    return {m.__tablename__: count(m) for m in (Observation, ObservationHistory, ImportRun, AuditEntry)}


def test_a_dry_run_of_a_change_writes_nothing_not_even_the_audit_log(empty_db, tmp_path):
    services.import_dataset(write(tmp_path, f"{HEADER}\ncontacts,havering,2014-15,,,6984,,,count,,,,\n"), actor="anna")
    before, counts = figures(), write_counts()
    changed = write(
        tmp_path,
        f"{HEADER}\ncontacts,havering,2014-15,,,7000,,,count,,,,\nreferrals,havering,2014-15,,,1774,,,count,,,,\n",
        name="changed.csv",
    )
    r = services.import_dataset(changed, dry_run=True, actor="anna")
    assert (r.added, r.updated, r.dry_run) == (1, 1, True)
    assert figures() == before and write_counts() == counts
    assert [e.target for e in audit.recent(5)] == ["data.csv"]


def take_the_audit_log_away() -> None:
    """Rename the audit table: any write to it now fails in the database itself."""
    with db.get_engine().begin() as c:
        c.execute(text("ALTER TABLE audit_log RENAME TO audit_log_away"))


def bring_the_audit_log_back() -> None:
    with db.get_engine().begin() as c:
        c.execute(text("ALTER TABLE audit_log_away RENAME TO audit_log"))


def test_an_import_whose_audit_entry_cannot_be_written_changes_nothing(empty_db, tmp_path):
    services.import_dataset(write(tmp_path, f"{HEADER}\ncontacts,havering,2014-15,,,6984,,,count,,,,\n"), actor="anna")
    before, counts = figures(), write_counts()
    changed = write(
        tmp_path,
        f"{HEADER}\ncontacts,havering,2014-15,,,7000,,,count,,,,\nreferrals,havering,2014-15,,,1774,,,count,,,,\n",
        name="changed.csv",
    )
    take_the_audit_log_away()
    try:
        with pytest.raises(DBAPIError, match="audit_log"):
            services.import_dataset(changed, actor="anna")
    finally:
        bring_the_audit_log_back()
    assert figures() == before and write_counts() == counts  # neither the new figure nor the changed one
    assert services.import_dataset(changed, actor="anna").added == 1  # and the same file goes in once it can be
    assert [e.target for e in audit.recent(5)] == ["changed.csv", "data.csv"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # another session's table lock: PostgreSQL's
def test_an_import_killed_while_writing_its_audit_entry_leaves_neither_the_figures_nor_the_entry(empty_db, tmp_path):
    """A separate session locks the audit table, so the import stops at its audit entry with its figures written
    but not committed; the importing process is then killed."""
    path = write(tmp_path, f"{HEADER}\ncontacts,havering,2014-15,,,6984,,,count,,,,\n")
    engine = db.get_engine()
    program = (
        "import sys; from pathlib import Path; from dashboard.services import dataset as s; "
        "from dashboard.settings import Settings; "
        "s.bootstrap(Settings(instance_path=Path(sys.argv[2]), database_url=sys.argv[1], redis_url=None)); "
        "s.import_dataset(sys.argv[3], actor='anna')"
    )
    with engine.connect() as locker:
        locker.execute(text("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE"))
        child = subprocess.Popen(
            [sys.executable, "-c", program, empty_db.database_url, str(empty_db.instance_path), str(path)],
            cwd=ROOT,
            env=os.environ.copy(),
        )
        try:
            backend = None
            deadline = time.monotonic() + 120
            # autocommit: each look at pg_stat_activity is a fresh one (a transaction sees one snapshot of it)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
                while backend is None and time.monotonic() < deadline and child.poll() is None:
                    backend = watcher.execute(
                        text(
                            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO audit_log%'"
                        )
                    ).scalar()
                    time.sleep(0.1)
                assert backend is not None, "the import never reached its audit entry"
                holds_figures = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE l.pid = :pid AND c.relname = 'observation' AND l.mode = 'RowExclusiveLock'"
                    ),
                    {"pid": backend},
                ).scalar_one()
                assert holds_figures, "the figures are written (uncommitted) before the audit entry"
                os.kill(child.pid, signal.SIGKILL)
                child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            locker.rollback()
        # the server ends the dead client's session, rolling it back
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
            while (
                watcher.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend}
                ).scalar_one()
                and time.monotonic() < deadline
            ):
                time.sleep(0.1)
    assert write_counts() == {"observation": 0, "observation_history": 0, "import_run": 0, "audit_log": 0}


def test_xlsx_in_the_export_format_imports(empty_db, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Front door"
    ws.append(COLUMNS)
    ws.append(["referrals", "havering", "2014-15", None, None, 1774, None, None, "count", "002.txt", 368, "", ""])
    ws.append(["contacts", "havering", "2014-15", "source", "police", 4500, None, None, "count", "", None, "", ""])
    p = tmp_path / "data.xlsx"
    wb.save(p)
    r = services.import_dataset(p)
    assert r.added == 2


def test_utf8_bom_is_accepted(empty_db, tmp_path):
    p = write(tmp_path, "\ufeff" + f"{HEADER}\ncontacts,havering,2014-15,,,6984,,,count,,,,\n")
    assert services.import_dataset(p).added == 1


def rejected(path: Path) -> ImportRejected:
    before = count()
    with pytest.raises(ImportRejected) as e:
        services.import_dataset(path)
    assert count() == before, "a rejected import must change nothing"
    return e.value


BAD_ROWS = [
    (
        "unknown indicator",
        "contactz,havering,2014-15,,,1,,,,,,,",
        "row 2",
        "indicator",
        "unknown indicator 'contactz'; did you mean 'contacts'",
    ),  # noqa: E501
    (
        "unknown area",
        "contacts,haverin,2014-15,,,1,,,,,,,",
        "row 2",
        "area",
        "unknown area 'haverin'; did you mean 'havering'",
    ),  # noqa: E501
    ("unparseable period", "contacts,havering,2014-16,,,1,,,,,,,", "row 2", "period", "financial year"),
    ("non-numeric value", "contacts,havering,2014-15,,,lots,,,,,,,", "row 2", "value", "'lots' is not a number"),
    (
        "percent outside 0-100",
        "referrals_to_assessment_pct,havering,2014-15,,,105,,,,,,,",
        "row 2",
        "value",
        "outside 0-100",
    ),  # noqa: E501
    (
        "numerator > denominator",
        "referrals_to_assessment_pct,havering,2014-15,,,50,30,20,,,,,",
        "row 2",
        "numerator",
        "greater than denominator",
    ),  # noqa: E501
    (
        "unknown breakdown",
        "contacts,havering,2014-15,colour,red,1,,,,,,,",
        "row 2",
        "breakdown_dimension",
        "has no breakdown 'colour'",
    ),  # noqa: E501
    ("unit mismatch", "contacts,havering,2014-15,,,1,,,percent,,,,", "row 2", "unit", "measured in count"),
]


@pytest.mark.parametrize("label,row,where,column,message", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_a_bad_row_is_named_with_its_column_and_nothing_changes(empty_db, tmp_path, label, row, where, column, message):
    good = "contacts,havering,2013-14,,,7410,,,count,,,,"
    e = rejected(write(tmp_path, f"{HEADER}\n{row}\n{good}\n"))
    assert len(e.errors) == 1
    err = e.errors[0]
    assert (err.where, err.column) == (where, column)
    assert message in err.message


def test_every_error_is_reported_not_just_the_first(empty_db, tmp_path):
    body = HEADER + "\n" + "\n".join(f"contacts,nowhere{i},2014-15,,,1,,,,,,," for i in range(70)) + "\n"
    e = rejected(write(tmp_path, body))
    assert len(e.errors) == 50 and e.more == 20
    assert e.errors[49].where == "row 51"


def test_two_rows_with_the_same_key_are_named(empty_db, tmp_path):
    e = rejected(
        write(
            tmp_path,
            f"{HEADER}\ncontacts,havering,2014-15,,,1,,,,,,,\n"
            f"referrals,havering,2014-15,,,2,,,,,,,\ncontacts,havering,2014/15,,,3,,,,,,,\n",
        )
    )
    assert e.errors[0].where == "row 4"
    assert "repeats the figure of row 2" in e.errors[0].message


@pytest.mark.parametrize(
    "body,message",
    [
        ("indicator,area,value\ncontacts,havering,1\n", "missing required column; the header must include"),
        (HEADER + "\n", "header but no data rows"),
        ("", "the file is empty"),
    ],
    ids=["missing column", "no data rows", "empty file"],
)
def test_file_level_problems(empty_db, tmp_path, body, message):
    e = rejected(write(tmp_path, body))
    assert message in str(e)


def test_binary_file_is_refused(empty_db, tmp_path):
    p = tmp_path / "photo.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "binary data" in str(rejected(p))


def test_wrong_encoding_is_named_with_its_line(empty_db, tmp_path):
    p = write(tmp_path, f"{HEADER}\ncontacts,havering,2014-15,,,1,,,,,,Café note,\n", encoding="cp1252")
    e = rejected(p)
    assert e.errors[0].where == "line 2" and "not UTF-8" in e.errors[0].message and "CSV UTF-8" in e.errors[0].message


def test_a_broken_workbook_is_refused(empty_db, tmp_path):
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"PK\x03\x04" + b"not really a zip" * 10)
    assert "cannot be opened" in str(rejected(p))
