"""Import the board dataset from CSV or XLSX: all or nothing, idempotent, streamed with bounded memory.

Rows are checked against the reference data and written in chunks to a temporary staging table inside one
transaction. Only when every row is valid are they merged into `observation` with set-based SQL: changed values are
copied to `observation_history` first, then updated; new keys are inserted. Any error rolls the whole transaction
back, so the database is untouched.

Two readers give the same result. A CSV file is read in frames of many rows by pandas' C parser and checked a
column at a time (`_check_frame`); any row that is not plainly valid there - a blank row, a code with stray spaces,
a number written "1,234" or "12%", a mistake - goes through the row-by-row check (`_check_row`), which alone
decides what is accepted and writes every error message. Workbooks, and CSV files the C parser cannot read exactly
(bad encoding, broken quoting), are read row by row with the csv module, which names the line at fault.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, text

from data_access import cache as data_cache
from data_access.db import get_engine
from data_access.models import Area, ImportRun, Indicator, Meta, Period, utcnow
from data_access.periods import PeriodError, parse_period

COLUMNS = ["indicator", "area", "period", "breakdown_dimension", "breakdown_value", "value", "numerator",
           "denominator", "unit", "source_document", "source_line", "note", "derived"]
REQUIRED = ["indicator", "area", "period", "value"]
MAX_ERRORS = 50
CHUNK = 5000  # rows per write to the staging table (row-by-row reader)
FRAME_ROWS = 100_000  # rows per frame (column-at-a-time reader): bounded memory, few round trips
PROGRESS_LINES = 1000
SQLITE_CACHE_KIB = 16384  # SQLite's page cache during an import (default 2 MiB): fewer reads of the indexes
POSTGRES_WORK_MEM = "256MB"  # sorts and hashes of the merge in memory rather than on disk (server side)
POSTGRES_MAINTENANCE_WORK_MEM = "256MB"  # index builds after a bulk load, in memory
# A bulk load: an import of at least this many rows that at least doubles the table. PostgreSQL then drops the
# observation table's secondary indexes and foreign keys, inserts, and builds them again (PostgreSQL manual,
# "Populating a Database"): building an index once is much faster than growing it a row at a time.
BULK_MIN_ROWS = 100_000
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # what the column-at-a-time check accepts; else row by row
_PLAIN_LINE = re.compile(r"[0-9]+")
_DERIVED = ("", "yes", "no", "true", "false", "1", "0")
_DERIVED_TRUE = ("yes", "true", "1")
_TEXT_COLUMNS = ("breakdown_dimension", "breakdown_value", "source_document", "note")  # never NULL in staging


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
class Errors:
    """Collects every row error of a file (up to MAX_ERRORS) so the user can fix them all at once."""

    items: list[RowError] = field(default_factory=list)
    more: int = 0

    def add(self, where: str, column: str, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(RowError(where, column, message))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportRejected(self.items, self.more)


# ------------------------------------------------------------------ reading files


def _normalise_header(h: object) -> str:
    return str(h or "").strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def _file_kind(path: Path) -> str:
    """'csv' or 'xlsx'; raise ImportRejected for a file that is neither."""
    if not path.is_file():
        raise ImportRejected([RowError("file", "", f"{path} does not exist")])
    if path.stat().st_size == 0:
        raise ImportRejected([RowError("file", "", "the file is empty; export a dataset or fill in the "
                                                   "template (board-dashboard template) and try again")])
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if b"\x00" in head:
        raise ImportRejected([RowError("file", "", "this is not a CSV or XLSX file (it contains binary data); "
                                                   "save the data as 'CSV UTF-8' or .xlsx")])
    return "csv"


def read_records(path: Path, progress: Callable[[int], None] | None = None
                 ) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield (where, row) for every data row of a CSV or XLSX file, one row at a time; raise ImportRejected for
    unreadable files."""
    path = Path(path)
    if _file_kind(path) == "xlsx":
        yield from _read_xlsx(path, progress)
    else:
        yield from _read_csv(path, progress)


def _utf8_lines(raw: io.BufferedReader, progress: Callable[[int], None] | None) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 is named."""
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


def _csv_header(reader) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise ImportRejected([RowError("row 1", "", f"the header cannot be read as CSV ({e})")]) from None
    if header is None or not any(h.strip() for h in header):
        raise ImportRejected([RowError("row 1", "", "the file has no header row")])
    names = [_normalise_header(h) for h in header]
    _check_header(names, "row 1")
    return names


def _read_csv(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[str, dict[str, str]]]:
    with path.open("rb") as raw:
        reader = csv.reader(_utf8_lines(raw, progress))
        names = _csv_header(reader)
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


class _NeedsRowReader(Exception):
    """The C parser cannot read this file exactly as the csv module would; read it row by row instead."""


def _read_csv_frames(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[int, pd.DataFrame]]:
    """(row number of the frame's first row, frame of text cells) for a CSV file, FRAME_ROWS rows at a time.

    Row numbers count records as the csv module does (the header is row 1; a blank line is a row). Raises
    _NeedsRowReader when the file has anything the C parser cannot read (bad UTF-8, broken quoting): the
    row-by-row reader then names the place."""
    with path.open("rb") as raw:
        try:
            names = _csv_header(csv.reader(_utf8_lines(io.BytesIO(raw.readline()), None)))
        except ImportRejected as e:  # the row-by-row reader says the same, or reads a header over two lines
            raise _NeedsRowReader(str(e)) from e
    # Blank header cells get placeholder names (pandas refuses repeated names); their cells are never read.
    columns = [n or f"_blank_{i}" for i, n in enumerate(names)]
    with path.open("rb") as raw:
        reported = 0
        first = 2
        try:
            # usecols: cells beyond the header's are left out, as the row-by-row reader leaves them out
            for frame in pd.read_csv(raw, header=0, names=columns, usecols=range(len(columns)), dtype=str,
                                     na_filter=False, skip_blank_lines=False, chunksize=FRAME_ROWS,
                                     encoding="utf-8", engine="c"):
                yield first, frame.reset_index(drop=True)
                first += len(frame)
                if progress:
                    pos = raw.tell()
                    progress(pos - reported)
                    reported = pos
        except (UnicodeDecodeError, pd.errors.ParserError, csv.Error) as e:
            if progress and reported:
                progress(-reported)  # the row-by-row reader starts again from the top
            raise _NeedsRowReader(str(e)) from e


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
        self.indicator_ids = {code: r.id for code, r in self.indicators.items()}
        self.units = {code: r.unit for code, r in self.indicators.items()}
        # "code<US>dimension" for every breakdown an indicator has: one vectorised lookup per frame
        self.breakdown_pairs = {f"{code}\x1f{d}" for code, dims in self.dimensions.items() for d in dims if d}
        self.areas = {r.code: r.id for r in conn.execute(select(Area.id, Area.code))}
        self.periods = {r.code: r.id for r in conn.execute(select(Period.id, Period.code))}
        self.spelled: dict[str, tuple[int, str]] = {}  # period text as written -> (id, code): parsed once
        self.conn = conn
        self.before_insert: Callable[[], None] = lambda: None  # a new period is about to be written

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
            self.before_insert()
            pid = self.conn.execute(Period.__table__.insert().values(
                code=p.code, kind=p.kind, start_date=p.start, end_date=p.end, label=p.label,
                sort_key=p.sort_key)).inserted_primary_key[0]
            self.periods[p.code] = pid
        self.spelled[code] = (pid, p.code)
        return pid, p.code


def _check_row(where: str, row: dict[str, str], ref: _Reference, errors: Errors) -> tuple | None:
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
    if line and not (line.isascii() and line.isdigit()):
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


def _blank_or_template(row: dict[str, str]) -> str | None:
    """'blank' for a row with nothing in it, 'template' for an unfilled template row (an indicator code only),
    else None: a row to check."""
    if not "".join(v for v in row.values() if v).strip():
        return "blank"
    if not any((row.get(k) or "").strip() for k in ("area", "period", "value")):
        return "template"
    return None


def _count_and_check(where: str, row: dict[str, str], ref: _Reference, errors: Errors,
                     result: ImportResult) -> tuple | None:
    """What both readers do with a row: pass over a blank one, count and pass over an unfilled template row, and
    count and check any other (None when it is wrong or passed over)."""
    kind = _blank_or_template(row)
    if kind == "template":
        result.skipped_blank += 1
    if kind:
        return None
    result.rows += 1
    return _check_row(where, row, ref, errors)


def _floats(raw: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.full(len(raw), np.nan)
    if mask.any():
        out[mask] = raw[mask].astype("float64")
    return out


def _by_value(cells: np.ndarray, fn: Callable[[str], object], dtype=object) -> np.ndarray:
    """`fn` of every cell, worked out once per distinct value: a column repeats few values (codes, periods,
    breakdowns), so a million cells cost a few hundred calls and one array lookup."""
    codes, distinct = pd.factorize(cells)
    return np.array([fn(x) for x in distinct], dtype=dtype)[codes] if len(distinct) else np.empty(0, dtype)


def _plain_number(x: str) -> bool:
    return _PLAIN_NUMBER.fullmatch(x) is not None


def _check_frame(first: int, frame: pd.DataFrame, ref: _Reference, errors: Errors,
                 result: ImportResult) -> tuple[dict[str, list], list[tuple]]:
    """Check a frame of CSV rows (row numbers from `first`) a column at a time.

    Returns the staging columns of the rows that are plainly valid, and the staging rows of the others that
    `_check_row` accepts. Plainly valid is a narrower test than `_check_row`'s (codes exactly as registered,
    numbers as plain digits), and gives the same staged values: every row it does not pass is checked by
    `_check_row`, which alone writes errors.
    """
    n = len(frame)

    def col(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=object) if name in frame.columns else np.full(n, "", dtype=object)

    def period_id(text_: str) -> int:
        if not text_ or text_ != text_.strip():
            return -1
        try:
            return ref.period_id(text_)[0]
        except PeriodError:
            return -1

    code, value = col("indicator"), col("value")
    ind_id = _by_value(code, lambda c: ref.indicator_ids.get(c, -1), np.int64)
    area_id = _by_value(col("area"), lambda a: ref.areas.get(a, -1), np.int64)
    per_id = _by_value(col("period"), period_id, np.int64)
    unit_of = _by_value(code, lambda c: ref.units.get(c, ""))
    ok = (ind_id >= 0) & (area_id >= 0) & (per_id >= 0)
    dim = _by_value(col("breakdown_dimension"), str.strip)
    dval = _by_value(col("breakdown_value"), str.strip)
    has_dim = dim != ""
    ok &= has_dim == (dval != "")
    if has_dim.any():  # each distinct (indicator, breakdown) pair looked up once
        code_at, codes = pd.factorize(code)
        dim_at, dims = pd.factorize(dim)
        pair_at, pairs = pd.factorize(code_at.astype(np.int64) * len(dims) + dim_at)
        allowed = np.array([f"{codes[p // len(dims)]}\x1f{dims[p % len(dims)]}" in ref.breakdown_pairs
                            for p in pairs], dtype=bool)
        ok &= ~has_dim | allowed[pair_at]
    unit = col("unit")
    ok &= (unit == "") | (unit == unit_of)
    ok &= _by_value(value, _plain_number, bool)
    v = _floats(value, ok)
    nums = {}
    for name in ("numerator", "denominator"):
        raw = col(name)
        present = raw != ""
        ok &= ~present | _by_value(raw, _plain_number, bool)
        nums[name] = _floats(raw, present & ok)
    with np.errstate(invalid="ignore"):
        ok &= ~((unit_of == "percent") & (v > 100))
        ok &= ~(nums["numerator"] > nums["denominator"])
    line = col("source_line")
    ok &= _by_value(line, lambda x: x == "" or _PLAIN_LINE.fullmatch(x) is not None, bool)
    derived = col("derived")
    ok &= _by_value(derived, lambda x: x in _DERIVED, bool)

    rows: list[tuple] = []
    for i in np.flatnonzero(~ok):
        checked = _count_and_check(f"row {first + i}", {c: frame[c].iat[i] for c in frame.columns}, ref, errors,
                                   result)
        if checked is not None:
            rows.append((first + int(i), *checked, None))
    result.rows += int(ok.sum())
    line = line[ok]
    columns = {
        "rownum": (np.flatnonzero(ok) + first).tolist(),
        "indicator_id": ind_id[ok].tolist(),
        "area_id": area_id[ok].tolist(),
        "period_id": per_id[ok].tolist(),
        "breakdown_dimension": dim[ok].tolist(),
        "breakdown_value": dval[ok].tolist(),
        "value": v[ok].tolist(),
        "numerator": _nullable(nums["numerator"][ok]),
        "denominator": _nullable(nums["denominator"][ok]),
        "source_document": _by_value(col("source_document")[ok], str.strip).tolist(),
        "source_line": _by_value(line, lambda x: int(x) if x else None).tolist(),
        "note": _by_value(col("note")[ok], str.strip).tolist(),
        "derived": _by_value(derived[ok], lambda x: x in _DERIVED_TRUE, bool).tolist(),
        "row_where": [None] * int(ok.sum()),
    }
    return columns, rows


def _nullable(a: np.ndarray) -> list:
    return [None if x != x else x for x in a.tolist()]  # NaN -> NULL


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


class _Staging:
    """The temporary staging table. On PostgreSQL it is written with COPY in CSV form, one COPY kept open
    across writes so that the server reads rows while the next ones are checked; the COPY is finished before
    any other statement runs on the connection (`finish`)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._copy = None
        self._stack: ExitStack | None = None
        _create_staging(conn)

    def write(self, rows) -> None:
        """Rows as tuples in _STAGING_COLS order."""
        if self.conn.dialect.name != "postgresql":
            marks = ", ".join("?" * len(_STAGING_COLS))
            self.conn.connection.driver_connection.executemany(
                f"INSERT INTO import_staging ({', '.join(_STAGING_COLS)}) VALUES ({marks})", rows)
            return
        if self._copy is None:
            self._stack = ExitStack()
            cur = self._stack.enter_context(self.conn.connection.driver_connection.cursor())
            # Empty text cells stay empty strings (FORCE_NOT_NULL); other empty cells are NULL.
            self._copy = self._stack.enter_context(cur.copy(
                f"COPY import_staging ({', '.join(_STAGING_COLS)}) FROM STDIN "
                f"(FORMAT csv, FORCE_NOT_NULL ({', '.join(_TEXT_COLUMNS)}))"))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)  # the csv module, in C
        self._copy.write(buf.getvalue())

    def finish(self) -> None:
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            stack.close()

    def abandon(self) -> None:
        """After a failure: end an open COPY without keeping its rows (the transaction is rolled back)."""
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            try:
                stack.__exit__(ImportRejected, ImportRejected([]), None)
            except Exception:  # noqa: BLE001 - the COPY is being thrown away; the rollback follows
                pass


def _tune(conn: Connection) -> Callable[[], None]:
    """Make this connection fit for a large import; return what puts it back (connections are pooled)."""
    if conn.dialect.name == "postgresql":  # SET LOCAL ends with the transaction
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{POSTGRES_MAINTENANCE_WORK_MEM}'")
        return lambda: None
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    return lambda: conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _is_bulk_load(conn: Connection, staged: int) -> bool:
    """True on PostgreSQL when `staged` rows at least double the observation table (and are many)."""
    if conn.dialect.name != "postgresql" or staged < BULK_MIN_ROWS:
        return False
    # Counting stops at staged/2 + 1 rows: cheap whatever the size of the table.
    existing = conn.execute(text("SELECT count(*) FROM (SELECT 1 FROM observation LIMIT :n) AS o"),
                            {"n": staged // 2 + 1}).scalar_one()
    return existing <= staged // 2


def _drop_for_bulk_load(conn: Connection) -> list[str]:
    """Drop the observation table's secondary indexes and foreign keys; return the SQL that makes them again,
    read from the catalogue, so they come back exactly as the migrations made them. The primary key and the
    unique key stay. In the import's transaction: a failure anywhere puts them back as they were."""
    fks = conn.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'observation'::regclass AND contype = 'f' ORDER BY conname")).all()
    indexes = conn.execute(text(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'observation'::regclass AND NOT x.indisprimary AND NOT x.indisunique "
        "ORDER BY i.relname")).all()
    for name, _ in fks:
        conn.exec_driver_sql(f'ALTER TABLE observation DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return ([definition for _, definition in indexes]
            + [f'ALTER TABLE observation ADD CONSTRAINT "{name}" {definition}' for name, definition in fks])


def _merge(conn: Connection, run_id: int, staged: int) -> tuple[int, int]:
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
    rebuild = _drop_for_bulk_load(conn) if _is_bulk_load(conn, staged) else []
    added = conn.execute(text(
        f"INSERT INTO observation ({', '.join(_KEY + _DATA)}, updated_at) "
        f"SELECT {', '.join('s.' + c for c in _KEY + _DATA)}, :now FROM import_staging s "
        f"WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE {on}) "
        # In key order, new rows go into the observation indexes page by page rather than at random.
        f"ORDER BY {', '.join('s.' + c for c in _KEY)}"), {"now": now}).rowcount
    for statement in rebuild:
        conn.exec_driver_sql(statement)
    return added, updated


def _duplicates(conn: Connection, errors: Errors) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE import_staging")  # a temporary table has no statistics until asked
    rows = conn.execute(text(
        f"SELECT MIN(rownum), MAX(rownum), COUNT(*) FROM import_staging GROUP BY {', '.join(_KEY)} "
        f"HAVING COUNT(*) > 1 ORDER BY MIN(rownum) LIMIT {MAX_ERRORS}")).all()
    for first, last, n in rows:
        found = conn.execute(text("SELECT rownum, row_where FROM import_staging WHERE rownum IN (:a, :b) "
                                  "ORDER BY rownum"), {"a": first, "b": last}).all()
        wf, wl = (where or f"row {rownum}" for rownum, where in found)
        errors.add(wl, "indicator, area, period, breakdown",
                   f"repeats the figure of {wf} (same indicator, area, period and breakdown"
                   f"{f'; {n} rows in all' if n > 2 else ''}); keep one row per figure")


def _stage_rows(staging: _Staging, records: Iterator[tuple[str, dict[str, str]]], ref: _Reference,
                errors: Errors, result: ImportResult) -> None:
    """The row-by-row reader: check each row and stage it (rownum counts the rows, row_where says where)."""
    chunk: list[tuple] = []
    for where, row in records:
        checked = _count_and_check(where, row, ref, errors, result)
        if checked is not None and not errors:
            chunk.append((result.rows, *checked, where))
            if len(chunk) >= CHUNK:
                staging.write(chunk)
                chunk.clear()
    if chunk and not errors:
        staging.write(chunk)


def _stage_frames(staging: _Staging, path: Path, ref: _Reference, errors: Errors, result: ImportResult,
                  progress: Callable[[int], None] | None) -> None:
    """The column-at-a-time reader (CSV): check each frame and stage it (rownum is the CSV row number)."""
    for first, frame in _read_csv_frames(path, progress):
        columns, rows = _check_frame(first, frame, ref, errors, result)
        if errors:
            continue  # the import will be refused: check the rest for the report, stage nothing more
        if columns["rownum"]:
            staging.write(zip(*(columns[c] for c in _STAGING_COLS), strict=True))
        if rows:
            staging.write(rows)


def import_file(path: Path | str, *, dry_run: bool = False, actor: str = "",
                progress: Callable[[int], None] | None = None, row_by_row: bool = False) -> ImportResult:
    """Import a dataset file. Raise ImportRejected (and change nothing) if any row is wrong.

    `row_by_row` reads a CSV file with the row-by-row reader only (the two readers give the same result; the
    tests hold them to it)."""
    path = Path(path)
    errors = Errors()
    result = ImportResult(dry_run=dry_run)
    engine = get_engine()
    with engine.connect() as conn:
        trans = conn.begin()
        untune = _tune(conn)
        staging = None
        try:
            ref = _Reference(conn)
            staging = _Staging(conn)
            ref.before_insert = staging.finish  # no other statement while a COPY is open
            kind = _file_kind(path)
            staged_by_frames = False
            if kind == "csv" and not row_by_row:
                try:
                    _stage_frames(staging, path, ref, errors, result, progress)
                    staged_by_frames = True
                except _NeedsRowReader:
                    staging.finish()
                    errors, result = Errors(), ImportResult(dry_run=dry_run)
                    conn.exec_driver_sql("DELETE FROM import_staging")
            if not staged_by_frames:
                _stage_rows(staging, read_records(path, progress), ref, errors, result)
            staging.finish()
            if result.rows == 0 and not errors:
                errors.add("file", "", "the file has a header but no data rows")
            if not errors:
                _duplicates(conn, errors)
            if errors:
                raise ImportRejected(errors.items, errors.more)
            run_id = conn.execute(ImportRun.__table__.insert().values(
                filename=path.name, actor=actor, started_at=utcnow())).inserted_primary_key[0]
            result.added, result.updated = _merge(conn, run_id, result.rows)
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
            if staging is not None:
                staging.abandon()
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
