"""Reading what the data-quality checks need, and storing the flags they raise."""

from __future__ import annotations

import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import delete, select

from data_access.db import get_engine, session_scope
from data_access.models import Area, DataQualityFlag, Indicator, Observation, ObservationHistory, Period

_CODES = ("indicator", "unit", "area", "area_kind", "period", "breakdown_dimension", "breakdown_value",
          "source_document")
_NUMBERS = ("board_id", "value", "numerator", "denominator", "source_line")
_CHUNK = 10_000  # rows per read: small reads leave little freed memory behind


def observations_for_checks() -> pd.DataFrame:
    """Every observation with its codes, for the checks (the checks run off-line, after an import).

    Read in chunks with the codes as categoricals: a national dataset (millions of rows) then takes tens of MB
    rather than gigabytes of repeated strings."""
    o = Observation
    stmt = (select(o.id, Indicator.code.label("indicator"), Indicator.unit, Area.code.label("area"),
                   Area.kind.label("area_kind"), Area.board_id, Period.code.label("period"),
                   o.breakdown_dimension, o.breakdown_value, o.value, o.numerator, o.denominator,
                   o.source_document, o.source_line)
            .join(Indicator, Indicator.id == o.indicator_id).join(Area, Area.id == o.area_id)
            .join(Period, Period.id == o.period_id))
    with get_engine().connect() as conn:
        streamed = conn.execution_options(stream_results=True, yield_per=_CHUNK)
        # A chunk whose numerators are all empty would otherwise come back as Python objects.
        chunks = [c.astype({**dict.fromkeys(_CODES, "category"), **dict.fromkeys(_NUMBERS, "float64")})
                  for c in pd.read_sql(stmt, streamed, chunksize=_CHUNK)]
    if len(chunks) <= 1:
        return chunks[0] if chunks else pd.read_sql(stmt.limit(0), get_engine())
    columns = {}
    for col in list(chunks[0].columns):  # column by column, freeing the chunks' copy as it goes
        parts = [c.pop(col) for c in chunks]
        columns[col] = (pd.Series(union_categoricals(parts), name=col) if col in _CODES
                        else pd.concat(parts, ignore_index=True))
    return pd.DataFrame(columns, copy=False)


def replaced_values() -> pd.DataFrame:
    """Earlier values that imports replaced, with the source that gave them."""
    h = ObservationHistory
    stmt = select(h.observation_id, h.value, h.source_document, h.source_line)
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


def replace_flags(flags: list[dict]) -> int:
    """Store the result of a full check run: the flags replace the previous run's."""
    with session_scope() as s:
        ids = {
            "indicator": dict(s.execute(select(Indicator.code, Indicator.id)).all()),
            "area": dict(s.execute(select(Area.code, Area.id)).all()),
            "period": dict(s.execute(select(Period.code, Period.id)).all()),
        }
        s.execute(delete(DataQualityFlag))
        for f in flags:
            s.add(DataQualityFlag(indicator_id=ids["indicator"][f["indicator"]],
                                  area_id=ids["area"].get(f.get("area")),
                                  period_id=ids["period"].get(f.get("period")),
                                  check=f["check"], message=f["message"]))
    return len(flags)
