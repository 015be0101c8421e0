"""Domain pages: their charts, and the drill panel a click fills."""

from __future__ import annotations

import hashlib
import logging

import dash
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, dcc

from dashboard.reports import figures
from dashboard.services import context
from dashboard.web import ids
from data_access import queries
from data_access.cache import cache
from layouts.content import domain_charts, drill_content
from layouts.domain import EXTRA_DOMAINS

log = logging.getLogger(__name__)


def draw_domain(data: dict, domain: str):
    ref = context.reference()
    view = context.view_from_store(data, ref)
    domains = (domain, *EXTRA_DOMAINS.get(domain, ()))
    codes = tuple(i["code"] for i in ref.indicators.values() if i["domain"] in domains)
    rows = queries.domain_observations(codes, context.view_areas(ref, view.board))
    out = domain_charts(ref, view, domains, rows)
    if view.meeting:  # larger type in the charts too, not only in the page around them
        for graph in _graphs(out):
            graph.figure = figures.for_meeting(go.Figure(graph.figure))  # a copy: the original may be shared
    return out


def _graphs(node):
    """Every chart in a layout."""
    if isinstance(node, list | tuple):
        for n in node:
            yield from _graphs(n)
    elif isinstance(node, dcc.Graph):
        yield node
    elif getattr(node, "children", None) is not None:
        yield from _graphs(node.children)


def drill(_clicks, data: dict):
    """Fill the drill panel from the clicked point's [indicator, area, period]."""
    trigger = ctx.triggered[0] if ctx.triggered else None
    point = ((trigger or {}).get("value") or {}).get("points", [{}])[0]
    custom = point.get("customdata")
    if not custom or len(custom) != 3 or not all(custom):
        raise dash.exceptions.PreventUpdate
    indicator, area, period = (str(c) for c in custom)
    panel = drill_panel(indicator, area, period, tuple(sorted((data or {}).items())),
                        context.small_number_threshold())
    if panel is None:
        raise dash.exceptions.PreventUpdate
    return panel


def drill_panel(indicator: str, area: str, period: str, view_items: tuple, threshold: int) -> list | None:
    """The drill panel for one point in one view, or None for a point the board does not know.

    Kept in the data cache beside the figures it is drawn from, and cleared with them by every import: a point
    clicked again (by anyone, on any worker) costs one cache read instead of two reads, a query and a
    layout. The key is made here rather than by `cache.memoize`, whose key-making inspects the function's
    signature on every call and costs more than the read itself.
    """
    args = (indicator, area, period, view_items, threshold)
    key = "drill_panel:" + hashlib.sha256(repr(args).encode()).hexdigest()
    try:
        panel = cache.get(key)
    except Exception:  # a cache outage: draw the panel without it
        log.warning("data cache unavailable; drawing the drill panel without it", exc_info=True)
        return _draw_drill_panel(*args)
    if panel is None:
        panel = _draw_drill_panel(*args)
        if panel is not None:
            try:
                cache.set(key, panel)
            except Exception:
                log.warning("could not keep the drill panel in the data cache", exc_info=True)
    return panel


def _draw_drill_panel(indicator: str, area: str, period: str, view_items: tuple,
                      threshold: int) -> list | None:
    ref = context.reference()
    if indicator not in ref.indicators or area not in ref.areas:
        return None
    view = context.view_from_store(dict(view_items), ref)
    rows = queries.drill_rows(indicator, period, context.view_areas(ref, view.board))
    return drill_content(ref, view, indicator, area, period, rows, threshold)


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.DOMAIN_CHARTS, "children"), Input(ids.VIEW, "data"),
                 State(ids.PAGE_DOMAIN, "data"))(draw_domain)
    app.callback(Output(ids.DRILL_PANEL, "children"),
                 Input(ids.chart(ALL, ALL), "clickData"), State(ids.VIEW, "data"),
                 prevent_initial_call=True)(drill)
