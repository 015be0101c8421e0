"""Store the DfE's official statistics: the area registry, statistical neighbours and observations of kind `official`.

`load_official` works inside the caller's transaction, so a load is all or nothing: every row is checked before
anything is written (an unknown indicator, area or breakdown, a unit that is not the indicator's, a period that
cannot be read, a symbol with a number or a blank without one, two rows for one figure), then the rows are written
to a temporary staging table (executemany on SQLite, COPY on PostgreSQL) and merged with set-based SQL the way the
importer merges: changed figures are copied to observation_history first and then updated, new ones inserted,
the rest counted unchanged. Only figures of kind `official` are ever matched, updated or added: a board document's
or a return's figure for the same indicator, area, period and breakdown is a different row and is never touched.

An official figure that is no longer in the files read stays as it is: a load of one file must not remove the
figures of the others.

The caller commits, then clears the data cache (data_access.cache.invalidate): clearing it before the commit
would let another worker cache the old figures again in between.
"""

from __future__ import annotations

import csv
import difflib
import io
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from data_access.imports.checking import insert_period
from data_access.models import (
    VALUE_STATUSES,
    Area,
    ImportRun,
    Indicator,
    Meta,
    Observation,
    Period,
    StatisticalNeighbour,
    utcnow,
)
from data_access.periods import PeriodError, parse_period
from data_access.reference import sync_official_areas

OFFICIAL = "official"
# The rows' columns: the import format's (data_access/importer.py COLUMNS) and what an official figure adds.
ROW_COLUMNS = [
    "indicator",
    "area",
    "period",
    "breakdown_dimension",
    "breakdown_value",
    "value",
    "numerator",
    "denominator",
    "unit",
    "source_document",
    "source_line",
    "note",
    "derived",
    "value_status",
    "source_kind",
    "rounded",
]
KEY = ["indicator", "area", "period", "breakdown_dimension", "breakdown_value"]
MAX_PROBLEMS = 50
STAGING_CHUNK = 20_000  # rows per executemany / COPY write: one progress report each
SQLITE_CACHE_KIB = 65536  # SQLite's page cache during the load (default 2 MiB): the indexes stay in memory
POSTGRES_WORK_MEM = "256MB"  # the merge's joins and sorts in memory rather than on disk
BULK_MIN_ROWS = 20_000  # an insert of at least this many rows that at least doubles observation: see _bulk_indexes
ANALYZE_AFTER = 10_000  # PostgreSQL: refresh the planner's counts per area after adding at least this many rows
# Figures the same when every one of these is the same (IS NOT / IS DISTINCT FROM: NULL equals NULL).
_DATA = (
    "value",
    "value_status",
    "rounded",
    "numerator",
    "denominator",
    "source_document",
    "source_line",
    "note",
    "derived",
)
_ID_KEY = ("indicator_id", "area_id", "period_id", "breakdown_dimension", "breakdown_value")
_STAGING = ("rownum", *_ID_KEY, *_DATA)
_TEXT = ("breakdown_dimension", "breakdown_value", "source_document", "note")  # never NULL


class OfficialLoadRefused(ValueError):
    """The rows were not stored; `problems` says which rows and why (up to MAX_PROBLEMS)."""

    def __init__(self, problems: list[str], more: int = 0):
        self.problems = list(problems)
        self.more = more
        lines = self.problems + ([f"... and {more} more problems"] if more else [])
        super().__init__("the official statistics were not loaded; nothing was changed:\n" + "\n".join(lines))


@dataclass
class LoadResult:
    """What a load did. `rows` observations given = added + updated + unchanged."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    areas: int = 0
    areas_added: int = 0
    neighbours: int = 0
    periods_added: int = 0
    import_run_id: int | None = None
    seconds: float = 0.0
    documents: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class _Problems(list):
    more = 0

    def add(self, message: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(message)
        else:
            self.more += 1


def load_official(
    conn: Connection,
    areas: Iterable[Mapping],
    neighbours: Iterable[Mapping],
    rows: pd.DataFrame | Iterable[Mapping],
    *,
    progress: Callable[[int], None] | None = None,
    actor: str = "",
    filename: str = "",
) -> LoadResult:
    """Store official areas, statistical neighbours and observations in the caller's transaction on `conn`.

    `areas`: dicts as data_access.reference.sync_official_areas takes them (code, name, kind, ons_code and the
    OFFICIAL_AREA_COLUMNS). `neighbours`: dicts with area, model, rank, neighbour, closeness, source_document,
    source_line (each model given replaces that model's lists). `rows`: a DataFrame or dicts with ROW_COLUMNS;
    value, numerator and denominator NaN or None when absent, value_status None for a number, source_kind
    "official" (or absent). `progress` is called with the number of rows just staged. `actor` and `filename` go
    in the import run (filename defaults to the source documents' names).

    Raises OfficialLoadRefused, before writing anything, when any row is wrong. Idempotent: loading the same
    rows again adds and updates nothing. The caller commits (or rolls back) and then clears the data cache.
    """
    started = time.perf_counter()
    areas = [dict(a) for a in areas]
    neighbours = [dict(n) for n in neighbours]
    frame = _frame(rows)
    result = LoadResult(rows=len(frame), areas=len(areas))
    problems = _Problems()
    _check_frame(frame, problems)

    indicators = {
        r.code: r for r in conn.execute(select(Indicator.id, Indicator.code, Indicator.unit, Indicator.breakdowns))
    }
    known_areas = {code for (code,) in conn.execute(select(Area.code))} | {a["code"] for a in areas}
    _check_references(frame, indicators, known_areas, problems)
    for n in neighbours:
        for k in ("area", "neighbour"):
            if n[k] not in known_areas:
                problems.add(
                    f"{n['source_document']}, line {n['source_line']}: statistical neighbour {k} "
                    f"'{n[k]}' is not an area"
                )
    _check_lengths(frame, areas, problems)
    periods = _parse_periods(frame, problems)
    if problems:
        raise OfficialLoadRefused(problems, problems.more)

    # Every row is good: write.
    untune = _tune(conn)
    try:
        with Session(bind=conn) as session:  # joins the caller's transaction; commits nothing itself
            result.areas_added = sync_official_areas(session, areas) if areas else 0
        result.neighbours = _store_neighbours(conn, neighbours)
        period_ids, result.periods_added = _ensure_periods(conn, periods)
        area_ids = {code: id_ for code, id_ in conn.execute(select(Area.code, Area.id))}
        result.documents = sorted(frame["source_document"].unique().tolist())
        if len(frame):
            staged = _staging_columns(frame, {c: r.id for c, r in indicators.items()}, area_ids, period_ids)
            name = filename or _documents_name(result.documents)
            result.import_run_id = conn.execute(
                ImportRun.__table__.insert().values(filename=name[:500], actor=actor[:255], started_at=utcnow())
            ).inserted_primary_key[0]
            if conn.dialect.name == "sqlite" and not _has_official(conn):
                # Nothing to compare with: straight into observation, skipping the staging table's extra copy.
                result.added = _insert_all(conn, staged, len(frame), progress)
            else:
                _stage(conn, staged, len(frame), progress)
                result.added, result.updated = _merge(conn, result.import_run_id)
                conn.exec_driver_sql("DROP TABLE IF EXISTS official_staging")
            result.unchanged = result.rows - result.added - result.updated
            conn.execute(
                ImportRun.__table__.update()
                .where(ImportRun.id == result.import_run_id)
                .values(added=result.added, updated=result.updated, unchanged=result.unchanged)
            )
            if conn.dialect.name == "postgresql" and result.added >= ANALYZE_AFTER:
                # The planner's per-area counts (migration 0005) must know the new areas before the first page.
                conn.exec_driver_sql("ANALYZE observation")
        if result.added or result.updated or result.areas_added or result.neighbours:
            _touch(conn)
    finally:
        untune()
    result.seconds = time.perf_counter() - started
    return result


# ------------------------------------------------------------------ checking


def _frame(rows: pd.DataFrame | Iterable[Mapping]) -> pd.DataFrame:
    """The rows as a DataFrame with every ROW_COLUMNS column (absent optional ones filled with their defaults):
    text stripped and never NULL, numbers as floats (NaN when absent), value_status None for a number."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    defaults = {
        "breakdown_dimension": "",
        "breakdown_value": "",
        "numerator": np.nan,
        "denominator": np.nan,
        "unit": "",
        "source_document": "",
        "source_line": None,
        "note": "",
        "derived": False,
        "value_status": None,
        "source_kind": OFFICIAL,
        "rounded": False,
    }
    out = {}
    n = len(frame)
    for column in ROW_COLUMNS:
        if column not in frame.columns:
            default = defaults.get(column, np.nan)
            out[column] = np.full(n, default, dtype=float if isinstance(default, float) else object)
            continue
        cells = frame[column]
        if column in ("value", "numerator", "denominator"):
            out[column] = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        elif column in ("derived", "rounded"):
            out[column] = _by_value(cells, lambda x: bool(x) and not pd.isna(x))
        elif column == "value_status":
            out[column] = _by_value(cells, lambda x: None if pd.isna(x) or str(x).strip() == "" else str(x).strip())
        elif column == "source_line":
            out[column] = _by_value(cells, lambda x: None if pd.isna(x) else int(x))
        else:
            out[column] = _by_value(cells, lambda x: "" if pd.isna(x) else str(x).strip())
    # object columns stay object: pandas would otherwise infer a string dtype and turn None into NaN
    return pd.DataFrame(
        {c: pd.Series(v, dtype=float if v.dtype == float else object) for c, v in out.items()}, columns=ROW_COLUMNS
    )


def _by_value(cells: pd.Series | np.ndarray, fn: Callable[[object], object]) -> np.ndarray:
    """`fn` of every cell as an object array, worked out once per distinct value: a column repeats few values
    (codes, periods, file names, statuses), so 100,000 cells cost a few hundred calls."""
    codes, distinct = pd.factorize(np.asarray(cells, dtype=object), use_na_sentinel=True)
    mapped = np.empty(len(distinct) + 1, dtype=object)
    mapped[:-1] = [fn(x) for x in distinct]
    mapped[-1] = fn(None)  # the NA cells (code -1)
    return mapped[codes]


def _where(frame: pd.DataFrame, i: int) -> str:
    doc, line = frame.at[i, "source_document"], frame.at[i, "source_line"]
    place = f"{doc}, line {int(line)}" if line is not None and not pd.isna(line) else (doc or f"row {i + 1}")
    return place


def _each(frame: pd.DataFrame, mask: np.ndarray, problems: _Problems, message: Callable[[int], str]) -> None:
    """One problem per faulty row (up to the limit), then a count of the others."""
    bad = np.flatnonzero(mask)
    room = max(0, MAX_PROBLEMS - len(problems))
    for i in bad[:room]:
        problems.add(f"{_where(frame, int(i))}: {message(int(i))}")
    problems.more += max(0, len(bad) - room)


def _check_frame(frame: pd.DataFrame, problems: _Problems) -> None:
    """What a row must be whatever the database holds."""
    kind = frame["source_kind"].to_numpy(dtype=object)
    _each(
        frame,
        kind != OFFICIAL,
        problems,
        lambda i: f"source_kind is '{kind[i]}'; only official figures are loaded here",
    )
    for column in ("indicator", "area", "period"):
        _each(frame, (frame[column] == "").to_numpy(), problems, lambda i, c=column: f"{c} is empty")
    status = frame["value_status"]
    has_status = status.notna().to_numpy()
    known = status.isin(VALUE_STATUSES).to_numpy()
    _each(
        frame,
        has_status & ~known,
        problems,
        lambda i: f"value_status '{status.iat[i]}' is not one of {', '.join(VALUE_STATUSES)}",
    )
    has_value = frame["value"].notna().to_numpy()
    _each(
        frame,
        has_value & has_status,
        problems,
        lambda i: f"has both a value ({frame.at[i, 'value']}) and the status '{status.iat[i]}'",
    )
    _each(frame, ~has_value & ~has_status, problems, lambda i: "has no value and no value_status saying why")
    bd, bv = (frame["breakdown_dimension"] != "").to_numpy(), (frame["breakdown_value"] != "").to_numpy()
    _each(
        frame,
        bd != bv,
        problems,
        lambda i: "breakdown_dimension and breakdown_value are given together or both left empty",
    )
    dup = frame.duplicated(KEY, keep="first").to_numpy()
    if dup.any():
        first = frame[frame.duplicated(KEY, keep=False)].drop_duplicates(KEY).set_index(KEY).index
        where = {
            key: _where(frame, int(i))
            for key, i in zip(first, np.flatnonzero(frame.duplicated(KEY, keep=False).to_numpy() & ~dup), strict=True)
        }
        _each(
            frame,
            dup,
            problems,
            lambda i: (
                "gives the same figure (indicator, area, period and breakdown) as " + where[tuple(frame.loc[i, KEY])]
            ),
        )


def _check_references(frame: pd.DataFrame, indicators: Mapping, known_areas: set[str], problems: _Problems) -> None:
    """Indicators, units and breakdowns as the registry defines them; areas the database or this load knows."""
    codes = frame["indicator"]
    for code in codes.unique():
        if code and code not in indicators:
            rows = np.flatnonzero((codes == code).to_numpy())
            close = difflib.get_close_matches(code, list(indicators), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.add(
                f"{_where(frame, int(rows[0]))}: unknown indicator '{code}' in {_rows(len(rows))}{hint}; "
                "add it to the indicator registry first"
            )
    area = frame["area"]
    for code in area.unique():
        if code and code not in known_areas:
            rows = np.flatnonzero((area == code).to_numpy())
            close = difflib.get_close_matches(code, list(known_areas), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.add(f"{_where(frame, int(rows[0]))}: unknown area '{code}' in {_rows(len(rows))}{hint}")
    pairs = frame[["indicator", "unit", "breakdown_dimension"]].drop_duplicates()
    for code, unit, dim in pairs.itertuples(index=False):
        ind = indicators.get(code)
        if ind is None:
            continue
        wrong_unit = bool(unit) and unit != ind.unit
        wrong_dim = bool(dim) and dim not in ind.breakdowns.split(",")
        if not (wrong_unit or wrong_dim):
            continue
        at = _where(
            frame,
            int(
                np.flatnonzero(  # the first such row
                    ((codes == code) & (frame["unit"] == unit) & (frame["breakdown_dimension"] == dim)).to_numpy()
                )[0]
            ),
        )
        if wrong_unit:
            problems.add(f"{at}: '{code}' is measured in {ind.unit}, not {unit}")
        if wrong_dim:
            allowed = ind.breakdowns.replace(",", ", ") or "none"
            problems.add(f"{at}: '{code}' has no breakdown '{dim}' (it has: {allowed})")


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def _check_lengths(frame: pd.DataFrame, areas: list[dict], problems: _Problems) -> None:
    """Text longer than its column holds: PostgreSQL refuses it and SQLite would keep it, so refuse it on both."""
    for a in areas:
        for key, value in a.items():
            column = Area.__table__.c.get(key)
            limit = getattr(getattr(column, "type", None), "length", None)
            if limit and isinstance(value, str) and len(value) > limit:
                problems.add(f"area '{a.get('code')}': {key} '{value}' is longer than {limit} characters")
    for key in ("breakdown_dimension", "breakdown_value", "source_document"):
        limit = Observation.__table__.c[key].type.length
        _each(
            frame,
            (frame[key].str.len() > limit).to_numpy(),
            problems,
            lambda i, k=key, n=limit: f"{k} '{frame.at[i, k]}' is longer than {n} characters",
        )


def _parse_periods(frame: pd.DataFrame, problems: _Problems) -> dict[str, object]:
    """Each distinct period as written -> its parsed Period (data_access.periods), as the importer reads them."""
    out = {}
    for written in frame["period"].unique():
        if not written:
            continue
        try:
            out[written] = parse_period(written)
        except PeriodError as e:
            first = int(np.flatnonzero((frame["period"] == written).to_numpy())[0])
            problems.add(f"{_where(frame, first)}: period '{written}': {e}")
    return out


# ------------------------------------------------------------------ writing


def _ensure_periods(conn: Connection, periods: Mapping[str, object]) -> tuple[dict[str, int], int]:
    """Period ids for every period as written, creating the missing ones as the importer does (one row per
    normalised code, with its kind, dates, label and sort key). Returns (ids, periods added)."""
    by_code = {code: id_ for code, id_ in conn.execute(select(Period.code, Period.id))}
    added = 0
    ids = {}
    for written, p in periods.items():
        pid = by_code.get(p.code)
        if pid is None:
            pid = insert_period(conn, p)
            by_code[p.code] = pid
            added += 1
        ids[written] = pid
    return ids, added


def _store_neighbours(conn: Connection, neighbours: list[dict]) -> int:
    """Replace the neighbour lists of each model given with these rows, as sync_statistical_neighbours does, in
    two statements rather than an object per row; a model whose lists are unchanged is left alone. Returns the
    rows written."""
    if not neighbours:
        return 0
    table = StatisticalNeighbour.__table__
    ids = {code: id_ for code, id_ in conn.execute(select(Area.code, Area.id))}
    new = [
        {
            "area_id": ids[n["area"]],
            "model": str(n["model"]),
            "rank": int(n["rank"]),
            "neighbour_area_id": ids[n["neighbour"]],
            "closeness": n.get("closeness") or "",
            "source_document": n.get("source_document") or "",
            "source_line": n.get("source_line"),
        }
        for n in neighbours
    ]
    columns = list(new[0])
    written = 0
    for model in sorted({n["model"] for n in new}):
        rows = [n for n in new if n["model"] == model]
        held = conn.execute(select(*(table.c[c] for c in columns)).where(table.c.model == model)).all()
        if len(held) == len(rows) and set(map(tuple, held)) == {tuple(r[c] for c in columns) for r in rows}:
            continue
        conn.execute(table.delete().where(table.c.model == model))
        conn.execute(table.insert(), rows)
        written += len(rows)
    return written


def _nullable(values: np.ndarray) -> list:
    """Floats as a list with None (NULL) for NaN."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def _ids(cells: np.ndarray, ids: Mapping[str, int]) -> list[int]:
    codes, distinct = pd.factorize(cells)
    return np.array([ids[x] for x in distinct], dtype=np.int64)[codes].tolist()


def _staging_columns(
    frame: pd.DataFrame, indicator_ids: Mapping[str, int], area_ids: Mapping[str, int], period_ids: Mapping[str, int]
) -> dict[str, list]:
    """The staging table's columns as Python lists (None for NULL), in row order."""
    col = {c: frame[c].to_numpy() for c in frame.columns}
    return {
        "rownum": list(range(1, len(frame) + 1)),
        "indicator_id": _ids(col["indicator"], indicator_ids),
        "area_id": _ids(col["area"], area_ids),
        "period_id": _ids(col["period"], period_ids),
        "breakdown_dimension": col["breakdown_dimension"].tolist(),
        "breakdown_value": col["breakdown_value"].tolist(),
        "value": _nullable(col["value"]),
        "value_status": col["value_status"].tolist(),
        "rounded": col["rounded"].tolist(),
        "numerator": _nullable(col["numerator"]),
        "denominator": _nullable(col["denominator"]),
        "source_document": col["source_document"].tolist(),
        "source_line": col["source_line"].tolist(),
        "note": col["note"].tolist(),
        "derived": col["derived"].tolist(),
    }


def _tune(conn: Connection) -> Callable[[], None]:
    """Fit this connection for a large load; return what puts it back (connections are pooled)."""
    if conn.dialect.name == "postgresql":  # SET LOCAL ends with the transaction
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")
        return lambda: None
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    return lambda: conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _stage(conn: Connection, columns: Mapping[str, list], n: int, progress: Callable[[int], None] | None) -> None:
    """Write the rows to a temporary staging table: executemany on SQLite, COPY on PostgreSQL."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS official_staging")
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE official_staging (rownum INTEGER PRIMARY KEY, indicator_id INTEGER, area_id INTEGER, "
        "period_id INTEGER, breakdown_dimension VARCHAR(64), breakdown_value VARCHAR(128), value FLOAT, "
        "value_status VARCHAR(32), rounded BOOLEAN, numerator FLOAT, denominator FLOAT, "
        "source_document VARCHAR(255), source_line INTEGER, note TEXT, derived BOOLEAN)"
    )
    rows = list(zip(*(columns[c] for c in _STAGING), strict=True))
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with (
            raw.cursor() as cur,
            cur.copy(
                f"COPY official_staging ({', '.join(_STAGING)}) FROM STDIN "
                f"(FORMAT csv, FORCE_NOT_NULL ({', '.join(_TEXT)}))"
            ) as copy,
        ):
            for start in range(0, n, STAGING_CHUNK):
                buf = io.StringIO()
                # csv: None is an empty unquoted cell, which COPY reads as NULL (text columns excepted above)
                csv.writer(buf, lineterminator="\n").writerows(rows[start : start + STAGING_CHUNK])
                copy.write(buf.getvalue())
                if progress:
                    progress(min(STAGING_CHUNK, n - start))
        conn.exec_driver_sql("ANALYZE official_staging")  # a temporary table has no statistics until asked
        return
    marks = ", ".join("?" * len(_STAGING))
    sql = f"INSERT INTO official_staging ({', '.join(_STAGING)}) VALUES ({marks})"
    for start in range(0, n, STAGING_CHUNK):
        raw.executemany(sql, rows[start : start + STAGING_CHUNK])
        if progress:
            progress(min(STAGING_CHUNK, n - start))


def _has_official(conn: Connection) -> bool:
    return conn.execute(text(f"SELECT 1 FROM observation WHERE source_kind = '{OFFICIAL}' LIMIT 1")).first() is not None


def _insert_all(conn: Connection, columns: Mapping[str, list], n: int, progress: Callable[[int], None] | None) -> int:
    """SQLite, no official figure stored yet: insert every row (none can match), in key order so that the
    indexes grow page by page rather than at random. Returns the rows added."""
    order = pd.DataFrame({c: columns[c] for c in _ID_KEY}).sort_values(list(_ID_KEY)).index.to_numpy()
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DateTime format
    ordered = [np.array(columns[c], dtype=object)[order].tolist() for c in (*_ID_KEY, *_DATA)]
    rows = list(zip(*ordered, strict=True))
    names = (*_ID_KEY, *_DATA)
    sql = (
        f"INSERT INTO observation ({', '.join(names)}, source_kind, updated_at) "
        f"VALUES ({', '.join('?' * len(names))}, '{OFFICIAL}', '{now}')"
    )
    raw = conn.connection.driver_connection
    with _bulk_indexes(conn, n):
        for start in range(0, n, STAGING_CHUNK):
            raw.executemany(sql, rows[start : start + STAGING_CHUNK])
            if progress:
                progress(min(STAGING_CHUNK, n - start))
    return n


def _merge(conn: Connection, run_id: int) -> tuple[int, int]:
    """Merge the staging table into observation (kind official only); return (added, updated).

    One join of the staging table with observation says, for every row, which stored figure it is and whether it
    differs (official_match); history, update and insert then reach the rows they need by primary key. A re-load of
    unchanged files costs that one join."""
    pg = conn.dialect.name == "postgresql"
    differs = " OR ".join(f"o.{c} {'IS DISTINCT FROM' if pg else 'IS NOT'} s.{c}" for c in _DATA)
    on = " AND ".join(f"o.{c} = s.{c}" for c in _ID_KEY) + f" AND o.source_kind = '{OFFICIAL}'"
    now = utcnow()
    conn.exec_driver_sql("DROP TABLE IF EXISTS official_match")
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE official_match AS SELECT s.rownum AS rownum, o.id AS obs_id, "
        f"CASE WHEN o.id IS NOT NULL AND ({differs}) THEN 1 ELSE 0 END AS changed "
        f"FROM official_staging s LEFT JOIN observation o ON {on}"
    )
    counts = conn.exec_driver_sql(
        "SELECT COALESCE(SUM(changed), 0), COALESCE(SUM(CASE WHEN obs_id IS NULL THEN 1 ELSE 0 END), 0) "
        "FROM official_match"
    ).one()
    changed, new = int(counts[0]), int(counts[1])
    updated = added = 0
    if changed:
        conn.execute(
            text(
                "INSERT INTO observation_history (observation_id, value, value_status, rounded, numerator, "
                "denominator, source_document, source_line, note, replaced_at, import_run_id) "
                "SELECT o.id, o.value, o.value_status, o.rounded, o.numerator, o.denominator, o.source_document, "
                "o.source_line, o.note, :now, :run FROM official_match m JOIN observation o ON o.id = m.obs_id "
                "WHERE m.changed = 1"
            ),
            {"now": now, "run": run_id},
        )
        updated = conn.execute(
            text(
                f"UPDATE observation AS o SET {', '.join(f'{c} = s.{c}' for c in _DATA)}, updated_at = :now "
                "FROM official_match AS m JOIN official_staging AS s ON s.rownum = m.rownum "
                "WHERE m.changed = 1 AND o.id = m.obs_id"
            ),
            {"now": now},
        ).rowcount
    if new:
        with _bulk_indexes(conn, new):
            added = conn.execute(
                text(
                    f"INSERT INTO observation ({', '.join(_ID_KEY)}, source_kind, {', '.join(_DATA)}, updated_at) "
                    f"SELECT {', '.join('s.' + c for c in _ID_KEY)}, '{OFFICIAL}', "
                    f"{', '.join('s.' + c for c in _DATA)}, "
                    ":now FROM official_match m JOIN official_staging s ON s.rownum = m.rownum WHERE m.obs_id IS NULL "
                    # In key order, new rows go into the observation indexes page by page rather than at random.
                    f"ORDER BY {', '.join('s.' + c for c in _ID_KEY)}"
                ),
                {"now": now},
            ).rowcount
    conn.exec_driver_sql("DROP TABLE official_match")
    return added, updated


@contextmanager
def _bulk_indexes(conn: Connection, adding: int) -> Iterator[None]:
    """Around an insert that at least doubles observation (a first load): drop its secondary indexes and build
    them again afterwards. Building an index once, sorted, is much faster than growing it a row at a time
    (PostgreSQL manual, "Populating a Database"; the same holds for SQLite). The unique key stays: it checks the
    rows. In the caller's transaction: a failure anywhere puts the indexes back as they were."""
    if adding < BULK_MIN_ROWS:
        yield
        return
    existing = conn.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM observation LIMIT :n) AS o"), {"n": adding + 1}
    ).scalar_one()
    if existing > adding:
        yield
        return
    fks = []
    if conn.dialect.name == "postgresql":
        indexes = conn.execute(
            text(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = 'observation'::regclass AND NOT x.indisprimary AND NOT x.indisunique "
                "ORDER BY i.relname"
            )
        ).all()
        # Foreign keys are checked a row at a time by triggers; added back, each is checked by one join.
        fks = conn.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'observation'::regclass AND contype = 'f' ORDER BY conname"
            )
        ).all()
        for name, _ in fks:
            conn.exec_driver_sql(f'ALTER TABLE observation DROP CONSTRAINT "{name}"')
    else:  # the indexes the migrations made (auto-indexes of constraints have no SQL and stay)
        indexes = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'observation' "
                "AND sql IS NOT NULL ORDER BY name"
            )
        ).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    for name, definition in fks:
        conn.exec_driver_sql(f'ALTER TABLE observation ADD CONSTRAINT "{name}" {definition}')


def _documents_name(documents: list[str]) -> str:
    """The import run's name: the files the figures cite."""
    if not documents:
        return "official statistics"
    shown = ", ".join(documents[:3])
    return f"official statistics: {shown}" + (f" and {len(documents) - 3} more" if len(documents) > 3 else "")


def _touch(conn: Connection) -> None:
    """Record when the dataset last changed (shown as 'data as of')."""
    now = utcnow().isoformat(timespec="seconds")
    table = Meta.__table__
    if conn.execute(select(table.c.key).where(table.c.key == "dataset_updated_at")).first():
        conn.execute(table.update().where(table.c.key == "dataset_updated_at").values(value=now))
    else:
        conn.execute(table.insert().values(key="dataset_updated_at", value=now))
