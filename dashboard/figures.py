"""Figure builders: pure functions from query results to plotly figures. Titles, axis labels with units and a
source line on every chart; periods with no figure are gaps, never zeros; no more points than are shown."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from dashboard.formatting import UNIT_AXIS, format_value
from dashboard.rag import COLOURS, Rule
from dashboard.view import Reference, source_title

# Okabe-Ito, for series (areas, categories); the board's own areas take the strong colours first.
SERIES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
COMPARATOR_STYLE = {"england": ("#000000", "dash"), "london": ("#666666", "dot")}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def _base_layout(fig: go.Figure, title: str, unit: str, x_title: str, sources: list[str], height: int) -> None:
    source = "Source: " + "; ".join(sources) if sources else "Source: board dataset"
    # The source sits under the axis title, inside the axis' own space, so it is never clipped.
    source_lines = "<br>".join(f"<span style='font-size:11px;color:#4a4a4a'>{line}</span>"
                               for line in textwrap.wrap(source, 95))
    fig.update_layout(
        title={"text": "<br>".join(textwrap.wrap(title, 60)), "font": {"size": 16}, "x": 0.01, "xanchor": "left",
               "y": 0.98, "yanchor": "top"},
        font={"family": FONT, "size": 13, "color": "#1b1b1b"},
        height=height, margin={"l": 64, "r": 16, "t": 92 if len(title) <= 60 else 112, "b": 24},
        paper_bgcolor="white", plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": None, "font": {"size": 12}},
        hoverlabel={"font": {"family": FONT}},
    )
    # Room above the plot for a legend that wraps (about three entries a row).
    rows = max(1, -(-sum(1 for t in fig.data if t.showlegend is not False) // 3))
    fig.update_layout(margin_t=fig.layout.margin.t + 20 * (rows - 1))
    fig.update_xaxes(title_text=f"{x_title}<br>{source_lines}", title_standoff=8, showgrid=False,
                     linecolor="#4a4a4a", type="category", automargin=True)
    fig.update_yaxes(title_text=UNIT_AXIS.get(unit, unit), gridcolor="#e5e5e5", zeroline=False,
                     rangemode="tozero", ticksuffix="%" if unit == "percent" else "", automargin=True)


def _sources(df: pd.DataFrame) -> list[str]:
    docs = [d for d in df["source_document"].dropna().unique() if d]
    return [source_title(d) for d in sorted(docs)]


def _period_axis(df: pd.DataFrame) -> list[str]:
    order = df.sort_values("sort_key").drop_duplicates("period")
    return list(order["period_label"])


def trend_figure(indicator: dict, headline: pd.DataFrame, ref: Reference, areas: list[str], rule: Rule | None,
                 *, height: int = 360) -> go.Figure:
    """One indicator over time: the board's areas as solid lines, comparators dashed, the target band shaded.
    Each point carries [indicator, area, period] for drill-down."""
    unit = indicator["unit"]
    df = comparable_periods(headline[headline["indicator"] == indicator["code"]], areas)
    fig = go.Figure()
    periods = _period_axis(df) if not df.empty else []
    comparators = [c for c in ref.comparators(next(iter([ref.areas[a]["board"] for a in areas if a in ref.areas]),
                                                   None) or "") if c in set(df["area"])]
    for i, area in enumerate([a for a in areas if a in set(df["area"])] + comparators):
        d = df[df["area"] == area].set_index("period_label")
        ys = [d["value"].get(p) for p in periods]  # None where there is no figure: a gap, not a zero
        cd = [[indicator["code"], area, d["period"].get(p)] if p in d.index else None for p in periods]
        is_comp = area in comparators
        colour, dash = COMPARATOR_STYLE.get(area, ("#7f7f7f", "dash")) if is_comp else (SERIES[i % 8], "solid")
        fig.add_trace(go.Scatter(
            x=periods, y=ys, name=ref.area_name(area), mode="lines+markers", connectgaps=False,
            line={"color": colour, "dash": dash, "width": 2 if is_comp else 3},
            marker={"size": 7 if is_comp else 10, "symbol": "diamond" if is_comp else "circle"},
            customdata=cd,
            hovertemplate=f"<b>{ref.area_name(area)}</b><br>%{{x}}: %{{y:,}}{'%' if unit == 'percent' else ''}"
                          "<extra></extra>"))
    if rule is not None and rule.kind == "target" and periods:
        _target_band(fig, rule, indicator)
    _base_layout(fig, indicator["title"], unit, "Period", _sources(df), height)
    return fig


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
    fig.add_hline(y=t, line={"color": "#1b1b1b", "dash": "longdash", "width": 1.5},
                  annotation_text=f"Target {format_value(t, unit)}", annotation_position="top left",
                  annotation_font={"size": 12})


def breakdown_figure(indicator: dict, rows: pd.DataFrame, dimension: str, ref: Reference, *,
                     height: int = 360) -> go.Figure:
    """Stacked (counts) or grouped (shares) bars of one breakdown: across periods for one area, or across areas
    side by side when several areas share a period. Each bar segment carries [indicator, area, period]."""
    unit = indicator["unit"]
    df = rows[(rows["indicator"] == indicator["code"]) & (rows["breakdown_dimension"] == dimension)]
    by_area = df["area"].nunique() > 1
    if by_area:  # boroughs side by side for the latest period they share
        latest = df.sort_values("sort_key")["period"].iloc[-1]
        df = df[df["period"] == latest]
        df = df.assign(_x=df["area"].map(ref.area_name))
        x_title = f"Area ({df['period_label'].iloc[0]})"
    else:
        df = df.assign(_x=df["period_label"])
        x_title = f"Period ({ref.area_name(df['area'].iloc[0])})" if not df.empty else "Period"
    xs = list(dict.fromkeys(df.sort_values(["sort_key", "_x"])["_x"]))
    fig = go.Figure()
    for i, value in enumerate(sorted(df["breakdown_value"].unique(), key=_order)):
        d = df[df["breakdown_value"] == value].set_index("_x")
        fig.add_trace(go.Bar(
            x=xs, y=[d["value"].get(x) for x in xs], name=_label(value), marker_color=SERIES[i % 8],
            customdata=[[indicator["code"], d["area"].get(x), d["period"].get(x)] if x in d.index else None
                        for x in xs],
            hovertemplate=f"<b>{_label(value)}</b><br>%{{x}}: %{{y:,}}{'%' if unit == 'percent' else ''}"
                          "<extra></extra>"))
    fig.update_layout(barmode="group" if unit == "percent" else "stack", bargap=0.3)
    _base_layout(fig, f"{indicator['title']} by {dimension.replace('_', ' ')}", unit, x_title, _sources(df),
                 height)
    return fig


# Natural orders for the common breakdowns (otherwise alphabetical).
ORDER = ["under_1", "1_to_4", "5_to_9", "10_to_15", "16_plus", "17_to_18", "19_to_21",
         "neglect", "emotional", "physical", "sexual", "multiple", "red", "amber", "green", "blue"]


def _order(code: str) -> tuple[int, str]:
    return (ORDER.index(code) if code in ORDER else len(ORDER), code)


def _label(code: str) -> str:
    special = {"under_1": "Under 1", "1_to_4": "1 to 4", "5_to_9": "5 to 9", "10_to_15": "10 to 15",
               "16_plus": "16 and over", "17_to_18": "17 to 18", "19_to_21": "19 to 21"}
    return special.get(code, code.replace("_", " ").capitalize())


breakdown_label = _label
