"""The indicator page body."""

from __future__ import annotations

import dash
from dash import Input, Output, State

from dashboard.rules.periods import as_of_end
from dashboard.services import context
from dashboard.web import ids
from data_access import queries
from layouts.content import indicator_body


def draw_indicator(data: dict, pathname: str):
    code = (pathname or "").rstrip("/").rsplit("/", 1)[-1]
    ref = context.reference()
    if code not in ref.indicators:
        raise dash.exceptions.PreventUpdate
    view = context.view_from_store(data, ref)
    assessment = context.assessor(ref, view).assess(code, view.area, as_of_end(view.period))
    return indicator_body(ref, view, code, queries.indicator_observations(code), assessment,
                          queries.quality_flags(code), queries.indicator_history(code),
                          context.small_number_threshold())


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.INDICATOR_CONTENT, "children"), Input(ids.VIEW, "data"),
                 State(ids.URL, "pathname"))(draw_indicator)
