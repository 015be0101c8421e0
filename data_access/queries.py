"""Queries the dashboard draws from. Each returns a DataFrame or plain values, aggregated in the database and
memoised in the shared cache (keyed on the arguments)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from data_access.cache import cache
from data_access.db import get_engine
from data_access.models import Area, DataQualityFlag, Indicator, Period


@cache.memoize()
def quality_flags(indicator: str | None = None) -> pd.DataFrame:
    """Data-quality flags, optionally for one indicator."""
    f = DataQualityFlag
    stmt = (select(Indicator.code.label("indicator"), Area.code.label("area"), Period.code.label("period"),
                   f.check, f.message)
            .join(Indicator, Indicator.id == f.indicator_id)
            .outerjoin(Area, Area.id == f.area_id).outerjoin(Period, Period.id == f.period_id)
            .order_by(Indicator.code, Area.code, Period.sort_key))
    if indicator:
        stmt = stmt.where(Indicator.code == indicator)
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)
