"""Domain pages: their charts, and the drill panel a click fills."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx

from dashboard.services import pages
from dashboard.web import ids
from layouts.content import DRILL_POINT, domain_charts, drill_content


def draw_domain(data: dict, domain: str):
    return domain_charts(pages.domain_chart_plan(data, domain))


def drill(_clicks, data: dict):
    """Fill the drill panel from the clicked point's [indicator, area, period]."""
    trigger = ctx.triggered[0] if ctx.triggered else None
    point = ((trigger or {}).get("value") or {}).get("points", [{}])[0]
    custom = point.get("customdata")
    if not custom or len(custom) != 3 or not all(custom):
        raise dash.exceptions.PreventUpdate
    indicator, area, period = (str(c) for c in custom)
    panel = pages.drill_panel(data, indicator, area, period)
    if panel is None:
        raise dash.exceptions.PreventUpdate
    return drill_content(panel)


def drill_by_key(_presses, data: dict):
    """Fill the drill panel from a figure's button in a chart's table: the same point, without a mouse."""
    trigger = ctx.triggered[0] if ctx.triggered else None
    pressed = ctx.triggered_id if trigger and trigger.get("value") else None
    if not isinstance(pressed, dict) or pressed.get("type") != DRILL_POINT:
        raise dash.exceptions.PreventUpdate
    indicator, area, period = (str(pressed.get("point", "")).split("|") + ["", "", ""])[:3]
    panel = pages.drill_panel(data, indicator, area, period) if indicator and area and period else None
    if panel is None:
        raise dash.exceptions.PreventUpdate
    return drill_content(panel)


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.DOMAIN_CHARTS, "children"), Input(ids.VIEW, "data"), State(ids.PAGE_DOMAIN, "data"))(
        draw_domain
    )
    app.callback(
        Output(ids.DRILL_PANEL, "children"),
        Input(ids.chart(ALL, ALL), "clickData"),
        State(ids.VIEW, "data"),
        prevent_initial_call=True,
    )(drill)
    app.callback(
        Output(ids.DRILL_PANEL, "children", allow_duplicate=True),
        Input({"type": DRILL_POINT, "chart": ALL, "series": ALL, "point": ALL}, "n_clicks"),
        State(ids.VIEW, "data"),
        prevent_initial_call=True,
    )(drill_by_key)
