"""The exceptions grid and its CSV export."""

from __future__ import annotations

import dash
from dash import Input, Output

from dashboard.rules.scorecard import exceptions
from dashboard.services import context
from dashboard.web import ids
from layouts.content import exceptions_rows
from layouts.exceptions import columns


def draw_exceptions(data: dict, include_not_rated: bool):
    """The rows (worst first), the one-line summary, and the columns ('Why not rated' only when it can say)."""
    ref = context.reference()
    view = context.view_from_store(data, ref)
    items = exceptions(context.assessor(ref, view), view.area, view.period, include_not_rated=include_not_rated)
    red = sum(a.status.rag == "red" for a in items)
    amber = sum(a.status.rag == "amber" for a in items)
    summary = f"{red} red and {amber} amber indicator{'s' if red + amber != 1 else ''} for {ref.area_name(view.area)}."
    return exceptions_rows(items, view), summary, columns(include_not_rated)


def export_csv(_n):
    return True


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.EXCEPTIONS_GRID, "rowData"), Output(ids.EXCEPTIONS_SUMMARY, "children"),
                 Output(ids.EXCEPTIONS_GRID, "columnDefs"),
                 Input(ids.VIEW, "data"), Input(ids.EXCEPTIONS_NOT_RATED, "value"))(draw_exceptions)
    app.callback(Output(ids.EXCEPTIONS_GRID, "exportDataAsCsv"), Input(ids.EXCEPTIONS_EXPORT, "n_clicks"),
                 prevent_initial_call=True)(export_csv)
