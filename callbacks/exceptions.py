"""The exceptions grid and its CSV export."""

from __future__ import annotations

import dash
from dash import Input, Output

from dashboard.services import pages
from dashboard.web import ids
from layouts.content import exceptions_rows, exceptions_summary
from layouts.exceptions import columns


def draw_exceptions(data: dict, include_not_rated: bool):
    """The rows (worst first), the one-line summary, and the columns ('Why not rated' only when it can say)."""
    result = pages.exceptions(data, include_not_rated)
    return exceptions_rows(result), exceptions_summary(result), columns(result.include_not_rated)


def export_csv(_n):
    return True


def register(app: dash.Dash) -> None:
    app.callback(
        Output(ids.EXCEPTIONS_GRID, "rowData"),
        Output(ids.EXCEPTIONS_SUMMARY, "children"),
        Output(ids.EXCEPTIONS_GRID, "columnDefs"),
        Input(ids.VIEW, "data"),
        Input(ids.EXCEPTIONS_NOT_RATED, "value"),
    )(draw_exceptions)
    app.callback(
        Output(ids.EXCEPTIONS_GRID, "exportDataAsCsv"),
        Input(ids.EXCEPTIONS_EXPORT, "n_clicks"),
        prevent_initial_call=True,
    )(export_csv)
