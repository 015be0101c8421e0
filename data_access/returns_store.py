"""Storing the child-level rows of a return ingest, and reading them back for the drill-down.

The rows arrive already pseudonymised (dashboard.returns). Storing replaces any earlier ingest of the same
return for the same council and period in one transaction: the drill-down never shows a mix of two ingests.
The drill-down query is not cached in the shared cache on purpose: child-level rows stay in the database.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, delete, insert, select

from data_access.db import get_engine
from data_access.models import Area, utcnow
from data_access.returns_models import ChildLevelRow, ReturnIngest

CHUNK = 5000
DRILL_COLUMNS = [
    "pseudo_id",
    "age_band",
    "counted",
    "start_date",
    "end_date",
    "codes",
    "source_document",
    "rule_version",
    "ingested_at",
]


@dataclass(frozen=True)
class StoredRow:
    indicator: str
    period: str
    pseudo_id: str
    age_band: str
    counted: bool
    start_date: object = None
    end_date: object = None
    codes: dict | None = None


class UnknownArea(ValueError):
    """The council code is not in the database."""


def write_ingest(
    conn: Connection,
    *,
    return_kind: str,
    area: str,
    period: str,
    source_document: str,
    rule_version: str,
    rows: Iterable[StoredRow],
    repairs: Iterable[str] = (),
    options: str = "",
    actor: str = "",
) -> int:
    """Replace the stored rows of (return, council, period) with these, in the caller's transaction on `conn` (so
    they commit with the figures computed from them, or not at all). Returns the rows stored."""
    rows = list(rows)
    area_id = conn.execute(select(Area.id).where(Area.code == area)).scalar_one_or_none()
    if area_id is None:
        raise UnknownArea(f"unknown area '{area}'")
    old = (
        conn.execute(
            select(ReturnIngest.id).where(
                ReturnIngest.return_kind == return_kind, ReturnIngest.area_id == area_id, ReturnIngest.period == period
            )
        )
        .scalars()
        .all()
    )
    if old:
        conn.execute(delete(ChildLevelRow).where(ChildLevelRow.ingest_id.in_(old)))
        conn.execute(delete(ReturnIngest).where(ReturnIngest.id.in_(old)))
    ingest_id = conn.execute(
        insert(ReturnIngest).values(
            return_kind=return_kind,
            area_id=area_id,
            period=period,
            source_document=source_document[:255],
            rule_version=rule_version,
            options=options,
            repairs="\n".join(repairs),
            row_count=len(rows),
            actor=actor,
            ingested_at=utcnow(),
        )
    ).inserted_primary_key[0]
    for i in range(0, len(rows), CHUNK):
        conn.execute(
            insert(ChildLevelRow),
            [
                {
                    "ingest_id": ingest_id,
                    "indicator": r.indicator,
                    "period": r.period,
                    "pseudo_id": r.pseudo_id,
                    "age_band": r.age_band,
                    "counted": r.counted,
                    "start_date": r.start_date,
                    "end_date": r.end_date,
                    "codes": json.dumps(r.codes or {}, sort_keys=True),
                }
                for r in rows[i : i + CHUNK]
            ],
        )
    return len(rows)


def store_ingest(
    *,
    return_kind: str,
    area: str,
    period: str,
    source_document: str,
    rule_version: str,
    rows: Iterable[StoredRow],
    repairs: Iterable[str] = (),
    options: str = "",
    actor: str = "",
) -> int:
    """Replace the stored rows of (return, council, period) with these, atomically, in a transaction of its own.
    Returns the rows stored."""
    with get_engine().begin() as conn:
        return write_ingest(
            conn,
            return_kind=return_kind,
            area=area,
            period=period,
            source_document=source_document,
            rule_version=rule_version,
            rows=rows,
            repairs=repairs,
            options=options,
            actor=actor,
        )


def local_authorities() -> list[str]:
    """The codes of the councils (local authorities) the database knows, in order."""
    with get_engine().connect() as conn:
        return list(conn.execute(select(Area.code).where(Area.kind == "local_authority").order_by(Area.code)).scalars())


def child_level_rows(indicator: str, area: str, period: str) -> pd.DataFrame:
    """The anonymised children behind one figure (counted first), with the ingest they came from.
    Callers must check the user may see child-level rows (dashboard.returns.access) before calling this."""
    stmt = (
        select(
            ChildLevelRow.pseudo_id,
            ChildLevelRow.age_band,
            ChildLevelRow.counted,
            ChildLevelRow.start_date,
            ChildLevelRow.end_date,
            ChildLevelRow.codes,
            ReturnIngest.source_document,
            ReturnIngest.rule_version,
            ReturnIngest.ingested_at,
        )
        .join(ReturnIngest, ReturnIngest.id == ChildLevelRow.ingest_id)
        .join(Area, Area.id == ReturnIngest.area_id)
        .where(ChildLevelRow.indicator == indicator, ChildLevelRow.period == period, Area.code == area)
        .order_by(ChildLevelRow.counted.desc(), ChildLevelRow.pseudo_id, ChildLevelRow.start_date)
    )
    with get_engine().connect() as conn:
        df = pd.read_sql(stmt, conn)
    df["counted"] = df["counted"].astype(bool)
    for c in ("start_date", "end_date"):  # SQLite gives text, PostgreSQL dates: give dates on both
        df[c] = [None if v is None or pd.isna(v) else pd.Timestamp(v).date() for v in df[c]]
    df["codes"] = [json.loads(c) if c else {} for c in df["codes"]]
    return df[DRILL_COLUMNS]


def ingests(area: str | None = None) -> pd.DataFrame:
    """The stored ingests (latest first): what return, council, period, file and rule version."""
    stmt = (
        select(
            ReturnIngest.return_kind,
            Area.code.label("area"),
            ReturnIngest.period,
            ReturnIngest.source_document,
            ReturnIngest.rule_version,
            ReturnIngest.options,
            ReturnIngest.row_count,
            ReturnIngest.actor,
            ReturnIngest.ingested_at,
            ReturnIngest.repairs,
        )
        .join(Area, Area.id == ReturnIngest.area_id)
        .order_by(ReturnIngest.ingested_at.desc())
    )
    if area:
        stmt = stmt.where(Area.code == area)
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


def write_child_level_csv(df: pd.DataFrame, path: Path | str) -> int:
    """Write drill-down rows to CSV (the caller has checked the role, the explicit flag and audited it)."""
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(DRILL_COLUMNS)
        for r in df.itertuples(index=False):
            w.writerow(
                [
                    r.pseudo_id,
                    r.age_band,
                    "yes" if r.counted else "no",
                    "" if pd.isna(r.start_date) else r.start_date,
                    "" if pd.isna(r.end_date) else r.end_date,
                    json.dumps(r.codes, sort_keys=True),
                    r.source_document,
                    r.rule_version,
                    r.ingested_at,
                ]
            )
    return len(df)
