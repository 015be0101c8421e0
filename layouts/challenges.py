"""The challenge log `/challenges`: the chair's questions, who owes an answer and by when; and drafted
questions for the figures that are off target or moving fast."""

from __future__ import annotations

from dash import dcc, html

from dashboard.reference.view import view_from_query
from dashboard.web import ids
from layouts.components import filter_bar, loading, view_store
from layouts.review import challenges_filters, challenges_grid
from layouts.shell import board_name, page_header


def layout(**query):
    view = view_from_query(query)
    return html.Div(
        [
            view_store(view),
            dcc.Store(id=ids.CHALLENGES_REFRESH, data=0),
            dcc.Store(id=ids.CHALLENGE_SELECTED),
            page_header(
                f"Challenge log: {board_name(view.board)}",
                "The board's questions to its partners: who owes an answer, by when, and what was said. "
                "Nothing is deleted; every change is kept. Overdue questions are marked.",
            ),
            filter_bar(view),
            challenges_filters(),
            html.P(id=ids.CHALLENGES_SUMMARY, className="summary", **{"aria-live": "polite"}),
            html.Div(
                [
                    loading(challenges_grid(), "challenges-loading"),
                    html.Section(
                        html.P(
                            "Select a challenge in the log to see its history, record the owner's response, "
                            "or close it.",
                            className="muted",
                        ),
                        id=ids.CHALLENGE_DETAIL,
                        className="challenge-detail card-block",
                        tabIndex="-1",
                        **{"aria-live": "polite", "aria-label": "Selected challenge"},
                    ),
                ],
                className="challenges-body",
            ),
            html.Section(
                [
                    html.H2("Drafted questions", className="h4 mt-4"),
                    html.P(
                        "Proposed from the figures for the selected area and period: each red or amber indicator, "
                        "each large move since the previous period, and each breakdown whose mix shifted. Edit one "
                        "and raise it, or dismiss it.",
                        className="muted",
                    ),
                    html.Div(id=ids.DRAFTS_STATUS, role="status", className="form-status"),
                    loading(html.Div(id=ids.DRAFTS, className="drafts-grid"), "drafts-loading"),
                ]
            ),
        ],
        className="page page-challenges",
    )
