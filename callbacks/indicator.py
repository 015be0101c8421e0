"""The indicator page body."""

from __future__ import annotations

import dash
from dash import Input, Output, State

from dashboard.services import pages
from dashboard.web import ids
from layouts.content import indicator_body


def draw_indicator(data: dict, pathname: str):
    code = (pathname or "").rstrip("/").rsplit("/", 1)[-1]
    page = pages.indicator_page(data, code)
    if page is None:
        raise dash.exceptions.PreventUpdate
    return indicator_body(page)


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.INDICATOR_CONTENT, "children"), Input(ids.VIEW, "data"), State(ids.URL, "pathname"))(
        draw_indicator
    )
