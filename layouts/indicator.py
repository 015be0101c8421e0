"""Indicator page `/indicator/<code>`: definition, rule and its provenance, every figure with its source."""

from __future__ import annotations

import difflib

from dash import html

from dashboard.auth import current_user, has_role
from dashboard.reference.registry import registry
from dashboard.reference.view import view_from_query
from dashboard.returns.access import may_see_child_level
from dashboard.rules.challenges import suggested_owner
from dashboard.web import ids
from layouts.components import filter_bar, loading, view_store
from layouts.review import indicator_review_sections


def layout(code: str | None = None, **query):
    reg = registry()
    spec = reg.indicators.get(code or "")
    if spec is None:
        return not_found(code)
    view = view_from_query(query)
    domain = reg.domains[spec.domain]
    return html.Div(
        [
            view_store(view),
            html.Nav(
                html.Ol(
                    [
                        html.Li(html.A("Scorecard", href="/" + view.query())),
                        html.Li(html.A(domain.title, href=domain.path + view.query())),
                        html.Li(spec.title, **{"aria-current": "page"}),
                    ],
                    className="breadcrumb",
                ),
                **{"aria-label": "Breadcrumb"},
            ),
            html.Div(
                [
                    html.H1(spec.title),
                    html.P(spec.definition, className="lead"),
                    html.P(["Definition from: ", spec.definition_source], className="definition-source"),
                ],
                className="page-header",
                **{"data-indicator": spec.code},
            ),
            filter_bar(view),
            loading(html.Div(id=ids.INDICATOR_CONTENT), "indicator-loading"),
            *child_level_section(current_user()),
            html.Div(
                indicator_review_sections(
                    suggested_owner(_as_dict(spec)), can_write=has_role(current_user(), "contributor")
                ),
                className="review-sections",
            ),
        ],
        className="page page-indicator",
    )


def child_level_section(user) -> list:
    """Only contributors and analysts get the section at all (the callback checks again on the server)."""
    if user is None or not may_see_child_level(user.roles):
        return []
    return [
        html.Section(
            [
                html.H2("Children behind this figure", className="h5"),
                html.P(
                    "Pseudonymised rows from the statutory return the figure was computed from: no names, no ids. "
                    "Never shown to viewers, never in the board pack.",
                    className="muted small",
                ),
                loading(html.Div(id=ids.CHILD_ROWS), "child-rows-loading"),
            ],
            className="card-block child-level mt-3",
            **{"aria-label": "Children behind this figure"},
        )
    ]


def _as_dict(spec) -> dict:
    return {"code": spec.code, "domain": spec.domain}


def not_found(code: str | None):
    codes = list(registry().indicators)
    close = difflib.get_close_matches(code or "", codes, n=3, cutoff=0.5)
    suggestions = [html.Li(html.A(registry().indicators[c].title, href=f"/indicator/{c}")) for c in close]
    return html.Div(
        [
            html.H1("Indicator not found"),
            html.P(f"There is no indicator with the code \u201c{code}\u201d."),
            *([html.P("Did you mean:"), html.Ul(suggestions)] if suggestions else []),
            html.P(
                [html.A("Go to the scorecard", href="/"), " or ", html.A("see every indicator", href="/about"), "."]
            ),
        ],
        className="page page-not-found",
        role="alert",
    )
