"""Pages and pure layout builders. No database calls here: layouts are drawn by callbacks."""

from __future__ import annotations

import dash


def register_pages() -> None:
    """Register every page with Dash Pages."""
    from layouts import overview

    dash.register_page("overview", path="/", name="Overview", title="Overview - Safeguarding board dashboard",
                       layout=overview.layout, order=0)
    dash.register_page("not_found_404", layout=not_found)


def not_found(**_kwargs):
    from dash import html

    return html.Div([html.H1("Page not found"),
                     html.P(["There is no page at this address. ", html.A("Go to the scorecard", href="/")])],
                    className="container py-4")
