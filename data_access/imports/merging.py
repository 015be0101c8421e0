"""Merging a checked file into the dataset: staging, COPY, the set-based merge, history, bulk loads.

Checked rows are written in chunks to a temporary staging table inside the import's transaction (on PostgreSQL
through one COPY kept open). Once every row is valid they are merged into `observation` with set-based SQL:
changed values are copied to `observation_history` first, then updated; new keys are inserted. Any error rolls
the whole transaction back, so the database is untouched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from contextlib import ExitStack

from sqlalchemy import Connection, select, text

from data_access.imports.checking import STAGING_COLS
from data_access.imports.report import MAX_ERRORS, Errors, ImportRejected
from data_access.models import Meta, utcnow

SQLITE_CACHE_KIB = 16384  # SQLite's page cache during an import (default 2 MiB): fewer reads of the indexes
POSTGRES_WORK_MEM = "256MB"  # sorts and hashes of the merge in memory rather than on disk (server side)
POSTGRES_MAINTENANCE_WORK_MEM = "256MB"  # index builds after a bulk load, in memory
# A bulk load: an import of at least this many rows that at least doubles the table. PostgreSQL then drops the
# observation table's secondary indexes and foreign keys, inserts, and builds them again (PostgreSQL manual,
# "Populating a Database"): building an index once is much faster than growing it a row at a time.
BULK_MIN_ROWS = 100_000
# never NULL in staging
_TEXT_COLUMNS = ("breakdown_dimension", "breakdown_value", "source_document", "note", "source_kind")
# Figures of different kinds of source for the same indicator, area, period and breakdown are different rows:
# an import of one kind never matches, updates or replaces another kind's figure.
_KEY = ("indicator_id", "area_id", "period_id", "breakdown_dimension", "breakdown_value", "source_kind")
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


def _create_staging(conn: Connection) -> None:
    conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE import_staging (rownum INTEGER, indicator_id INTEGER, area_id INTEGER, "
        "period_id INTEGER, breakdown_dimension VARCHAR(64), breakdown_value VARCHAR(128), value FLOAT, "
        "numerator FLOAT, denominator FLOAT, source_document VARCHAR(255), source_line INTEGER, note TEXT, "
        "derived BOOLEAN, source_kind VARCHAR(16), value_status VARCHAR(32), rounded BOOLEAN, row_where VARCHAR(120))"
    )


class Staging:
    """The temporary staging table. On PostgreSQL it is written with COPY in CSV form, one COPY kept open
    across writes so that the server reads rows while the next ones are checked; the COPY is finished before
    any other statement runs on the connection (`finish`)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._copy = None
        self._stack: ExitStack | None = None
        _create_staging(conn)

    def write(self, rows: Iterable[tuple]) -> None:
        """Rows as tuples in STAGING_COLS order."""
        if self.conn.dialect.name != "postgresql":
            marks = ", ".join("?" * len(STAGING_COLS))
            self.conn.connection.driver_connection.executemany(
                f"INSERT INTO import_staging ({', '.join(STAGING_COLS)}) VALUES ({marks})", rows
            )
            return
        if self._copy is None:
            self._stack = ExitStack()
            cur = self._stack.enter_context(self.conn.connection.driver_connection.cursor())
            # Empty text cells stay empty strings (FORCE_NOT_NULL); other empty cells are NULL.
            self._copy = self._stack.enter_context(
                cur.copy(
                    f"COPY import_staging ({', '.join(STAGING_COLS)}) FROM STDIN "
                    f"(FORMAT csv, FORCE_NOT_NULL ({', '.join(_TEXT_COLUMNS)}))"
                )
            )
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)  # the csv module, in C
        self._copy.write(buf.getvalue())

    def finish(self) -> None:
        """End an open COPY: the rows written so far are in the table."""
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


def tune(conn: Connection) -> Callable[[], None]:
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
    existing = conn.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM observation LIMIT :n) AS o"), {"n": staged // 2 + 1}
    ).scalar_one()
    return existing <= staged // 2


def _drop_for_bulk_load(conn: Connection) -> list[str]:
    """Drop the observation table's secondary indexes and foreign keys; return the SQL that makes them again,
    read from the catalogue, so they come back exactly as the migrations made them. The primary key and the
    unique key stay. In the import's transaction: a failure anywhere puts them back as they were."""
    fks = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'observation'::regclass AND contype = 'f' ORDER BY conname"
        )
    ).all()
    indexes = conn.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'observation'::regclass AND NOT x.indisprimary AND NOT x.indisunique "
            "ORDER BY i.relname"
        )
    ).all()
    for name, _ in fks:
        conn.exec_driver_sql(f'ALTER TABLE observation DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE observation ADD CONSTRAINT "{name}" {definition}' for name, definition in fks
    ]


def merge(conn: Connection, run_id: int, staged: int) -> tuple[int, int]:
    """Merge the staged rows into `observation`: keep the values a row replaces in `observation_history` (under
    import run `run_id`), update changed figures, insert new ones. Returns (added, updated)."""
    pg = conn.dialect.name == "postgresql"
    differs = " OR ".join(f"o.{c} {'IS DISTINCT FROM' if pg else 'IS NOT'} s.{c}" for c in _DATA)
    on = " AND ".join(f"o.{c} = s.{c}" for c in _KEY)
    now = utcnow()
    conn.execute(
        text(
            "INSERT INTO observation_history (observation_id, value, value_status, rounded, numerator, denominator, "
            "source_document, source_line, note, replaced_at, import_run_id) "
            f"SELECT o.id, o.value, o.value_status, o.rounded, o.numerator, o.denominator, o.source_document, "
            f"o.source_line, o.note, :now, :run "
            f"FROM observation o JOIN import_staging s ON {on} WHERE {differs}"
        ),
        {"now": now, "run": run_id},
    )
    updated = conn.execute(
        text(
            f"UPDATE observation AS o SET {', '.join(f'{c} = s.{c}' for c in _DATA)}, updated_at = :now "
            f"FROM import_staging AS s WHERE {on} AND ({differs})"
        ),
        {"now": now},
    ).rowcount
    rebuild = _drop_for_bulk_load(conn) if _is_bulk_load(conn, staged) else []
    added = conn.execute(
        text(
            f"INSERT INTO observation ({', '.join(_KEY + _DATA)}, updated_at) "
            f"SELECT {', '.join('s.' + c for c in _KEY + _DATA)}, :now FROM import_staging s "
            f"WHERE NOT EXISTS (SELECT 1 FROM observation o WHERE {on}) "
            # In key order, new rows go into the observation indexes page by page rather than at random.
            f"ORDER BY {', '.join('s.' + c for c in _KEY)}"
        ),
        {"now": now},
    ).rowcount
    for statement in rebuild:
        conn.exec_driver_sql(statement)
    return added, updated


def find_duplicates(conn: Connection, errors: Errors) -> None:
    """Note an error for every figure the file gives twice (same indicator, area, period, breakdown and kind)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE import_staging")  # a temporary table has no statistics until asked
    rows = conn.execute(
        text(
            f"SELECT MIN(rownum), MAX(rownum), COUNT(*) FROM import_staging GROUP BY {', '.join(_KEY)} "
            f"HAVING COUNT(*) > 1 ORDER BY MIN(rownum) LIMIT {MAX_ERRORS}"
        )
    ).all()
    for first, last, n in rows:
        found = conn.execute(
            text("SELECT rownum, row_where FROM import_staging WHERE rownum IN (:a, :b) ORDER BY rownum"),
            {"a": first, "b": last},
        ).all()
        wf, wl = (where or f"row {rownum}" for rownum, where in found)
        errors.add(
            wl,
            "indicator, area, period, breakdown",
            f"repeats the figure of {wf} (same indicator, area, period and breakdown"
            f"{f'; {n} rows in all' if n > 2 else ''}); keep one row per figure",
        )


def touch_dataset(conn: Connection) -> None:
    """Record when the dataset last changed (shown as 'data as of')."""
    now = utcnow().isoformat(timespec="seconds")
    table = Meta.__table__
    if conn.execute(select(table.c.key).where(table.c.key == "dataset_updated_at")).first():
        conn.execute(table.update().where(table.c.key == "dataset_updated_at").values(value=now))
    else:
        conn.execute(table.insert().values(key="dataset_updated_at", value=now))
