"""The shell: meeting mode and navigation follow the URL, so every link keeps the current view."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output

from dashboard.reference.view import view_from_query, view_notice
from dashboard.web import ids
from layouts.shell import nav_pages


def update_shell(search: str | None, pathname: str | None):
    """Meeting mode on or off, the toggle's link, and nav links that carry the board, area and period."""
    view = view_from_query(search)
    query = view.query()
    toggle = view.query(meeting=not view.meeting)
    nav = nav_pages()
    hrefs = [p.path + query for p in nav]
    classes = ["nav-link active" if (pathname or "/") == p.path else "nav-link" for p in nav]
    return (
        "meeting" if view.meeting else "",
        f"{pathname or '/'}{toggle}",
        "Leave meeting mode" if view.meeting else "Meeting mode",
        hrefs,
        classes,
    )


def show_view_notice(search: str | None) -> str:
    """What the page says when its address named a board, area or period that does not exist: the page shows the
    default view instead, and the reader should know it is not the one they asked for."""
    return view_notice(search)


def register(app: dash.Dash) -> None:
    app.callback(
        Output(ids.SHELL, "className"),
        Output(ids.MEETING_LINK, "href"),
        Output(ids.MEETING_LINK, "children"),
        Output(ids.nav_link(ALL), "href"),
        Output(ids.nav_link(ALL), "className"),
        Input(ids.URL, "search"),
        Input(ids.URL, "pathname"),
    )(update_shell)
    app.callback(Output(ids.VIEW_NOTICE, "children"), Input(ids.URL, "search"))(show_view_notice)
