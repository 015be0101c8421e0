"""Import a dataset file: read it, check every row, and merge it into the dataset, all or nothing.

A CSV file is read in frames and checked a column at a time; a workbook, or a CSV file the frame reader cannot
read exactly, is read and checked row by row (the two give the same result). Everything happens in one
transaction: any error, or a dry run, rolls it all back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Connection

from data_access import cache as data_cache
from data_access.db import get_engine
from data_access.imports.checking import STAGING_COLS, Reference, check_frame, count_and_check
from data_access.imports.merging import Staging, find_duplicates, merge, touch_dataset, tune
from data_access.imports.reading import NeedsRowReader, file_kind, read_csv_frames, read_records
from data_access.imports.report import Errors, ImportRejected, ImportResult
from data_access.models import ImportRun, utcnow

CHUNK = 5000  # rows per write to the staging table (row-by-row reader)

# Work done inside the import's transaction once the figures are merged, with the import's connection and result:
# what it writes commits with the import, or not at all (an audit entry, a return's child-level rows).
AlsoInTransaction = Callable[[Connection, ImportResult], None]


def stage_rows(
    staging: Staging,
    records: Iterator[tuple[str, dict[str, str]]],
    ref: Reference,
    errors: Errors,
    result: ImportResult,
) -> None:
    """The row-by-row reader: check each row and stage it (rownum counts the rows, row_where says where)."""
    chunk: list[tuple] = []
    for where, row in records:
        checked = count_and_check(where, row, ref, errors, result)
        if checked is not None and not errors:
            chunk.append((result.rows, *checked, where))
            if len(chunk) >= CHUNK:
                staging.write(chunk)
                chunk.clear()
    if chunk and not errors:
        staging.write(chunk)


def stage_frames(
    staging: Staging,
    path: Path,
    ref: Reference,
    errors: Errors,
    result: ImportResult,
    progress: Callable[[int], None] | None,
) -> None:
    """The column-at-a-time reader (CSV): check each frame and stage it (rownum is the CSV row number)."""
    for first, frame in read_csv_frames(path, progress):
        columns, rows = check_frame(first, frame, ref, errors, result)
        if errors:
            continue  # the import will be refused: check the rest for the report, stage nothing more
        if columns["rownum"]:
            staging.write(zip(*(columns[c] for c in STAGING_COLS), strict=True))
        if rows:
            staging.write(rows)


def import_file(
    path: Path | str,
    *,
    dry_run: bool = False,
    actor: str = "",
    progress: Callable[[int], None] | None = None,
    row_by_row: bool = False,
    also: AlsoInTransaction | None = None,
    source_kind: str = "partner",
) -> ImportResult:
    """Import a dataset file. Raise ImportRejected (and change nothing) if any row is wrong.

    `source_kind` is the kind of source of every row whose `source_kind` cell is empty (data_access.models
    SOURCE_KINDS): a figure only ever matches, updates or replaces a figure of the same kind.

    `also` runs inside the import's transaction after the merge (on a dry run too, before the rollback); if it
    raises, nothing is imported. `row_by_row` reads a CSV file with the row-by-row reader only (the two readers
    give the same result; the tests hold them to it)."""
    path = Path(path)
    errors = Errors()
    result = ImportResult(dry_run=dry_run)
    with get_engine().connect() as conn:
        trans = conn.begin()
        untune = tune(conn)
        staging = None
        try:
            ref = Reference(conn, source_kind)
            staging = Staging(conn)
            ref.before_insert = staging.finish  # no other statement while a COPY is open
            staged_by_frames = False
            if file_kind(path) == "csv" and not row_by_row:
                try:
                    stage_frames(staging, path, ref, errors, result, progress)
                    staged_by_frames = True
                except NeedsRowReader:
                    staging.finish()
                    errors, result = Errors(), ImportResult(dry_run=dry_run)
                    conn.exec_driver_sql("DELETE FROM import_staging")
            if not staged_by_frames:
                stage_rows(staging, read_records(path, progress), ref, errors, result)
            staging.finish()
            if result.rows == 0 and not errors:
                errors.add("file", "", "the file has a header but no data rows")
            if not errors:
                find_duplicates(conn, errors)
            errors.raise_if_any()
            run_id = conn.execute(
                ImportRun.__table__.insert().values(filename=path.name, actor=actor, started_at=utcnow())
            ).inserted_primary_key[0]
            result.added, result.updated = merge(conn, run_id, result.rows)
            result.unchanged = result.rows - result.added - result.updated
            conn.execute(
                ImportRun.__table__.update()
                .where(ImportRun.id == run_id)
                .values(added=result.added, updated=result.updated, unchanged=result.unchanged)
            )
            touch_dataset(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS import_staging")
            if also is not None:
                also(conn, result)
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


__all__ = ["AlsoInTransaction", "ImportRejected", "ImportResult", "import_file", "stage_frames", "stage_rows"]
