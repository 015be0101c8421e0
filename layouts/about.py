"""About `/about`: every indicator, its definition and rule, and the source documents."""

from __future__ import annotations

from dash import html

from dashboard.reference.registry import registry
from dashboard.reference.view import registry_reference, source_titles
from dashboard.rules.scorecard import target_text


def layout(**_query):
    reg = registry()
    ref = registry_reference()
    sections = []
    for domain in reg.domains.values():
        items = []
        for i in reg.in_domain(domain.code):
            rule = ref.rule(i.code, None)  # its provenance names the document by its title
            items.append(html.Li([html.A(i.title, href=f"/indicator/{i.code}"), f" ({i.unit.replace('_', ' ')}): ",
                                  target_text(rule, i.unit, i.polarity), ". ", rule.provenance]))
        sections.append(html.Section([html.H2(domain.title, className="h4"), html.Ul(items)]))
    docs = [html.Li(f"{name}: {d['title']}") for name, d in source_titles().items()]
    return html.Div([
        html.H1("About the data"),
        html.P("Every figure in this dashboard comes from the board's published documents or its partners' "
               "returns, and each one records the document and line it was read from. Where no source states a "
               "target, the indicator's rule is a documented default the board can change.", className="lead"),
        html.Section([html.H2("Source documents", className="h4"), html.Ul(docs)]),
        *sections,
    ], className="page page-about")
