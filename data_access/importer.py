"""Import the board dataset from CSV or XLSX: all or nothing, idempotent, streamed with bounded memory.

Rows are read one at a time, checked against the reference data, and written in chunks to a temporary staging
table inside one transaction. Only when every row is valid are they merged into `observation` with set-based SQL:
changed values are copied to `observation_history` first, then updated; new keys are inserted. Any error rolls the
whole transaction back, so the database is untouched.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, select, text

from data_access import cache as data_cache
from data_access.db import get_engine
from data_access.models import Area, ImportRun, Indicator, Meta, Period, utcnow
from data_access.periods import PeriodError, parse_period

COLUMNS = ["indicator", "area", "period", "breakdown_dimension", "breakdown_value", "value", "numerator",
           "denominator", "unit", "source_document", "source_line", "note", "derived"]
REQUIRED = ["indicator", "area", "period", "value"]
MAX_ERRORS = 50
CHUNK = 5000
PROGRESS_LINES = 1000
SQLITE_CACHE_KIB = 16384  # SQLite's page cache during an import (default 2 MiB): fewer reads of the indexes
POSTGRES_WORK_MEM = "64MB"  # sorts and hashes of the merge in memory rather than on disk (server side)
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


@dataclass(frozen=True)
class RowError:
    where: str  # "row 7" or "sheet 'Front door', row 7"
    column: str
    message: str

    def __str__(self) -> str:
        col = f", column '{self.column}'" if self.column else ""
        return f"{self.where}{col}: {self.message}"


class ImportRejected(Exception):
    """The file was not imported; `errors` says where and why. Nothing was changed."""

    def __init__(self, errors: list[RowError], more: int = 0):
        self.errors = errors
        self.more = more
        lines = [str(e) for e in errors]
        if more:
            lines.append(f"... and {more} more errors")
        super().__init__("the file was not imported; nothing was changed:\n" + "\n".join(lines))


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    skipped_blank: int = 0


@dataclass
class _Errors:
    items: list[RowError] = field(default_factory=list)
    more: int = 0

    def add(self, where: str, column: str, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(RowError(where, column, message))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items)


# ------------------------------------------------------------------ reading files


def _normalise_header(h: object) -> str:
    return str(h or "").strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def read_records(path: Path, progress: Callable[[int], None] | None = None
                 ) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield (where, row) for every data row of a CSV or XLSX file; raise ImportRejected for unreadable files."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected([RowError("file", "", f"{path} does not exist")])
    size = path.stat().st_size
    if size == 0:
        raise ImportRejected([RowError("file", "", "the file is empty; export a dataset or fill in the "
                                                   "template (board-dashboard template) and try again")])
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(b"PK\x03\x04"):
        yield from _read_xlsx(path, progress)
    elif b"\x00" in head:
        raise ImportRejected([RowError("file", "", "this is not a CSV or XLSX file (it contains binary data); "
                                                   "save the data as 'CSV UTF-8' or .xlsx")])
    else:
        yield from _read_csv(path, progress)


def _read_csv(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[str, dict[str, str]]]:
    def lines(raw: io.BufferedReader) -> Iterator[str]:
        done = 0  # bytes read but not yet reported: progress is told every PROGRESS_LINES lines, not every line
        for i, b in enumerate(raw, start=1):
            done += len(b)
            if progress and i % PROGRESS_LINES == 0:
                progress(done)
                done = 0
            try:
                s = b.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ImportRejected([RowError(f"line {i}", "", f"the file is not UTF-8 (byte 0x{b[e.start]:02x} "
                                               "cannot be read); in Excel use 'Save as: CSV UTF-8'")]) from None
            yield s.lstrip("\ufeff") if i == 1 else s
        if progress and done:
            progress(done)

    with path.open("rb") as raw:
        reader = csv.reader(lines(raw))
        try:
            header = next(reader, None)
        except csv.Error as e:
            raise ImportRejected([RowError("row 1", "", f"the header cannot be read as CSV ({e})")]) from None
        if header is None or not any(h.strip() for h in header):
            raise ImportRejected([RowError("row 1", "", "the file has no header row")])
        names = [_normalise_header(h) for h in header]
        _check_header(names, "row 1")
        n = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise ImportRejected([RowError(f"row {n + 1}", "", f"not valid CSV ({e})")]) from None
            n += 1
            if not "".join(cells).strip():
                continue
            yield f"row {n}", dict(zip(names, cells, strict=False))


def _read_xlsx(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[str, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise ImportRejected([RowError("file", "", f"the workbook cannot be opened ({e}); save it again as "
                                                   ".xlsx")]) from None
    try:
        found = False
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            names = [_normalise_header(h) for h in (header or ())]
            if "indicator" not in names:  # README and other sheets without data
                continue
            found = True
            _check_header(names, f"sheet '{ws.title}', row 1")
            for n, cells in enumerate(rows, start=2):
                if progress:
                    progress(1)
                values = ["" if c is None else _cell_text(c) for c in cells]
                if not any(v.strip() for v in values):
                    continue
                yield f"sheet '{ws.title}', row {n}", dict(zip(names, values, strict=False))
        if not found:
            raise ImportRejected([RowError("file", "", "no sheet has an 'indicator' column; use the template "
                                                       "(board-dashboard template) or the export format")])
    finally:
        wb.close()


def _cell_text(c: object) -> str:
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    if hasattr(c, "date") and hasattr(c, "year"):  # a date typed into the period column
        return c.date().isoformat() if hasattr(c, "hour") else c.isoformat()
    return str(c)


def _check_header(names: list[str], where: str) -> None:
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportRejected([RowError(where, ", ".join(missing),
                                       f"missing required column{'s' if len(missing) > 1 else ''}; the header "
                                       f"must include {', '.join(REQUIRED)} (see board-dashboard export)")])
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise ImportRejected([RowError(where, ", ".join(dupes), "column named twice")])


# ------------------------------------------------------------------ checking rows


def _number(raw: str, allow_percent_sign: bool) -> float | None:
    s = raw.strip()
    if s.isdecimal():  # the common case, plain digits: what the pattern below accepts, read without it
        return float(s)
    if allow_percent_sign and s.endswith("%"):
        s = s[:-1].strip()
    if not s or not _NUMBER.match(s) or s in ("+", "-", "."):
        raise ValueError
    return float(s.replace(",", ""))


class _Reference:
    """Codes the rows are checked against, loaded once per import."""

    def __init__(self, conn: Connection):
        self.indicators = {r.code: r for r in conn.execute(
            select(Indicator.id, Indicator.code, Indicator.unit, Indicator.breakdowns))}
        self.dimensions = {code: frozenset(r.breakdowns.split(",")) for code, r in self.indicators.items()}
        self.areas = {r.code: r.id for r in conn.execute(select(Area.id, Area.code))}
        self.periods = {r.code: r.id for r in conn.execute(select(Period.id, Period.code))}
        self.spelled: dict[str, tuple[int, str]] = {}  # period text as written -> (id, code): parsed once
        self.conn = conn

    def suggest(self, code: str, known) -> str:
        close = difflib.get_close_matches(code, list(known), n=1)
        return f"; did you mean '{close[0]}'?" if close else ""

    def period_id(self, code: str) -> tuple[int, str]:
        known = self.spelled.get(code)
        if known is not None:
            return known
        p = parse_period(code)
        pid = self.periods.get(p.code)
        if pid is None:
            pid = self.conn.execute(Period.__table__.insert().values(
                code=p.code, kind=p.kind, start_date=p.start, end_date=p.end, label=p.label,
                sort_key=p.sort_key)).inserted_primary_key[0]
            self.periods[p.code] = pid
        self.spelled[code] = (pid, p.code)
        return pid, p.code


def _check_row(where: str, row: dict[str, str], ref: _Reference, errors: _Errors) -> tuple | None:
    cell = row.get

    def get(k: str) -> str:
        return (cell(k) or "").strip()

    ok = True
    code = get("indicator")
    ind = ref.indicators.get(code)
    if not code:
        errors.add(where, "indicator", "is empty; give an indicator code (board-dashboard indicators lists them)")
        ok = False
    elif ind is None:
        errors.add(where, "indicator", f"unknown indicator '{code}'{ref.suggest(code, ref.indicators)}")
        ok = False
    area = get("area")
    area_id = ref.areas.get(area)
    if area_id is None:
        errors.add(where, "area", f"unknown area '{area}'{ref.suggest(area, ref.areas)}" if area
                   else "is empty; give an area code such as 'havering'")
        ok = False
    period_id = None
    try:
        period_id, _ = ref.period_id(get("period"))
    except PeriodError as e:
        errors.add(where, "period", str(e))
        ok = False
    dim, dval = get("breakdown_dimension"), get("breakdown_value")
    if bool(dim) != bool(dval):
        errors.add(where, "breakdown_value" if dim else "breakdown_dimension",
                   "breakdown_dimension and breakdown_value are given together or both left empty")
        ok = False
    elif dim and ind is not None and dim not in ref.dimensions[code]:
        allowed = ind.breakdowns.replace(",", ", ") or "none"
        errors.add(where, "breakdown_dimension", f"'{code}' has no breakdown '{dim}' (it has: {allowed})")
        ok = False
    unit = get("unit")
    if unit and ind is not None and unit != ind.unit:
        errors.add(where, "unit", f"'{code}' is measured in {ind.unit}, not {unit}")
        ok = False
    is_pct = ind is not None and ind.unit == "percent"
    nums = {}
    for col in ("value", "numerator", "denominator"):
        raw = get(col)
        if not raw:
            if col == "value":
                errors.add(where, "value", "is empty; every row needs a figure (leave out rows with no data)")
                ok = False
            nums[col] = None
            continue
        try:
            nums[col] = _number(raw, is_pct and col == "value")
        except ValueError:
            hint = " (suppressed figures such as 'c' cannot be imported: leave the row out)" \
                if raw.lower() in ("c", "x", "*", "-", "n/a", "na") else ""
            errors.add(where, col, f"'{raw}' is not a number; write digits such as 42 or 11.6{hint}")
            ok = False
            nums[col] = None
    v, num, den = nums["value"], nums["numerator"], nums["denominator"]
    if v is not None and ind is not None:
        if is_pct and not 0 <= v <= 100:
            errors.add(where, "value", f"{raw_or(v)} is a percentage outside 0-100 (write 11.6 for 11.6%)")
            ok = False
        elif ind.unit in ("count", "rate_per_10k", "days", "weeks") and v < 0:
            errors.add(where, "value", f"a {ind.unit.replace('_', ' ')} cannot be negative")
            ok = False
    if num is not None and den is not None and num > den:
        errors.add(where, "numerator", f"numerator {raw_or(num)} is greater than denominator {raw_or(den)}")
        ok = False
    line = get("source_line")
    if line and not line.isdigit():
        errors.add(where, "source_line", f"'{line}' is not a line number")
        ok = False
    derived = get("derived").lower()
    if derived not in ("", "yes", "no", "true", "false", "1", "0"):
        errors.add(where, "derived", f"'{derived}' should be 'yes' or empty")
        ok = False
    if not ok:
        return None
    return (ind.id, area_id, period_id, dim, dval, v, num, den, get("source_document"),
            int(line) if line else None, get("note"), derived in ("yes", "true", "1"))


def raw_or(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# ------------------------------------------------------------------ merging

_STAGING_COLS = ("rownum", "indicator_id", "area_id", "period_id", "breakdown_dimension", "breakdown_value",
                 "value", "numerator", "denominator", "source_document", "source_line", "note", "derived",
                 "row_where")
_KEY = ("indicator_id", "area_id", "period_id", "breakdown_dimension", "breakdown_value")
_DATA = ("value", "numerator", "denominator", "source_document", "source_line", "note", "derived")


def _create_staging(conn: Connection) -> None:
    conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE import_staging (rownum INTEGER, indicator_id INTEGER, area_id INTEGER, "
        "period_id INTEGER, breakdown_dimension VARCHAR(64), breakdown_value VARCHAR(128), value FLOAT, "
        "numerator FLOAT, denominator FLOAT, source_document VARCHAR(255), source_line INTEGER, note TEXT, "
        "derived BOOLEAN, row_where VARCHAR(120))")


def _flush(conn: Connection, chunk: list[tuple]) -> None:
    if not chunk:
        return
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY import_staging ({', '.join(_STAGING_COLS)}) FROM STDIN") as cp:
            for r in chunk:
                cp.write_row(r)
    else:
        marks = ", ".join("?" * len(_STAGING_COLS))
        conn.connection.driver_connection.executemany(
            f"INSERT INTO import_staging ({', '.join(_STAGING_COLS)}) VALUES ({marks})", chunk)
    chunk.clear()


def _tune(conn: Connection) -> Callable[[], None]:
    """Make this connection fit for a large import; return what puts it back (connections are pooled)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")  # ends with the transaction
        return lambda: None
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    return lambda: conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _merge(conn: Connection, run_id: int) -> tuple[int, int]:
    pg = conn.dialect.name == "postgresql"
    differs = " OR ".join(f"o.{c} {'IS DISTINCT FROM' if pg else 'IS NOT'} s.{c}" for c in _DATA)
    on = " AND ".join(f"o.{c} = s.{c}" for c in _KEY)
    now = utcnow()
    conn.execute(text(
        "INSERT INTO observation_history (observation_id, value, numerator, denominator, source_document, "
        "source_line, note, replaced_at, import_run_id) "
        f"SELECT o.id, o.value, o.numerator, o.denominator, o.source_document, o.source_line, o.note, :now, :run "
        f"FROM observation o JOIN import_staging s ON {on} WHERE {differs}"), {"now": now, "run": run_id})
    updated = conn.execute(text(
        f"UPDATE observation AS o SET {', '.join(f'{c} = s.{c}' for c in _DATA)}, updated_at = :now "
        f"FROM import_staging AS s WHERE {on} AND ({differs})"), {"now": now}).rowcount
    added = conn.execute(text(
        f"INSERT INTO observation ({', '.join(_KEY + _DATA)}, updated_at) "
        f"SELECT {', '.join('s.' + c for c in _KEY + _DATA)}, :now FROM import_staging s "
        f"WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE {on}) "
        # In key order, new rows go into the observation indexes page by page rather than at random.
        f"ORDER BY {', '.join('s.' + c for c in _KEY)}"), {"now": now}).rowcount
    return added, updated


def _duplicates(conn: Connection, errors: _Errors) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE import_staging")  # a temporary table has no statistics until asked
    rows = conn.execute(text(
        f"SELECT MIN(rownum), MAX(rownum), COUNT(*) FROM import_staging GROUP BY {', '.join(_KEY)} "
        f"HAVING COUNT(*) > 1 ORDER BY MIN(rownum) LIMIT {MAX_ERRORS}")).all()
    for first, last, n in rows:
        wf, wl = conn.execute(text("SELECT row_where FROM import_staging WHERE rownum IN (:a, :b) "
                                   "ORDER BY rownum"), {"a": first, "b": last}).scalars().all()
        errors.add(wl, "indicator, area, period, breakdown",
                   f"repeats the figure of {wf} (same indicator, area, period and breakdown"
                   f"{f'; {n} rows in all' if n > 2 else ''}); keep one row per figure")


def import_file(path: Path | str, *, dry_run: bool = False, actor: str = "",
                progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a dataset file. Raise ImportRejected (and change nothing) if any row is wrong."""
    path = Path(path)
    errors = _Errors()
    result = ImportResult(dry_run=dry_run)
    engine = get_engine()
    with engine.connect() as conn:
        trans = conn.begin()
        untune = _tune(conn)
        try:
            ref = _Reference(conn)
            _create_staging(conn)
            chunk: list[tuple] = []
            for where, row in read_records(path, progress):
                if not any((row.get(k) or "").strip() for k in ("area", "period", "value")):
                    result.skipped_blank += 1  # an unfilled template row: indicator code only
                    continue
                result.rows += 1
                checked = _check_row(where, row, ref, errors)
                if checked is not None and not errors:
                    chunk.append((result.rows, *checked, where))
                    if len(chunk) >= CHUNK:
                        _flush(conn, chunk)
            if result.rows == 0 and not errors:
                errors.add("file", "", "the file has a header but no data rows")
            if not errors:
                _flush(conn, chunk)
                _duplicates(conn, errors)
            if errors:
                raise ImportRejected(errors.items, errors.more)
            run_id = conn.execute(ImportRun.__table__.insert().values(
                filename=path.name, actor=actor, started_at=utcnow())).inserted_primary_key[0]
            result.added, result.updated = _merge(conn, run_id)
            result.unchanged = result.rows - result.added - result.updated
            conn.execute(ImportRun.__table__.update().where(ImportRun.id == run_id).values(
                added=result.added, updated=result.updated, unchanged=result.unchanged))
            _touch(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
            if dry_run:
                trans.rollback()
            else:
                trans.commit()
        except BaseException:
            trans.rollback()
            raise
        finally:
            untune()
    if not dry_run and (result.added or result.updated):
        data_cache.invalidate()
    return result


def _touch(conn: Connection) -> None:
    """Record when the dataset last changed (shown as 'data as of')."""
    now = utcnow().isoformat(timespec="seconds")
    table = Meta.__table__
    if conn.execute(select(table.c.key).where(table.c.key == "dataset_updated_at")).first():
        conn.execute(table.update().where(table.c.key == "dataset_updated_at").values(value=now))
    else:
        conn.execute(table.insert().values(key="dataset_updated_at", value=now))
