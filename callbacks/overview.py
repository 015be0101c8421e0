"""The scorecard."""

from __future__ import annotations

import dash
from dash import Input, Output

from dashboard import context, ids
from dashboard.scorecard import scorecard
from layouts.content import scorecard_sections


def draw_scorecard(data: dict):
    ref = context.reference()
    view = context.view_from_store(data, ref)
    return scorecard_sections(scorecard(context.assessor(ref, view), view.area, view.period), view)


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.SCORECARD, "children"), Input(ids.VIEW, "data"))(draw_scorecard)
