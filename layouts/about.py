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
            items.append(
                html.Li(
                    [
                        html.A(i.title, href=f"/indicator/{i.code}"),
                        f" ({i.unit.replace('_', ' ')}): ",
                        target_text(rule, i.unit, i.polarity),
                        ". ",
                        rule.provenance,
                    ]
                )
            )
        sections.append(html.Section([html.H2(domain.title, className="h4"), html.Ul(items)]))
    docs = [html.Li(f"{name}: {d['title']}") for name, d in source_titles().items()]
    return html.Div(
        [
            html.H1("About the data"),
            html.P(
                "Every figure in this dashboard comes from the board's published documents or its partners' "
                "returns, and each one records the document and line it was read from. Where no source states a "
                "target, the indicator's rule is a documented default the board can change.",
                className="lead",
            ),
            html.Section([html.H2("Source documents", className="h4"), html.Ul(docs)]),
            *sections,
            accessibility_statement(),
        ],
        className="page page-about",
    )


def accessibility_statement() -> html.Section:
    """What the public sector accessibility regulations ask a public body to say about a service it runs."""
    return html.Section(
        [
            html.H2("Accessibility", className="h4", id="accessibility"),
            html.P(
                "This dashboard aims to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. Every "
                "page is checked automatically in a real browser, for each role and in meeting mode, and a keyboard "
                "walk reaches every control on every page."
            ),
            html.Ul(
                [
                    html.Li(
                        "Every status is given as a word and a symbol as well as a colour (Red ✖, Amber ▲, "
                        "Green ✔, Not rated –)."
                    ),
                    html.Li(
                        "Under every chart its latest figures, their direction and the comparators are written out; "
                        "“Show the figures as a table” opens its figures, and on a domain page each figure "
                        "there opens the drill panel, without a mouse."
                    ),
                    html.Li(
                        "Tables of figures can be sorted (Enter on a heading), filtered (the boxes under the headings) "
                        "and paged; the exceptions and challenges can be downloaded as CSV."
                    ),
                    html.Li("Meeting mode gives large type and high contrast for a projector."),
                ]
            ),
            html.H3("Known limitations", className="h5"),
            html.Ul(
                [
                    html.Li(
                        "The charts themselves are pictures drawn by plotly: a screen reader reads the words and the "
                        "table under each chart instead."
                    ),
                    html.Li(
                        "The board pack (PDF) has its status words, symbols and colours at the same contrast as the "
                        "screen, but it is not a tagged PDF: a screen reader may read its tables out of order. Ask for "
                        "the figures as CSV instead."
                    ),
                ]
            ),
            html.P(
                "If something here is hard to use, or you need the figures in another format, tell the board's "
                "administrator."
            ),
        ],
        className="accessibility-statement",
    )
