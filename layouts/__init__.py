"""Pages and pure layout builders. No database calls here: content is drawn by callbacks.

Every page is registered with Dash Pages here, in the order the navigation shows them; the navigation is then read
back from Dash's page registry (`layouts.shell.nav_pages`), so a page added here appears in it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import dash

from dashboard.reference.registry import registry

TITLE = "Safeguarding board dashboard"


class PageError(ValueError):
    """A page's metadata is wrong; the message names the page and what is missing."""


def register_page(
    module: str,
    *,
    order: int,
    name: str,
    layout: Callable,
    path: str | None = None,
    path_template: str | None = None,
    title: str | Callable | None = None,
    nav: str | None = None,
    nav_label: str | None = None,
) -> None:
    """Register one page, after checking what the shell and the navigation rely on: a name, an address that
    starts with '/' and is no other page's, and (for a page in the navigation) a label. Raises PageError naming the
    page and the problem."""
    where = f"page {module!r}"
    if not name:
        raise PageError(f"{where}: a page needs a name (its title)")
    address = path or path_template
    if not address or not address.startswith("/"):
        raise PageError(f"{where}: a page needs an address starting with '/', not {address!r}")
    for other in dash.page_registry.values():
        if other["module"] != module and address in (other.get("path"), other.get("path_template")):
            raise PageError(f"{where}: {address!r} is already the address of page {other['module']!r}")
    if nav is not None and not (nav_label or "").strip():
        raise PageError(f"{where}: a page in the navigation needs a label")
    extra = {"nav": nav, "nav_label": nav_label} if nav is not None else {}
    dash.register_page(
        module,
        path=path,
        path_template=path_template,
        name=name,
        title=title or f"{name} - {TITLE}",
        layout=layout,
        order=order,
        **extra,
    )


def register_pages() -> None:
    """Register every page with Dash Pages: the scorecard, a page per domain that has one (from the registry),
    the indicator page, exceptions, challenges, about, and the page for an unknown address."""
    from layouts import about, board, challenges, domain, exceptions, indicator, overview

    order = itertools.count()  # the navigation's order is the order of registration
    register_page(
        "overview",
        order=next(order),
        path="/",
        name="Scorecard",
        layout=overview.layout,
        nav="overview",
        nav_label="Scorecard",
    )
    for spec in registry().domain_pages():
        register_page(
            f"domain_{spec.code}",
            order=next(order),
            path=spec.path,
            name=spec.title,
            layout=board.domain_layout if spec.code == board.DOMAIN else domain.make_layout(spec.code),
            nav=spec.code,
            nav_label=spec.nav_label,
        )
    register_page(
        "exceptions",
        order=next(order),
        path="/exceptions",
        name="Exceptions",
        layout=exceptions.layout,
        nav="exceptions",
        nav_label="Exceptions",
    )
    register_page(
        "challenges",
        order=next(order),
        path="/challenges",
        name="Challenges",
        title=f"Challenge log - {TITLE}",
        layout=challenges.layout,
        nav="challenges",
        nav_label="Challenges",
    )
    register_page(
        "board_record", order=next(order), path=board.RECORD_PATH, name="Record a meeting", layout=board.record_layout
    )
    register_page(
        "indicator",
        order=next(order),
        path_template="/indicator/<code>",
        name="Indicator",
        title=indicator_title,
        layout=indicator.layout,
    )
    register_page("about", order=next(order), path="/about", name="About the data", layout=about.layout)
    dash.register_page("not_found_404", layout=not_found, title=f"Page not found - {TITLE}")


def indicator_title(code: str | None = None, **_query) -> str:
    """The browser tab names the indicator (or says it is not found), so several open tabs can be told apart."""
    spec = registry().indicators.get(code or "")
    return f"{spec.title if spec else 'Indicator not found'} - {TITLE}"


def not_found(**_kwargs):
    from dash import html

    return html.Div(
        [
            html.H1("Page not found"),
            html.P(["There is no page at this address. ", html.A("Go to the scorecard", href="/"), "."]),
        ],
        className="page page-not-found",
        role="alert",
    )
