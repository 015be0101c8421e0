"""The challenge log page: the grid, the selected challenge's actions, and drafted questions."""

from __future__ import annotations

from datetime import date

import dash
from dash import ALL, Input, Output, State, ctx, html
from flask import abort

from dashboard.auth import actor, current_user, has_role, require_role
from dashboard.reference.registry import registry
from dashboard.rules.challenges import (
    ACTION_EVENTS,
    MAX_QUESTION,
    MAX_RESPONSE,
    ChallengeRuleError,
    clean_text,
    draft_questions,
    filter_challenges,
    next_status,
    role_for,
)
from dashboard.rules.periods import as_of_end, up_to
from dashboard.services import context
from dashboard.web import ids
from data_access import audit, queries, review_store
from layouts.review import challenge_detail, challenge_rows, draft_card


def draw_log(data, status, owner, domain, meeting, _refresh):
    ref = context.reference()
    view = context.view_from_store(data, ref)
    df = review_store.challenges_table()
    df = df[df["area"].isin(ref.board_areas(view.board))]
    owners = sorted(df["owner"].unique())
    meetings = sorted(m for m in df["meeting"].unique() if m)
    domains = sorted(df["domain"].unique())
    df = filter_challenges(df, status, owner, domain, meeting)
    rows = challenge_rows(df, ref, date.today())
    overdue = sum(1 for r in rows if r["overdue"])
    summary = f"{len(rows)} challenge{'s' if len(rows) != 1 else ''} shown; {overdue} overdue."
    any_opt = [{"label": "Any", "value": ""}]
    return (rows, summary, any_opt + [{"label": o, "value": o} for o in owners],
            any_opt + [{"label": registry().domains[d].title, "value": d} for d in domains if d in registry().domains],
            any_opt + [{"label": m, "value": m} for m in meetings])


def export_log(_n):
    return True


def show_selected(selected_rows, _refresh, current):
    if selected_rows:
        cid = selected_rows[0]["id"]
    elif current:
        cid = current["id"]
    else:
        raise dash.exceptions.PreventUpdate
    try:
        c = review_store.current_challenge(cid)
    except review_store.NotFound:
        raise dash.exceptions.PreventUpdate from None
    title = review_store.challenges_table().set_index("id").loc[cid, "indicator_title"]
    user = current_user()
    return (challenge_detail(c, review_store.challenge_events(cid), title, date.today(),
                             can_edit=has_role(user, "contributor"), can_decide=has_role(user, "chair")),
            {"id": cid, "version": c["version"]})


def _conflict_message(e: review_store.VersionConflict) -> list:
    cur = e.current
    return [html.P(f"Not saved: {cur['updated_by']} changed this challenge at {cur['updated_at']:%H:%M on %d %b} "
                   f"(now {cur['status']}). The current text is below; your text is still in the boxes. Check it, "
                   "then save again.", className="text-danger"),
            html.P(["Question now: ", html.Span(cur["question"], className="prewrap")]),
            html.P(["Response now: ", html.Span(cur["response"] or "none", className="prewrap")])]


def _apply(selected: dict, action: str, change: review_store.ChallengeChange):
    cid = selected["id"]
    try:
        version = review_store.update_challenge(cid, selected["version"], actor(), change)
    except review_store.VersionConflict as e:
        return _conflict_message(e), dash.no_update
    audit.record(actor(), f"challenge.{action}", f"challenge/{cid}", {"version": version})
    return f"Challenge #{cid} {ACTION_EVENTS[action]} (version {version}).", version


@require_role("contributor")
def edit_question(n, selected, question):
    if not n or not selected:  # the button was just drawn, not clicked
        raise dash.exceptions.PreventUpdate
    try:
        c = review_store.current_challenge(selected["id"])
        next_status(c["status"], "edit")
        q = clean_text(question, "question", MAX_QUESTION)
    except (ChallengeRuleError, review_store.NotFound) as e:
        return f"Not saved: {e}.", dash.no_update
    return _apply(selected, "edit", review_store.ChallengeChange(question=q, action="edited"))


@require_role("chair")
def chair_action(_clicks, selected, response):
    """Record the owner's response, close, withdraw or reopen: the chair's actions."""
    trigger = ctx.triggered_id
    if not selected or not isinstance(trigger, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
        raise dash.exceptions.PreventUpdate
    action = trigger["action"]
    if not has_role(current_user(), role_for(action)):
        abort(403)
    try:
        c = review_store.current_challenge(selected["id"])
        status = next_status(c["status"], action)
        text = clean_text(response, "response", MAX_RESPONSE, required=action == "answer")
    except (ChallengeRuleError, review_store.NotFound) as e:
        return f"Not saved: {e}.", dash.no_update
    change = review_store.ChallengeChange(status=status, action=ACTION_EVENTS[action],
                                          response=text if action == "answer" else None)
    return _apply(selected, action, change)


def draw_drafts(data, _refresh):
    ref = context.reference()
    view = context.view_from_store(data, ref)
    assessor = context.assessor(ref, view)
    end = as_of_end(view.period)
    assessments = [assessor.assess(code, view.area, end) for code in ref.indicators]
    shares = tuple(c for c, i in ref.indicators.items() if i["unit"] == "percent" and i["breakdowns"])
    rows = queries.domain_observations(shares, (view.area,)) if shares else None
    if rows is not None:
        rows = up_to(rows, end)
    drafts = draft_questions(assessments, rows, ref.indicators, view.area, ref.area_name(view.area),
                             context.small_number_threshold(), review_store.dismissed_keys())
    if not drafts:
        return [html.P("No drafts: nothing is off target or moving fast for this area and period.",
                       className="muted")]
    user = current_user()
    return [draft_card(d, editable=True, show_indicator=ref.indicators[d.indicator]["title"],
                       can_raise=has_role(user, "contributor"), can_dismiss=has_role(user, "chair")) for d in drafts]


def _draft_from_key(key: str):
    indicator, area, period, _kind = key.split("|", 3)
    return indicator, area, period


@require_role("contributor")
def raise_draft(_clicks, questions, owners, data):
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
        raise dash.exceptions.PreventUpdate
    key = trigger["key"]
    by_key_q = {s["id"]["key"]: v for s, v in zip(ctx.states_list[0], questions, strict=False)}
    by_key_o = {s["id"]["key"]: v for s, v in zip(ctx.states_list[1], owners, strict=False)}
    indicator, area, period = _draft_from_key(key)
    try:
        q = clean_text(by_key_q.get(key), "question", MAX_QUESTION)
        o = clean_text(by_key_o.get(key), "owner", 255)
        cid = review_store.raise_challenge(indicator, area, period, q, o, actor(), facts=[f"drafted: {key}"])
    except (ChallengeRuleError, review_store.NotFound) as e:
        return f"Not raised: {e}.", dash.no_update
    review_store.dismiss_draft(key, actor())  # raised: not proposed again
    audit.record(actor(), "challenge.raise", f"challenge/{cid}", {"from_draft": key, "owner": o})
    return f"Challenge #{cid} raised from the draft.", cid


@require_role("chair")
def dismiss(_clicks):
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
        raise dash.exceptions.PreventUpdate
    review_store.dismiss_draft(trigger["key"], actor())
    audit.record(actor(), "draft.dismiss", trigger["key"])
    return "Draft dismissed; it will not be proposed again for this figure.", trigger["key"]


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.CHALLENGES_GRID, "rowData"), Output(ids.CHALLENGES_SUMMARY, "children"),
                 Output(ids.CHALLENGES_OWNER_FILTER, "options"), Output(ids.CHALLENGES_DOMAIN_FILTER, "options"),
                 Output(ids.CHALLENGES_MEETING_FILTER, "options"),
                 Input(ids.VIEW, "data"), Input(ids.CHALLENGES_STATUS_FILTER, "value"),
                 Input(ids.CHALLENGES_OWNER_FILTER, "value"), Input(ids.CHALLENGES_DOMAIN_FILTER, "value"),
                 Input(ids.CHALLENGES_MEETING_FILTER, "value"), Input(ids.CHALLENGES_REFRESH, "data"))(draw_log)
    app.callback(Output(ids.CHALLENGES_GRID, "exportDataAsCsv"), Input(ids.CHALLENGES_EXPORT, "n_clicks"),
                 prevent_initial_call=True)(export_log)
    app.callback(Output(ids.CHALLENGE_DETAIL, "children"), Output(ids.CHALLENGE_SELECTED, "data"),
                 Input(ids.CHALLENGES_GRID, "selectedRows"), Input(ids.CHALLENGES_REFRESH, "data"),
                 State(ids.CHALLENGE_SELECTED, "data"), prevent_initial_call=True)(show_selected)
    app.callback(Output(ids.CHALLENGE_ACTION_STATUS, "children"), Output(ids.CHALLENGES_REFRESH, "data"),
                 Input(ids.CHALLENGE_EDIT_SAVE, "n_clicks"), State(ids.CHALLENGE_SELECTED, "data"),
                 State(ids.CHALLENGE_EDIT_QUESTION, "value"), prevent_initial_call=True)(edit_question)
    app.callback(Output(ids.CHALLENGE_ACTION_STATUS, "children", allow_duplicate=True),
                 Output(ids.CHALLENGES_REFRESH, "data", allow_duplicate=True),
                 Input(ids.challenge_action(ALL), "n_clicks"), State(ids.CHALLENGE_SELECTED, "data"),
                 State(ids.CHALLENGE_RESPONSE, "value"), prevent_initial_call=True)(chair_action)
    app.callback(Output(ids.DRAFTS, "children"), Input(ids.VIEW, "data"), Input(ids.CHALLENGES_REFRESH, "data"))(
        draw_drafts)
    app.callback(Output(ids.DRAFTS_STATUS, "children"), Output(ids.CHALLENGES_REFRESH, "data", allow_duplicate=True),
                 Input(ids.draft_field("raise", ALL), "n_clicks"), State(ids.draft_field("question", ALL), "value"),
                 State(ids.draft_field("owner", ALL), "value"), State(ids.VIEW, "data"),
                 prevent_initial_call=True)(raise_draft)
    app.callback(Output(ids.DRAFTS_STATUS, "children", allow_duplicate=True),
                 Output(ids.CHALLENGES_REFRESH, "data", allow_duplicate=True),
                 Input(ids.draft_field("dismiss", ALL), "n_clicks"), prevent_initial_call=True)(dismiss)
