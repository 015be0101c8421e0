"""What each page shows, as plain data: the scorecard, a domain page's charts, the drill panel, an indicator's
page, the exceptions and the period selector. The pages' callbacks and the board pack call these same functions,
so a figure reads the same on screen and on paper.

Each function takes the view (a `ViewState`, or the page's view store as the browser sends it) and reads through
the data cache; none returns a Dash component.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.reference.registry import registry
from dashboard.reference.view import Reference, ViewState, normalised_period, source_title
from dashboard.reports import figures
from dashboard.rules.formatting import format_value
from dashboard.rules.kinds import value_status_words
from dashboard.rules.periods import as_of_end, financial_years, up_to
from dashboard.rules.rag import Rule, Status, rate
from dashboard.rules.scorecard import Assessment, rule_explanation, scorecard
from dashboard.rules.scorecard import exceptions as rated_exceptions
from dashboard.services import context
from data_access import queries, review_store
from data_access.cache import cache

log = logging.getLogger(__name__)

ViewLike = ViewState | Mapping[str, Any] | None
RAG_ORDER = ("red", "amber", "green")


def _resolve(view: ViewLike) -> tuple[Reference, ViewState]:
    """The reference, and the view read against it (the store's values checked, unknown ones defaulted)."""
    ref = context.reference()
    if isinstance(view, ViewState):
        return ref, view
    return ref, context.view_from_store(dict(view or {}), ref)


# --- the scorecard ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardSection:
    """One domain's tiles."""

    domain: str
    title: str
    tiles: list[Assessment]

    @property
    def counts(self) -> dict[str, int]:
        """How many tiles are red, amber and green (those with none are left out)."""
        counts = {r: sum(1 for a in self.tiles if a.status.rag == r) for r in RAG_ORDER}
        return {r: n for r, n in counts.items() if n}

    @property
    def summary(self) -> str:
        """'1 red, 3 green', or 'none rated'."""
        return ", ".join(f"{n} {r}" for r, n in self.counts.items()) or "none rated"


@dataclass(frozen=True)
class ScorecardView:
    view: ViewState
    board_name: str
    area_name: str
    sections: list[ScorecardSection]

    @property
    def has_figures(self) -> bool:
        """Whether any tile has a figure to show (a period before the dataset starts has none)."""
        return any(a.figure is not None or a.others for s in self.sections for a in s.tiles)

    def assessment(self, code: str) -> Assessment | None:
        """The tile of one indicator, if it is a headline indicator."""
        return next((a for s in self.sections for a in s.tiles if a.code == code), None)


def scorecard_view(view: ViewLike) -> ScorecardView:
    """Every headline indicator for the view's area and period, rated, grouped by domain in registry order."""
    ref, view = _resolve(view)
    reg = registry()
    groups = scorecard(context.assessor(ref, view), view.area, view.period)
    sections = [
        ScorecardSection(d, reg.domains[d].title if d in reg.domains else d, tiles) for d, tiles in groups.items()
    ]
    return ScorecardView(view, ref.boards[view.board]["short_name"], ref.area_name(view.area), sections)


# --- domain pages ----------------------------------------------------------------------------------------------

NO_FIGURES = "no_figures"  # the board has no figures at all in this part of the service
NO_FIGURES_IN_VIEW = "no_figures_in_view"  # none for the board's areas up to the view's period


@dataclass(frozen=True)
class Chart:
    """One chart, ready to draw."""

    indicator: str
    title: str
    unit: str
    headline: bool
    dimension: str
    caption: str
    figure: go.Figure

    @property
    def is_trend(self) -> bool:
        return not self.dimension


@dataclass(frozen=True)
class IndicatorLink:
    title: str
    href: str


@dataclass(frozen=True)
class DomainChartPlan:
    """What a domain page draws: its charts in order (trends, then breakdowns), or why there are none."""

    domain: str
    domains: tuple[str, ...]  # the page's own domain, then those shown on it
    charts: list[Chart]
    empty: str | None = None  # NO_FIGURES or NO_FIGURES_IN_VIEW when there are no charts
    links: list[IndicatorLink] = field(default_factory=list)  # every indicator on the page, for the keyboard

    @property
    def trends(self) -> list[Chart]:
        return [c for c in self.charts if c.is_trend]


def indicator_links(view: ViewState, domain: str) -> list[IndicatorLink]:
    """Every indicator a domain's page covers (its own and those shown on it), linked with the view kept."""
    reg = registry()
    return [
        IndicatorLink(i.title, f"/indicator/{i.code}{view.query()}")
        for d in reg.page_domains(domain)
        for i in reg.in_domain(d)
    ]


def domain_chart_plan(view: ViewLike, domain: str, *, chart_height: int = 360) -> DomainChartPlan:
    """The charts of a domain's page for the view: figures up to the view's period, for the board's areas and
    its comparators; in meeting mode, in larger type."""
    ref, view = _resolve(view)
    domains = registry().page_domains(domain)
    links = indicator_links(view, domain)
    codes = tuple(i["code"] for i in ref.indicators.values() if i["domain"] in domains)
    rows = queries.domain_observations(codes, context.view_areas(ref, view.board))
    if rows.empty:
        return DomainChartPlan(domain, domains, [], NO_FIGURES, links)
    areas = ref.board_areas(view.board)
    choices = figures.choose_charts(ref, domains, up_to(rows, as_of_end(view.period)), areas)
    charts = []
    for c in choices:
        fig = figures.draw(c, ref, areas, ref.rule(c.indicator["code"], view.board), height=chart_height)
        if view.meeting:  # larger type in the charts too, not only in the page around them
            figures.for_meeting(fig)
        charts.append(
            Chart(
                c.indicator["code"],
                c.indicator["title"],
                c.indicator["unit"],
                bool(c.indicator["headline"]),
                c.dimension,
                c.caption,
                fig,
            )
        )
    return DomainChartPlan(domain, domains, charts, None if charts else NO_FIGURES_IN_VIEW, links)


# --- the drill panel -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillTable:
    heading: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class DrillPanel:
    """What lies behind one point: the figure, its breakdowns, the other areas in that period, the sources."""

    indicator: str
    title: str
    area_name: str
    period_label: str
    value_text: str | None  # None when the area has no headline figure in that period
    status: Status | None
    source: str
    note: str
    tables: list[DrillTable]
    has_figure: bool  # a headline figure or a breakdown for the area in that period
    link: str  # the indicator page, with the view kept and the area chosen


def _rate_row(ind: dict, rule: Rule | None, value: float, denominator, comparator_value, threshold: int) -> Status:
    den = None if denominator is None or pd.isna(denominator) else float(denominator)
    return rate(
        value,
        unit=ind["unit"],
        polarity=ind["polarity"],
        rule=rule,
        comparator_value=comparator_value,
        denominator=den,
        small_number_threshold=threshold,
    )


def _source_cell(r) -> str:
    line = "" if pd.isna(r.source_line) else f", line {int(r.source_line)}"
    return f"{source_title(r.source_document)}{line}" if r.source_document else "source not recorded"


DRILL_ENTRY_MAX_BYTES = 128 * 1024  # a panel this large is drawn but not kept: no one entry may fill the cache


def drill_panel(view: ViewLike, indicator: str, area: str, period: str) -> DrillPanel | None:
    """The drill panel for one point in one view, or None for a point the board does not know.

    Kept in the data cache beside the figures it is drawn from, and cleared with them by every import: a point
    clicked again (by anyone, on any worker) costs one cache read instead of two reads and a query.

    The view and the point come from the browser, so the key is made only from what was checked here: the
    indicator and area known to the reference (the area one the view's board compares), the period read and
    normalised and one the board has figures in, the board of the validated view. Nothing else the browser sends
    (an extra field, another spelling of the period, meeting mode) makes a new entry, so the entries are bounded by
    the figures that exist; a point with no figures is not kept, nor is a panel larger than DRILL_ENTRY_MAX_BYTES.
    """
    ref, view = _resolve(view)
    period_code = normalised_period(period) if isinstance(period, str) else None
    areas = context.view_areas(ref, view.board)
    if (
        not isinstance(indicator, str)
        or indicator not in ref.indicators
        or not isinstance(area, str)
        or area not in areas
        or period_code in (None, "latest")
        # A period the board has no figures in names no point (and its query result would be kept too).
        or period_code not in set(queries.available_periods(areas)["code"])
    ):
        return None
    args = (indicator, area, period_code, view.board, context.small_number_threshold())
    key = "drill_data:" + hashlib.sha256(repr(args).encode()).hexdigest()
    link = f"/indicator/{indicator}{view.query(area=area)}"  # the one part that follows the whole view
    try:
        panel = cache.get(key)
    except Exception:  # a cache outage: draw the panel without it
        log.warning("data cache unavailable; drawing the drill panel without it", exc_info=True)
        panel = _drill_panel(ref, *args)
        return None if panel is None else replace(panel, link=link)
    if panel is None:
        panel = _drill_panel(ref, *args)
        if panel is not None and (panel.has_figure or panel.tables) and _fits_an_entry(panel):
            try:
                cache.set(key, panel)
            except Exception:
                log.warning("could not keep the drill panel in the data cache", exc_info=True)
    return None if panel is None else replace(panel, link=link)


def _fits_an_entry(panel: DrillPanel) -> bool:
    """Whether a drill panel is small enough to keep (the cache stores it pickled, as measured here)."""
    size = len(pickle.dumps(panel, protocol=pickle.HIGHEST_PROTOCOL))
    if size > DRILL_ENTRY_MAX_BYTES:
        log.warning(
            "drill panel for %s, %s is %d bytes; drawn but not cached (limit %d)",
            panel.indicator,
            panel.area_name,
            size,
            DRILL_ENTRY_MAX_BYTES,
        )
        return False
    return True


def _drill_panel(
    ref: Reference, indicator: str, area: str, period: str, board: str, threshold: int
) -> DrillPanel | None:
    """The drill panel for a checked point and board; its link is the caller's (it follows the whole view)."""
    if indicator not in ref.indicators or area not in ref.areas:
        return None
    rows = queries.drill_rows(indicator, period, context.view_areas(ref, board))
    ind = ref.indicators[indicator]
    rule = ref.rule(indicator, board)
    unit = ind["unit"]
    head = rows[rows["breakdown_dimension"] == ""]
    comp_value = None
    if rule is not None and rule.kind == "comparator":
        c = head[head["area"] == rule.comparator]
        comp_value = None if c.empty else float(c["value"].iloc[0])
    label = rows["period_label"].iloc[0] if not rows.empty else period
    value_text = status = None
    source = note = ""
    mine = head[head["area"] == area]
    if not mine.empty:
        r = next(mine.itertuples())
        status = _rate_row(ind, rule, r.value, r.denominator, comp_value, threshold)
        extra = (
            f" ({format_value(r.numerator)} of {format_value(r.denominator)})"
            if not pd.isna(r.numerator) and not pd.isna(r.denominator)
            else ""
        )
        value_text = format_value(r.value, unit) + extra
        if pd.isna(r.value) and isinstance(getattr(r, "value_status", None), str):
            # A symbol in place of the figure: said in words, and not rated.
            value_text = value_status_words(r.value_status)
            status = Status("none", value_text)
        source, note = _source_cell(r), r.note or ""
    tables = []
    parts = rows[(rows["area"] == area) & (rows["breakdown_dimension"] != "")]
    for dim, g in parts.groupby("breakdown_dimension"):
        tables.append(
            DrillTable(
                f"By {dim.replace('_', ' ')}",
                ("", "Value", "Source"),
                [
                    (figures.breakdown_label(r.breakdown_value), format_value(r.value, unit), _source_cell(r))
                    for r in g.itertuples()
                ],
            )
        )
    others = head[head["area"] != area]
    if not others.empty:
        body = []
        for r in others.itertuples():
            s = (
                _rate_row(ind, rule, r.value, r.denominator, comp_value, threshold)
                if ref.areas[r.area]["kind"] != "comparator"
                else Status("none", "comparator")
            )
            body.append((ref.area_name(r.area), format_value(r.value, unit), s.label, _source_cell(r)))
        tables.append(DrillTable("Other areas, same period", ("Area", "Value", "Status", "Source"), body))
    return DrillPanel(
        indicator,
        ind["title"],
        ref.area_name(area),
        label,
        value_text,
        status,
        source,
        note,
        tables,
        not (mine.empty and parts.empty),
        "",
    )


# --- the indicator page ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorPage:
    """An indicator's status for the view, how it is rated and why, and every figure with its source."""

    code: str
    title: str
    unit: str
    assessment: Assessment
    rule_text: str
    provenance: str
    polarity: str  # in words: 'higher is better'
    small_number_threshold: int
    trend: go.Figure | None  # None when there is no headline figure
    flags: list[str]  # data-quality flags, in words
    figures: list[dict]  # every figure, one row each, for the table
    has_derived: bool  # whether any figure was derived rather than read from a document
    history: list[str]  # figures replaced by later imports, in words


def indicator_page(view: ViewLike, code: str) -> IndicatorPage | None:
    """The indicator page's body for the view, or None for an indicator the board does not know."""
    ref, view = _resolve(view)
    if code not in ref.indicators:
        return None
    threshold = context.small_number_threshold()
    assessment = context.assessor(ref, view).assess(code, view.area, as_of_end(view.period))
    rows = queries.indicator_observations(code)
    # The board's areas, its comparators and its regions, not every authority in England: the official data has
    # thousands of figures per indicator, and the page's table is for the board's own.
    regions, _ = context.regions_and_neighbours(ref, view.board)
    rows = rows[rows["area"].isin(set(context.view_areas(ref, view.board)) | set(regions.values()))]
    ind = ref.indicators[code]
    unit = ind["unit"]
    rule = ref.rule(code, view.board)
    headline = rows[rows["breakdown_dimension"] == ""]
    trend = (
        figures.trend_figure(ind, headline, ref, ref.board_areas(view.board), rule, height=400)
        if not headline.empty
        else None
    )
    flags = [f"{ref.area_name(f.area)}, {f.period}: {f.message}" for f in queries.quality_flags(code).itertuples()]
    history = [
        f"{ref.area_name(h.area)}, {h.period_label}: {format_value(h.old_value, unit)} "
        f"({source_title(h.old_source_document)}) replaced by {format_value(h.new_value, unit)} "
        f"({source_title(h.source_document)})"
        for h in queries.indicator_history(code).itertuples()
    ]
    return IndicatorPage(
        code,
        ind["title"],
        unit,
        assessment,
        rule_explanation(rule, unit, ind["polarity"]),
        rule.provenance if rule else "no rule",
        ind["polarity"].replace("_", " "),
        threshold,
        trend,
        flags,
        _figure_rows(ref, ind, rule, rows, threshold),
        bool(rows["derived"].any()) if not rows.empty else False,
        history,
    )


def _figure_rows(ref: Reference, ind: dict, rule: Rule | None, rows: pd.DataFrame, threshold: int) -> list[dict]:
    """Every figure of an indicator in every area, each rated as a tile would be (comparators and breakdowns
    are shown, not rated)."""
    head = rows[rows["breakdown_dimension"] == ""]
    comps = {}
    if rule is not None and rule.kind == "comparator":
        comps = dict(head[head["area"] == rule.comparator][["period", "value"]].itertuples(index=False))
    out = []
    for r in rows.itertuples():
        if ref.areas.get(r.area, {}).get("kind") == "comparator":
            s = Status("none", "comparator")
        elif r.breakdown_dimension:
            s = Status("none", "breakdown")
        else:
            s = _rate_row(ind, rule, r.value, r.denominator, comps.get(r.period), threshold)
        out.append(
            {
                "area": ref.area_name(r.area),
                "period": r.period_label,
                "sort": r.sort_key,
                "breakdown": f"{r.breakdown_dimension.replace('_', ' ')}: {figures.breakdown_label(r.breakdown_value)}"
                if r.breakdown_dimension
                else "",
                "value": (
                    value_status_words(r.value_status)
                    if pd.isna(r.value) and getattr(r, "value_status", None)
                    else format_value(r.value, ind["unit"])
                ),
                "numerator": "" if pd.isna(r.numerator) else format_value(r.numerator),
                "denominator": "" if pd.isna(r.denominator) else format_value(r.denominator),
                "status": s.label,
                "document": source_title(r.source_document),
                "line": None if pd.isna(r.source_line) else int(r.source_line),
                "note": r.note or "",
                "derived": "derived" if r.derived else "",
            }
        )
    return out


# --- exceptions ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionsView:
    """Every indicator off target for the view, worst first; with `include_not_rated`, those with a figure but
    no rating too."""

    view: ViewState
    area_name: str
    include_not_rated: bool
    items: list[Assessment]

    @property
    def red(self) -> int:
        return sum(a.status.rag == "red" for a in self.items)

    @property
    def amber(self) -> int:
        return sum(a.status.rag == "amber" for a in self.items)


def exceptions(view: ViewLike, include_not_rated: bool = False) -> ExceptionsView:
    """The exceptions list for the view's area and period."""
    ref, view = _resolve(view)
    items = rated_exceptions(
        context.assessor(ref, view), view.area, view.period, include_not_rated=bool(include_not_rated)
    )
    return ExceptionsView(view, ref.area_name(view.area), bool(include_not_rated), items)


# --- the selectors ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodOptions:
    options: list[dict[str, str]]  # {"label", "value"}, for the period selector
    as_of: str  # when the data was last updated and how many figures it holds; "" when never


def period_options(view: ViewLike) -> PeriodOptions:
    """'Latest figures' and every financial year the board has figures in, newest first (a bookmarked period
    without figures stays selectable); and how fresh the data is."""
    ref, view = _resolve(view)
    periods = queries.available_periods(context.view_areas(ref, view.board))
    options = [{"label": "Latest figures", "value": "latest"}]
    for fy in financial_years(periods["end_date"]):
        options.append({"label": f"{fy.code} (to {fy.end.day} {fy.end:%b %Y})", "value": fy.code})
    if view.period not in [o["value"] for o in options]:
        options.append({"label": view.period, "value": view.period})
    summary = queries.dataset_summary()
    as_of = (
        f"Data updated {summary['updated_at'][:10]} \u00b7 {summary['observations']:,} figures"
        if summary["updated_at"]
        else ""
    )
    return PeriodOptions(options, as_of)


# --- the board pack --------------------------------------------------------------------------------------------

PACK_CHARTS_PER_DOMAIN = 4  # a page of charts per domain: four fit two by two


@dataclass(frozen=True)
class PackDomain:
    """A domain's page in the board pack: its first headline trends, as its page on screen draws them."""

    code: str
    title: str
    description: str
    charts: list[Chart]


@dataclass(frozen=True)
class PackContent:
    """Everything the board pack prints, for one view."""

    view: ViewState
    board_name: str
    board_short_name: str
    area_name: str
    period_text: str  # 'latest figures' or 'figures up to 2015-16'
    updated_at: str  # when the data last changed ('unknown' if never)
    observations: int
    scorecard: ScorecardView
    exceptions: ExceptionsView
    commentary: dict[str, str]  # indicator code -> the commentary on its exception, with its author
    domains: list[PackDomain]
    challenges: list[dict]  # open or answered, on the board's areas, by due date (none last)


def pack_content(view: ViewLike, *, with_charts: bool = True, chart_height: int = 330) -> PackContent:
    """What the board pack says for the view: the scorecard and the exceptions exactly as the pages show them,
    the commentary on each exception, each domain page's first headline trends, and the open challenges."""
    ref, view = _resolve(view)
    view = ViewState(view.board, view.area, view.period)  # paper has no meeting mode
    summary = queries.dataset_summary()
    exc = exceptions(view)
    commentary = review_store.commentary_table()
    notes = {}
    for a in exc.items:
        if a.figure is None:
            continue
        com = commentary[
            (commentary["indicator"] == a.code)
            & (commentary["area"] == view.area)
            & (commentary["period"] == a.figure.period)
        ]
        if not com.empty:
            notes[a.code] = f"{com['body'].iloc[0]} ({com['author'].iloc[0]})"
    domains = []
    for spec in registry().domain_pages():
        charts = []
        if with_charts:
            plan = domain_chart_plan(view, spec.code, chart_height=chart_height)
            charts = [c for c in plan.trends if c.headline][:PACK_CHARTS_PER_DOMAIN]
        domains.append(PackDomain(spec.code, spec.title, spec.description, charts))
    challenges = review_store.challenges_table()
    challenges = challenges[
        challenges["area"].isin(ref.board_areas(view.board)) & challenges["status"].isin(("open", "answered"))
    ]
    challenges = challenges.sort_values(["due_date", "id"], na_position="last")
    board = ref.boards[view.board]
    return PackContent(
        view,
        board["name"],
        board["short_name"],
        ref.area_name(view.area),
        "latest figures" if view.period == "latest" else f"figures up to {view.period}",
        summary["updated_at"][:10] if summary["updated_at"] else "unknown",
        summary["observations"],
        scorecard_view(view),
        exc,
        notes,
        domains,
        challenges.to_dict("records"),
    )


def chosen_view(board: str, area: str, period: str, current: str | Mapping[str, Any] | None) -> str | None:
    """The URL query for the board, area and period just chosen, from the `current` view's query; None when it is
    the view already shown. A new board starts at its default area; meeting mode is kept."""
    ref = context.reference()
    now = ViewState.from_query(current, ref)
    view = ViewState.from_query(
        {"board": board, "area": area, "period": period, "meeting": "1" if now.meeting else ""}, ref
    )  # a selector sent back changed: checked
    if view.board != now.board:
        view = replace(view, area=ref.default_area(view.board))
    # The selectors are drawn with the view already in the address (a first visit to `/` means the default
    # view): rewriting the address to spell out the same view would draw the whole page a second time.
    return None if view == now else view.query()
