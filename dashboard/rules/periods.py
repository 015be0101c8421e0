"""Period rules every page shares: which financial year a date falls in, and what a view's period covers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from data_access.periods import Period, financial_year, parse_period


def financial_year_of(day: date) -> Period:
    """The financial year (1 April to 31 March) that `day` falls in."""
    return financial_year(day.year - 1 if day.month <= 3 else day.year)


def start_of_financial_year(day: date) -> date:
    """The first day of the financial year `day` falls in (a figure before it is 'latest available')."""
    return financial_year_of(day).start


def financial_years(days: Iterable[date]) -> list[Period]:
    """The distinct financial years a set of dates falls in, newest first."""
    return sorted({financial_year_of(d) for d in days}, reverse=True)


def as_of_end(period: str | None) -> date | None:
    """The last day a view covers: the end of the chosen period, or None for the latest figures."""
    return None if not period or period == "latest" else parse_period(period).end


def up_to(rows: pd.DataFrame, end: date | None, column: str = "end_date") -> pd.DataFrame:
    """The rows whose period ends on or before `end` (all rows when `end` is None: the latest figures)."""
    if end is None or rows.empty:
        return rows
    return rows[pd.to_datetime(rows[column]).dt.date <= end]
