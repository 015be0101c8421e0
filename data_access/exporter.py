"""Export every observation in the import format, one row each, streamed.

Each row says its kind of source, why it has no figure (value_status) and whether the DfE rounded it, so that
importing the export gives back every row as it was, official figures with a symbol and no value included."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from data_access.db import get_engine
from data_access.imports import COLUMNS
from data_access.models import Area, Indicator, Observation, Period


def fmt(x: float | int | None) -> str:
    """Shortest text that reads back as the same number (42, not 42.0; 11.6, not 11.6000001)."""
    if x is None:
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def iter_rows() -> Iterator[list[str]]:
    o = Observation
    stmt = (
        select(
            Indicator.code,
            Area.code,
            Period.code,
            o.breakdown_dimension,
            o.breakdown_value,
            o.value,
            o.numerator,
            o.denominator,
            Indicator.unit,
            o.source_document,
            o.source_line,
            o.note,
            o.derived,
            o.source_kind,
            o.value_status,
            o.rounded,
        )
        .join(Indicator, Indicator.id == o.indicator_id)
        .join(Area, Area.id == o.area_id)
        .join(Period, Period.id == o.period_id)
        .order_by(Indicator.code, Area.code, Period.sort_key, o.breakdown_dimension, o.breakdown_value, o.source_kind)
    )
    with get_engine().connect() as conn:
        for r in conn.execution_options(yield_per=5000).execute(stmt):
            yield [
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                fmt(r[5]),
                fmt(r[6]),
                fmt(r[7]),
                r[8],
                r[9],
                "" if r[10] is None else str(r[10]),
                r[11],
                "yes" if r[12] else "",
                r[13],
                r[14] or "",
                "yes" if r[15] else "",
            ]


def export_csv(path: Path | str) -> int:
    """Write the dataset to `path` (UTF-8 CSV); return the number of rows."""
    n = 0
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for row in iter_rows():
            w.writerow(row)
            n += 1
    return n
