"""The selectors: choosing a board, area or period rewrites the URL (bookmarkable); periods come from the data."""

from __future__ import annotations

import dash
from dash import Input, Output, State

from dashboard.services import pages
from dashboard.web import ids


def on_filter_change(board: str, area: str, period: str, search: str | None) -> str:
    """The new URL query for the chosen board, area and period."""
    query = pages.chosen_view(board, area, period, search)
    if query is None:
        raise dash.exceptions.PreventUpdate
    return query


def period_options(data: dict):
    """'Latest figures' and every financial year the board has figures in, newest first; and 'data as of'."""
    result = pages.period_options(data)
    return result.options, result.as_of


def register(app: dash.Dash) -> None:
    app.callback(
        Output(ids.URL, "search"),
        Input(ids.FILTER_BOARD, "value"),
        Input(ids.FILTER_AREA, "value"),
        Input(ids.FILTER_PERIOD, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(on_filter_change)
    app.callback(
        Output(ids.FILTER_PERIOD, "options"),
        Output(ids.DATA_AS_OF, "children"),
        Input(ids.VIEW, "data"),
    )(period_options)
