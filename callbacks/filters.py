"""The selectors: choosing a board, area or period rewrites the URL (bookmarkable); periods come from the data."""

from __future__ import annotations

import dash
from dash import Input, Output, State

from dashboard.reference.view import ViewState
from dashboard.rules.periods import financial_years
from dashboard.services import context
from dashboard.web import ids
from data_access import queries


def on_filter_change(board: str, area: str, period: str, search: str | None) -> str:
    """The new URL query for the chosen board, area and period (a new board starts at its default area)."""
    ref = context.reference()
    current = ViewState.from_query(search, ref)
    if board != current.board:
        area = ref.default_area(board)
    view = ViewState.from_query({"board": board, "area": area, "period": period,
                                 "meeting": "1" if current.meeting else ""}, ref)
    # The selectors are drawn with the view already in the address (a first visit to `/` means the default
    # view): rewriting the address to spell out the same view would draw the whole page a second time.
    if view == current:
        raise dash.exceptions.PreventUpdate
    return view.query()


def period_options(data: dict):
    """'Latest figures' and every financial year the board has figures in, newest first; and 'data as of'."""
    ref = context.reference()
    view = context.view_from_store(data, ref)
    periods = queries.available_periods(context.view_areas(ref, view.board))
    options = [{"label": "Latest figures", "value": "latest"}]
    for fy in financial_years(periods["end_date"]):
        options.append({"label": f"{fy.code} (to {fy.end.day} {fy.end:%b %Y})", "value": fy.code})
    if view.period not in [o["value"] for o in options]:
        options.append({"label": view.period, "value": view.period})
    summary = queries.dataset_summary()
    as_of = f"Data updated {summary['updated_at'][:10]}" if summary["updated_at"] else ""
    return options, f"{as_of} \u00b7 {summary['observations']:,} figures" if as_of else ""


def register(app: dash.Dash) -> None:
    app.callback(
        Output(ids.URL, "search"),
        Input(ids.FILTER_BOARD, "value"), Input(ids.FILTER_AREA, "value"), Input(ids.FILTER_PERIOD, "value"),
        State(ids.URL, "search"), prevent_initial_call=True,
    )(on_filter_change)
    app.callback(
        Output(ids.FILTER_PERIOD, "options"), Output(ids.DATA_AS_OF, "children"),
        Input(ids.VIEW, "data"),
    )(period_options)
