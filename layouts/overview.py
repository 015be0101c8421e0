"""Overview `/`: the scorecard at a glance, for a board meeting."""

from __future__ import annotations

from dash import html

from dashboard import ids
from dashboard.view import view_from_query
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
        loading(html.Div(id=ids.SCORECARD, className="scorecard"), "scorecard-loading"),
    ], className="page page-overview")
