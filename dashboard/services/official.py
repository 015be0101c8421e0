"""Import the DfE's official statistics: read the published files, then store them in one transaction.

The reader (dashboard.official.reader) checks every file before anything is written: a malformed file or a layout
the mapping does not know stops the import with its OfficialReadError, naming the file, line and column. The areas,
statistical neighbours, figures and the audit entry are then written in one transaction (data_access.official_store),
so they are committed together or not at all; a dry run rolls it back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.official import SNAPSHOT_DIR
from dashboard.official.areas import OfficialArea
from dashboard.official.files import expand_paths
from dashboard.official.reader import FileRead, read_official
from data_access import cache as data_cache
from data_access import db
from data_access.auth_models import AuditEntry
from data_access.models import utcnow
from data_access.official_store import LoadResult, load_official

ACTION = "import-official"


@dataclass
class OfficialImportResult:
    """What an import of official files did (or, with dry_run, would have done)."""

    files: list[FileRead] = field(default_factory=list)
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    areas: int = 0
    areas_added: int = 0
    neighbours: int = 0
    periods_added: int = 0
    dry_run: bool = False
    read_seconds: float = 0.0
    load_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.read_seconds + self.load_seconds

    @property
    def rows_per_second(self) -> float:
        """Observations per second, reading and storing together."""
        return self.rows / self.seconds if self.seconds else 0.0


def snapshot_paths() -> list[Path]:
    """The bundled, dated snapshot of the DfE's files (gzipped), in name order: what init-db loads."""
    return expand_paths(SNAPSHOT_DIR)


def area_row(area: OfficialArea) -> dict:
    """An official area as data_access.reference.sync_official_areas stores it.

    A joint return (two authorities reporting together) is an area of its own with no ONS code: the codes belong
    to its members, which it lists; the DfE's combined spelling of them is kept in its note."""
    joint = bool(area.members)
    note = area.note
    if joint and area.new_la_code:
        note = f"{note} ONS codes of its members: {area.new_la_code}.".strip()
    return {
        "code": area.code,
        "name": area.name,
        "kind": area.kind,
        "ons_code": None if joint else area.new_la_code,
        "dfe_number": area.old_la_code,
        "region": area.region,
        "sub_region": area.sub_region,
        "first_year": area.first_year,
        "last_year": area.last_year,
        "former_ons_codes": " ".join(area.former_ons_codes),
        "replaces": " ".join(area.replaces),
        "replaced_by": " ".join(area.replaced_by),
        "members": " ".join(area.members),
        "official_note": note,
    }


def import_official(
    paths: Iterable[str | Path] | str | Path,
    *,
    dry_run: bool = False,
    actor: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> OfficialImportResult:
    """Read official files (files or folders, `.csv` or `.csv.gz`) and store them, all or nothing.

    Raises the reader's OfficialReadError (file, line, column) or FileNotFoundError before anything is written, and
    data_access.official_store.OfficialLoadRefused when the rows do not fit the database's reference data (an
    indicator the registry lacks, for one); nothing is changed then. `progress(done, total)` is told how many
    observations are stored so far. The audit entry (action "import-official") is written in the same transaction
    as the figures. With `dry_run` the transaction is rolled back: the counts say what a real import would do.
    """
    read = read_official(paths)
    total = len(read.observations)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    with db.get_engine().connect() as conn:
        trans = conn.begin()
        try:
            load = load_official(
                conn,
                [area_row(a) for a in read.areas],
                read.neighbour_rows(),
                read.observations,
                progress=advance,
                actor=actor,
            )
            conn.execute(
                AuditEntry.__table__.insert().values(
                    at=utcnow(),
                    actor=(actor or "unknown")[:255],
                    action=ACTION,
                    target=", ".join(f.file for f in read.files)[:255],
                    detail=_detail(read.files, load),
                )
            )
            if dry_run:
                trans.rollback()
            else:
                trans.commit()
        except BaseException:
            trans.rollback()
            raise
    if not dry_run and (load.added or load.updated or load.areas_added or load.neighbours):
        data_cache.invalidate()  # after the commit: no worker can cache the old figures again in between
    return OfficialImportResult(
        files=list(read.files),
        rows=load.rows,
        added=load.added,
        updated=load.updated,
        unchanged=load.unchanged,
        areas=load.areas,
        areas_added=load.areas_added,
        neighbours=load.neighbours,
        periods_added=load.periods_added,
        dry_run=dry_run,
        read_seconds=read.seconds,
        load_seconds=load.seconds,
    )


def _detail(files: list[FileRead], load: LoadResult) -> str:
    return json.dumps(
        {
            "files": [f.file for f in files],
            "rows": load.rows,
            "added": load.added,
            "updated": load.updated,
            "unchanged": load.unchanged,
            "areas_added": load.areas_added,
            "neighbours": load.neighbours,
            "import_run": load.import_run_id,
        },
        sort_keys=True,
    )
