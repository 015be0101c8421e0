"""Ingesting a statutory return: read and check it, compute the board's figures, import them through the
all-or-nothing importer, and keep the pseudonymised child-level rows for the drill-down.

Order of work, so that a bad file changes nothing: every file is read and checked first (any error stops
everything); the figures are imported in one transaction (the importer's own all-or-nothing rule); only then are
the child-level rows stored, replacing the previous ingest of the same return, council and period in one
transaction. Re-running an ingest is safe: unchanged figures stay unchanged and the rows are replaced.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from dashboard.reference.registry import registry
from dashboard.returns import annex_a, ssda903
from dashboard.returns.common import ChildRow, Repair, pseudonymise, write_import_csv
from data_access.db import get_engine
from data_access.importer import ImportRejected, ImportResult, RowError
from data_access.models import Area
from data_access.periods import financial_year
from data_access.returns_store import StoredRow, store_ingest

KEY_ENV = "RETURNS_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"


@dataclass
class IngestReport:
    return_kind: str
    area: str
    period: str
    figures: int
    result: ImportResult
    child_rows: int
    repairs: list[Repair] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    dry_run: bool = False


def pseudonym_key(instance_path: Path) -> bytes:
    """The key for pseudonymous ids: RETURNS_PSEUDONYM_KEY when set (several hosts must share one), else a random
    key made once and kept in the instance folder (readable by its owner only). Losing it only means the same
    child gets a different id in later ingests; it cannot reveal a child's id."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return env.encode()
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def check_council(la: str) -> None:
    """Refuse a code that is not one of the database's local authorities, listing those that are."""
    with get_engine().connect() as conn:
        las = conn.execute(select(Area.code).where(Area.kind == "local_authority").order_by(Area.code)).scalars()
        las = list(las)
    if la not in las:
        raise ImportRejected([RowError("--la", "", f"'{la}' is not a council this dashboard knows; use one of: "
                                                   f"{', '.join(las)}")])


def _audit(actor: str, target: str, detail: dict) -> None:
    """Record the stored child-level rows in the audit log (every write to the board's data is recorded)."""
    try:
        from data_access import audit
    except ImportError:  # a tree without the audit log (it comes with sign-in): nothing to record in
        return
    audit.record(actor or "unknown", "returns.ingest", target, detail)


def _stored(children: list[ChildRow], la: str, key: bytes) -> list[StoredRow]:
    return [StoredRow(c.indicator, c.period, pseudonymise(c.child, la, key), c.age_band, c.counted, c.start_date,
                      c.end_date, c.codes) for c in children]


def _import(figures, *, name: str, la: str, sources: dict[str, str], notes: dict[str, str], dry_run: bool,
            actor: str) -> ImportResult:
    from dashboard.services import dataset as services

    units = {code: spec.unit for code, spec in registry().indicators.items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        write_import_csv(figures, path, area=la, units=units, source_document=sources, note=notes)
        return services.import_dataset(path, dry_run=dry_run, actor=actor)


def ingest_903(folder: Path | str, *, la: str, year: int, key: bytes, wording: str = "placement",
               dry_run: bool = False, actor: str = "", progress: Callable[[str], None] | None = None
               ) -> IngestReport:
    """Compute the looked-after and care leaver figures of one year from a folder of 903 CSV files."""
    if wording not in ssda903.WORDINGS:
        raise ValueError(f"wording is 'placement' or 'carer', not {wording!r}")
    check_council(la)
    ret = ssda903.read_return(folder, year, progress)
    if progress:
        progress("computing the measures")
    measured = ssda903.compute(ret, wording=wording)
    files = sorted({f"{f.table} {f.year}" for f in ret.files if f.table != "OC3" or f.year == year})
    repaired = f" {len(ret.repairs)} stitching repairs are logged with the ingest." if ret.repairs else ""
    base = (f"Computed from child-level SSDA903 data by rule version {ssda903.RULE_VERSION} (DfE SSDA903 guide "
            f"definitions; tables read: {', '.join(files)}).{repaired}")
    wording_note = {"placement": " Long-term stability in the older wording: the same placement for 2 years.",
                    "carer": " Long-term stability in the current wording: the same carer for 2 years."}[wording]
    notes = {code: base for code in ssda903.sources(ret)}
    notes["cla_long_term_stability_pct"] = base + wording_note + "".join(
        f" {n[0].upper()}{n[1:]}." for n in measured.notes)
    if progress:
        progress("importing the figures")
    result = _import(measured.figures, name=f"ssda903_{la}_{year}.csv", la=la, sources=ssda903.sources(ret),
                     notes=notes, dry_run=dry_run, actor=actor)
    period = financial_year(year - 1).code
    stored = 0
    if not dry_run:
        if progress:
            progress("storing the child-level rows")
        stored = store_ingest(return_kind="ssda903", area=la, period=period,
                              source_document=", ".join(sorted({ret.file_name("Episodes"), ret.file_name("OC3"),
                                                                ret.file_name("Header")})),
                              rule_version=ssda903.RULE_VERSION, rows=_stored(measured.children, la, key),
                              repairs=[str(r) for r in ret.repairs], options=f"wording={wording}", actor=actor)
        _audit(actor, ret.file_name("Episodes"), {"return": "ssda903", "area": la, "period": period,
                                                   "child_level_rows": stored, "rule_version": ssda903.RULE_VERSION,
                                                   "repairs": len(ret.repairs)})
    return IngestReport("ssda903", la, period, len(measured.figures), result, stored, ret.repairs, measured.notes,
                        ret.skipped, dry_run=dry_run)


def ingest_annex_a(path: Path | str, *, la: str, key: bytes, dry_run: bool = False, actor: str = "",
                   progress: Callable[[str], None] | None = None) -> IngestReport:
    """Compute the front-door and child protection figures from an Annex A workbook."""
    check_council(la)
    annex = annex_a.read_annex_a(path, progress)
    window = annex_a.window_of(annex)
    if progress:
        progress("computing the measures")
    measured = annex_a.compute(annex, window)
    if not measured.figures:
        raise ImportRejected([RowError("file", "", "no figure could be computed: the lists have no events in "
                                                   f"the window {window.code}")])
    codes = {f.indicator for f in measured.figures}
    note = (f"Computed from Ofsted Annex A lists by rule version {annex_a.RULE_VERSION} (window {window.code}; "
            f"lists read: {', '.join(str(n) for n in sorted(annex.lists))}).")
    notes = dict.fromkeys(codes, note)
    notes["contacts_to_referral_pct"] = note + (
        " A contact counts as becoming a referral when its outcome says so or, without an outcome, when the child "
        f"has a referral within {annex_a.CONTACT_TO_REFERRAL_WORKING_DAYS} working days (local rule).")
    notes["cp_plans_second_subsequent_pct"] = note + " Previous plan at any time (not 'within 2 years')."
    notes["cp_plans_2_years_plus"] = note + " Among plans ending in the period."
    if progress:
        progress("importing the figures")
    result = _import(measured.figures, name=f"annex_a_{la}_{window.code.replace('/', '_')}.csv", la=la,
                     sources=dict.fromkeys(codes, annex.source), notes=notes, dry_run=dry_run, actor=actor)
    stored = 0
    if not dry_run:
        if progress:
            progress("storing the child-level rows")
        stored = store_ingest(return_kind="annex_a", area=la, period=window.code, source_document=annex.source,
                              rule_version=annex_a.RULE_VERSION, rows=_stored(measured.children, la, key),
                              actor=actor)
        _audit(actor, annex.source, {"return": "annex_a", "area": la, "period": window.code,
                                     "child_level_rows": stored, "rule_version": annex_a.RULE_VERSION})
    return IngestReport("annex_a", la, window.code, len(measured.figures), result, stored, [], measured.notes,
                        annex.skipped, dry_run=dry_run)
