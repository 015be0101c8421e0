"""The page shell: skip link, header with navigation and meeting mode, the page container."""

from __future__ import annotations

from dataclasses import dataclass

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.reference.registry import registry
from dashboard.web import ids
from layouts.user_menu import user_menu


@dataclass(frozen=True)
class NavItem:
    page: str  # the key of its link's id
    label: str
    path: str


def nav_pages() -> list[NavItem]:
    """The pages in the navigation, read from Dash's page registry in its order (the order of registration)."""
    return [NavItem(p["nav"], p["nav_label"], p["path"]) for p in dash.page_registry.values() if p.get("nav")]


def app_shell():
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            html.A("Skip to main content", href="#main", className="skip-link"),
            html.Header(
                [
                    html.Div(
                        [
                            html.A(
                                [
                                    html.Span("\u25a3", className="brand-mark", **{"aria-hidden": "true"}),
                                    " Safeguarding board dashboard",
                                ],
                                href="/",
                                className="brand",
                            ),
                            html.Nav(
                                html.Ul(
                                    [
                                        html.Li(
                                            dcc.Link(
                                                p.label, href=p.path, id=ids.nav_link(p.page), className="nav-link"
                                            )
                                        )
                                        for p in nav_pages()
                                    ],
                                    className="nav",
                                ),
                                id=ids.NAV,
                                **{"aria-label": "Pages"},
                            ),
                            html.A(
                                "Meeting mode",
                                id=ids.MEETING_LINK,
                                href="/?meeting=1",
                                className="btn meeting-toggle",
                                role="button",
                            ),
                            user_menu(),
                        ],
                        className="header-inner",
                    ),
                ],
                className="app-header",
            ),
            html.Main(
                [html.Div(id=ids.VIEW_NOTICE, role="status", className="view-notice"), dash.page_container],
                id="main",
                tabIndex="-1",
            ),
            html.Footer(
                html.P(
                    [
                        f"{len(registry().indicators)} indicators. "
                        "Every figure links to the document and line it came from. ",
                        html.A("About the data", href="/about"),
                    ]
                ),
                className="app-footer",
            ),
        ],
        id=ids.SHELL,
    )


def page_header(title: str, lead: str) -> html.Div:
    return html.Div([html.H1(title), html.P(lead, className="lead")], className="page-header")


def board_name(code: str) -> str:
    b = registry().boards.get(code)
    return b.short_name if b else code


__all__ = ["app_shell", "page_header", "board_name", "nav_pages", "NavItem", "dbc"]
