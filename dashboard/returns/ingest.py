"""What ingesting a statutory return produces: the board's figures with their notes, and the pseudonymised
child-level rows behind them. Reading and computing only; nothing here writes to the database.

The use case that writes them - figures, child-level rows and audit entry in one transaction - is
dashboard.services.imports (`ingest_903`, `ingest_annex_a`, also importable from here as before).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.returns import annex_a, ssda903
from dashboard.returns.common import ChildRow, Figure, Repair, pseudonymise
from data_access.importer import ImportRejected, ImportResult, RowError
from data_access.periods import financial_year
from data_access.returns_store import StoredRow

KEY_FILE = "pseudonym.key"


@dataclass
class IngestReport:
    """What an ingest did: the figures computed and imported, the child-level rows kept, repairs and notes."""

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


@dataclass
class Prepared:
    """A return read, checked and computed: everything an ingest writes, nothing written yet."""

    return_kind: str
    area: str
    period: str
    import_name: str  # the name the figures are imported under (the import's audit target)
    figures: list[Figure]
    children: list[ChildRow]
    sources: dict[str, str]  # indicator -> source document of its figures
    notes: dict[str, str]  # indicator -> note on its figures
    source_document: str  # the files the child-level rows come from
    rule_version: str
    audit_target: str
    audit_detail: dict[str, Any]
    options: str = ""
    repairs: list[Repair] = field(default_factory=list)
    measure_notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def stored_rows(self, key: bytes) -> list[StoredRow]:
        """The child-level rows with each child's id replaced by its pseudonym under `key`."""
        return [
            StoredRow(
                c.indicator,
                c.period,
                pseudonymise(c.child, self.area, key),
                c.age_band,
                c.counted,
                c.start_date,
                c.end_date,
                c.codes,
            )
            for c in self.children
        ]


def pseudonym_key(instance_path: Path, configured: str | None = None) -> bytes:
    """The key for pseudonymous ids: the configured one (RETURNS_PSEUDONYM_KEY; several hosts must share one), else
    a random key made once and kept in the instance folder (readable by its owner only). Losing it only means the
    same child gets a different id in later ingests; it cannot reveal a child's id."""
    if configured and configured.strip():
        return configured.strip().encode()
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def prepare_903(
    folder: Path | str, *, la: str, year: int, wording: str = "placement", progress: Callable[[str], None] | None = None
) -> Prepared:
    """Read a folder of 903 CSV files and compute the looked-after and care leaver figures of one year."""
    if wording not in ssda903.WORDINGS:
        raise ValueError(f"wording is 'placement' or 'carer', not {wording!r}")
    ret = ssda903.read_return(folder, year, progress)
    if progress:
        progress("computing the measures")
    measured = ssda903.compute(ret, wording=wording)
    files = sorted({f"{f.table} {f.year}" for f in ret.files if f.table != "OC3" or f.year == year})
    repaired = f" {len(ret.repairs)} stitching repairs are logged with the ingest." if ret.repairs else ""
    base = (
        f"Computed from child-level SSDA903 data by rule version {ssda903.RULE_VERSION} (DfE SSDA903 guide "
        f"definitions; tables read: {', '.join(files)}).{repaired}"
    )
    wording_note = {
        "placement": " Long-term stability in the older wording: the same placement for 2 years.",
        "carer": " Long-term stability in the current wording: the same carer for 2 years.",
    }[wording]
    notes = {code: base for code in ssda903.sources(ret)}
    notes["cla_long_term_stability_pct"] = (
        base + wording_note + "".join(f" {n[0].upper()}{n[1:]}." for n in measured.notes)
    )
    period = financial_year(year - 1).code
    return Prepared(
        "ssda903",
        la,
        period,
        f"ssda903_{la}_{year}.csv",
        measured.figures,
        measured.children,
        ssda903.sources(ret),
        notes,
        source_document=", ".join(sorted({ret.file_name("Episodes"), ret.file_name("OC3"), ret.file_name("Header")})),
        rule_version=ssda903.RULE_VERSION,
        audit_target=ret.file_name("Episodes"),
        audit_detail={
            "return": "ssda903",
            "area": la,
            "period": period,
            "rule_version": ssda903.RULE_VERSION,
            "repairs": len(ret.repairs),
        },
        options=f"wording={wording}",
        repairs=ret.repairs,
        measure_notes=measured.notes,
        skipped=ret.skipped,
    )


def prepare_annex_a(path: Path | str, *, la: str, progress: Callable[[str], None] | None = None) -> Prepared:
    """Read an Annex A workbook and compute the front-door and child protection figures."""
    annex = annex_a.read_annex_a(path, progress)
    window = annex_a.window_of(annex)
    if progress:
        progress("computing the measures")
    measured = annex_a.compute(annex, window)
    if not measured.figures:
        raise ImportRejected(
            [RowError("file", "", f"no figure could be computed: the lists have no events in the window {window.code}")]
        )
    codes = {f.indicator for f in measured.figures}
    note = (
        f"Computed from Ofsted Annex A lists by rule version {annex_a.RULE_VERSION} (window {window.code}; "
        f"lists read: {', '.join(str(n) for n in sorted(annex.lists))})."
    )
    notes = dict.fromkeys(codes, note)
    notes["contacts_to_referral_pct"] = note + (
        " A contact counts as becoming a referral when its outcome says so or, without an outcome, when the child "
        f"has a referral within {annex_a.CONTACT_TO_REFERRAL_WORKING_DAYS} working days (local rule)."
    )
    notes["cp_plans_second_subsequent_pct"] = note + " Previous plan at any time (not 'within 2 years')."
    notes["cp_plans_2_years_plus"] = note + " Among plans ending in the period."
    return Prepared(
        "annex_a",
        la,
        window.code,
        f"annex_a_{la}_{window.code.replace('/', '_')}.csv",
        measured.figures,
        measured.children,
        dict.fromkeys(codes, annex.source),
        notes,
        source_document=annex.source,
        rule_version=annex_a.RULE_VERSION,
        audit_target=annex.source,
        audit_detail={"return": "annex_a", "area": la, "period": window.code, "rule_version": annex_a.RULE_VERSION},
        measure_notes=measured.notes,
        skipped=annex.skipped,
    )
