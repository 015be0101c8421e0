"""The challenge log page: the grid, the selected challenge's actions, and drafted questions. Each callback unpacks
its inputs, calls one use case in dashboard.services.challenges and hands the result to a builder in layouts.review;
the write callbacks are also guarded by role before dispatch."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx

from dashboard.auth import current_user, require_role
from dashboard.services import challenges as cases
from dashboard.services import context
from dashboard.web import ids
from layouts.review import action_status, challenge_detail, drafts_view, log_options


def _view(data):
    return context.view_from_store(data, context.reference())


def draw_log(data, status, owner, domain, meeting, _refresh):
    log = cases.challenge_log(_view(data), status, owner, domain, meeting)
    return (log.rows, log.summary, *log_options(log))


def export_log(_n):
    return True


def show_selected(selected_rows, _refresh, current):
    if selected_rows:
        cid = selected_rows[0]["id"]
    elif current:
        cid = current["id"]
    else:
        raise dash.exceptions.PreventUpdate
    sel = cases.selected_challenge(current_user(), cid)
    if sel is None:
        raise dash.exceptions.PreventUpdate
    return challenge_detail(sel), {"id": sel.challenge["id"], "version": sel.challenge["version"]}


def _acted(result):
    return action_status(result), result.version if result.ok else dash.no_update


@require_role("contributor")
def edit_question(n, selected, question):
    if not n or not selected:  # the button was just drawn, not clicked
        raise dash.exceptions.PreventUpdate
    return _acted(cases.act_on_challenge(current_user(), selected["id"], selected["version"], "edit", question))


def _clicked() -> dict | None:
    """The pattern-matching id of the button that was clicked (None when the callback fired because one was drawn)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
        return None
    return trigger


@require_role("chair")
def chair_action(_clicks, selected, response):
    """Record the owner's response, close, withdraw or reopen: the chair's actions."""
    trigger = _clicked()
    if not selected or trigger is None:
        raise dash.exceptions.PreventUpdate
    return _acted(
        cases.act_on_challenge(current_user(), selected["id"], selected["version"], trigger["action"], response)
    )


def draw_drafts(data, _refresh):
    return drafts_view(cases.drafts_list(_view(data), current_user()))


@require_role("contributor")
def raise_draft(_clicks, questions, owners, data):
    trigger = _clicked()
    if trigger is None:
        raise dash.exceptions.PreventUpdate
    key = trigger["key"]
    by_key_q = {s["id"]["key"]: v for s, v in zip(ctx.states_list[0], questions, strict=False)}
    by_key_o = {s["id"]["key"]: v for s, v in zip(ctx.states_list[1], owners, strict=False)}
    result = cases.raise_from_draft(current_user(), key, by_key_q.get(key), by_key_o.get(key))
    return result.message, result.challenge_id if result.ok else dash.no_update


@require_role("chair")
def dismiss(_clicks):
    trigger = _clicked()
    if trigger is None:
        raise dash.exceptions.PreventUpdate
    result = cases.dismiss_draft(current_user(), trigger["key"])
    return result.message, trigger["key"] if result.ok else dash.no_update


def register(app: dash.Dash) -> None:
    app.callback(
        Output(ids.CHALLENGES_GRID, "rowData"),
        Output(ids.CHALLENGES_SUMMARY, "children"),
        Output(ids.CHALLENGES_OWNER_FILTER, "options"),
        Output(ids.CHALLENGES_DOMAIN_FILTER, "options"),
        Output(ids.CHALLENGES_MEETING_FILTER, "options"),
        Input(ids.VIEW, "data"),
        Input(ids.CHALLENGES_STATUS_FILTER, "value"),
        Input(ids.CHALLENGES_OWNER_FILTER, "value"),
        Input(ids.CHALLENGES_DOMAIN_FILTER, "value"),
        Input(ids.CHALLENGES_MEETING_FILTER, "value"),
        Input(ids.CHALLENGES_REFRESH, "data"),
    )(draw_log)
    app.callback(
        Output(ids.CHALLENGES_GRID, "exportDataAsCsv"),
        Input(ids.CHALLENGES_EXPORT, "n_clicks"),
        prevent_initial_call=True,
    )(export_log)
    app.callback(
        Output(ids.CHALLENGE_DETAIL, "children"),
        Output(ids.CHALLENGE_SELECTED, "data"),
        Input(ids.CHALLENGES_GRID, "selectedRows"),
        Input(ids.CHALLENGES_REFRESH, "data"),
        State(ids.CHALLENGE_SELECTED, "data"),
        prevent_initial_call=True,
    )(show_selected)
    app.callback(
        Output(ids.CHALLENGE_ACTION_STATUS, "children"),
        Output(ids.CHALLENGES_REFRESH, "data"),
        Input(ids.CHALLENGE_EDIT_SAVE, "n_clicks"),
        State(ids.CHALLENGE_SELECTED, "data"),
        State(ids.CHALLENGE_EDIT_QUESTION, "value"),
        prevent_initial_call=True,
    )(edit_question)
    app.callback(
        Output(ids.CHALLENGE_ACTION_STATUS, "children", allow_duplicate=True),
        Output(ids.CHALLENGES_REFRESH, "data", allow_duplicate=True),
        Input(ids.challenge_action(ALL), "n_clicks"),
        State(ids.CHALLENGE_SELECTED, "data"),
        State(ids.CHALLENGE_RESPONSE, "value"),
        prevent_initial_call=True,
    )(chair_action)
    app.callback(Output(ids.DRAFTS, "children"), Input(ids.VIEW, "data"), Input(ids.CHALLENGES_REFRESH, "data"))(
        draw_drafts
    )
    app.callback(
        Output(ids.DRAFTS_STATUS, "children"),
        Output(ids.CHALLENGES_REFRESH, "data", allow_duplicate=True),
        Input(ids.draft_field("raise", ALL), "n_clicks"),
        State(ids.draft_field("question", ALL), "value"),
        State(ids.draft_field("owner", ALL), "value"),
        State(ids.VIEW, "data"),
        prevent_initial_call=True,
    )(raise_draft)
    app.callback(
        Output(ids.DRAFTS_STATUS, "children", allow_duplicate=True),
        Output(ids.CHALLENGES_REFRESH, "data", allow_duplicate=True),
        Input(ids.draft_field("dismiss", ALL), "n_clicks"),
        prevent_initial_call=True,
    )(dismiss)
