"""Pages and pure layout builders. No database calls here: content is drawn by callbacks."""

from __future__ import annotations

import dash

from dashboard.reference.registry import registry

TITLE = "Safeguarding board dashboard"


def register_pages() -> None:
    """Register every page with Dash Pages (one per domain, from the registry)."""
    from layouts import about, challenges, domain, exceptions, indicator, overview

    dash.register_page("overview", path="/", name="Scorecard", title=f"Scorecard - {TITLE}",
                       layout=overview.layout, order=0)
    for order, spec in enumerate(registry().domains.values(), start=1):
        if spec.code == "partnership":  # shown on the child protection page
            continue
        dash.register_page(f"domain_{spec.code}", path=spec.path, name=spec.title,
                           title=f"{spec.title} - {TITLE}", layout=domain.make_layout(spec.code), order=order)
    dash.register_page("indicator", path_template="/indicator/<code>", name="Indicator",
                       title=indicator_title, layout=indicator.layout, order=20)
    dash.register_page("exceptions", path="/exceptions", name="Exceptions", title=f"Exceptions - {TITLE}",
                       layout=exceptions.layout, order=21)
    dash.register_page("challenges", path="/challenges", name="Challenges", title=f"Challenge log - {TITLE}",
                       layout=challenges.layout, order=22)
    dash.register_page("about", path="/about", name="About the data", title=f"About the data - {TITLE}",
                       layout=about.layout, order=22)
    dash.register_page("not_found_404", layout=not_found, title=f"Page not found - {TITLE}")


def indicator_title(code: str | None = None, **_query) -> str:
    """The browser tab names the indicator (or says it is not found), so several open tabs can be told apart."""
    spec = registry().indicators.get(code or "")
    return f"{spec.title if spec else 'Indicator not found'} - {TITLE}"


def not_found(**_kwargs):
    from dash import html

    return html.Div([html.H1("Page not found"),
                     html.P(["There is no page at this address. ", html.A("Go to the scorecard", href="/"), "."])],
                    className="page page-not-found", role="alert")
