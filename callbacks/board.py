"""The board business pages: each callback unpacks its inputs, calls one use case in dashboard.services.board and
hands the result to a builder in layouts.board; the write callbacks are also guarded by role before dispatch."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx

from dashboard.auth import current_user, require_role
from dashboard.services import board as cases
from dashboard.services import context
from dashboard.web import ids
from layouts.board import actions_section, add_agency_form, attendance_section, recording_grid


def _board(data) -> str:
    return context.view_from_store(data, context.reference()).board


def draw_business(data, _refresh):
    board = _board(data)
    user = current_user()
    return attendance_section(cases.attendance_view(board, user)), actions_section(cases.action_tracker(board, user))


@require_role("analyst", "chair")
def save_rule(n, value, data):
    if not n:
        raise dash.exceptions.PreventUpdate
    result = cases.set_absence_rule(current_user(), _board(data), value)
    return result.message, (n if result.ok else dash.no_update)


def draw_record_grid(data, _refresh):
    form = cases.recording_form(_board(data), current_user())
    return recording_grid(form), add_agency_form(form)


@require_role("business_manager")
def save_attendance(n, held_on, kind, statuses, deputies, data):
    if not n:
        raise dash.exceptions.PreventUpdate
    agencies = [s["id"]["agency"] for s in ctx.states_list[2]]
    marks = {a: (st, dep) for a, st, dep in zip(agencies, statuses, deputies, strict=True)}
    return cases.record_attendance(current_user(), _board(data), held_on, kind, marks).message


@require_role("business_manager")
def add_agency(n, name, data, refresh):
    if not n:
        raise dash.exceptions.PreventUpdate
    result = cases.add_agency(current_user(), _board(data), name)
    return result.message, ((refresh or 0) + 1 if result.ok else dash.no_update)


def _clicked() -> dict | None:
    """The pattern-matching id of the button clicked (None when the callback fired because buttons were drawn)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
        return None
    return trigger


@require_role("contributor")
def save_evidence(_clicks, texts, refresh):
    trigger = _clicked()
    if trigger is None:
        raise dash.exceptions.PreventUpdate
    by_id = {st["id"]["action"]: v for st, v in zip(ctx.states_list[0], texts, strict=False)}
    result = cases.record_evidence(current_user(), trigger["action"], by_id.get(trigger["action"]))
    return result.message, ((refresh or 0) + 1 if result.ok else dash.no_update)


@require_role("chair")
def sign_off(_clicks, refresh):
    trigger = _clicked()
    if trigger is None:
        raise dash.exceptions.PreventUpdate
    result = cases.sign_off_action(current_user(), trigger["action"])
    return result.message, ((refresh or 0) + 1 if result.ok else dash.no_update)


def register(app: dash.Dash) -> None:
    app.callback(
        Output(ids.BOARD_ATTENDANCE, "children"),
        Output(ids.BOARD_ACTIONS, "children"),
        Input(ids.VIEW, "data"),
        Input(ids.BOARD_REFRESH, "data"),
    )(draw_business)
    app.callback(
        Output(ids.BOARD_RULE_STATUS, "children"),
        Output(ids.BOARD_REFRESH, "data"),
        Input(ids.BOARD_RULE_SAVE, "n_clicks"),
        State(ids.BOARD_RULE_INPUT, "value"),
        State(ids.VIEW, "data"),
        prevent_initial_call=True,
    )(save_rule)
    app.callback(
        Output(ids.BOARD_RECORD_GRID, "children"),
        Output(ids.BOARD_AGENCY_FORM, "children"),
        Input(ids.VIEW, "data"),
        Input(ids.BOARD_REFRESH, "data"),
    )(draw_record_grid)
    app.callback(
        Output(ids.BOARD_RECORD_STATUS, "children"),
        Input(ids.BOARD_RECORD_SAVE, "n_clicks"),
        State(ids.BOARD_RECORD_DATE, "value"),
        State(ids.BOARD_RECORD_KIND, "value"),
        State(ids.board_mark("status", ALL), "value"),
        State(ids.board_mark("deputy", ALL), "value"),
        State(ids.VIEW, "data"),
        prevent_initial_call=True,
    )(save_attendance)
    app.callback(
        Output(ids.BOARD_RECORD_STATUS, "children", allow_duplicate=True),
        Output(ids.BOARD_REFRESH, "data", allow_duplicate=True),
        Input(ids.BOARD_AGENCY_ADD, "n_clicks"),
        State(ids.BOARD_AGENCY_NAME, "value"),
        State(ids.VIEW, "data"),
        State(ids.BOARD_REFRESH, "data"),
        prevent_initial_call=True,
    )(add_agency)
    app.callback(
        Output(ids.BOARD_ACTION_STATUS, "children"),
        Output(ids.BOARD_REFRESH, "data", allow_duplicate=True),
        Input(ids.board_action("evidence-save", ALL), "n_clicks"),
        State(ids.board_action("evidence", ALL), "value"),
        State(ids.BOARD_REFRESH, "data"),
        prevent_initial_call=True,
    )(save_evidence)
    app.callback(
        Output(ids.BOARD_ACTION_STATUS, "children", allow_duplicate=True),
        Output(ids.BOARD_REFRESH, "data", allow_duplicate=True),
        Input(ids.board_action("sign-off", ALL), "n_clicks"),
        State(ids.BOARD_REFRESH, "data"),
        prevent_initial_call=True,
    )(sign_off)
