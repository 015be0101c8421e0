"""Builders for commentary, challenges and drafted questions. User text is always rendered as text (Dash
escapes it), never as HTML; line breaks are kept by CSS."""

from __future__ import annotations

from datetime import date

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard.reference.view import Reference, ViewState
from dashboard.rules.challenges import (
    MAX_COMMENTARY,
    MAX_QUESTION,
    MAX_RESPONSE,
    STATUS_WORDS,
    Draft,
)
from dashboard.services.challenges import ChallengeLog, DraftList, SelectedChallenge
from dashboard.services.review import ChallengeItem, CommentarySection, WriteResult
from dashboard.web import ids


def _when(ts) -> str:
    return "" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%d %b %Y %H:%M")


READ_ONLY_NOTE = (
    "You can read commentary and challenges. Writing them needs the contributor role: ask the board's administrator."
)


def indicator_review_sections(suggested_owner: str, *, can_write: bool = True) -> list:
    """The commentary and challenge sections of an indicator page (their content is drawn by callbacks). Forms
    are drawn only for people who may write: the server refuses anyone else in any case."""
    hidden = {} if can_write else {"style": {"display": "none"}}
    commentary_form = [
        html.Label(
            "Your commentary: what the figure means and what is being done",
            htmlFor=ids.COMMENTARY_TEXT,
            className="form-label",
            **hidden,
        ),
        dcc.Textarea(id=ids.COMMENTARY_TEXT, maxLength=MAX_COMMENTARY, className="form-control", rows=4, **hidden),
    ]
    if can_write:
        commentary_form += [
            html.Button("Save commentary", id=ids.COMMENTARY_SAVE, className="btn btn-primary mt-2"),
            html.Div(id=ids.COMMENTARY_STATUS, role="status", className="form-status"),
        ]
    challenge_form = (
        [
            html.H3("Raise a challenge", className="h6 mt-3"),
            html.Label("Question", htmlFor=ids.CHALLENGE_QUESTION, className="form-label"),
            dcc.Textarea(id=ids.CHALLENGE_QUESTION, maxLength=MAX_QUESTION, className="form-control", rows=3),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label(
                                "Owner (the agency that owes an answer)",
                                htmlFor=ids.CHALLENGE_OWNER,
                                className="form-label",
                            ),
                            dcc.Input(
                                id=ids.CHALLENGE_OWNER,
                                value=suggested_owner,
                                className="form-control",
                                maxLength=255,
                                type="text",
                            ),
                        ],
                        className="field",
                    ),
                    html.Div(
                        [
                            html.Label("Due date (optional)", htmlFor=ids.CHALLENGE_DUE, className="form-label"),
                            # A native date field: the browser's own picker is keyboard- and screen-reader-accessible,
                            # and its value is the YYYY-MM-DD that the due-date rule reads.
                            dcc.Input(
                                id=ids.CHALLENGE_DUE,
                                type="date",
                                min=date.today().isoformat(),
                                className="form-control",
                            ),
                        ],
                        className="field",
                    ),
                    html.Div(
                        [
                            html.Label("Meeting (optional)", htmlFor=ids.CHALLENGE_MEETING, className="form-label"),
                            dcc.Input(
                                id=ids.CHALLENGE_MEETING,
                                className="form-control",
                                maxLength=100,
                                type="text",
                                placeholder="e.g. Board, 8 Dec 2016",
                            ),
                        ],
                        className="field",
                    ),
                ],
                className="form-row",
            ),
            html.Button("Raise challenge", id=ids.CHALLENGE_SUBMIT, className="btn btn-primary mt-2"),
            html.Div(id=ids.CHALLENGE_STATUS, role="status", className="form-status"),
        ]
        if can_write
        else [html.P(READ_ONLY_NOTE, className="muted small")]
    )
    return [
        html.Section(
            [
                html.H2("Commentary", className="h5"),
                html.Div(id=ids.COMMENTARY_VIEW, className="commentary"),
                *commentary_form,
                *([] if can_write else [html.P(READ_ONLY_NOTE, className="muted small")]),
                dcc.Store(id=ids.COMMENTARY_TARGET),
                dcc.Store(id=ids.COMMENTARY_REFRESH, data=0),
            ],
            className="card-block review-block",
            **{"aria-label": "Commentary"},
        ),
        html.Section(
            [
                html.H2("Challenges", className="h5"),
                html.Div(id=ids.INDICATOR_CHALLENGES),
                html.Div(id=ids.INDICATOR_DRAFT),
                *challenge_form,
                dcc.Store(id=ids.CHALLENGE_TARGET),
                dcc.Store(id=ids.CHALLENGE_REFRESH, data=0),
                dcc.Store(id=ids.DRAFT_TEXT),
            ],
            className="card-block review-block",
            **{"aria-label": "Challenges"},
        ),
    ]


def commentary_view(section: CommentarySection) -> list:
    """The current commentary on the figure in view, who wrote it and when, and its earlier versions."""
    if section.target is None:
        return [html.P("There is no figure for this area and period to comment on.", className="muted")]
    c = section.current
    if c is None:
        return [html.P(f"No commentary yet on {section.area_name}, {section.period_label}.", className="muted")]
    out = [
        html.Blockquote(c.body, className="commentary-body"),
        html.P(
            f"{c.author}, {_when(c.at)} (version {c.version}) on {section.area_name}, {section.period_label}",
            className="muted small",
        ),
    ]
    if section.earlier:
        out.append(
            html.Details(
                [
                    html.Summary(f"Earlier versions ({len(section.earlier)})"),
                    html.Ul(
                        [
                            html.Li(
                                [
                                    html.Span(f"Version {r.version}, {r.author}, {_when(r.at)}: ", className="muted"),
                                    html.Span(r.body, className="prewrap"),
                                ]
                            )
                            for r in section.earlier
                        ]
                    ),
                ]
            )
        )
    return out


def commentary_status(result: WriteResult):
    """What a save says: saved, why not, or (someone saved first) their text to compare with the author's own."""
    if result.conflict is None:
        return result.message
    return [
        html.P(result.message, className="text-danger"),
        html.Blockquote(result.conflict.body, className="commentary-body"),
    ]


def challenge_list(items: list[ChallengeItem]) -> list:
    """The challenges about an indicator, newest first, overdue ones marked."""
    if not items:
        return [html.P("No challenges on this indicator yet.", className="muted")]
    lis = []
    for r in items:
        meta = [f"#{r.id} \u00b7 {STATUS_WORDS[r.status]} \u00b7 owner: {r.owner}"]
        if r.due:
            meta.append(f" \u00b7 due {r.due:%d %b %Y}")
        if r.overdue:
            meta.append(" \u00b7 OVERDUE")
        lis.append(
            html.Li(
                [
                    html.P(r.question, className="challenge-question prewrap"),
                    html.P(
                        "".join(meta) + f" \u00b7 raised by {r.raised_by} on {_when(r.raised_at)}",
                        className="muted small" + (" overdue" if r.overdue else ""),
                    ),
                    html.P(["Response: ", html.Span(r.response, className="prewrap")], className="challenge-response")
                    if r.response
                    else None,
                ],
                className=f"challenge-item status-{r.status}",
            )
        )
    return [
        html.Ul(lis, className="challenge-list"),
        html.A("Open the challenge log \u2192", href="/challenges", className="small"),
    ]


def indicator_draft(draft: Draft | None, *, can_raise: bool) -> list:
    """The question drafted from the figure in view, if any."""
    if draft is None:
        return []
    return [html.H3("Drafted question", className="h6 mt-3"), draft_card(draft, editable=False, can_raise=can_raise)]


def draft_card(
    d: Draft, *, editable: bool, show_indicator: str = "", can_raise: bool = True, can_dismiss: bool = True
) -> html.Div:
    """A drafted question with the facts it used; the chair edits and raises it, or dismisses it."""
    facts = html.Details([html.Summary("Facts used"), html.Ul([html.Li(f) for f in d.facts])], open=True)
    head = [html.Span(d.reason.title(), className=f"draft-reason reason-{d.reason.replace(' ', '-')}")]
    if show_indicator:
        head.append(html.A(show_indicator, href=f"/indicator/{d.indicator}", className="draft-indicator"))
    if not editable:
        use = (
            [html.Button("Use this draft", id=ids.USE_DRAFT, className="btn btn-outline-primary btn-sm")]
            if can_raise
            else []
        )
        return html.Div(
            [html.Div(head, className="draft-head"), html.P(d.question, className="prewrap"), facts, *use],
            className="draft-card",
        )
    qid, oid = ids.draft_field("question", d.key), ids.draft_field("owner", d.key)
    return html.Div(
        [
            html.Div(head, className="draft-head"),
            html.Label("Question", htmlFor=_dom_id(qid), className="visually-hidden"),
            dcc.Textarea(id=qid, value=d.question, className="form-control", rows=3, maxLength=MAX_QUESTION),
            html.Div(
                [
                    html.Label("Owner", htmlFor=_dom_id(oid), className="form-label small"),
                    dcc.Input(
                        id=oid, value=d.owner, className="form-control form-control-sm", type="text", maxLength=255
                    ),
                ],
                className="mt-1",
            ),
            facts,
            html.Div(
                (
                    [html.Button("Raise", id=ids.draft_field("raise", d.key), className="btn btn-primary btn-sm")]
                    if can_raise
                    else []
                )
                + (
                    [
                        html.Button(
                            "Dismiss",
                            id=ids.draft_field("dismiss", d.key),
                            className="btn btn-outline-secondary btn-sm",
                        )
                    ]
                    if can_dismiss
                    else []
                ),
                className="draft-actions",
            ),
        ],
        className="draft-card",
    )


def _dom_id(pattern_id: dict) -> str:
    """The DOM id Dash gives a pattern-matching id (so a label can point at it)."""
    import json

    return json.dumps(pattern_id, sort_keys=True, separators=(",", ":"))


# ------------------------------------------------------------------ the challenge log page

CHALLENGE_COLUMNS = [
    {"field": "id", "headerName": "#", "width": 70},
    {"field": "status", "headerName": "Status", "width": 120},
    {"field": "overdue", "headerName": "Overdue", "width": 110},
    {"field": "indicator", "headerName": "Indicator", "flex": 1, "minWidth": 220},
    {"field": "area", "headerName": "Area", "width": 150},
    {"field": "period", "headerName": "Period", "width": 120},
    {"field": "question", "headerName": "Question", "flex": 2, "minWidth": 320, "tooltipField": "question"},
    {"field": "owner", "headerName": "Owner", "width": 220},
    {"field": "due", "headerName": "Due", "width": 120},
    {"field": "meeting", "headerName": "Meeting", "width": 150},
    {"field": "domain", "headerName": "Domain", "width": 150},
    {"field": "raised", "headerName": "Raised", "width": 170},
    {"field": "response", "headerName": "Response", "flex": 1, "minWidth": 220, "tooltipField": "response"},
]


def challenges_grid() -> dag.AgGrid:
    return dag.AgGrid(
        id=ids.CHALLENGES_GRID,
        columnDefs=CHALLENGE_COLUMNS,
        rowData=[],
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions={
            "domLayout": "autoHeight",
            "ensureDomOrder": True,
            "rowSelection": "single",
            "tooltipShowDelay": 300,
        },
        rowClassRules={"row-overdue": "params.data.overdue === 'Overdue'"},
        csvExportParams={"fileName": "challenges.csv"},
        className="ag-theme-alpine challenges-grid",
    )


def log_options(log: ChallengeLog) -> tuple[list[dict], list[dict], list[dict]]:
    """The owner, domain and meeting filters' options ("Any" first)."""
    any_opt = [{"label": "Any", "value": ""}]
    return (
        any_opt + [{"label": o, "value": o} for o in log.owners],
        any_opt + [{"label": title, "value": code} for code, title in log.domains],
        any_opt + [{"label": m, "value": m} for m in log.meetings],
    )


ACTION_LABELS = {"answer": "Record response", "close": "Close", "withdraw": "Withdraw", "reopen": "Reopen"}


def challenge_detail(sel: SelectedChallenge) -> list:
    """The selected challenge: its text, what can be done next, and every change so far."""
    c = sel.challenge
    due = c["due_date"]
    status = c["status"]
    buttons = [
        html.Button(
            ACTION_LABELS[action],
            id=ids.challenge_action(action),
            className="btn btn-sm " + ("btn-primary" if action == "answer" else "btn-outline-secondary"),
            title=f"Needs the {role} role",
        )
        for action, role in sel.actions
    ]
    return [
        html.H2(f"Challenge #{c['id']}: {sel.indicator_title}", className="h5"),
        html.P(
            [
                html.Strong(STATUS_WORDS[status]),
                f" \u00b7 owner: {c['owner']}",
                f" \u00b7 due {due:%d %b %Y}" if due else "",
                " \u00b7 OVERDUE" if sel.overdue else "",
                f" \u00b7 version {c['version']}",
            ],
            className="small",
        ),
        html.Label("Question", htmlFor=ids.CHALLENGE_EDIT_QUESTION, className="form-label"),
        dcc.Textarea(
            id=ids.CHALLENGE_EDIT_QUESTION,
            value=c["question"],
            className="form-control",
            rows=3,
            maxLength=MAX_QUESTION,
            disabled=not sel.question_open or not sel.can_edit,
        ),
        *(
            [
                html.Button(
                    "Save question",
                    id=ids.CHALLENGE_EDIT_SAVE,
                    className="btn btn-sm btn-outline-primary mt-1",
                    disabled=not sel.question_open,
                )
            ]
            if sel.can_edit
            else []
        ),
        html.Label("The owner's response", htmlFor=ids.CHALLENGE_RESPONSE, className="form-label mt-2"),
        dcc.Textarea(
            id=ids.CHALLENGE_RESPONSE,
            value=c["response"],
            className="form-control",
            rows=3,
            maxLength=MAX_RESPONSE,
            disabled=not sel.response_open or not sel.can_decide,
        ),
        html.Div(buttons, className="draft-actions mt-2"),
        html.Div(id=ids.CHALLENGE_ACTION_STATUS, role="status", className="form-status"),
        html.H3("History", className="h6 mt-3"),
        html.Ol(
            [
                html.Li(
                    f"{_when(e.at)}: {e.actor} {e.action}"
                    + (
                        f" ({e.from_status} \u2192 {e.to_status})"
                        if e.from_status and e.from_status != e.to_status
                        else ""
                    )
                )
                for e in sel.events
            ],
            className="small",
        ),
    ]


def action_status(result: WriteResult):
    """What an action on a challenge says: done, why not, or (someone changed it first) what it says now."""
    if result.conflict is None:
        return result.message
    cur = result.conflict
    return [
        html.P(result.message, className="text-danger"),
        html.P(["Question now: ", html.Span(cur.question, className="prewrap")]),
        html.P(["Response now: ", html.Span(cur.response or "none", className="prewrap")]),
    ]


def drafts_view(dl: DraftList) -> list:
    """Every drafted question for the area and period in view, or why there are none."""
    if not dl.drafts:
        return [html.P("No drafts: nothing is off target or moving fast for this area and period.", className="muted")]
    return [
        draft_card(d, editable=True, show_indicator=title, can_raise=dl.can_raise, can_dismiss=dl.can_dismiss)
        for d, title in dl.drafts
    ]


def challenges_filters() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Status", htmlFor=ids.CHALLENGES_STATUS_FILTER, className="form-label"),
                    dbc.Select(
                        id=ids.CHALLENGES_STATUS_FILTER,
                        value="active",
                        options=[
                            {"label": "Open or answered", "value": "active"},
                            {"label": "All", "value": "all"},
                            *[{"label": w, "value": s} for s, w in STATUS_WORDS.items()],
                        ],
                    ),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Owner", htmlFor=ids.CHALLENGES_OWNER_FILTER, className="form-label"),
                    dbc.Select(id=ids.CHALLENGES_OWNER_FILTER, value="", options=[{"label": "Any", "value": ""}]),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Domain", htmlFor=ids.CHALLENGES_DOMAIN_FILTER, className="form-label"),
                    dbc.Select(id=ids.CHALLENGES_DOMAIN_FILTER, value="", options=[{"label": "Any", "value": ""}]),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Meeting", htmlFor=ids.CHALLENGES_MEETING_FILTER, className="form-label"),
                    dbc.Select(id=ids.CHALLENGES_MEETING_FILTER, value="", options=[{"label": "Any", "value": ""}]),
                ],
                className="filter",
            ),
            html.Button("Download CSV", id=ids.CHALLENGES_EXPORT, className="btn btn-outline-primary align-self-end"),
        ],
        className="filters",
    )


def view_note(view: ViewState, ref: Reference) -> str:
    return f"Challenges about {ref.boards[view.board]['short_name']}'s areas."


def child_rows_grid(rows: pd.DataFrame) -> dag.AgGrid:
    """Pseudonymised child-level rows as a grid (no export button: they never leave through the app)."""
    shown = rows.drop(columns=[c for c in rows.columns if c in ("ingest_id",)], errors="ignore").copy()
    if "codes" in shown:
        shown["codes"] = [", ".join(f"{k} {v}" for k, v in (c or {}).items()) for c in shown["codes"]]
    cols = [{"field": c, "headerName": c.replace("_", " ").capitalize()} for c in shown.columns]
    data = shown.astype(object).where(shown.notna(), "").astype(str).to_dict("records")
    return dag.AgGrid(
        id="child-rows-grid",
        rowData=data,
        columnDefs=cols,
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions={
            "domLayout": "autoHeight",
            "ensureDomOrder": True,
            "pagination": True,
            "paginationPageSize": 20,
        },
        className="ag-theme-alpine",
    )
