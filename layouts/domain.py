"""Domain pages (`/front-door`, `/child-protection`, ...): trends, breakdowns and drill-down."""

from __future__ import annotations

from dash import dcc, html

from dashboard.reference.registry import registry
from dashboard.reference.view import view_from_query
from dashboard.web import ids
from layouts.components import drill_panel, filter_bar, loading, view_store
from layouts.shell import board_name, page_header

# Partnership measures are shown where they belong: police conference attendance on child protection.
EXTRA_DOMAINS = {"child_protection": ("partnership",)}


def make_layout(domain: str):
    reg = registry()
    spec = reg.domains[domain]

    def layout(**query):
        view = view_from_query(query)
        return html.Div([
            view_store(view),
            dcc.Store(id=ids.PAGE_DOMAIN, data=domain),
            page_header(f"{spec.title}: {board_name(view.board)}", spec.description),
            filter_bar(view),
            html.Div([
                loading(html.Div(id=ids.DOMAIN_CHARTS, className="chart-grid"), f"{domain}-loading"),
                drill_panel(links=[(i.title, f"/indicator/{i.code}{view.query()}")
                                   for d in (domain, *EXTRA_DOMAINS.get(domain, ())) for i in reg.in_domain(d)]),
            ], className="domain-body"),
        ], className=f"page page-domain page-{domain.replace('_', '-')}")

    return layout
