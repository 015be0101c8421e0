"""The declarative mapping from the DfE's published files to observations (mapping.yaml), loaded and checked.

The YAML says everything about a file: the header that recognises it, which rows and columns give which indicator,
breakdown and unit, and how its `time_period` becomes a period. This module only reads and validates it; the rules
of each field are described at the top of mapping.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from dashboard.official import OFFICIAL_DIR

MAPPING = OFFICIAL_DIR / "mapping.yaml"
STATUSES = ("suppressed", "not_available", "not_applicable", "fewer_than_half", "low_reliability")
PERIOD_RULES = ("financial_year", "at_31_march", "at_30_september", "year_to_30_september", "at_30_june")


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: the same, faster


class MappingError(ValueError):
    """mapping.yaml is wrong; the message names the publication and measure."""


@dataclass(frozen=True)
class Measure:
    """One observation per selected row: see mapping.yaml for the meaning of each field."""

    indicator: str
    unit: str
    period: str
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    denominator_where: dict[str, str] = field(default_factory=dict)  # with denominator: read it from another row
    where: dict[str, str] = field(default_factory=dict)
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)
    breakdown_dimension: str = ""
    breakdown_value: str = ""
    breakdown_from: str | None = None  # the column whose value (as a code) is the breakdown value
    derived_sum: tuple[str, ...] = ()  # derived: sum(derived_sum) / derived_over * derived_times
    derived_over: str | None = None
    derived_times: float = 1.0
    derived_decimals: int = 1
    note: str = ""

    @property
    def derived(self) -> bool:
        return bool(self.derived_sum)

    def columns(self) -> list[str]:
        """Every column the measure reads."""
        cols = [
            self.value,
            self.numerator,
            self.denominator,
            self.derived_over,
            self.breakdown_from,
            *self.derived_sum,
            *self.where,
            *self.denominator_where,
            *self.exclude,
        ]
        return [c for c in cols if c]


@dataclass(frozen=True)
class Publication:
    id: str
    title: str
    published_as: str
    header: tuple[str, ...]
    time_identifier: str
    rounded: bool
    rounded_note: str
    known_values: dict[str, frozenset[str]]
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class OfficialMapping:
    symbols: dict[str, str]
    period_rules: dict[str, str]
    publications: tuple[Publication, ...]

    def by_header(self, header: list[str] | tuple[str, ...]) -> list[Publication]:
        """The publications whose header is exactly this one (several when only their values tell them apart)."""
        return [p for p in self.publications if p.header == tuple(header)]


def _measure(raw: dict, where: str, header: tuple[str, ...], rules: dict) -> Measure:
    for key in ("indicator", "unit", "period"):
        if not raw.get(key):
            raise MappingError(f"{where}: '{key}' is required")
    if raw["period"] not in rules or raw["period"] not in PERIOD_RULES:
        raise MappingError(f"{where}: period rule {raw['period']!r} is not one of {', '.join(PERIOD_RULES)}")
    den = raw.get("denominator")
    den_col, den_where = (den.get("column"), dict(den.get("where") or {})) if isinstance(den, dict) else (den, {})
    derived = raw.get("derived") or {}
    bd = raw.get("breakdown") or {}
    m = Measure(
        indicator=raw["indicator"],
        unit=raw["unit"],
        period=raw["period"],
        value=raw.get("value"),
        numerator=raw.get("numerator"),
        denominator=den_col,
        denominator_where=den_where,
        where={str(k): str(v) for k, v in (raw.get("where") or {}).items()},
        exclude={str(k): tuple(map(str, v)) for k, v in (raw.get("exclude") or {}).items()},
        breakdown_dimension=str(bd.get("dimension") or ""),
        breakdown_value=str(bd.get("value") or ""),
        breakdown_from=bd.get("from_column"),
        derived_sum=tuple(derived.get("sum") or ()),
        derived_over=derived.get("over"),
        derived_times=float(derived.get("times", 1)),
        derived_decimals=int(derived.get("decimals", 1)),
        note=" ".join(str(raw.get("note") or "").split()),
    )
    if bool(m.value) == m.derived:
        raise MappingError(f"{where}: give either 'value' (a column) or 'derived', not both or neither")
    if m.derived and not m.derived_over:
        raise MappingError(f"{where}: a derived figure needs 'over' (its denominator column)")
    if bd and not m.breakdown_dimension:
        raise MappingError(f"{where}: a breakdown needs its 'dimension'")
    if bd and bool(m.breakdown_value) == bool(m.breakdown_from):
        raise MappingError(f"{where}: a breakdown needs either 'value' or 'from_column'")
    for col in m.columns():
        if col not in header:
            raise MappingError(f"{where}: column {col!r} is not in the publication's header")
    return m


def load_mapping(path: Path = MAPPING) -> OfficialMapping:
    """Read and check mapping.yaml: every column a measure names is in its header, every period rule known."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    symbols = {str(k): str(v) for k, v in (raw.get("symbols") or {}).items()}
    if bad := set(symbols.values()) - set(STATUSES):
        raise MappingError(f"mapping.yaml symbols: {sorted(bad)} not among {', '.join(STATUSES)}")
    rules = {str(k): " ".join(str(v).split()) for k, v in (raw.get("period_rules") or {}).items()}
    pubs = []
    seen: set[str] = set()
    for i, p in enumerate(raw.get("publications") or []):
        pid = p.get("id") or f"#{i + 1}"
        if pid in seen:
            raise MappingError(f"mapping.yaml publication {pid!r} listed twice")
        seen.add(pid)
        header = tuple(p.get("header") or ())
        if not header or len(set(header)) != len(header):
            raise MappingError(f"mapping.yaml publication {pid!r}: the header is missing or repeats a column")
        known = {str(k): frozenset(map(str, v)) for k, v in (p.get("known_values") or {}).items()}
        for col in known:
            if col not in header:
                raise MappingError(f"mapping.yaml publication {pid!r}: known_values column {col!r} not in header")
        rounded = p.get("rounded")
        measures = tuple(
            _measure(m, f"mapping.yaml publication {pid!r} measure {j + 1} ({m.get('indicator')!r})", header, rules)
            for j, m in enumerate(p.get("measures") or [])
        )
        pubs.append(
            Publication(
                pid,
                str(p.get("title") or pid),
                str(p.get("published_as") or ""),
                header,
                str(p.get("time_identifier") or "Reporting year"),
                bool(rounded),
                rounded if isinstance(rounded, str) else "",
                known,
                measures,
            )
        )
    return OfficialMapping(symbols, rules, tuple(pubs))


def apply_period_rule(rule: str, years: pd.Series) -> pd.Series:
    """The dashboard's period codes for integer `time_period`s under a named rule (see mapping.yaml)."""
    y = years.astype(int)
    prev = (y - 1).astype(str)
    ys = y.astype(str)
    if rule == "financial_year":
        return prev + "-" + (y % 100).map("{:02d}".format)
    if rule == "at_31_march":
        return ys + "-03-31"
    if rule == "at_30_september":
        return ys + "-09-30"
    if rule == "year_to_30_september":
        return prev + "-10/" + ys + "-09"
    if rule == "at_30_june":
        return ys + "-06-30"
    raise MappingError(f"period rule {rule!r} is not one of {', '.join(PERIOD_RULES)}")


def period_for(rule: str, year: int) -> str:
    """One period code: `period_for('financial_year', 2018)` is '2017-18'."""
    date(year, 1, 1)  # a real year, or ValueError
    return str(apply_period_rule(rule, pd.Series([year])).iloc[0])
