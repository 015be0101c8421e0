"""Builders for what callbacks draw: scorecard sections, domain charts, the drill panel, the indicator page
body and exceptions rows. Pure: a use case's plain data in, components out."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.reference.registry import registry
from dashboard.reports.figures import ChartCell, ChartData, chart_data
from dashboard.rules.formatting import format_value
from dashboard.rules.scorecard import gap_text
from dashboard.services.pages import (
    NO_FIGURES,
    DomainChartPlan,
    DrillPanel,
    ExceptionsView,
    IndicatorPage,
    ScorecardView,
)
from dashboard.web import ids
from layouts.components import empty_state, status_badge, tile

FIGURES_PER_PAGE = 20
GRAPH_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def scorecard_sections(card: ScorecardView) -> list:
    """A section of tiles per domain, each headed by its red, amber and green counts; or a way back to figures."""
    view = card.view
    if not card.has_figures:
        return [
            empty_state(
                "No figures for this view",
                "The board has no figures up to this period. Choose a later period, or another "
                "area, from the selectors above.",
                html.A("Show the latest figures", href="/" + view.query(period="latest")),
            )
        ]
    return [
        html.Section(
            [
                html.Div(
                    [html.H2(s.title, className="domain-title"), html.Span(s.summary, className="domain-summary")],
                    className="domain-head",
                ),
                html.Div([tile(a, view) for a in s.tiles], className="tile-grid"),
            ],
            className="domain-section",
            **{"aria-label": s.title},
        )
        for s in card.sections
    ]


DRILL_POINT = "drill-point"


def drill_point_id(indicator: str, dimension: str, series: int, point: tuple[str, str, str]) -> dict:
    """A chart point's button in the chart's table: which chart and series, and the [indicator, area, period] the
    drill panel shows (as one string, 'indicator|area|period')."""
    return {"type": DRILL_POINT, "chart": f"{indicator}:{dimension}", "series": series, "point": "|".join(point)}


def chart(
    fig, indicator: str, dimension: str = "", caption: str = "", *, unit: str = "count", drillable: bool = False
) -> html.Figure:
    """A chart with what it shows in words under it, and its figures as a table a keyboard or screen-reader user
    can open; on a page with a drill panel each figure in the table is a button that opens it."""
    data = chart_data(fig, unit)
    return html.Figure(
        [
            # The figure's own height, so that the words and the table under it do not squeeze the plot (a responsive
            # graph otherwise fills whatever height its card has left).
            dcc.Graph(
                id=ids.chart(indicator, dimension),
                figure=fig,
                config=GRAPH_CONFIG,
                className="chart",
                responsive=True,
                style={"height": f"{fig.layout.height or 360:.0f}px"},
            ),
            html.Figcaption(data.summary, className="chart-summary"),
            chart_table(data, indicator, dimension, drillable=drillable, caption=caption),
        ],
        className="chart-card",
    )


def chart_table(data: ChartData, indicator: str, dimension: str, *, drillable: bool, caption: str = "") -> html.Details:
    """The chart's figures: a row per category of its x axis, a column per series."""

    def cell(c: ChartCell, series: int, x: str):
        if not (drillable and c.point and c.text):
            return html.Td(c.text or "–")
        name = data.series[series]
        return html.Td(
            html.Button(
                c.text,
                id=drill_point_id(indicator, dimension, series, c.point),
                type="button",
                className="drill-point",
                **{"aria-label": f"{c.text}, {name}, {x}: show what lies behind it"},
            )
        )

    table = html.Table(
        [
            html.Caption(caption or "The chart's figures", className="visually-hidden"),
            html.Thead(html.Tr([html.Th(data.x_title, scope="col")] + [html.Th(s, scope="col") for s in data.series])),
            html.Tbody(
                [
                    html.Tr([html.Th(x, scope="row")] + [cell(c, i, x) for i, c in enumerate(cells)])
                    for x, cells in data.rows
                ]
            ),
        ],
        className="table table-sm chart-data",
    )
    summary = "Show the figures as a table" + (" (each figure opens the drill panel)" if drillable else "")
    return html.Details(
        [
            html.Summary(summary),
            # Wide tables scroll sideways: the keyboard reaches the scroller itself when no button in
            # it takes the focus.
            html.Div(
                table,
                className="chart-table-scroll",
                role="region",
                **({} if drillable else {"tabIndex": "0"}),
                **{"aria-label": f"Figures: {caption}" if caption else "The chart's figures"},
            ),
        ],
        className="chart-table",
    )


def domain_charts(plan: DomainChartPlan) -> list:
    """The page's charts in the plan's order, or what to do when there are none."""
    if plan.empty == NO_FIGURES:
        return [
            empty_state(
                "No figures yet",
                "The dataset has no figures for this board in this part of the "
                "service. Partners can fill in the template and import it.",
            )
        ]
    if not plan.charts:
        return [empty_state("No figures for this area", "Choose another area or period above.")]
    return [chart(c.figure, c.indicator, c.dimension, c.caption, unit=c.unit, drillable=True) for c in plan.charts]


def drill_content(panel: DrillPanel) -> list:
    """What lies behind one point: the figure, its breakdowns, the other areas in that period, the sources."""
    out = [html.H2([panel.title, html.Br(), html.Small(f"{panel.area_name}, {panel.period_label}")], className="h5")]
    if panel.value_text is not None:
        out += [
            html.P(
                [html.Strong(panel.value_text), " ", status_badge(panel.status.rag, panel.status.label)],
                className="drill-value",
            ),
            html.P(["Source: ", panel.source], className="drill-source"),
        ]
        if panel.note:
            out.append(html.P(["Note: ", panel.note], className="drill-note"))
    for t in panel.tables:
        out.append(html.H3(t.heading, className="h6"))
        out.append(_table(list(t.header), [list(r) for r in t.rows]))
    if not panel.has_figure:
        out.append(html.P("No figure for this area in this period."))
    out.append(html.A("Open the indicator page \u2192", href=panel.link, className="btn btn-primary btn-sm drill-link"))
    return out


def _table(header: list[str], body: list[list]) -> html.Table:
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in body]),
        ],
        className="table table-sm drill-table",
    )


def indicator_body(page: IndicatorPage) -> list:
    """Status and how it is rated, the trend, data-quality flags, every figure, and what changed."""
    a = page.assessment
    unit = page.unit
    summary = [
        html.Div(
            [
                html.H2("Status", className="h5"),
                html.P(
                    [
                        html.Span(a.value_text, className="big-number"),
                        " ",
                        html.Span(a.figure.period_label if a.figure else "", className="muted"),
                    ]
                ),
                html.P(status_badge(a.status.rag, a.status.label)),
                html.P(a.direction.text) if a.figure else None,
                html.P("; ".join(f"{c.name} {format_value(c.value, unit)} ({c.gap_text})" for c in a.comparisons))
                if a.comparisons
                else None,
            ],
            className="card-block",
        ),
        html.Div(
            [
                html.H2("How it is rated", className="h5"),
                html.P(page.rule_text),
                html.P(["Where the target came from: ", page.provenance]),
                html.P(
                    f"Polarity: {page.polarity}. Percentages resting on fewer than "
                    f"{page.small_number_threshold} cases are not rated (small numbers)."
                ),
            ],
            className="card-block",
        ),
    ]
    out = [html.Div(summary, className="indicator-summary")]
    if page.trend is not None:
        out.append(chart(page.trend, page.code, "", f"{page.title} over time", unit=unit))
    if page.flags:
        out.append(
            html.Section(
                [
                    html.H2("Data-quality flags", className="h5"),
                    html.Ul([html.Li([html.Span("\u2691 ", **{"aria-hidden": "true"}), f]) for f in page.flags]),
                ],
                className="dq-flags",
                role="note",
            )
        )
    out.append(html.H2("Every figure", className="h5", id="every-figure"))
    n = len(page.figures)
    out.append(
        html.P(
            f"{n:,} figure{'s' if n != 1 else ''}, {FIGURES_PER_PAGE} a page. Sort by a column with its "
            "heading (Enter); filter with the boxes under the headings.",
            className="summary",
        )
    )
    out.append(observations_grid(page))
    if page.history:
        out.append(html.Section([html.H2("What changed", className="h5"), html.Ul([html.Li(h) for h in page.history])]))
    return out


def observations_grid(page: IndicatorPage) -> dag.AgGrid:
    """Every figure of the indicator, sortable and filterable, each with its source (the 'Derived' column only
    when some figure was derived)."""
    cols = [
        {"field": "area", "headerName": "Area", "pinned": "left", "width": 170},
        {"field": "period", "headerName": "Period", "width": 150},
        {"field": "breakdown", "headerName": "Breakdown", "width": 170},
        {"field": "value", "headerName": "Value", "width": 100},
        {"field": "numerator", "headerName": "Numerator", "width": 110},
        {"field": "denominator", "headerName": "Denominator", "width": 120},
        {"field": "status", "headerName": "Status", "width": 200},
        {"field": "document", "headerName": "Source document", "width": 230},
        {"field": "line", "headerName": "Line", "width": 80},
        {"field": "note", "headerName": "Note", "flex": 1, "minWidth": 320, "tooltipField": "note"},
        {"field": "derived", "headerName": "Derived", "width": 100, "hide": not page.has_derived},
    ]
    # Paginated, so the page stays short however many figures there are (a national load gives thousands); the
    # pager says which rows of how many are shown, and the filter boxes under the headings take the keyboard.
    return dag.AgGrid(
        id="indicator-grid",
        rowData=page.figures,
        columnDefs=cols,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "floatingFilter": True},
        dashGridOptions={
            "domLayout": "autoHeight",
            "ensureDomOrder": True,
            "pagination": True,
            "paginationPageSize": FIGURES_PER_PAGE,
            "paginationPageSizeSelector": False,
        },
        csvExportParams={"fileName": f"{page.code}.csv"},
        className="ag-theme-alpine",
    )


def exceptions_rows(result: ExceptionsView) -> list[dict]:
    """The exceptions grid's rows: each indicator a link to its page, keeping the view."""
    reg = registry()
    view = result.view
    return [
        {
            "status": f"{a.status.icon} {a.status.word}",
            "indicator": f"[{_md_escape(a.indicator['title'])}](/indicator/{a.code}{view.query()})",
            "domain": reg.domains[a.indicator["domain"]].title,
            "value": a.value_text,
            "period": a.figure.period_label if a.figure else "",
            "target": a.status.reason if a.status.rag != "none" else a.target_text,
            "gap": gap_text(a),
            "direction": a.direction.text,
            "since": a.since or "",
            "reason": a.status.reason if a.status.rag == "none" else "",
        }
        for a in result.items
    ]


def exceptions_summary(result: ExceptionsView) -> str:
    """'2 red and 1 amber indicators for Havering.'"""
    red, amber = result.red, result.amber
    return f"{red} red and {amber} amber indicator{'s' if red + amber != 1 else ''} for {result.area_name}."


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!<>|" else ch for ch in text)
