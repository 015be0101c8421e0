"""The import and ingest use cases: a dataset file, a folder of 903 tables, an Annex A workbook.

Each writes everything it changes in ONE transaction, the importer's: the figures, the child-level rows of a
return, and the audit entries. A failure anywhere - a bad row, a refused audit write, the process killed - leaves
the database as it was: never figures without their audit entry, nor a return's figures without the rows behind
them. A dry run does the same work and rolls it all back. The data-quality checks run afterwards (they are worked
out again from the dataset on every run, so a crash before them loses nothing).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from dashboard.reference.registry import registry
from dashboard.returns import ssda903
from dashboard.returns.common import write_import_csv
from dashboard.returns.ingest import IngestReport, Prepared, prepare_903, prepare_annex_a
from dashboard.rules import quality
from data_access import quality_store as qs
from data_access.auth_models import AuditEntry
from data_access.importer import ImportRejected, ImportResult, RowError, import_file
from data_access.models import utcnow
from data_access.returns_store import local_authorities, write_ingest


def record_audit(conn: Connection, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
    """Append an audit entry on `conn`, inside the caller's transaction: it commits with the change it records.
    The same row, cut to the same lengths, as data_access.audit.record writes in a transaction of its own."""
    conn.execute(AuditEntry.__table__.insert().values(
        at=utcnow(), actor=(actor or "unknown")[:255], action=action[:64], target=(target or "")[:255],
        detail=json.dumps(detail, sort_keys=True, default=str)))


def import_counts(result: ImportResult) -> dict[str, int]:
    """An import's counts as the audit log keeps them."""
    return {"rows": result.rows, "added": result.added, "updated": result.updated, "unchanged": result.unchanged}


def run_quality_checks() -> int:
    """Run every data-quality check over the dataset and store the flags; return how many."""
    flags = quality.run_checks(qs.observations_for_checks(), qs.replaced_values())
    return qs.replace_flags(flags)


def import_dataset(path: Path | str, *, dry_run: bool = False, actor: str = "",
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a file (all or nothing) with its audit entry (`actor`: who imports) in the same transaction, then
    re-run the data-quality checks. A dry run writes nothing. Raises ImportRejected for a bad file."""
    name = Path(path).name

    def audit(conn: Connection, result: ImportResult) -> None:
        record_audit(conn, actor, "import", name, import_counts(result))

    result = import_file(path, dry_run=dry_run, actor=actor, progress=progress, also=audit)
    if not dry_run:
        run_quality_checks()
    return result


def check_council(la: str) -> None:
    """Refuse a code that is not one of the database's local authorities, listing those that are."""
    las = local_authorities()
    if la not in las:
        raise ImportRejected([RowError("--la", "", f"'{la}' is not a council this dashboard knows; use one of: "
                                                   f"{', '.join(las)}")])


def _ingest(p: Prepared, *, key: bytes, dry_run: bool, actor: str,
            progress: Callable[[str], None] | None) -> IngestReport:
    """Import a prepared return's figures and keep its child-level rows, with both audit entries, in one
    transaction."""
    rows = p.stored_rows(key)
    stored = 0

    def keep_rows(conn: Connection, result: ImportResult) -> None:
        nonlocal stored
        record_audit(conn, actor, "import", p.import_name, import_counts(result))
        if progress:
            progress("storing the child-level rows")
        stored = write_ingest(conn, return_kind=p.return_kind, area=p.area, period=p.period,
                              source_document=p.source_document, rule_version=p.rule_version, rows=rows,
                              repairs=[str(r) for r in p.repairs], options=p.options, actor=actor)
        record_audit(conn, actor, "returns.ingest", p.audit_target, {**p.audit_detail, "child_level_rows": stored})

    if progress:
        progress("importing the figures")
    units = {code: spec.unit for code, spec in registry().indicators.items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / p.import_name
        write_import_csv(p.figures, path, area=p.area, units=units, source_document=p.sources, note=p.notes)
        # A dry run reports no child-level rows, as it keeps none.
        result = import_file(path, dry_run=dry_run, actor=actor, also=None if dry_run else keep_rows)
    if not dry_run:
        run_quality_checks()
    return IngestReport(p.return_kind, p.area, p.period, len(p.figures), result, stored, p.repairs, p.measure_notes,
                        p.skipped, dry_run=dry_run)


def ingest_903(folder: Path | str, *, la: str, year: int, key: bytes, wording: str = "placement",
               dry_run: bool = False, actor: str = "", progress: Callable[[str], None] | None = None
               ) -> IngestReport:
    """Compute the looked-after and care leaver figures of one year from a folder of 903 CSV files; import them and
    keep the pseudonymised child-level rows, all or nothing. Raises ImportRejected for a bad folder."""
    if wording not in ssda903.WORDINGS:
        raise ValueError(f"wording is 'placement' or 'carer', not {wording!r}")
    check_council(la)
    prepared = prepare_903(folder, la=la, year=year, wording=wording, progress=progress)
    return _ingest(prepared, key=key, dry_run=dry_run, actor=actor, progress=progress)


def ingest_annex_a(path: Path | str, *, la: str, key: bytes, dry_run: bool = False, actor: str = "",
                   progress: Callable[[str], None] | None = None) -> IngestReport:
    """Compute the front-door and child protection figures from an Annex A workbook; import them and keep the
    pseudonymised child-level rows, all or nothing. Raises ImportRejected for a bad workbook."""
    check_council(la)
    prepared = prepare_annex_a(path, la=la, progress=progress)
    return _ingest(prepared, key=key, dry_run=dry_run, actor=actor, progress=progress)
