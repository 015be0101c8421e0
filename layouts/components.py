"""Pure layout builders shared by the pages: filters, tiles, empty states, the drill panel."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.reference.registry import registry
from dashboard.reference.view import ViewState
from dashboard.rules.formatting import format_value
from dashboard.rules.rag import ICONS, WORDS
from dashboard.rules.scorecard import Assessment
from dashboard.web import ids


def view_store(view: ViewState) -> dcc.Store:
    """The page's view, read from the URL when the page is drawn; content callbacks start from it."""
    return dcc.Store(
        id=ids.VIEW, data={"board": view.board, "area": view.area, "period": view.period, "meeting": view.meeting}
    )


def filter_bar(view: ViewState) -> html.Div:
    """Board, area and period selectors. Changing one rewrites the URL, so the view can be bookmarked."""
    reg = registry()
    boards = [{"label": b.short_name, "value": b.code} for b in reg.boards.values()]
    areas = [a for a in reg.areas.values() if a.board == view.board and a.kind != "comparator"]
    areas.sort(key=lambda a: (a.kind != "board_total", a.name))
    area_options = [{"label": a.name, "value": a.code} for a in areas]
    period_options = [{"label": "Latest figures", "value": "latest"}]
    if view.period != "latest":
        period_options.append({"label": view.period, "value": view.period})
    return html.Div(
        [
            _select("Board", ids.FILTER_BOARD, boards, view.board),
            _select("Area", ids.FILTER_AREA, area_options, view.area, disabled=len(area_options) < 2),
            _select("Figures up to", ids.FILTER_PERIOD, period_options, view.period),
            html.Div(id=ids.DATA_AS_OF, className="data-as-of", **{"aria-live": "polite"}),
        ],
        className="filters",
        role="search",
        **{"aria-label": "Choose the board, area and period"},
    )


def _select(label: str, id_: str, options: list[dict], value: str, disabled: bool = False) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=id_, className="form-label"),
            dbc.Select(id=id_, options=options, value=value, disabled=disabled),
        ],
        className="filter",
    )


def status_badge(rag: str, word: str | None = None) -> html.Span:
    """Colour, word and shape together (WCAG 1.4.1)."""
    return html.Span(
        [html.Span(ICONS[rag], className="rag-icon", **{"aria-hidden": "true"}), " ", word or WORDS[rag]],
        className=f"rag-badge rag-badge-{rag}",
    )


def tile(a: Assessment, view: ViewState) -> html.A:
    """One scorecard tile; the whole tile is a link to the indicator page."""
    unit = a.indicator["unit"]
    rag = a.status.rag
    href = f"/indicator/{a.code}{view.query()}"
    body = [html.H3(a.indicator["title"], className="tile-title")]
    if a.figure is None:
        body.append(
            html.Div(
                [
                    html.P(
                        "No figure" + (" for the board total" if a.others else " in the dataset"),
                        className="tile-value tile-novalue",
                    ),
                    status_badge(rag),
                ],
                className="tile-status",
            )
        )
        if a.others:
            body.append(
                html.Ul(
                    [html.Li(f"{name}: {value} ({period})") for name, value, period in a.others],
                    className="tile-others",
                )
            )
    else:
        f = a.figure
        body += [
            html.Div(
                [html.P([html.Span(a.value_text, className="tile-number")], className="tile-value"), status_badge(rag)],
                className="tile-status",
            ),
            html.P(("Latest available: " if a.stale else "") + f.period_label, className="tile-period"),
        ]
        if a.direction.kind != "none":
            body.append(
                html.P(
                    [html.Span(a.direction.arrow, **{"aria-hidden": "true"}), " ", a.direction.text],
                    className=f"tile-direction dir-{a.direction.kind}",
                )
            )
        if a.interval:
            lo, hi = a.interval
            body.append(
                html.P(
                    f"95% interval {lo:.0f}% to {hi:.0f}% (n={format_value(f.denominator)})", className="tile-interval"
                )
            )
    if a.rule is not None and a.rule.kind != "none":
        detail = a.target_text
        if rag == "none" and a.status.reason not in ("no target", "no data"):
            detail = f"{a.target_text}: {a.status.reason}"
        body.append(html.P(detail, className="tile-target"))
    if a.comparisons:
        body.append(
            html.P(
                "; ".join(f"{c.name} {format_value(c.value, unit)}" for c in a.comparisons[:3]),
                className="tile-comparators",
            )
        )
    if a.flags:
        body.append(
            html.P(
                [
                    html.Span("\u2691", **{"aria-hidden": "true"}),
                    f" {len(a.flags)} data-quality flag{'s' if len(a.flags) > 1 else ''}",
                ],
                className="tile-flag",
                title="; ".join(a.flags),
            )
        )
    return html.A(
        body,
        href=href,
        className=f"rag-tile rag-{rag}" + (" tile-empty" if a.figure is None else ""),
        **{
            "data-rag": rag,
            "data-indicator": a.code,
            "aria-label": f"{a.indicator['title']}: {a.value_text}, {a.status.label}",
        },
    )


def empty_state(title: str, message: str, action: html.A | None = None) -> html.Div:
    return html.Div(
        [html.H2(title, className="h5"), html.P(message)] + ([action] if action else []),
        className="empty-state",
        role="status",
    )


def drill_panel(children=None, links: list[tuple[str, str]] | None = None) -> html.Section:
    """The panel a chart click fills. Until then it explains itself and (`links`: title, href) lists the page's
    indicators, so that every figure's detail is also reached from the keyboard, which cannot click a chart."""
    intro = [
        html.H2("Drill down", className="h5"),
        html.P(
            "Click a point or a bar in any chart to see what lies behind it: the breakdown for that period "
            "and area, the other areas, and where each figure came from."
        ),
    ]
    if links:
        intro.append(
            html.Details(
                [
                    html.Summary(f"Or open one of this page's {len(links)} indicators"),
                    html.Ul([html.Li(html.A(title, href=href)) for title, href in links], className="drill-index"),
                ]
            )
        )
    return html.Section(
        children or intro, id=ids.DRILL_PANEL, className="drill-panel", tabIndex="-1", **{"aria-live": "polite"}
    )


def loading(children, id_: str | None = None) -> dcc.Loading:
    return dcc.Loading(children, type="circle", color="#0072B2", delay_show=250, **({"id": id_} if id_ else {}))
