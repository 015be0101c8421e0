"""The page shell: skip link, header with navigation and meeting mode, the page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.reference.registry import registry
from dashboard.web import ids
from layouts.user_menu import user_menu

PAGES = [("overview", "Scorecard", "/"), ("front_door", "Front door", "/front-door"),
         ("child_protection", "Child protection", "/child-protection"),
         ("looked_after", "Looked after", "/looked-after"), ("care_leavers", "Care leavers", "/care-leavers"),
         ("training", "Training", "/training"), ("exceptions", "Exceptions", "/exceptions"),
         ("challenges", "Challenges", "/challenges")]


def app_shell():
    return html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        html.A("Skip to main content", href="#main", className="skip-link"),
        html.Header([
            html.Div([
                html.A([html.Span("\u25a3", className="brand-mark", **{"aria-hidden": "true"}),
                        " Safeguarding board dashboard"], href="/", className="brand"),
                html.Nav(html.Ul([html.Li(dcc.Link(label, href=path, id=ids.nav_link(page), className="nav-link"))
                                  for page, label, path in PAGES], className="nav"),
                         id=ids.NAV, **{"aria-label": "Pages"}),
                html.A("Meeting mode", id=ids.MEETING_LINK, href="/?meeting=1", className="btn meeting-toggle",
                       role="button"),
                user_menu(),
            ], className="header-inner"),
        ], className="app-header"),
        html.Main(dash.page_container, id="main", tabIndex="-1"),
        html.Footer(html.P([
            f"{len(registry().indicators)} indicators. Every figure links to the document and line it came from. ",
            html.A("About the data", href="/about"),
        ]), className="app-footer"),
    ], id=ids.SHELL)


def page_header(title: str, lead: str) -> html.Div:
    return html.Div([html.H1(title), html.P(lead, className="lead")], className="page-header")


def board_name(code: str) -> str:
    b = registry().boards.get(code)
    return b.short_name if b else code


__all__ = ["app_shell", "page_header", "board_name", "dbc"]
