"""Figure builders: pure functions from query results to plotly figures. Titles, axis labels with units and a
source line on every chart; periods with no figure are gaps, never zeros; no more points than are shown."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.reference.view import Reference, source_title
from dashboard.rules.chart_text import chart_text
from dashboard.rules.formatting import UNIT_AXIS, format_value
from dashboard.rules.kinds import KIND_PREFERENCE, kind_words
from dashboard.rules.rag import COLOURS, Rule

# For series (areas, categories); the board's own areas take the strong colours first. Okabe-Ito where its colours
# stand out at 3:1 from the white plot (WCAG 1.4.11); its orange, sky blue and yellow do not, and are replaced by a
# dark ochre, indigo and wine. Bars are outlined in white, so stacked segments are told apart by that edge too.
SERIES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#A87D00", "#332288", "#882255", "#000000"]
PLOT_BACKGROUND = "#ffffff"
COMPARATOR_STYLE = {"england": ("#000000", "dash"), "london": ("#666666", "dot")}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
TITLE_BASELINE = 30  # px from the top of a chart to its title's first line


def _base_layout(fig: go.Figure, title: str, unit: str, x_title: str, sources: list[str], height: int) -> None:
    source = "Source: " + "; ".join(sources) if sources else "Source: board dataset"
    # The source sits under the axis title, inside the axis' own space, so it is never clipped.
    source_lines = "<br>".join(
        f"<span style='font-size:11px;color:#4a4a4a'>{line}</span>" for line in textwrap.wrap(source, 95)
    )
    title_lines = textwrap.wrap(title, 46)  # about 420px at 16px: the narrowest chart (two beside the drill panel)
    top = top_margin(fig, len(title_lines))
    fig.update_layout(
        # Anchored by its first line 30px from the top, so a title of two lines grows downwards into the room
        # top_margin keeps for it (plotly anchors a multi-line title with yanchor "top" above the chart's edge).
        title={
            "text": "<br>".join(title_lines),
            "font": {"size": 16},
            "x": 0.01,
            "xanchor": "left",
            "y": 1 - TITLE_BASELINE / height,
            "yanchor": "bottom",
        },
        font={"family": FONT, "size": 13, "color": "#1b1b1b"},
        height=height,
        margin={"l": 64, "r": 16, "t": top, "b": 24},
        paper_bgcolor=PLOT_BACKGROUND,
        plot_bgcolor=PLOT_BACKGROUND,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": None, "font": {"size": 12}},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(
        title_text=f"{x_title}<br>{source_lines}",
        title_standoff=8,
        showgrid=False,
        linecolor="#4a4a4a",
        type="category",
        automargin=True,
    )
    fig.update_yaxes(
        title_text=UNIT_AXIS.get(unit, unit),
        gridcolor="#e5e5e5",
        zeroline=False,
        rangemode="tozero",
        ticksuffix="%" if unit == "percent" else "",
        automargin=True,
    )


MEETING_SCALE = 1.3  # meeting mode: type about a third larger, for a projector at the back of a room


def top_margin(fig: go.Figure, title_lines: int, scale: float = 1.0, width: float = 340) -> float:
    """Room at the top for the title and, when there is more than one series, the legend. Plotly hides the legend
    of a single series, so that chart gets no empty band above its plot."""
    names = [str(t.name or "") for t in fig.data if t.showlegend is not False]
    legend = 22 * legend_rows(names, width=width / scale) + 6 if len(names) > 1 else 0
    return (30 + 22 * title_lines + legend) * scale


def for_meeting(fig: go.Figure, scale: float = MEETING_SCALE) -> go.Figure:
    """The same chart with larger type (title, axes, legend, source line, target label) and a taller plot, for
    meeting mode, where charts are drawn two a row at 1920px (about 700px wide). Changes `fig` in place."""
    lay = fig.layout
    size = (lay.font.size or 13) * scale
    # Two charts a row are wider than the narrowest normal chart: a title fits in about 58 characters a line.
    lines = textwrap.wrap((lay.title.text or "").replace("<br>", " "), 58) or [""]
    fig.update_layout(title_text="<br>".join(lines))
    fig.update_layout(
        font_size=size,
        title_font_size=(lay.title.font.size or 16) * scale,
        legend_font_size=(lay.legend.font.size or 12) * scale,
        height=(lay.height or 360) * 1.25,
        margin={"l": (lay.margin.l or 64) * scale, "t": top_margin(fig, len(lines), scale, width=700)},
    )
    fig.update_layout(title_y=1 - TITLE_BASELINE * scale / fig.layout.height)
    for ann in lay.annotations or ():
        ann.font.size = (ann.font.size or 12) * scale
    title = lay.xaxis.title.text or ""
    fig.update_xaxes(title_text=title.replace("font-size:11px", f"font-size:{round(11 * scale)}px"))
    return fig


def legend_rows(names: list[str], width: float = 340, char: float = 7.6, overhead: float = 44) -> int:
    """How many rows a horizontal legend of these entries takes in the narrowest chart (two charts side by side
    beside the drill panel at 1366px). Plotly puts the entries on one row when they fit, and otherwise in columns
    as wide as the widest entry (so one long borough name can leave one entry a row). Erring high only leaves a
    little space; erring low would draw the legend over the title."""
    widths = [overhead + char * len(name) for name in names]
    if not widths or sum(widths) <= width:
        return 1
    per_row = max(1, int(width // max(widths)))
    return -(-len(widths) // per_row)


def _sources(df: pd.DataFrame) -> list[str]:
    docs = [d for d in df["source_document"].dropna().unique() if d]
    return [chart_text(source_title(d)) for d in sorted(docs)]


def _period_axis(df: pd.DataFrame) -> list[str]:
    order = df.sort_values("sort_key").drop_duplicates("period")
    return list(order["period_label"])


def trend_figure(
    indicator: dict, headline: pd.DataFrame, ref: Reference, areas: list[str], rule: Rule | None, *, height: int = 360
) -> go.Figure:
    """One indicator over time: the board's areas as solid lines, comparators dashed, the target band shaded.
    Each point carries [indicator, area, period] for drill-down. An area with figures of several kinds (official
    statistics, a board document, computed from returns) gets a line per kind, named with its kind and drawn
    dotted after the first: two kinds are never joined into one line."""
    unit = indicator["unit"]
    df = comparable_periods(headline[headline["indicator"] == indicator["code"]], areas)
    fig = go.Figure()
    periods = _period_axis(df) if not df.empty else []
    comparators = [
        c
        for c in ref.comparators(next(iter([ref.areas[a]["board"] for a in areas if a in ref.areas]), None) or "")
        if c in set(df["area"])
    ]
    for i, area in enumerate([a for a in areas if a in set(df["area"])] + comparators):
        of_area = df[df["area"] == area]
        kinds = series_kinds(of_area)
        for j, kind in enumerate(kinds):
            d = of_area[_kind_column(of_area) == kind].set_index("period_label")
            name = chart_text(ref.area_name(area) + (f" ({kind_words(kind)})" if len(kinds) > 1 else ""))
            ys = [d["value"].get(p) for p in periods]  # None where there is no figure: a gap, not a zero
            cd = [[indicator["code"], area, d["period"].get(p)] if p in d.index else None for p in periods]
            is_comp = area in comparators
            colour, dash = COMPARATOR_STYLE.get(area, ("#7f7f7f", "dash")) if is_comp else (SERIES[i % 8], "solid")
            fig.add_trace(
                go.Scatter(
                    x=periods,
                    y=ys,
                    name=name,
                    mode="lines+markers",
                    connectgaps=False,
                    line={"color": colour, "dash": dash if j == 0 else "dot", "width": 2 if is_comp else 3},
                    marker={
                        "size": 7 if is_comp else 10,
                        "symbol": ("diamond" if is_comp else "circle") if j == 0 else "square",
                    },
                    customdata=cd,
                    hovertemplate=f"<b>{name}</b><br>%{{x}}: %{{y:,}}{'%' if unit == 'percent' else ''}<extra></extra>",
                )
            )
    if rule is not None and rule.kind == "target" and periods:
        _target_band(fig, rule, indicator)
    _base_layout(fig, chart_text(indicator["title"]), unit, "Period", _sources(df), height)
    return fig


def _kind_column(df: pd.DataFrame) -> pd.Series:
    """Each row's kind of figure; rows from before kinds were recorded are the board's documents."""
    if "source_kind" not in df.columns:
        return pd.Series("document", index=df.index)
    return df["source_kind"].fillna("document").replace("", "document")


def series_kinds(df: pd.DataFrame) -> list[str]:
    """The kinds of figure in these rows, one line each: the board's own kinds first, official last."""
    present = set(_kind_column(df))
    return sorted(
        present, key=lambda k: (KIND_PREFERENCE.index(k) if k in KIND_PREFERENCE else len(KIND_PREFERENCE), k)
    )


def one_kind(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of the one kind whose latest figure is most recent (the board's own kinds first on a tie), for a
    chart that cannot draw a line per kind, such as stacked bars."""
    if df.empty:
        return df
    col = _kind_column(df)
    latest = df.assign(_k=col).groupby("_k")["sort_key"].max()
    kinds = series_kinds(df)
    best = max(kinds, key=lambda k: (latest[k], -kinds.index(k)))
    return df[col == best]


def comparable_periods(df: pd.DataFrame, areas: list[str]) -> pd.DataFrame:
    """Keep one kind of period (years, snapshots, months...) so a trend compares like with like: the kind the
    board's own figures have most of (years win ties). Figures of other kinds stay in the indicator's table."""
    if df.empty:
        return df
    own = df[df["area"].isin(areas)]
    counts = (own if not own.empty else df)["period_kind"].value_counts()
    best = max(counts.index, key=lambda k: (counts[k], k == "financial_year", k == "snapshot"))
    return df[df["period_kind"] == best]


def _target_band(fig: go.Figure, rule: Rule, indicator: dict) -> None:
    unit, t, tol = indicator["unit"], rule.target, rule.tolerance or 0
    lower = indicator["polarity"] == "lower_is_better"
    lo, hi = (t, t + tol) if lower else (t - tol, t)
    if tol:
        fig.add_hrect(y0=lo, y1=hi, fillcolor=COLOURS["amber"], opacity=0.15, line_width=0, layer="below")
    fig.add_hline(
        y=t,
        line={"color": "#1b1b1b", "dash": "longdash", "width": 1.5},
        annotation_text=f"Target {format_value(t, unit)}",
        annotation_position="top left",
        annotation_font={"size": 12},
    )


def breakdown_figure(
    indicator: dict, rows: pd.DataFrame, dimension: str, ref: Reference, *, height: int = 360
) -> go.Figure:
    """Stacked (counts) or grouped (shares) bars of one breakdown: across periods for one area, or across areas
    side by side when several areas share a period. Each bar segment carries [indicator, area, period]."""
    unit = indicator["unit"]
    df = one_kind(rows[(rows["indicator"] == indicator["code"]) & (rows["breakdown_dimension"] == dimension)])
    by_area = df["area"].nunique() > 1
    if by_area:  # boroughs side by side for the latest period they share
        latest = df.sort_values("sort_key")["period"].iloc[-1]
        df = df[df["period"] == latest]
        df = df.assign(_x=df["area"].map(lambda a: chart_text(ref.area_name(a))))
        x_title = f"Area ({df['period_label'].iloc[0]})"
    else:
        df = df.assign(_x=df["period_label"])
        x_title = f"Period ({chart_text(ref.area_name(df['area'].iloc[0]))})" if not df.empty else "Period"
    xs = list(dict.fromkeys(df.sort_values(["sort_key", "_x"])["_x"]))
    fig = go.Figure()
    for i, value in enumerate(sorted(df["breakdown_value"].unique(), key=_order)):
        d = df[df["breakdown_value"] == value].set_index("_x")
        fig.add_trace(
            go.Bar(
                x=xs,
                y=[d["value"].get(x) for x in xs],
                name=chart_text(_label(value)),
                marker_color=SERIES[i % 8],
                marker_line={"color": PLOT_BACKGROUND, "width": 1},
                customdata=[
                    [indicator["code"], d["area"].get(x), d["period"].get(x)] if x in d.index else None for x in xs
                ],
                hovertemplate=f"<b>{chart_text(_label(value))}</b><br>"
                f"%{{x}}: %{{y:,}}{'%' if unit == 'percent' else ''}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group" if unit == "percent" else "stack", bargap=0.3)
    by = f"by {dimension.replace('_', ' ')}"
    title = indicator["title"] if by in indicator["title"].lower() else f"{indicator['title']} {by}"
    _base_layout(fig, chart_text(title), unit, x_title, _sources(df), height)
    return fig


@dataclass(frozen=True)
class ChartChoice:
    """One chart a domain page (or the board pack) draws: an indicator's trend, or one of its breakdowns."""

    indicator: dict
    dimension: str  # "" for the trend
    caption: str  # what the chart shows, in words, for screen readers
    rows: pd.DataFrame  # the figures it is drawn from

    @property
    def is_trend(self) -> bool:
        return not self.dimension


def choose_charts(ref: Reference, domains: tuple[str, ...], rows: pd.DataFrame, areas: list[str]) -> list[ChartChoice]:
    """Which charts a page about `domains` draws from `rows` (already cut to the view's period), in order: a trend
    for every indicator with a headline figure in the board's own `areas`, then a chart for every breakdown with
    figures there. Headline indicators come first, then the domains in the order given."""
    if rows.empty:
        return []
    headline = rows[rows["breakdown_dimension"] == ""]
    inds = [i for i in ref.indicators.values() if i["domain"] in domains]
    inds.sort(key=lambda i: (not i["headline"], domains.index(i["domain"])))
    trends, breakdowns = [], []
    for ind in inds:
        own = headline[(headline["indicator"] == ind["code"]) & headline["area"].isin(areas)]
        if not own.empty:
            names = ", ".join(ref.area_name(a) for a in own["area"].unique())
            trends.append(ChartChoice(ind, "", f"{ind['title']}: trend by period for {names}", headline))
        parts = rows[
            (rows["indicator"] == ind["code"]) & (rows["breakdown_dimension"] != "") & rows["area"].isin(areas)
        ]
        for dim in parts["breakdown_dimension"].unique():
            breakdowns.append(ChartChoice(ind, dim, f"{ind['title']} by {dim.replace('_', ' ')}", parts))
    return trends + breakdowns


def draw(choice: ChartChoice, ref: Reference, areas: list[str], rule: Rule | None, *, height: int = 360) -> go.Figure:
    """The figure for a chosen chart."""
    if choice.is_trend:
        return trend_figure(choice.indicator, choice.rows, ref, areas, rule, height=height)
    return breakdown_figure(choice.indicator, choice.rows, choice.dimension, ref, height=height)


# Natural orders for the common breakdowns (otherwise alphabetical).
ORDER = [
    "under_1",
    "1_to_4",
    "5_to_9",
    "10_to_15",
    "16_plus",
    "17_to_18",
    "19_to_21",
    "neglect",
    "emotional",
    "physical",
    "sexual",
    "multiple",
    "red",
    "amber",
    "green",
    "blue",
]


def _order(code: str) -> tuple[int, str]:
    return (ORDER.index(code) if code in ORDER else len(ORDER), code)


def _label(code: str) -> str:
    special = {
        "under_1": "Under 1",
        "1_to_4": "1 to 4",
        "5_to_9": "5 to 9",
        "10_to_15": "10 to 15",
        "16_plus": "16 and over",
        "17_to_18": "17 to 18",
        "19_to_21": "19 to 21",
    }
    return special.get(code, code.replace("_", " ").capitalize())


breakdown_label = _label


# --- the same chart in words and as a table (WCAG 1.1.1: a text alternative that says what the chart shows) -------


@dataclass(frozen=True)
class ChartCell:
    text: str  # the figure as printed, '' where there is none
    point: tuple[str, str, str] | None  # [indicator, area, period]: what the drill panel shows for it


@dataclass(frozen=True)
class ChartData:
    """What a chart shows, in words (the latest value, the direction, the comparators and the target) and as a
    table: one row per category of the x axis, one column per series."""

    summary: str
    x_title: str
    series: tuple[str, ...]
    rows: tuple[tuple[str, tuple[ChartCell, ...]], ...]


def _points(trace) -> list[tuple[str, float | None, list | None]]:
    xs, ys = list(trace.x or ()), list(trace.y or ())
    cds = list(trace.customdata) if trace.customdata is not None else [None] * len(xs)
    return [
        (
            str(x),
            None if y is None or (isinstance(y, float) and y != y) else float(y),
            list(cd) if cd is not None else None,
        )
        for x, y, cd in zip(xs, ys, cds, strict=False)
    ]


def _is_comparator(trace) -> bool:
    return trace.type == "scatter" and (trace.line.dash or "solid") != "solid"


def _move(now: float, before: float, unit: str) -> str:
    if now == before:
        return "unchanged from"
    return "up from" if now > before else "down from"


def chart_data(fig: go.Figure, unit: str) -> ChartData:
    """The chart in words and as a table, read from the figure itself, so the words say what is drawn."""
    traces = [t for t in fig.data if t.type in ("scatter", "bar")]
    x_title = (fig.layout.xaxis.title.text or "").split("<br>")[0] or "Category"
    xs: list[str] = []
    for t in traces:
        xs += [x for x, _, _ in _points(t) if x not in xs]
    series = tuple(str(t.name or f"Series {i + 1}") for i, t in enumerate(traces))
    values = [{x: (y, cd) for x, y, cd in _points(t)} for t in traces]
    rows = tuple(
        (
            x,
            tuple(
                ChartCell(
                    format_value(v[x][0], unit) if x in v and v[x][0] is not None else "",
                    tuple(str(c) for c in v[x][1]) if x in v and v[x][1] and all(v[x][1]) else None,
                )
                for v in values
            ),
        )
        for x in xs
    )
    title = (fig.layout.title.text or "").replace("<br>", " ")
    return ChartData(_summary(title, traces, unit, x_title, fig), x_title, series, rows)


def _summary(title: str, traces: list, unit: str, x_title: str, fig: go.Figure) -> str:
    if not traces or not any(y is not None for t in traces for _, y, _ in _points(t)):
        return f"{title}: no figures to show."
    fmt = lambda v: format_value(v, unit)  # noqa: E731
    parts: list[str] = []
    if traces[0].type == "scatter":  # a trend: each area's latest figure and its move, then comparators, target
        latest_x = ""
        for t in (t for t in traces if not _is_comparator(t)):
            pts = [(x, y) for x, y, _ in _points(t) if y is not None]
            if not pts:
                continue
            (x1, y1), before = pts[-1], pts[-2] if len(pts) > 1 else None
            latest_x = latest_x or x1
            move = f", {_move(y1, before[1], unit)} {fmt(before[1])} in {before[0]}" if before else ""
            parts.append(f"{t.name}: {fmt(y1)} in {x1}{move}.")
        comps = []
        for t in (t for t in traces if _is_comparator(t)):
            pts = {x: y for x, y, _ in _points(t) if y is not None}
            if pts:
                x = latest_x if latest_x in pts else list(pts)[-1]
                comps.append(f"{t.name} {fmt(pts[x])} in {x}")
        if comps:
            parts.append("Comparators: " + "; ".join(comps) + ".")
        targets = [a.text for a in fig.layout.annotations or () if (a.text or "").startswith("Target")]
        if targets:
            parts.append(targets[0] + ".")
        return f"{title}. " + " ".join(parts)
    # bars: the last category's figures, largest first, and (across periods) each one's move since the one before
    xs = list(dict.fromkeys(x for t in traces for x, _, _ in _points(t)))
    by_area = x_title.startswith("Area")
    if by_area:
        for x in xs:
            here = sorted(
                ((str(t.name), dict((p[0], p[1]) for p in _points(t)).get(x)) for t in traces),
                key=lambda p: -(p[1] or 0),
            )
            parts.append(f"{x}: " + ", ".join(f"{n} {fmt(v)}" for n, v in here if v is not None) + ".")
        return f"{title}. " + " ".join(parts)
    last = next(
        x for x in reversed(xs) if any(dict((p[0], p[1]) for p in _points(t)).get(x) is not None for t in traces)
    )
    at = {str(t.name): dict((x, y) for x, y, _ in _points(t)) for t in traces}
    now = sorted(((name, v[last]) for name, v in at.items() if v.get(last) is not None), key=lambda p: -p[1])
    parts.append(f"{last}: " + ", ".join(f"{n} {fmt(v)}" for n, v in now) + f" (largest: {now[0][0]}).")
    previous = xs[xs.index(last) - 1] if xs.index(last) > 0 else None
    if previous:
        moves = [
            f"{n} {_move(v, at[n][previous], unit)} {fmt(at[n][previous])}"
            for n, v in now
            if at[n].get(previous) is not None
        ]
        if moves:
            parts.append(f"Since {previous}: " + "; ".join(moves) + ".")
    return f"{title}. " + " ".join(parts)
