"""Reporting periods: one normalised, sortable code for every kind of period the board's data uses.

Codes (what the dataset CSV and the URL carry) and what they mean:

=================  ===================  ==========================================================
code               kind                 covers
=================  ===================  ==========================================================
``2014-15``        financial_year       1 April 2014 - 31 March 2015
``2014-15 Q3``     quarter              financial-year quarter: Q1 Apr-Jun ... Q4 Jan-Mar
``2015-03``        month                March 2015
``2015-03-31``     snapshot             a count taken on one date ("at 31 March 2015")
``2015``           calendar_year        1 January - 31 December 2015
``2015-04/2015-09`` months              an explicit run of whole months (e.g. "April to September 2015")
=================  ===================  ==========================================================

``YYYY-YY`` is a financial year when YY is the year after YYYY (``2011-12``); otherwise ``YYYY-MM`` is a month.
The one clash, December of 2009/2010/2011..., is written ``Dec 2011``. Month names (``Mar 2015``,
``March 2015``) and ``2014/15`` are accepted on input and normalised.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

KINDS = ("financial_year", "quarter", "month", "snapshot", "calendar_year", "months")

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})


class PeriodError(ValueError):
    """A period that cannot be read; the message says what forms are accepted."""


@dataclass(frozen=True, order=True)
class Period:
    """A normalised reporting period. Orders by end date, then start date (later and shorter sort last)."""

    end: date
    start: date
    kind: str
    code: str

    @property
    def label(self) -> str:
        """What users see."""
        if self.kind == "financial_year":
            return self.code
        if self.kind == "quarter":
            fy, q = self.code.split(" ")
            return f"{fy} {q} ({self.start:%b}-{self.end:%b %Y})"
        if self.kind == "month":
            return f"{self.start:%b %Y}"
        if self.kind == "snapshot":
            return f"{self.start.day} {self.start:%b %Y}"
        if self.kind == "calendar_year":
            return f"{self.start.year}"
        return f"{self.start:%b %Y} to {self.end:%b %Y}"

    @property
    def sort_key(self) -> str:
        """A string that sorts periods in time order (end date, then start date), for the database."""
        return f"{self.end.isoformat()}|{self.start.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_comparable(self) -> Period | None:
        """The same kind of period one step earlier (year before for years, quarter before, month before)."""
        if self.kind == "financial_year":
            return financial_year(self.start.year - 1)
        if self.kind == "quarter":
            fy, q = self.code.split(" ")
            n = int(q[1])
            fy_start = int(fy[:4])
            return quarter(fy_start - 1, 4) if n == 1 else quarter(fy_start, n - 1)
        if self.kind == "month":
            y, m = self.start.year, self.start.month
            return month(y - 1, 12) if m == 1 else month(y, m - 1)
        if self.kind == "snapshot":
            try:
                return snapshot(self.start.replace(year=self.start.year - 1))
            except ValueError:  # 29 February
                return snapshot(date(self.start.year - 1, 2, 28))
        if self.kind == "calendar_year":
            return calendar_year(self.start.year - 1)
        return None


def _last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def financial_year(start_year: int) -> Period:
    return Period(
        date(start_year + 1, 3, 31),
        date(start_year, 4, 1),
        "financial_year",
        f"{start_year}-{(start_year + 1) % 100:02d}",
    )


def quarter(fy_start_year: int, n: int) -> Period:
    if n not in (1, 2, 3, 4):
        raise PeriodError(f"quarter must be Q1-Q4, not Q{n}")
    first_month = 4 + 3 * (n - 1)
    y = fy_start_year + (1 if first_month > 12 else 0)
    first_month = (first_month - 1) % 12 + 1
    start = date(y, first_month, 1)
    end = _last_day(y, first_month + 2)
    return Period(end, start, "quarter", f"{fy_start_year}-{(fy_start_year + 1) % 100:02d} Q{n}")


def month(y: int, m: int) -> Period:
    if not 1 <= m <= 12:
        raise PeriodError(f"month must be 01-12, not {m:02d}")
    code = f"{y}-{m:02d}"
    if m == (y + 1) % 100:  # would read as a financial year
        code = f"{calendar.month_abbr[m]} {y}"
    return Period(_last_day(y, m), date(y, m, 1), "month", code)


def snapshot(d: date) -> Period:
    return Period(d, d, "snapshot", d.isoformat())


def calendar_year(y: int) -> Period:
    return Period(date(y, 12, 31), date(y, 1, 1), "calendar_year", str(y))


def months(first: Period, last: Period) -> Period:
    if last.end < first.start:
        raise PeriodError("a run of months must end after it starts")
    return Period(
        last.end,
        first.start,
        "months",
        f"{first.start.year}-{first.start.month:02d}/{last.start.year}-{last.start.month:02d}",
    )


_FY = re.compile(r"^(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})$", re.I)
_Q = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2})\s*Q([1-4])$", re.I)
_YM = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NAMED_MONTH = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")

ACCEPTED = (
    "2014-15 (financial year), 2014-15 Q3 (quarter), 2015-03 or Mar 2015 (month), "
    "2015-03-31 (snapshot date), 2015 (calendar year), 2015-04/2015-09 (run of months)"
)


def parse_period(text: str) -> Period:
    """Read a period code or a common spelling of one; raise PeriodError saying what is accepted."""
    if text is None:
        raise PeriodError(f"period is empty; use one of: {ACCEPTED}")
    s = " ".join(str(text).split())
    if not s:
        raise PeriodError(f"period is empty; use one of: {ACCEPTED}")
    if "/" in s and not _FY.match(s):
        a, _, b = s.partition("/")
        return months(_single_month(a.strip(), s), _single_month(b.strip(), s))
    if m := _Q.match(s):
        y, yy, n = int(m[1]), int(m[2]), int(m[3])
        if yy != (y + 1) % 100:
            raise PeriodError(f"'{s}': the financial year {y}-{yy:02d} should be {y}-{(y + 1) % 100:02d}")
        return quarter(y, n)
    if m := _DATE.match(s):
        try:
            return snapshot(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError as e:
            raise PeriodError(f"'{s}' is not a real date ({e})") from None
    if m := _YM.match(s):
        y, two = int(m[1]), int(m[2])
        if two == (y + 1) % 100:
            return financial_year(y)
        if 1 <= two <= 12:
            return month(y, two)
        raise PeriodError(f"'{s}' is neither a financial year (e.g. {y}-{(y + 1) % 100:02d}) nor a month (e.g. {y}-03)")
    if m := _FY.match(s):
        y, second = int(m[1]), int(m[2])
        if second in ((y + 1) % 100, y + 1):
            return financial_year(y)
        raise PeriodError(f"'{s}': a financial year runs into the next year, e.g. {y}-{(y + 1) % 100:02d}")
    if m := _NAMED_MONTH.match(s):
        mon = _MONTHS.get(m[1].lower())
        if mon is None:
            raise PeriodError(f"'{s}': '{m[1]}' is not a month name")
        return month(int(m[2]), mon)
    if m := _YEAR.match(s):
        return calendar_year(int(m[1]))
    raise PeriodError(f"'{s}' is not a period; use one of: {ACCEPTED}")


def _single_month(part: str, whole: str) -> Period:
    p = parse_period(part)
    if p.kind != "month":
        raise PeriodError(f"'{whole}': a run of months is written 2015-04/2015-09")
    return p
