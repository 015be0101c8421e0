"""Builders for what callbacks draw: scorecard sections, domain charts, the drill panel, the indicator page
body and exceptions rows. Pure: data in, components out."""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from dashboard.reference.registry import registry
from dashboard.reference.view import Reference, ViewState, source_title
from dashboard.reports import figures
from dashboard.rules.formatting import format_change, format_value
from dashboard.rules.periods import as_of_end, up_to
from dashboard.rules.rag import Rule, Status, rate
from dashboard.rules.scorecard import Assessment, target_text
from dashboard.web import ids
from layouts.components import empty_state, status_badge, tile

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


def scorecard_sections(sections: dict[str, list[Assessment]], view: ViewState) -> list:
    if not any(a.figure is not None or a.others for tiles in sections.values() for a in tiles):
        return [empty_state("No figures for this view",
                            "The board has no figures up to this period. Choose a later period, or another "
                            "area, from the selectors above.",
                            html.A("Show the latest figures", href="/" + view.query(period="latest")))]
    out = []
    reg = registry()
    for domain, tiles in sections.items():
        counts = {r: sum(1 for a in tiles if a.status.rag == r) for r in ("red", "amber", "green")}
        summary = ", ".join(f"{n} {r}" for r, n in counts.items() if n) or "none rated"
        out.append(html.Section([
            html.Div([html.H2(reg.domains[domain].title, className="domain-title"),
                      html.Span(summary, className="domain-summary")], className="domain-head"),
            html.Div([tile(a, view) for a in tiles], className="tile-grid"),
        ], className="domain-section", **{"aria-label": reg.domains[domain].title}))
    return out


def chart(fig, indicator: str, dimension: str = "", caption: str = "") -> html.Figure:
    return html.Figure([
        dcc.Graph(id=ids.chart(indicator, dimension), figure=fig, config=GRAPH_CONFIG,
                  className="chart", responsive=True),
        html.Figcaption(caption, className="visually-hidden"),
    ], className="chart-card")


def domain_charts(ref: Reference, view: ViewState, domains: tuple[str, ...], rows: pd.DataFrame) -> list:
    """A trend for every indicator with figures, then a chart for every breakdown with figures."""
    if rows.empty:
        return [empty_state("No figures yet", "The dataset has no figures for this board in this part of the "
                                              "service. Partners can fill in the template and import it.")]
    areas = ref.board_areas(view.board)
    rows = up_to(rows, as_of_end(view.period))
    headline = rows[rows["breakdown_dimension"] == ""]
    trends, breakdowns = [], []
    inds = [i for i in ref.indicators.values() if i["domain"] in domains]
    inds.sort(key=lambda i: (not i["headline"], domains.index(i["domain"])))
    for ind in inds:
        own = headline[(headline["indicator"] == ind["code"]) & headline["area"].isin(areas)]
        if not own.empty:
            fig = figures.trend_figure(ind, headline, ref, areas, ref.rule(ind["code"], view.board))
            trends.append(chart(fig, ind["code"], "", f"{ind['title']}: trend by period for "
                                                      f"{', '.join(ref.area_name(a) for a in own['area'].unique())}"))
        parts = rows[(rows["indicator"] == ind["code"]) & (rows["breakdown_dimension"] != "")
                     & rows["area"].isin(areas)]
        for dim in parts["breakdown_dimension"].unique():
            fig = figures.breakdown_figure(ind, parts, dim, ref)
            breakdowns.append(chart(fig, ind["code"], dim, f"{ind['title']} by {dim.replace('_', ' ')}"))
    if not trends and not breakdowns:
        return [empty_state("No figures for this area", "Choose another area or period above.")]
    return trends + breakdowns


def _rate_row(ind: dict, rule: Rule | None, value: float, denominator, comparator_value, threshold: int) -> Status:
    den = None if denominator is None or pd.isna(denominator) else float(denominator)
    return rate(value, unit=ind["unit"], polarity=ind["polarity"], rule=rule, comparator_value=comparator_value,
                denominator=den, small_number_threshold=threshold)


def _source_cell(r) -> str:
    line = "" if pd.isna(r.source_line) else f", line {int(r.source_line)}"
    return f"{source_title(r.source_document)}{line}" if r.source_document else "source not recorded"


def drill_content(ref: Reference, view: ViewState, indicator: str, area: str, period: str, rows: pd.DataFrame,
                  threshold: int) -> list:
    """What lies behind one point: the figure, its breakdowns, the other areas in that period, the sources."""
    ind = ref.indicators[indicator]
    rule = ref.rule(indicator, view.board)
    unit = ind["unit"]
    head = rows[rows["breakdown_dimension"] == ""]
    comp_value = None
    if rule is not None and rule.kind == "comparator":
        c = head[head["area"] == rule.comparator]
        comp_value = None if c.empty else float(c["value"].iloc[0])
    label = rows["period_label"].iloc[0] if not rows.empty else period
    out = [html.H2([ind["title"], html.Br(), html.Small(f"{ref.area_name(area)}, {label}")], className="h5")]
    mine = head[head["area"] == area]
    if not mine.empty:
        r = next(mine.itertuples())
        s = _rate_row(ind, rule, r.value, r.denominator, comp_value, threshold)
        extra = (f" ({format_value(r.numerator)} of {format_value(r.denominator)})"
                 if not pd.isna(r.numerator) and not pd.isna(r.denominator) else "")
        out += [html.P([html.Strong(format_value(r.value, unit) + extra), " ", status_badge(s.rag, s.label)],
                       className="drill-value"),
                html.P(["Source: ", _source_cell(r)], className="drill-source")]
        if r.note:
            out.append(html.P(["Note: ", r.note], className="drill-note"))
    parts = rows[(rows["area"] == area) & (rows["breakdown_dimension"] != "")]
    for dim, g in parts.groupby("breakdown_dimension"):
        out.append(html.H3(f"By {dim.replace('_', ' ')}", className="h6"))
        out.append(_table(["", "Value", "Source"],
                          [[figures.breakdown_label(r.breakdown_value), format_value(r.value, unit), _source_cell(r)]
                           for r in g.itertuples()]))
    others = head[head["area"] != area]
    if not others.empty:
        out.append(html.H3("Other areas, same period", className="h6"))
        body = []
        for r in others.itertuples():
            s = _rate_row(ind, rule, r.value, r.denominator, comp_value, threshold) \
                if ref.areas[r.area]["kind"] != "comparator" else Status("none", "comparator")
            body.append([ref.area_name(r.area), format_value(r.value, unit), s.label, _source_cell(r)])
        out.append(_table(["Area", "Value", "Status", "Source"], body))
    if mine.empty and parts.empty:
        out.append(html.P("No figure for this area in this period."))
    out.append(html.A("Open the indicator page \u2192", href=f"/indicator/{indicator}{view.query(area=area)}",
                      className="btn btn-primary btn-sm drill-link"))
    return out


def _table(header: list[str], body: list[list]) -> html.Table:
    return html.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
                       html.Tbody([html.Tr([html.Td(c) for c in row]) for row in body])],
                      className="table table-sm drill-table")


def indicator_body(ref: Reference, view: ViewState, code: str, rows: pd.DataFrame, assessment: Assessment,
                   flags: pd.DataFrame, history: pd.DataFrame, threshold: int) -> list:
    ind = ref.indicators[code]
    unit = ind["unit"]
    rule = ref.rule(code, view.board)
    areas = ref.board_areas(view.board)
    headline = rows[rows["breakdown_dimension"] == ""]
    rule_text = target_text(rule, unit, ind["polarity"])
    if rule is not None and rule.kind == "target" and rule.tolerance:
        edge = rule.target - rule.tolerance if ind["polarity"] == "higher_is_better" else rule.target + rule.tolerance
        rule_text += f"; amber to {format_value(edge, unit)}, red beyond"
    elif rule is not None and rule.kind == "comparator":
        rule_text += f"; amber within {format_value(rule.tolerance, unit)}"
    a = assessment
    summary = [
        html.Div([
            html.H2("Status", className="h5"),
            html.P([html.Span(a.value_text, className="big-number"), " ",
                    html.Span(a.figure.period_label if a.figure else "", className="muted")]),
            html.P(status_badge(a.status.rag, a.status.label)),
            html.P(a.direction.text) if a.figure else None,
            html.P("; ".join(f"{c.name} {format_value(c.value, unit)} ({c.gap_text})" for c in a.comparisons))
            if a.comparisons else None,
        ], className="card-block"),
        html.Div([
            html.H2("How it is rated", className="h5"),
            html.P(rule_text),
            html.P(["Where the target came from: ", rule.provenance if rule else "no rule"]),
            html.P(f"Polarity: {ind['polarity'].replace('_', ' ')}. Percentages resting on fewer than "
                   f"{threshold} cases are not rated (small numbers)."),
        ], className="card-block"),
    ]
    out = [html.Div(summary, className="indicator-summary")]
    if not headline.empty:
        fig = figures.trend_figure(ind, headline, ref, areas, rule, height=400)
        out.append(chart(fig, code, "", f"{ind['title']} over time"))
    if not flags.empty:
        out.append(html.Section([html.H2("Data-quality flags", className="h5"),
                                 html.Ul([html.Li([html.Span("\u2691 ", **{"aria-hidden": "true"}),
                                                   f"{ref.area_name(f.area)}, {f.period}: {f.message}"])
                                          for f in flags.itertuples()])],
                                className="dq-flags", role="note"))
    out.append(html.H2("Every figure", className="h5"))
    out.append(observations_grid(ref, view, ind, rule, rows, threshold))
    if not history.empty:
        out.append(html.Section([html.H2("What changed", className="h5"), html.Ul([
            html.Li(f"{ref.area_name(h.area)}, {h.period_label}: {format_value(h.old_value, unit)} "
                    f"({source_title(h.old_source_document)}) replaced by {format_value(h.new_value, unit)} "
                    f"({source_title(h.source_document)})") for h in history.itertuples()])]))
    return out


def observations_grid(ref: Reference, view: ViewState, ind: dict, rule: Rule | None, rows: pd.DataFrame,
                      threshold: int) -> dag.AgGrid:
    head = rows[rows["breakdown_dimension"] == ""]
    comps = {}
    if rule is not None and rule.kind == "comparator":
        comps = dict(head[head["area"] == rule.comparator][["period", "value"]].itertuples(index=False))
    data = []
    for r in rows.itertuples():
        is_comp = ref.areas.get(r.area, {}).get("kind") == "comparator"
        if is_comp:
            s = Status("none", "comparator")
        elif r.breakdown_dimension:
            s = Status("none", "breakdown")
        else:
            s = _rate_row(ind, rule, r.value, r.denominator, comps.get(r.period), threshold)
        data.append({
            "area": ref.area_name(r.area), "period": r.period_label, "sort": r.sort_key,
            "breakdown": f"{r.breakdown_dimension.replace('_', ' ')}: {figures.breakdown_label(r.breakdown_value)}"
            if r.breakdown_dimension else "", "value": format_value(r.value, ind["unit"]),
            "numerator": "" if pd.isna(r.numerator) else format_value(r.numerator),
            "denominator": "" if pd.isna(r.denominator) else format_value(r.denominator),
            "status": s.label, "document": source_title(r.source_document),
            "line": None if pd.isna(r.source_line) else int(r.source_line), "note": r.note or "",
            "derived": "derived" if r.derived else "",
        })
    cols = [{"field": "area", "headerName": "Area", "pinned": "left", "width": 170},
            {"field": "period", "headerName": "Period", "width": 150, "comparator": None},
            {"field": "breakdown", "headerName": "Breakdown", "width": 170},
            {"field": "value", "headerName": "Value", "width": 100},
            {"field": "numerator", "headerName": "Numerator", "width": 110},
            {"field": "denominator", "headerName": "Denominator", "width": 120},
            {"field": "status", "headerName": "Status", "width": 200},
            {"field": "document", "headerName": "Source document", "width": 230},
            {"field": "line", "headerName": "Line", "width": 80},
            {"field": "note", "headerName": "Note", "flex": 1, "minWidth": 320, "tooltipField": "note"},
            {"field": "derived", "headerName": "Derived", "width": 100, "hide": not rows["derived"].any()}]
    for c in cols:
        c.pop("comparator", None)
    return dag.AgGrid(id="indicator-grid", rowData=data, columnDefs=cols,
                      defaultColDef={"sortable": True, "filter": True, "resizable": True},
                      dashGridOptions={"domLayout": "autoHeight", "ensureDomOrder": True},
                      csvExportParams={"fileName": f"{ind['code']}.csv"}, className="ag-theme-alpine")


def exceptions_rows(items: list[Assessment], view: ViewState) -> list[dict]:
    reg = registry()
    out = []
    for a in items:
        gap = ""
        if a.figure is not None and a.rule is not None:
            if a.rule.kind == "target":
                gap = format_change(a.figure.value - a.rule.target, a.indicator["unit"])
            elif a.comparisons:
                comp = [c for c in a.comparisons if c.area == a.rule.comparator]
                gap = comp[0].gap_text if comp else ""
        out.append({
            "status": f"{a.status.icon} {a.status.word}",
            "indicator": f"[{_md_escape(a.indicator['title'])}](/indicator/{a.code}{view.query()})",
            "domain": reg.domains[a.indicator["domain"]].title,
            "value": a.value_text, "period": a.figure.period_label if a.figure else "",
            "target": a.status.reason if a.status.rag != "none" else a.target_text,
            "gap": gap, "direction": a.direction.text, "since": a.since or "",
            "reason": a.status.reason if a.status.rag == "none" else "",
        })
    return out


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!<>|" else ch for ch in text)
