"""The board's own business: `/board-business` ("Partnership and board business", the chair's view of who is not
coming and which actions are overdue) and `/board-business/record` (the business manager records a meeting's
attendance in a minute). Pure builders: the content is drawn by callbacks.board from dashboard.services.board."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.reference.view import view_from_query
from dashboard.rules.attendance import MEETING_KINDS, STATUS_WORDS
from dashboard.services.board import ActionTracker, AttendanceView, RecordingForm
from dashboard.web import ids
from layouts.components import empty_state, filter_bar, loading, status_badge, view_store
from layouts.shell import board_name, page_header

DOMAIN = "board_business"
RECORD_PATH = "/board-business/record"


def domain_layout(**query):
    """The domain page: attendance first (red agencies first), then overdue actions, then the whole tracker."""
    view = view_from_query(query)
    return html.Div(
        [
            view_store(view),
            dcc.Store(id=ids.BOARD_REFRESH, data=0),
            page_header(
                f"Partnership and board business: {board_name(view.board)}",
                "Who comes to the board's meetings, which agencies the board's rule turns red, and the actions "
                "the board tracks from section 11 audits, case reviews and inspections.",
            ),
            filter_bar(view),
            html.P(
                html.A(
                    "Record a meeting's attendance",
                    href=f"{RECORD_PATH}{view.query()}",
                    className="btn btn-outline-primary",
                )
            ),
            loading(html.Div(id=ids.BOARD_ATTENDANCE), "board-attendance-loading"),
            # The write statuses sit outside the redrawn sections, so a save's message survives the redraw it causes.
            html.Div(id=ids.BOARD_RULE_STATUS, role="status", className="form-status"),
            html.Div(id=ids.BOARD_ACTION_STATUS, role="status", className="form-status"),
            loading(html.Div(id=ids.BOARD_ACTIONS), "board-actions-loading"),
        ],
        className="page page-board-business",
    )


def record_layout(**query):
    """The business manager's page: the meeting's date and kind, and a row per member agency."""
    view = view_from_query(query)
    return html.Div(
        [
            view_store(view),
            dcc.Store(id=ids.BOARD_REFRESH, data=0),
            page_header(
                f"Record a meeting: {board_name(view.board)}",
                "Mark each member agency present, sent apologies (name the deputy who came, if any) or absent, "
                "and save. An agency absent as many times in a row as the board's rule says is escalated in "
                "the challenge log.",
            ),
            filter_bar(view),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Meeting date", htmlFor=ids.BOARD_RECORD_DATE, className="form-label"),
                            dbc.Input(
                                id=ids.BOARD_RECORD_DATE,
                                type="date",
                                value=date.today().isoformat(),
                                max=date.today().isoformat(),
                            ),
                        ],
                        className="filter",
                    ),
                    html.Div(
                        [
                            html.Label("Meeting", htmlFor=ids.BOARD_RECORD_KIND, className="form-label"),
                            dbc.Select(
                                id=ids.BOARD_RECORD_KIND,
                                value="board",
                                options=[{"label": w, "value": k} for k, w in MEETING_KINDS.items()],
                            ),
                        ],
                        className="filter",
                    ),
                ],
                className="filters board-meeting-fields",
            ),
            loading(html.Div(id=ids.BOARD_RECORD_GRID), "board-record-loading"),
            html.Div(id=ids.BOARD_RECORD_STATUS, role="status", className="form-status", **{"aria-live": "polite"}),
            html.Div(id=ids.BOARD_AGENCY_FORM),
        ],
        className="page page-board-record",
    )


# ------------------------------------------------------------------ builders


def attendance_section(v: AttendanceView) -> list:
    """Who is not coming: each agency's rates, absences in a row and the board's rating as a word and a symbol."""
    head = [
        html.H2("Attendance at board meetings", className="h4"),
        html.P(
            f"The board's rule: an agency absent without apologies from {v.absences_rule} meetings in a "
            "row is red and is escalated in the challenge log. A deputy sent with apologies counts as "
            "attending.",
            className="muted",
        ),
        html.P(v.summary, className="summary", **{"aria-live": "polite"}),
    ]
    if not v.rows:
        return [
            *head,
            empty_state("No attendance recorded yet", "The business manager records each meeting's attendance."),
        ]
    header = html.Thead(
        html.Tr(
            [
                html.Th(c, scope="col")
                for c in (
                    "Agency",
                    "Status",
                    "Absences in a row",
                    "Last four meetings",
                    "Last twelve months",
                    "Last meeting",
                    "Representatives",
                )
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Th(r.agency, scope="row"),
                    html.Td(_attendance_badge(r)),
                    html.Td(str(r.absences_in_a_row)),
                    html.Td(r.recent),
                    html.Td(r.year),
                    html.Td(r.last),
                    html.Td(r.representatives or "none named"),
                ],
                className="board-row-red" if r.red else "",
            )
            for r in v.rows
        ]
    )
    table = html.Table(
        [html.Caption(f"Attendance by agency, {v.board_name}"), header, body], className="table board-table"
    )
    parts = [*head, html.Div(table, className="table-responsive")]
    if any(r.red for r in v.rows):
        parts.append(html.P(["Escalations are drafted in the ", html.A("challenge log", href="/challenges"), "."]))
    if v.can_set_rule:
        parts.append(
            html.Div(
                [
                    html.Label(
                        "Absences in a row that turn an agency red",
                        htmlFor=ids.BOARD_RULE_INPUT,
                        className="form-label",
                    ),
                    dbc.Input(
                        id=ids.BOARD_RULE_INPUT,
                        type="number",
                        min=1,
                        max=12,
                        step=1,
                        value=v.absences_rule,
                        className="board-rule-input",
                    ),
                    dbc.Button("Save the rule", id=ids.BOARD_RULE_SAVE, color="secondary", className="mt-2"),
                ],
                className="board-rule card-block",
            )
        )
    return [html.Section(parts, **{"aria-label": "Attendance"})]


def _attendance_badge(r) -> html.Span:
    """Red under the board's rule; amber while absences are mounting; green otherwise (always with a word)."""
    if r.red:
        return status_badge("red", "Red: escalate")
    if r.absences_in_a_row:
        return status_badge("amber", f"Absent {r.absences_in_a_row} in a row")
    return status_badge("green", "Attending")


def _progress_table(rows, caption: str, first: str) -> html.Div:
    return html.Div(
        html.Table(
            [
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(c, scope="col") for c in (first, "Actions", "Signed off", "Overdue")])),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Th(p.group, scope="row"),
                                html.Td(str(p.total)),
                                html.Td(f"{p.signed_off} ({p.percent_done:.0f}%)"),
                                html.Td(str(p.overdue)),
                            ]
                        )
                        for p in rows
                    ]
                ),
            ],
            className="table board-table",
        ),
        className="table-responsive",
    )


def _action_controls(r) -> list:
    """What this user may do to the action: record evidence (own agency, or the business manager), sign off (the
    chair, once evidence is recorded)."""
    out: list = []
    if r.can_evidence:
        box = ids.board_action("evidence", r.id)
        out += [
            html.Label(f"Evidence for {r.reference}", htmlFor=_dom_id(box), className="form-label small"),
            dbc.Textarea(id=box, value=r.evidence, rows=2, maxLength=4000),
            dbc.Button(
                f"Record evidence for {r.reference}",
                id=ids.board_action("evidence-save", r.id),
                size="sm",
                color="secondary",
                className="mt-1",
            ),
        ]
    if r.can_sign_off:
        out.append(
            dbc.Button(
                f"Sign off {r.reference}",
                id=ids.board_action("sign-off", r.id),
                size="sm",
                color="primary",
                className="mt-1",
            )
        )
    return out


def _action_table(rows, caption: str, *, controls: bool = False) -> html.Div:
    cols = ["Reference", "Action", "Agency", "Source", "Due", "Status", "Evidence", "Signed off"]
    header = html.Thead(html.Tr([html.Th(c, scope="col") for c in cols + (["Record"] if controls else [])]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Th(r.reference, scope="row"),
                    html.Td(
                        [r.text] + ([html.Br(), html.Small(f"Cited: {r.cited}", className="muted")] if r.cited else [])
                    ),
                    html.Td(r.agency),
                    html.Td(f"{r.source_kind}: {r.source}"),
                    html.Td(
                        [r.due] + ([" ", status_badge("red", f"Overdue {r.days_overdue} days")] if r.overdue else [])
                    ),
                    html.Td(r.status),
                    html.Td(r.evidence or "none yet"),
                    html.Td(r.signed_off or "not yet"),
                ]
                + ([html.Td(_action_controls(r))] if controls else [])
            )
            for r in rows
        ]
    )
    return html.Div(
        html.Table([html.Caption(caption), header, body], className="table board-table"), className="table-responsive"
    )


def actions_section(t: ActionTracker) -> list:
    """Overdue actions first (the exceptions), then progress by source and agency, then every action."""
    parts: list = [html.H2("Overdue actions", className="h4 mt-4"), html.P(t.summary, className="summary")]
    parts.append(
        _action_table(t.overdue, "Overdue actions, most overdue first")
        if t.overdue
        else html.P([status_badge("green", "None overdue"), " No action is past its due date."])
    )
    if t.rows:
        parts += [
            html.H2("Progress", className="h4 mt-4"),
            _progress_table(t.by_source, "Progress by source", "Source"),
            _progress_table(t.by_agency, "Progress by agency", "Agency"),
            html.H2("Every action", className="h4 mt-4"),
            _action_table(t.rows, "Every action the board tracks", controls=True),
        ]
    return [html.Section(parts, **{"aria-label": "Actions"})]


def recording_grid(f: RecordingForm) -> list:
    """A row per member agency: present / apologies / absent (a labelled radio group) and the deputy's name."""
    if not f.can_record:
        return [empty_state("You cannot record attendance", f.refusal)]
    rows = []
    for agency in f.agencies:
        rows.append(
            html.Fieldset(
                [
                    html.Legend(agency, className="board-agency-name"),
                    dbc.RadioItems(
                        id=ids.board_mark("status", agency),
                        value="present",
                        inline=True,
                        options=[{"label": w, "value": k} for k, w in STATUS_WORDS.items()],
                    ),
                    html.Div(
                        [
                            html.Label(
                                f"Deputy for {agency} (with apologies)",
                                htmlFor=_dom_id(ids.board_mark("deputy", agency)),
                                className="visually-hidden",
                            ),
                            dbc.Input(
                                id=ids.board_mark("deputy", agency),
                                placeholder="Deputy's name, if one came",
                                maxLength=255,
                            ),
                        ],
                        className="board-deputy",
                    ),
                ],
                className="board-mark-row",
            )
        )
    grid = rows or [empty_state("No member agencies yet", "Add the board's member agencies below.")]
    return [
        html.Div(grid, className="board-record-grid"),
        dbc.Button(
            "Save attendance", id=ids.BOARD_RECORD_SAVE, color="primary", className="mt-3", disabled=not f.agencies
        ),
    ]


def add_agency_form(f: RecordingForm) -> list:
    """The business manager keeps the board's membership: add an agency (it then has a row in the grid)."""
    if not f.can_record:
        return []
    return [
        html.Div(
            [
                html.Label("Add a member agency", htmlFor=ids.BOARD_AGENCY_NAME, className="form-label"),
                dbc.Input(id=ids.BOARD_AGENCY_NAME, maxLength=255),
                dbc.Button("Add agency", id=ids.BOARD_AGENCY_ADD, color="secondary", className="mt-2"),
            ],
            className="board-add-agency card-block mt-4",
        )
    ]


def _dom_id(pattern_id: dict) -> str:
    """The DOM id Dash gives a pattern-matching id (so a label can point at it)."""
    import json

    return json.dumps(pattern_id, sort_keys=True, separators=(",", ":"))
