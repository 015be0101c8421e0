"""Exceptions `/exceptions`: every indicator off target, for the Quality & Effectiveness subgroup."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.view import view_from_query
from layouts.components import filter_bar, loading, view_store
from layouts.shell import board_name, page_header

COLUMNS = [
    {"field": "status", "headerName": "Status", "width": 130, "pinned": "left"},
    {"field": "indicator", "headerName": "Indicator", "cellRenderer": "markdown", "flex": 2, "minWidth": 360,
     "linkTarget": "_self"},
    {"field": "domain", "headerName": "Domain", "width": 160},
    {"field": "value", "headerName": "Value", "width": 110},
    {"field": "period", "headerName": "Period", "width": 130},
    {"field": "target", "headerName": "Target or comparator", "flex": 1, "minWidth": 200},
    {"field": "gap", "headerName": "Gap", "width": 110},
    {"field": "direction", "headerName": "Direction of travel", "flex": 1, "minWidth": 200},
    {"field": "since", "headerName": "Off target since", "width": 150},
    {"field": "reason", "headerName": "Why not rated", "width": 200},
]


def layout(**query):
    view = view_from_query(query)
    return html.Div([
        view_store(view),
        page_header(f"Exceptions: {board_name(view.board)}",
                    "Indicators off target (red or amber), worst first, with how far off and since when. "
                    "Sort or filter any column; select an indicator for its detail."),
        filter_bar(view),
        html.Div([
            dbc.Switch(id=ids.EXCEPTIONS_NOT_RATED, label="Also show indicators that are not rated", value=False),
            html.Button("Download CSV", id=ids.EXCEPTIONS_EXPORT, className="btn btn-outline-primary"),
        ], className="toolbar"),
        html.P(id=ids.EXCEPTIONS_SUMMARY, className="summary", **{"aria-live": "polite"}),
        loading(dag.AgGrid(
            id=ids.EXCEPTIONS_GRID, columnDefs=COLUMNS, rowData=[],
            defaultColDef={"sortable": True, "filter": True, "resizable": True},
            dashGridOptions={"domLayout": "autoHeight", "ensureDomOrder": True, "suppressCellFocus": False},
            csvExportParams={"fileName": "exceptions.csv"},
            className="ag-theme-alpine exceptions-grid",
        ), "exceptions-loading"),
    ], className="page page-exceptions")
