"""Commentary and challenges on an indicator page: each callback unpacks its inputs, calls one use case
(dashboard.services.review / .challenges) and hands the result to a builder in layouts.review. The use cases check
the role and write the audit entry with the change; the write callbacks are also guarded by role before dispatch."""

from __future__ import annotations

import dash
from dash import Input, Output, State, html

from dashboard.auth import current_user, require_role
from dashboard.services import challenges as challenge_cases
from dashboard.services import context
from dashboard.services import review as review_cases
from dashboard.web import ids
from layouts.review import challenge_list, commentary_status, commentary_view, indicator_draft


def _view_and_code(data: dict, pathname: str | None):
    """The view in the URL's store and the indicator code at the end of the path."""
    return context.view_from_store(data, context.reference()), (pathname or "").rstrip("/").rsplit("/", 1)[-1]


def draw_commentary(data: dict, pathname: str, _refresh):
    section = review_cases.commentary_section(*_view_and_code(data, pathname))
    if section is None:
        raise dash.exceptions.PreventUpdate
    return commentary_view(section), section.body, section.target.as_data() if section.target else None


@require_role("contributor")
def save_commentary(n, text, target):
    if not n:
        raise dash.exceptions.PreventUpdate
    result = review_cases.save_commentary(current_user(), target, text)
    if result.conflict is not None:  # the page now starts from the stored version, so saving again replaces it
        return commentary_status(result), dash.no_update, {**target, "version": result.version}
    return commentary_status(result), result.version if result.ok else dash.no_update, dash.no_update


def draw_challenges(data: dict, pathname: str, _refresh):
    page = review_cases.indicator_challenges(*_view_and_code(data, pathname), current_user())
    if page is None:
        raise dash.exceptions.PreventUpdate
    draft = page.draft
    return (
        challenge_list(page.challenges),
        page.target.as_data(with_version=False),
        indicator_draft(draft, can_raise=page.can_raise),
        {"question": draft.question, "owner": draft.owner} if draft else None,
    )


def use_draft(n, draft):
    if not n or not draft:
        raise dash.exceptions.PreventUpdate
    return draft["question"], draft["owner"]


@require_role("contributor")
def raise_challenge(n, question, owner, due, meeting, target):
    if not n or not target:
        raise dash.exceptions.PreventUpdate
    result = challenge_cases.raise_challenge(current_user(), target, question, owner, due, meeting)
    if not result.ok:
        return result.message, dash.no_update, dash.no_update
    return result.message, result.challenge_id, ""


def register(app: dash.Dash) -> None:
    app.callback(
        Output(ids.COMMENTARY_VIEW, "children"),
        Output(ids.COMMENTARY_TEXT, "value"),
        Output(ids.COMMENTARY_TARGET, "data"),
        Input(ids.VIEW, "data"),
        State(ids.URL, "pathname"),
        Input(ids.COMMENTARY_REFRESH, "data"),
    )(draw_commentary)
    app.callback(
        Output(ids.COMMENTARY_STATUS, "children"),
        Output(ids.COMMENTARY_REFRESH, "data"),
        Output(ids.COMMENTARY_TARGET, "data", allow_duplicate=True),
        Input(ids.COMMENTARY_SAVE, "n_clicks"),
        State(ids.COMMENTARY_TEXT, "value"),
        State(ids.COMMENTARY_TARGET, "data"),
        prevent_initial_call=True,
    )(save_commentary)
    app.callback(
        Output(ids.INDICATOR_CHALLENGES, "children"),
        Output(ids.CHALLENGE_TARGET, "data"),
        Output(ids.INDICATOR_DRAFT, "children"),
        Output(ids.DRAFT_TEXT, "data"),
        Input(ids.VIEW, "data"),
        State(ids.URL, "pathname"),
        Input(ids.CHALLENGE_REFRESH, "data"),
    )(draw_challenges)
    app.callback(
        Output(ids.CHALLENGE_QUESTION, "value"),
        Output(ids.CHALLENGE_OWNER, "value"),
        Input(ids.USE_DRAFT, "n_clicks"),
        State(ids.DRAFT_TEXT, "data"),
        prevent_initial_call=True,
    )(use_draft)
    app.callback(
        Output(ids.CHALLENGE_STATUS, "children"),
        Output(ids.CHALLENGE_REFRESH, "data"),
        Output(ids.CHALLENGE_QUESTION, "value", allow_duplicate=True),
        Input(ids.CHALLENGE_SUBMIT, "n_clicks"),
        State(ids.CHALLENGE_QUESTION, "value"),
        State(ids.CHALLENGE_OWNER, "value"),
        State(ids.CHALLENGE_DUE, "value"),
        State(ids.CHALLENGE_MEETING, "value"),
        State(ids.CHALLENGE_TARGET, "data"),
        prevent_initial_call=True,
    )(raise_challenge)
    register_child_rows(app)


def draw_child_rows(data: dict, pathname: str):
    """The pseudonymised children behind the figure on screen, for contributors and analysts only."""
    from layouts.review import child_rows_grid

    found = review_cases.child_rows(*_view_and_code(data, pathname), current_user())
    if found is None:
        raise dash.exceptions.PreventUpdate
    return child_rows_grid(found.rows) if found.rows is not None else html.P(found.message, className="muted")


def register_child_rows(app: dash.Dash) -> None:
    app.callback(Output(ids.CHILD_ROWS, "children"), Input(ids.VIEW, "data"), State(ids.URL, "pathname"))(
        draw_child_rows
    )
