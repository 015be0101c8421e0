"""Domain pages (`/front-door`, `/child-protection`, ...): trends, breakdowns and drill-down."""

from __future__ import annotations

from dash import dcc, html

from dashboard.reference.registry import registry
from dashboard.reference.view import view_from_query
from dashboard.services.pages import indicator_links
from dashboard.web import ids
from layouts.components import drill_panel, filter_bar, loading, view_store
from layouts.shell import board_name, page_header


def make_layout(domain: str):
    """The layout of a domain's page; its charts are drawn by a callback from the page's view."""
    spec = registry().domains[domain]

    def layout(**query):
        view = view_from_query(query)
        return html.Div(
            [
                view_store(view),
                dcc.Store(id=ids.PAGE_DOMAIN, data=domain),
                page_header(f"{spec.title}: {board_name(view.board)}", spec.description),
                filter_bar(view),
                html.Div(
                    [
                        loading(html.Div(id=ids.DOMAIN_CHARTS, className="chart-grid"), f"{domain}-loading"),
                        drill_panel(links=[(link.title, link.href) for link in indicator_links(view, domain)]),
                    ],
                    className="domain-body",
                ),
            ],
            className=f"page page-domain page-{domain.replace('_', '-')}",
        )

    return layout
