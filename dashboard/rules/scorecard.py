"""The scorecard and the exceptions list, built from query results: which figure each tile shows, its status,
its direction of travel, its comparators. Pure: DataFrames in, plain data out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboard.reference.view import Reference
from dashboard.rules.formatting import format_change, format_value
from dashboard.rules.kinds import (
    KIND_PREFERENCE,
    NeighbourMedian,
    choose_kind,
    kind_words,
    neighbour_median,
    neighbour_model,
    value_status_words,
)
from dashboard.rules.periods import as_of_end, start_of_financial_year
from dashboard.rules.rag import (
    DEFAULT_SMALL_NUMBER_THRESHOLD,
    Direction,
    Rule,
    Status,
    comparator_gap,
    comparator_name,
    direction,
    off_target_since,
    rate,
    wilson_interval,
)
from data_access.periods import parse_period


@dataclass(frozen=True)
class Figure:
    """The one observation a tile or row shows."""

    value: float | None  # None where the source publishes a symbol instead (value_status says which)
    period: str
    period_label: str
    period_kind: str
    end_date: date
    numerator: float | None = None
    denominator: float | None = None
    source_document: str = ""
    source_line: int | None = None
    note: str = ""
    source_kind: str = "document"
    value_status: str | None = None
    rounded: bool = False

    @property
    def kind_text(self) -> str:
        return kind_words(self.source_kind)


@dataclass(frozen=True)
class Comparison:
    area: str
    name: str
    value: float
    period_label: str
    gap_text: str
    better: bool | None


@dataclass(frozen=True)
class Assessment:
    """Everything a tile, an exceptions row or a board pack line says about one indicator in one area."""

    indicator: dict
    area: str
    figure: Figure | None
    status: Status
    direction: Direction
    rule: Rule | None
    target_text: str
    comparisons: list[Comparison] = field(default_factory=list)
    interval: tuple[float, float] | None = None
    stale: bool = False  # the latest figure is older than the period asked for
    flags: list[str] = field(default_factory=list)
    others: list[tuple[str, str, str]] = field(default_factory=list)  # boroughs' figures when the total has none
    since: str | None = None

    @property
    def code(self) -> str:
        return self.indicator["code"]

    @property
    def value_text(self) -> str:
        if self.figure is not None and self.figure.value is None:
            return value_status_words(self.figure.value_status) or format_value(None)
        return format_value(self.figure.value if self.figure else None, self.indicator["unit"])


def _opt(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _kind(row: dict) -> str:
    """A row's kind; rows read before kinds were recorded are the board's documents."""
    k = row.get("source_kind")
    return k if isinstance(k, str) and k else "document"


def _figure(row: dict) -> Figure:
    status = row.get("value_status")
    return Figure(
        _opt(row["value"]),
        row["period"],
        row["period_label"],
        row["period_kind"],
        _to_date(row["end_date"]),
        _opt(row["numerator"]),
        _opt(row["denominator"]),
        row["source_document"] or "",
        None if pd.isna(row["source_line"]) else int(row["source_line"]),
        row["note"] or "",
        _kind(row),
        status if isinstance(status, str) and status else None,
        bool(row.get("rounded") or False),
    )


def _to_date(x) -> date:
    return x if isinstance(x, date) and not isinstance(x, pd.Timestamp) else pd.Timestamp(x).date()


@dataclass
class _Series:
    """One indicator's headline figures in one area, as plain records: looked up by period, or by date."""

    by_time: list[dict]  # by end date, then length (a year after a month ending the same day); stable
    by_period: dict[str, dict]  # the last figure given for each period

    @classmethod
    def of(cls, records: list[dict]) -> _Series:
        return cls(sorted(records, key=lambda r: (r["_end"], r["_days"])), {r["period"]: r for r in records})

    def latest(self, end: date | None) -> dict | None:
        """The latest figure ending on or before `end`; for one end date, the longest period."""
        for r in reversed(self.by_time):
            if end is None or r["_end"] <= end:
                return r
        return None


def pick_latest(series: _Series | None, end: date | None) -> dict | None:
    return None if series is None else series.latest(end)


def target_text(rule: Rule | None, unit: str, polarity: str) -> str:
    if rule is None or rule.kind == "none":
        return "Not rated"
    if rule.kind == "target":
        op = "at least" if polarity == "higher_is_better" else "at most"
        return f"Target: {op} {format_value(rule.target, unit)}"
    if rule.kind == "comparator":
        return f"Compared with {comparator_name(rule.comparator)}"
    return f"Expected {format_value(rule.range_low, unit)} to {format_value(rule.range_high, unit)}"


def rule_explanation(rule: Rule | None, unit: str, polarity: str) -> str:
    """How an indicator is rated, with its amber band: 'Target: at least 85%; amber to 80%, red beyond'."""
    text = target_text(rule, unit, polarity)
    if rule is not None and rule.kind == "target" and rule.tolerance:
        edge = rule.target - rule.tolerance if polarity == "higher_is_better" else rule.target + rule.tolerance
        text += f"; amber to {format_value(edge, unit)}, red beyond"
    elif rule is not None and rule.kind == "comparator":
        text += f"; amber within {format_value(rule.tolerance, unit)}"
    return text


def gap_text(a: Assessment) -> str:
    """How far a rated figure is from what it is judged against: its target, or its rule's comparator."""
    if a.figure is None or a.rule is None:
        return ""
    if a.rule.kind == "target":
        return format_change(a.figure.value - a.rule.target, a.indicator["unit"])
    if a.rule.kind == "comparator":
        comp = [c for c in a.comparisons if c.area == a.rule.comparator]
        return comp[0].gap_text if comp else ""
    return ""


NEIGHBOURS = "statistical_neighbours_median"  # the comparison of the median of the DfE's neighbours


class Assessor:
    """Rates indicators for one board's areas from one query's worth of headline figures.

    Figures of several kinds (official, board document, returns, partner) are kept as separate series: a tile
    shows one series (see `kinds.choose_kind`), and its direction of travel and "since when" use that series only.
    `regions` names each area's region (the official `region` column), `neighbours` each authority's DfE
    statistical neighbours per model ("2021", "2025"); both are optional, for a dataset without official areas."""

    def __init__(
        self,
        ref: Reference,
        board: str,
        headline: pd.DataFrame,
        flags: pd.DataFrame | None = None,
        small_number_threshold: int = DEFAULT_SMALL_NUMBER_THRESHOLD,
        *,
        regions: dict[str, str] | None = None,
        neighbours: dict[tuple[str, str], list[str]] | None = None,
    ):
        self.ref, self.board, self.threshold = ref, board, small_number_threshold
        self.regions, self.neighbours = regions or {}, neighbours or {}
        # Plain records, grouped once: each tile then costs dictionary lookups, not DataFrame filters.
        self.groups: dict[tuple[str, str, str], _Series] = {}
        self.kinds: dict[tuple[str, str], list[str]] = {}
        if not headline.empty:
            df = headline.assign(
                _end=pd.to_datetime(headline["end_date"]).dt.date,
                _days=(pd.to_datetime(headline["end_date"]) - pd.to_datetime(headline["start_date"])).dt.days,
            )
            grouped: dict[tuple[str, str, str], list[dict]] = {}
            for r in df.to_dict("records"):
                grouped.setdefault((r["indicator"], r["area"], _kind(r)), []).append(r)
            self.groups = {k: _Series.of(v) for k, v in grouped.items()}
            for ind, area, kind in self.groups:
                self.kinds.setdefault((ind, area), []).append(kind)
        self.flags: dict[tuple, list[str]] = {}
        if flags is not None and not flags.empty:
            for r in flags.itertuples():
                self.flags.setdefault((r.indicator, r.area, r.period), []).append(r.message)

    def series(self, indicator: str, area: str, end: date | None) -> tuple[_Series | None, dict | None]:
        """The one series a tile shows, and its latest figure by `end`: of the kind with the most recent figure,
        the board's own kinds first on a tie (never a mix of kinds)."""
        latest = {}
        for kind in self.kinds.get((indicator, area), []):
            r = self.groups[(indicator, area, kind)].latest(end)
            if r is not None:
                latest[kind] = (r["_end"], r["_days"])
        kind = choose_kind(latest)
        if kind is None:
            return None, None
        g = self.groups[(indicator, area, kind)]
        return g, g.latest(end)

    def _value_at(self, indicator: str, area: str, period: str) -> dict | None:
        """A comparator's figure for a period, official statistics first (the same basis for every area), and
        only a figure with a value: a symbol is no comparator."""
        for kind in ("official",) + tuple(k for k in KIND_PREFERENCE if k != "official"):
            g = self.groups.get((indicator, area, kind))
            r = None if g is None else g.by_period.get(period)
            if r is not None and _opt(r["value"]) is not None:
                return r
        return None

    def neighbour_median(self, indicator: str, area: str, period: str, end: date) -> NeighbourMedian | None:
        """The median of the area's DfE statistical neighbours' official figures for this period (model by
        `kinds.neighbour_model`); None when the area has no neighbours in that model."""
        model = neighbour_model(end)
        codes = self.neighbours.get((area, model))
        if not codes:
            return None
        values = []
        for c in codes:
            g = self.groups.get((indicator, c, "official"))
            r = None if g is None else g.by_period.get(period)
            values.append(None if r is None else _opt(r["value"]))
        return neighbour_median(values, model=model)

    def _comparator_value(self, indicator: str, comparator: str, area: str, row: dict) -> float | None:
        """The value a comparator rule judges against: the comparator's figure for the period; for a board's
        'statistical neighbours' with no typed-in figure for it, the median of the DfE neighbours."""
        c = self._value_at(indicator, comparator, row["period"])
        if c is not None:
            return float(c["value"])
        if comparator.endswith("_statistical_neighbours"):
            m = self.neighbour_median(indicator, area, row["period"], row["_end"])
            return None if m is None else m.value
        return None

    def _previous(self, g: _Series, current: dict) -> dict | None:
        prev = parse_period(current["period"]).previous_comparable()
        if prev is not None and prev.code in g.by_period:
            return g.by_period[prev.code]
        # Otherwise the latest earlier figure of the same kind and length, labelled with its own period.
        earlier = [
            r
            for r in g.by_time
            if r["_end"] < current["_end"]
            and r["period_kind"] == current["period_kind"]
            and r["_days"] == current["_days"]
        ]
        return earlier[-1] if earlier else None

    def status_of(self, indicator: dict, rule: Rule | None, row: dict, area: str | None = None) -> Status:
        value = _opt(row["value"])
        if value is None and row.get("value_status"):
            # A symbol in place of the figure: shown in words, never rated.
            return Status("none", value_status_words(row["value_status"]))
        comp = None
        if rule is not None and rule.kind == "comparator" and rule.comparator:
            comp = self._comparator_value(indicator["code"], rule.comparator, area or row["area"], row)
        den = None if pd.isna(row["denominator"]) else float(row["denominator"])
        return rate(
            value,
            unit=indicator["unit"],
            polarity=indicator["polarity"],
            rule=rule,
            comparator_value=comp,
            denominator=den,
            small_number_threshold=self.threshold,
        )

    def assess(self, code: str, area: str, end: date | None, *, with_since: bool = False) -> Assessment:
        ind = self.ref.indicators[code]
        unit, polarity = ind["unit"], ind["polarity"]
        rule = self.ref.rule(code, self.board)
        g, row = self.series(code, area, end)
        ttext = target_text(rule, unit, polarity)
        if row is None:
            others = []
            if self.ref.areas.get(area, {}).get("kind") == "board_total":
                for la in self.ref.board_areas(self.board)[1:]:
                    r = self.series(code, la, end)[1]
                    if r is not None:
                        others.append((self.ref.area_name(la), format_value(r["value"], unit), r["period_label"]))
            reason = "no board total" if others else "no data"
            return Assessment(
                ind, area, None, Status("none", reason), Direction("none", unit=unit), rule, ttext, others=others
            )
        fig = _figure(row)
        status = self.status_of(ind, rule, row, area)
        # Direction of travel within the tile's own series: never from one kind of figure to another.
        prev = self._previous(g, row)
        dirn = direction(
            fig.value,
            None if prev is None else _opt(prev["value"]),
            polarity=polarity,
            unit=unit,
            previous_label="" if prev is None else prev["period_label"],
        )
        comparisons = self._comparisons(code, area, fig, row, polarity, unit)
        interval = (
            wilson_interval(fig.numerator, fig.denominator)
            if unit == "percent" and fig.numerator is not None and fig.denominator is not None
            else None
        )
        stale = end is not None and fig.end_date < start_of_financial_year(end)
        since = None
        if with_since and status.off_target:
            same = [r for r in g.by_time if r["period_kind"] == fig.period_kind and r["_end"] <= fig.end_date]
            since = off_target_since([(r["period_label"], self.status_of(ind, rule, r, area)) for r in same])
        return Assessment(
            ind,
            area,
            fig,
            status,
            dirn,
            rule,
            ttext,
            comparisons,
            interval,
            stale,
            self.flags.get((code, area, fig.period), []),
            since=since,
        )

    def comparator_areas(self, area: str) -> list[str]:
        """England, the area's region, then the board's other comparators (sub-regions, its own typed-in ones)."""
        general = self.ref.comparators(self.board)
        region = self.regions.get(area)
        first = [c for c in ("england", region) if c and (c in self.ref.areas or c in general)]
        return first + [c for c in general if c not in first]

    def _comparisons(self, code: str, area: str, fig: Figure, row: dict, polarity: str, unit: str) -> list[Comparison]:
        """The comparators for the figure's own period: England, the region, the median of the statistical
        neighbours, then the rest. None for a symbol: there is no figure to compare."""
        if fig.value is None:
            return []
        out = []

        def add(comp: str, name: str, value: float, label: str) -> None:
            gap = comparator_gap(fig.value, comp, value, polarity)
            out.append(Comparison(comp, name, value, label, format_change(gap.gap, unit), gap.better))

        for comp in self.comparator_areas(area):
            c = self._value_at(code, comp, fig.period)
            if c is not None:
                add(comp, self.ref.area_name(comp), float(c["value"]), c["period_label"])
        m = self.neighbour_median(code, area, fig.period, fig.end_date)
        if m is not None and m.computed:
            add(NEIGHBOURS, f"Statistical neighbours (median of {m.with_figure} of {m.of})", m.value, fig.period_label)
            # Third, after England and the region, so that a tile's first three comparators are those.
            at = sum(1 for c in out if c.area in ("england", self.regions.get(area)))
            out.insert(at, out.pop())
        return out


def scorecard(assessor: Assessor, area: str, period: str) -> dict[str, list[Assessment]]:
    """Headline indicators grouped by domain, in registry order."""
    end = as_of_end(period)
    out: dict[str, list[Assessment]] = {}
    for ind in assessor.ref.indicators.values():
        if ind["headline"]:
            out.setdefault(ind["domain"], []).append(assessor.assess(ind["code"], area, end))
    return out


def exceptions(assessor: Assessor, area: str, period: str, *, include_not_rated: bool = False) -> list[Assessment]:
    """Every indicator off target (red or amber) — and, on request, the not-rated ones with data — worst first."""
    end = as_of_end(period)
    rows = []
    for ind in assessor.ref.indicators.values():
        a = assessor.assess(ind["code"], area, end, with_since=True)
        if a.status.off_target or (include_not_rated and a.status.rag == "none" and a.figure is not None):
            rows.append(a)
    order = {"red": 0, "amber": 1, "none": 2}
    rows.sort(key=lambda a: (order[a.status.rag], a.indicator["domain"], a.indicator["title"]))
    return rows
