"""The page shell: header, navigation, and the page container."""

from __future__ import annotations

import dash
from dash import dcc, html


def app_shell():
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.A("Skip to main content", href="#main", className="skip-link"),
        html.Header(html.Div([
            html.A("Safeguarding board dashboard", href="/", className="brand"),
        ], className="container-fluid d-flex align-items-center"), className="app-header"),
        html.Main(dash.page_container, id="main", className="container-fluid py-3", tabIndex="-1"),
    ])
