"""The lists as one account of the children: the window of months they cover, and each child's events across
the lists (a contact and the referral that followed it, a referral and the ones before it).

The window: the whole months from the first to the last contact in list 1 (or referral in list 3, without list
1). Flows (contacts, referrals, conferences, plans started and ended) are counted inside the window; the figures
are for the window (a financial year code when it is one) and for each month in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from dashboard.returns.annex_a.files import (
    AnnexA,
)
from data_access.importer import ImportRejected, RowError
from data_access.periods import financial_year, month, months


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def code(self) -> str:
        """The period code of the whole window."""
        if self.start.month == 4 and self.end == date(self.start.year + 1, 3, 31):
            return financial_year(self.start.year).code
        first, last = month(self.start.year, self.start.month), month(self.end.year, self.end.month)
        return first.code if first == last else months(first, last).code

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end


def month_code(d: date) -> str:
    return month(d.year, d.month).code


def window_of(annex: AnnexA) -> Window:
    """Whole months from the first to the last contact (list 1), or referral (list 3) without list 1."""
    for n in (1, 3):
        df = annex.lists.get(n)
        if df is not None and not df.empty and df["date"].notna().any():
            first, last = df["date"].dropna().min(), df["date"].dropna().max()
            end = month(last.year, last.month).end
            return Window(date(first.year, first.month, 1), end)
    raise ImportRejected(
        [
            RowError(
                "file",
                "",
                "the workbook needs list 1 (contacts) or list 3 (referrals) with dates, to know which months it covers",
            )
        ]
    )


def rows_of(df: pd.DataFrame | None) -> list[dict]:
    if df is None or df.empty:
        return []
    return [
        {k: (None if v is pd.NaT or (not isinstance(v, str) and pd.isna(v)) else v) for k, v in r.items()}
        for r in df.to_dict("records")
    ]


def window_days(window: Window) -> int:
    return (window.end - window.start + timedelta(days=1)).days


def dates_by_child(rows: list[dict], key: str = "date") -> dict[str, list[date]]:
    """Each child's dates of one kind of event (rows without the date left out), in list order: one child's
    events across a list, to match against their events in another."""
    out: dict[str, list[date]] = {}
    for r in rows:
        if r.get(key):
            out.setdefault(r["child"], []).append(r[key])
    return out
