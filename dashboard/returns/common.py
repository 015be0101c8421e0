"""What the return readers share: figures, child-level rows, age bands, errors, dates and codes.

A measure function returns `Figure`s (one board figure each: indicator x period x breakdown) and `ChildRow`s (the
children behind a figure, for the drill-down). Figures become rows in the import format
(data_access.importer.COLUMNS) and go through the all-or-nothing importer; child rows are pseudonymised
(`pseudonymise`, a keyed hash) before anything stores them.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from data_access.importer import COLUMNS, Errors  # noqa: F401 - Errors: re-exported for the return readers

AGE_BANDS = ("under_1", "1_to_4", "5_to_9", "10_to_15", "16_plus")


@dataclass(frozen=True)
class Figure:
    """One board figure computed from child-level data."""

    indicator: str
    period: str
    value: float
    numerator: float | None = None
    denominator: float | None = None
    breakdown_dimension: str = ""
    breakdown_value: str = ""


@dataclass
class ChildRow:
    """One child (or one event of a child) behind a figure. `child` is the council's own id: it never leaves
    memory; `pseudonymise` replaces it before the row is stored."""

    indicator: str
    period: str
    child: str
    age_band: str
    counted: bool
    start_date: date | None = None
    end_date: date | None = None
    codes: dict[str, str] = field(default_factory=dict)


@dataclass
class Measured:
    """What a measure function returns: its figures, the child rows behind them, and notes for the user."""

    figures: list[Figure] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __iadd__(self, other: Measured) -> Measured:
        self.figures += other.figures
        self.children += other.children
        self.notes += other.notes
        return self


@dataclass(frozen=True)
class Repair:
    """A change the stitching rules made to the data as given, and why (kept with the ingest)."""

    where: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.message}"


def percent(numerator: int, denominator: int) -> float:
    """A percentage to one decimal place, as the board reads it."""
    return round(100.0 * numerator / denominator, 1)


def rate_figures(
    indicator: str, period: str, flags: Iterable[tuple[bool, dict[str, str]]], dimensions: Iterable[str] = ()
) -> list[Figure]:
    """A percentage figure (headline and one per breakdown value) from (counted, {dimension: value}) pairs.
    Groups with no cases give no figure (there is nothing to divide by)."""
    items = list(flags)
    out: list[Figure] = []
    if items:
        n = sum(1 for c, _ in items if c)
        out.append(Figure(indicator, period, percent(n, len(items)), n, len(items)))
    for dim in dimensions:
        groups: dict[str, list[bool]] = {}
        for c, dims in items:
            if dims.get(dim):
                groups.setdefault(dims[dim], []).append(c)
        for value, cs in sorted(groups.items()):
            n = sum(cs)
            out.append(Figure(indicator, period, percent(n, len(cs)), n, len(cs), dim, value))
    return out


def count_figures(
    indicator: str, period: str, items: Iterable[dict[str, str]], dimensions: Iterable[str] = ()
) -> list[Figure]:
    """A count figure (headline and one per breakdown value) from one {dimension: value} dict per case."""
    rows = list(items)
    out = [Figure(indicator, period, float(len(rows)))]
    for dim in dimensions:
        groups: dict[str, int] = {}
        for dims in rows:
            if dims.get(dim):
                groups[dims[dim]] = groups.get(dims[dim], 0) + 1
        out += [
            Figure(indicator, period, float(n), breakdown_dimension=dim, breakdown_value=v)
            for v, n in sorted(groups.items())
        ]
    return out


def age_in_years(dob: date, on: date) -> int:
    """Whole years of age on a date (a birthday on 29 February is reached on 1 March in other years)."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def age_band(dob: date | None, on: date, age_years: int | None = None) -> str:
    """The DfE age band on a date: under_1, 1_to_4, 5_to_9, 10_to_15, 16_plus; 'unborn' before birth and
    'not_known' without a date of birth or age."""
    if dob is not None:
        if dob > on:
            return "unborn"
        age_years = age_in_years(dob, on)
    if age_years is None:
        return "not_known"
    if age_years < 1:
        return "under_1"
    if age_years < 5:
        return "1_to_4"
    if age_years < 10:
        return "5_to_9"
    if age_years < 16:
        return "10_to_15"
    return "16_plus"


def add_years(d: date, years: int) -> date:
    """The same day `years` later or earlier (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def snake(text: str) -> str:
    """A breakdown value in the dataset's snake_case ('Assessment Team 2' -> 'assessment_team_2')."""
    s = re.sub(r"[^0-9a-z]+", "_", str(text).strip().lower()).strip("_")
    return s[:128] or "not_known"


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def parse_date(value: object) -> date | None:
    """A date from a cell: a date or datetime, 'dd/mm/yyyy' (the returns' own format) or 'yyyy-mm-dd'.
    Empty gives None; anything else raises ValueError with what was expected."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    if not s:
        return None
    m = _DMY.match(s)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = _YMD.match(s)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"'{s}' is not a real date") from None
    raise ValueError(f"'{s}' is not a date; write dd/mm/yyyy, e.g. 31/03/2024")


def pseudonymise(child: str, la: str, key: bytes) -> str:
    """A stable pseudonymous id: a keyed hash (HMAC-SHA256) of the council's child id, never reversible without
    the key. The same child in the same council always gets the same id, so drill-downs can follow a child
    across returns and years."""
    digest = hmac.new(key, f"{la}\x1f{child.strip()}".encode(), hashlib.sha256).hexdigest()
    return digest[:20]


def write_import_csv(
    figures: Iterable[Figure],
    path: Path,
    *,
    area: str,
    units: dict[str, str],
    source_document: dict[str, str] | str,
    note: dict[str, str] | str,
) -> int:
    """Write figures as rows of the import format. `source_document` and `note` are one value, or one per
    indicator. Returns the number of rows."""
    n = 0
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for fig in figures:
            src = source_document if isinstance(source_document, str) else source_document[fig.indicator]
            nt = note if isinstance(note, str) else note[fig.indicator]
            w.writerow(
                [
                    fig.indicator,
                    area,
                    fig.period,
                    fig.breakdown_dimension,
                    fig.breakdown_value,
                    _num(fig.value),
                    _num(fig.numerator),
                    _num(fig.denominator),
                    units[fig.indicator],
                    src,
                    "",
                    nt,
                    "yes",
                ]
            )
            n += 1
    return n


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)
