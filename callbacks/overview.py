"""The scorecard, and the board pack of the view on screen."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc
from flask import current_app

from dashboard.reports import pack
from dashboard.services import context, pages
from dashboard.web import ids
from layouts.content import scorecard_sections


def draw_scorecard(data: dict):
    return scorecard_sections(pages.scorecard_view(data))


def download_pack(n, data: dict):
    """The same PDF as `board-dashboard pack`, for the view on screen (small counts suppressed)."""
    if not n:
        raise dash.exceptions.PreventUpdate
    view = context.view_from_store(data, context.reference())
    settings = current_app.config.get("BOARD_SETTINGS")
    pdf = pack.build_pack(view, suppress=settings.suppress_small_counts if settings else True)
    return dcc.send_bytes(pdf, pack.pack_filename(view)), f"Board pack ready ({len(pdf) / 1024:.0f} KB)."


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.SCORECARD, "children"), Input(ids.VIEW, "data"))(draw_scorecard)
    app.callback(Output(ids.PACK_DOWNLOAD, "data"), Output(ids.PACK_STATUS, "children"),
                 Input(ids.PACK_BUTTON, "n_clicks"), State(ids.VIEW, "data"), prevent_initial_call=True)(
        download_pack)
