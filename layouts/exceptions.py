"""Exceptions `/exceptions`: every indicator off target, for the Quality & Effectiveness subgroup."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard.reference.view import view_from_query
from dashboard.web import ids
from layouts.components import filter_bar, loading, view_store
from layouts.shell import board_name, page_header

# Long names, headers and reasons wrap (the row grows) instead of being cut off, so that at 1366px every column
# fits without scrolling sideways; every cell is top-aligned alike.
DEFAULT_COLUMN = {
    "sortable": True,
    "filter": True,
    "resizable": True,
    "wrapText": True,
    "autoHeight": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
    "cellStyle": {"lineHeight": "1.35", "paddingTop": "8px", "paddingBottom": "8px"},
}
COLUMNS = [
    # The status colour as a bar at the cell's edge, beside the word and its shape (never colour alone).
    {
        "field": "status",
        "headerName": "Status",
        "width": 110,
        "pinned": "left",
        "cellClassRules": {
            f"rag-cell rag-cell-{rag}": f"params.value && params.value.endsWith('{word}')"
            for rag, word in (("red", "Red"), ("amber", "Amber"), ("green", "Green"))
        },
    },
    # Tab from an indicator cell goes to its link (the browser's own Tab, not the grid's cell-to-cell move), so
    # a keyboard user can reach and follow every link; Enter on the link opens the indicator.
    {
        "field": "indicator",
        "headerName": "Indicator",
        "cellRenderer": "markdown",
        "flex": 3,
        "minWidth": 260,
        "suppressKeyboardEvent": {"function": "['Tab', 'Enter'].includes(params.event.key)"},
    },
    {"field": "domain", "headerName": "Domain", "width": 150},
    {"field": "value", "headerName": "Value", "width": 100},
    {"field": "period", "headerName": "Period", "width": 110},
    {"field": "target", "headerName": "Target or comparator", "flex": 1, "minWidth": 150},
    {"field": "gap", "headerName": "Gap", "width": 100},
    {"field": "direction", "headerName": "Direction of travel", "flex": 1, "minWidth": 150},
    {"field": "since", "headerName": "Off target since", "width": 130},
    {"field": "reason", "headerName": "Why not rated", "flex": 1, "minWidth": 170},
]


def columns(include_not_rated: bool) -> list[dict]:
    """The grid's columns: 'Why not rated' only when indicators that are not rated are shown."""
    return [{**c, "hide": c["field"] == "reason" and not include_not_rated} for c in COLUMNS]


def layout(**query):
    view = view_from_query(query)
    return html.Div(
        [
            view_store(view),
            page_header(
                f"Exceptions: {board_name(view.board)}",
                "Indicators off target (red or amber), worst first, with how far off and since when. "
                "Sort or filter any column; select an indicator for its detail.",
            ),
            filter_bar(view),
            html.Div(
                [
                    dbc.Switch(
                        id=ids.EXCEPTIONS_NOT_RATED, label="Also show indicators that are not rated", value=False
                    ),
                    html.Button("Download CSV", id=ids.EXCEPTIONS_EXPORT, className="btn btn-outline-primary"),
                ],
                className="toolbar",
            ),
            html.P(id=ids.EXCEPTIONS_SUMMARY, className="summary", **{"aria-live": "polite"}),
            loading(
                dag.AgGrid(
                    id=ids.EXCEPTIONS_GRID,
                    columnDefs=columns(False),
                    rowData=[],
                    defaultColDef=DEFAULT_COLUMN,
                    dashGridOptions={"domLayout": "autoHeight", "ensureDomOrder": True, "suppressCellFocus": False},
                    csvExportParams={"fileName": "exceptions.csv"},
                    className="ag-theme-alpine exceptions-grid",
                ),
                "exceptions-loading",
            ),
        ],
        className="page page-exceptions",
    )
