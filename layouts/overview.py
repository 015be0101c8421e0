"""Overview: the scorecard."""

from __future__ import annotations

from dash import html


def layout(**_query):
    return html.Div([html.H1("Scorecard")], className="overview")
