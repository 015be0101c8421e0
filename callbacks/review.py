"""Commentary and challenges on an indicator page. Writes check the role on the server and are audited."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, html

from dashboard.auth import actor, current_user, has_role, require_role
from dashboard.rules.challenges import (
    MAX_COMMENTARY,
    MAX_QUESTION,
    ChallengeRuleError,
    clean_text,
    draft_for_assessment,
    drafts_from_breakdowns,
    parse_due_date,
)
from dashboard.rules.periods import as_of_end
from dashboard.services import context
from dashboard.web import ids
from data_access import audit, queries, review_store
from layouts.review import challenge_list, commentary_view, draft_card


def _code(pathname: str | None) -> str:
    return (pathname or "").rstrip("/").rsplit("/", 1)[-1]


def _figure_target(data: dict, pathname: str):
    ref = context.reference()
    code = _code(pathname)
    if code not in ref.indicators:
        raise dash.exceptions.PreventUpdate
    view = context.view_from_store(data, ref)
    a = context.assessor(ref, view).assess(code, view.area, as_of_end(view.period))
    return ref, view, code, a


def draw_commentary(data: dict, pathname: str, _refresh):
    ref, view, code, a = _figure_target(data, pathname)
    if a.figure is None:
        return ([html.P("There is no figure for this area and period to comment on.", className="muted")],
                "", None)
    period = a.figure.period
    current = review_store.commentary_table()
    current = current[(current["indicator"] == code) & (current["area"] == view.area)
                      & (current["period"] == period)]
    revisions = review_store.commentary_revisions(code, view.area, period)
    version = int(current["version"].iloc[0]) if not current.empty else 0
    body = current["body"].iloc[0] if not current.empty else ""
    return (commentary_view(current, revisions, a.figure.period_label, ref.area_name(view.area)), body,
            {"indicator": code, "area": view.area, "period": period, "version": version})


@require_role("contributor")
def save_commentary(n, text, target):
    if not n:
        raise dash.exceptions.PreventUpdate
    if not target:
        return "There is no figure here to comment on.", dash.no_update, dash.no_update
    try:
        body = clean_text(text, "commentary", MAX_COMMENTARY)
        version = review_store.save_commentary(target["indicator"], target["area"], target["period"], body, actor(),
                                               target.get("version") or None)
    except ChallengeRuleError as e:
        return f"Not saved: {e}.", dash.no_update, dash.no_update
    except review_store.VersionConflict as e:
        cur = e.current
        when = cur["updated_at"].strftime("%H:%M on %d %b") if cur.get("updated_at") else "just now"
        return ([html.P(f"Not saved: {cur['author']} saved a newer version at {when}. Their text is below; yours "
                        "is still in the box. Save again to replace theirs.", className="text-danger"),
                 html.Blockquote(cur["body"], className="commentary-body")],
                dash.no_update, {**target, "version": cur["version"]})
    audit.record(actor(), "commentary.save", f"{target['indicator']}/{target['area']}/{target['period']}",
                 {"version": version})
    return f"Saved (version {version}).", version, dash.no_update


def draw_challenges(data: dict, pathname: str, _refresh):
    ref, view, code, a = _figure_target(data, pathname)
    rows = review_store.challenges_table()
    rows = rows[(rows["indicator"] == code) & rows["area"].isin(ref.board_areas(view.board))]
    drafts = []
    d = draft_for_assessment(a, ref.area_name(view.area), context.small_number_threshold())
    if d is not None:
        drafts.append(d)
    if ref.indicators[code]["unit"] == "percent":
        breakdown = queries.domain_observations((code,), (view.area,))
        drafts += drafts_from_breakdowns(ref.indicators[code], breakdown, view.area, ref.area_name(view.area))
    drafts = [x for x in drafts if x.key not in review_store.dismissed_keys()]
    can_raise = has_role(current_user(), "contributor")
    draft_ui = [html.H3("Drafted question", className="h6 mt-3"),
                draft_card(drafts[0], editable=False, can_raise=can_raise)] if drafts else []
    target = {"indicator": code, "area": view.area, "period": a.figure.period if a.figure else None}
    return (challenge_list(rows, date.today()), target, draft_ui,
            {"question": drafts[0].question, "owner": drafts[0].owner} if drafts else None)


def use_draft(n, draft):
    if not n or not draft:
        raise dash.exceptions.PreventUpdate
    return draft["question"], draft["owner"]


@require_role("contributor")
def raise_challenge(n, question, owner, due, meeting, target):
    if not n or not target:
        raise dash.exceptions.PreventUpdate
    try:
        q = clean_text(question, "question", MAX_QUESTION)
        o = clean_text(owner, "owner", 255)
        m = clean_text(meeting, "meeting", 100, required=False)
        d = parse_due_date(due, date.today())
        cid = review_store.raise_challenge(target["indicator"], target["area"], target["period"], q, o, actor(),
                                           due_date=d, meeting=m)
    except (ChallengeRuleError, review_store.NotFound) as e:
        return f"Not raised: {e}.", dash.no_update, dash.no_update
    audit.record(actor(), "challenge.raise", f"challenge/{cid}", {"indicator": target["indicator"],
                                                                    "area": target["area"], "owner": o})
    return f"Challenge #{cid} raised; it is in the challenge log.", cid, ""


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.COMMENTARY_VIEW, "children"), Output(ids.COMMENTARY_TEXT, "value"),
                 Output(ids.COMMENTARY_TARGET, "data"),
                 Input(ids.VIEW, "data"), State(ids.URL, "pathname"), Input(ids.COMMENTARY_REFRESH, "data"))(
        draw_commentary)
    app.callback(Output(ids.COMMENTARY_STATUS, "children"), Output(ids.COMMENTARY_REFRESH, "data"),
                 Output(ids.COMMENTARY_TARGET, "data", allow_duplicate=True),
                 Input(ids.COMMENTARY_SAVE, "n_clicks"), State(ids.COMMENTARY_TEXT, "value"),
                 State(ids.COMMENTARY_TARGET, "data"), prevent_initial_call=True)(save_commentary)
    app.callback(Output(ids.INDICATOR_CHALLENGES, "children"), Output(ids.CHALLENGE_TARGET, "data"),
                 Output(ids.INDICATOR_DRAFT, "children"), Output(ids.DRAFT_TEXT, "data"),
                 Input(ids.VIEW, "data"), State(ids.URL, "pathname"), Input(ids.CHALLENGE_REFRESH, "data"))(
        draw_challenges)
    app.callback(Output(ids.CHALLENGE_QUESTION, "value"), Output(ids.CHALLENGE_OWNER, "value"),
                 Input(ids.USE_DRAFT, "n_clicks"), State(ids.DRAFT_TEXT, "data"), prevent_initial_call=True)(
        use_draft)
    app.callback(Output(ids.CHALLENGE_STATUS, "children"), Output(ids.CHALLENGE_REFRESH, "data"),
                 Output(ids.CHALLENGE_QUESTION, "value", allow_duplicate=True),
                 Input(ids.CHALLENGE_SUBMIT, "n_clicks"), State(ids.CHALLENGE_QUESTION, "value"),
                 State(ids.CHALLENGE_OWNER, "value"), State(ids.CHALLENGE_DUE, "date"),
                 State(ids.CHALLENGE_MEETING, "value"), State(ids.CHALLENGE_TARGET, "data"),
                 prevent_initial_call=True)(raise_challenge)
    register_child_rows(app)


def draw_child_rows(data: dict, pathname: str):
    """The pseudonymised children behind the figure on screen, for contributors and analysts only."""
    from dashboard.returns.access import ChildLevelRefused, drill_down
    from layouts.review import child_rows_grid

    ref, view, code, a = _figure_target(data, pathname)
    user = current_user()
    if a.figure is None:
        return html.P("There is no figure for this area and period.", className="muted")
    try:
        rows = drill_down(user.roles if user else None, code, view.area, a.figure.period)
    except ChildLevelRefused as e:
        return html.P(f"Not shown: {e}.", className="muted")
    if rows.empty:
        return html.P("This figure was not computed from a child-level return, so there are no rows behind it.",
                      className="muted")
    return child_rows_grid(rows)


def register_child_rows(app: dash.Dash) -> None:
    app.callback(Output(ids.CHILD_ROWS, "children"), Input(ids.VIEW, "data"), State(ids.URL, "pathname"))(
        draw_child_rows)
