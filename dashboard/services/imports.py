"""The import and ingest use cases: a dataset file, a folder of 903 tables, an Annex A workbook.

Each writes everything it changes in ONE transaction, the importer's: the figures, the child-level rows of a
return, and the audit entries. A failure anywhere - a bad row, a refused audit write, the process killed - leaves
the database as it was: never figures without their audit entry, nor a return's figures without the rows behind
them. A dry run does the same work and rolls it all back. The data-quality checks run afterwards (they are worked
out again from the dataset on every run, so a crash before them loses nothing).
"""

from __future__ import annotations

import difflib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from dashboard.reference.registry import registry
from dashboard.returns import ssda903
from dashboard.returns.common import write_import_csv
from dashboard.returns.ingest import IngestReport, Prepared, prepare_903, prepare_annex_a
from dashboard.rules import quality
from data_access import quality_store as qs
from data_access.auth_models import AuditEntry
from data_access.db import get_engine
from data_access.importer import ImportRejected, ImportResult, RowError, import_file
from data_access.imports.checking import area_alias_table
from data_access.models import Area, utcnow
from data_access.returns_store import local_authorities, write_ingest


def record_audit(conn: Connection, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
    """Append an audit entry on `conn`, inside the caller's transaction: it commits with the change it records.
    The same row, cut to the same lengths, as data_access.audit.record writes in a transaction of its own."""
    conn.execute(
        AuditEntry.__table__.insert().values(
            at=utcnow(),
            actor=(actor or "unknown")[:255],
            action=action[:64],
            target=(target or "")[:255],
            detail=json.dumps(detail, sort_keys=True, default=str),
        )
    )


def import_counts(result: ImportResult) -> dict[str, int]:
    """An import's counts as the audit log keeps them."""
    return {"rows": result.rows, "added": result.added, "updated": result.updated, "unchanged": result.unchanged}


def run_quality_checks() -> int:
    """Run every data-quality check over the dataset and store the flags; return how many.

    Each kind of source is checked on its own: an official total and a board document's breakdown of the same
    figure are not parts of one whole, and telling where they differ is reconciliation, not a fault in either.
    A replaced value is only ever of the same kind (an import matches figures of its own kind)."""
    obs, replaced = qs.observations_for_checks(), qs.replaced_values()
    flags: list[dict] = []
    for _kind, part in obs.groupby("source_kind", observed=True, sort=True):
        part = part.reset_index(drop=True)
        flags.extend(quality.run_checks(part, replaced[replaced["observation_id"].isin(part["id"])]))
    return qs.replace_flags(flags)


def import_dataset(
    path: Path | str,
    *,
    dry_run: bool = False,
    actor: str = "",
    progress: Callable[[int], None] | None = None,
    source_kind: str = "partner",
) -> ImportResult:
    """Import a file (all or nothing) with its audit entry (`actor`: who imports) in the same transaction, then
    re-run the data-quality checks. A dry run writes nothing. Raises ImportRejected for a bad file.
    `source_kind`: the kind of source of rows that do not say theirs (a partner's return unless told)."""
    name = Path(path).name

    def audit(conn: Connection, result: ImportResult) -> None:
        record_audit(conn, actor, "import", name, import_counts(result))

    result = import_file(path, dry_run=dry_run, actor=actor, progress=progress, also=audit, source_kind=source_kind)
    if not dry_run:
        run_quality_checks()
    return result


def check_council(la: str) -> str:
    """The code of the council `la` names (our code, its ONS code or its DfE number); refuse anything else with
    the nearest councils by code and by name."""
    las = local_authorities()
    text = " ".join((la or "").split())
    if text in las:
        return text
    with get_engine().connect() as conn:
        aliases = area_alias_table(conn)
        names = {code: name for code, name in conn.execute(select(Area.code, Area.name)) if code in set(las)}
    code = aliases.get(text) or aliases.get(text.lower()) or (text.lower() if text.lower() in las else None)
    if code in las:
        return code
    by_name = {name.lower(): code for code, name in names.items()}
    close = difflib.get_close_matches(text.lower(), [*las, *by_name], n=3, cutoff=0.6)
    guesses = list(dict.fromkeys(by_name.get(c, c) for c in close))
    hint = (
        f"; did you mean {', '.join(f'{c} ({names.get(c, c)})' for c in guesses)}?"
        if guesses
        else f"; the councils it knows are: {', '.join(las)}"
    )
    raise ImportRejected(
        [
            RowError(
                "--la", "", f"'{la}' is not a council this dashboard knows: give its code, ONS code or DfE number{hint}"
            )
        ]
    )


def _ingest(
    p: Prepared, *, key: bytes, dry_run: bool, actor: str, progress: Callable[[str], None] | None
) -> IngestReport:
    """Import a prepared return's figures and keep its child-level rows, with both audit entries, in one
    transaction."""
    rows = p.stored_rows(key)
    stored = 0

    def keep_rows(conn: Connection, result: ImportResult) -> None:
        nonlocal stored
        record_audit(conn, actor, "import", p.import_name, import_counts(result))
        if progress:
            progress("storing the child-level rows")
        stored = write_ingest(
            conn,
            return_kind=p.return_kind,
            area=p.area,
            period=p.period,
            source_document=p.source_document,
            rule_version=p.rule_version,
            rows=rows,
            repairs=[str(r) for r in p.repairs],
            options=p.options,
            actor=actor,
        )
        record_audit(conn, actor, "returns.ingest", p.audit_target, {**p.audit_detail, "child_level_rows": stored})

    if progress:
        progress("importing the figures")
    units = {code: spec.unit for code, spec in registry().indicators.items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / p.import_name
        write_import_csv(p.figures, path, area=p.area, units=units, source_document=p.sources, note=p.notes)
        # A dry run reports no child-level rows, as it keeps none.
        result = import_file(
            path, dry_run=dry_run, actor=actor, also=None if dry_run else keep_rows, source_kind="returns"
        )
    if not dry_run:
        run_quality_checks()
    return IngestReport(
        p.return_kind,
        p.area,
        p.period,
        len(p.figures),
        result,
        stored,
        p.repairs,
        p.measure_notes,
        p.skipped,
        dry_run=dry_run,
    )


def ingest_903(
    folder: Path | str,
    *,
    la: str,
    year: int,
    key: bytes,
    wording: str = "placement",
    dry_run: bool = False,
    actor: str = "",
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Compute the looked-after and care leaver figures of one year from a folder of 903 CSV files; import them and
    keep the pseudonymised child-level rows, all or nothing. Raises ImportRejected for a bad folder."""
    if wording not in ssda903.WORDINGS:
        raise ValueError(f"wording is 'placement' or 'carer', not {wording!r}")
    la = check_council(la)
    prepared = prepare_903(folder, la=la, year=year, wording=wording, progress=progress)
    return _ingest(prepared, key=key, dry_run=dry_run, actor=actor, progress=progress)


def ingest_annex_a(
    path: Path | str,
    *,
    la: str,
    key: bytes,
    dry_run: bool = False,
    actor: str = "",
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Compute the front-door and child protection figures from an Annex A workbook; import them and keep the
    pseudonymised child-level rows, all or nothing. Raises ImportRejected for a bad workbook."""
    la = check_council(la)
    prepared = prepare_annex_a(path, la=la, progress=progress)
    return _ingest(prepared, key=key, dry_run=dry_run, actor=actor, progress=progress)
