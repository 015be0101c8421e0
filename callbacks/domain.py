"""Domain pages: their charts, and the drill panel a click fills."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx

from dashboard import context, ids
from data_access import queries
from layouts.content import domain_charts, drill_content
from layouts.domain import EXTRA_DOMAINS


def draw_domain(data: dict, domain: str):
    ref = context.reference()
    view = context.view_from_store(data, ref)
    domains = (domain, *EXTRA_DOMAINS.get(domain, ()))
    codes = tuple(i["code"] for i in ref.indicators.values() if i["domain"] in domains)
    rows = queries.domain_observations(codes, context.view_areas(ref, view.board))
    return domain_charts(ref, view, domains, rows)


def drill(_clicks, data: dict):
    """Fill the drill panel from the clicked point's [indicator, area, period]."""
    trigger = ctx.triggered[0] if ctx.triggered else None
    point = ((trigger or {}).get("value") or {}).get("points", [{}])[0]
    custom = point.get("customdata")
    if not custom or len(custom) != 3 or not all(custom):
        raise dash.exceptions.PreventUpdate
    indicator, area, period = custom
    ref = context.reference()
    if indicator not in ref.indicators or area not in ref.areas:
        raise dash.exceptions.PreventUpdate
    view = context.view_from_store(data, ref)
    rows = queries.drill_rows(indicator, period, context.view_areas(ref, view.board))
    return drill_content(ref, view, indicator, area, period, rows, context.small_number_threshold())


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.DOMAIN_CHARTS, "children"), Input(ids.VIEW, "data"),
                 State(ids.PAGE_DOMAIN, "data"))(draw_domain)
    app.callback(Output(ids.DRILL_PANEL, "children"),
                 Input(ids.chart(ALL, ALL), "clickData"), State(ids.VIEW, "data"),
                 prevent_initial_call=True)(drill)
