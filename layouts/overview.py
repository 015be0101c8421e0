"""Overview `/`: the scorecard at a glance, for a board meeting."""

from __future__ import annotations

from dash import dcc, html

from dashboard.reference.view import view_from_query
from dashboard.web import ids
from layouts.components import filter_bar, loading, view_store
from layouts.shell import board_name, page_header


def layout(**query):
    view = view_from_query(query)
    return html.Div([
        view_store(view),
        page_header(f"{board_name(view.board)} scorecard",
                    "Each headline indicator with its latest figure, its status against its target or "
                    "comparator, and its direction of travel. Select a tile for its detail and sources."),
        filter_bar(view),
        html.Div([
            html.Button("Download the board pack (PDF)", id=ids.PACK_BUTTON, className="btn btn-primary"),
            loading(html.Span(id=ids.PACK_STATUS, className="pack-status", role="status"), "pack-loading"),
            dcc.Download(id=ids.PACK_DOWNLOAD),
        ], className="toolbar pack-toolbar"),
        loading(html.Div(id=ids.SCORECARD, className="scorecard"), "scorecard-loading"),
    ], className="page page-overview")
