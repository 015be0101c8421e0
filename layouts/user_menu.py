"""The header's 'NAME (role) - Sign out' block, drawn from dashboard.auth's plain summary of who is signed in."""

from __future__ import annotations

from dash import html

from dashboard.auth import signed_in_summary


def user_menu() -> html.Div:
    """Who is signed in and a link to sign out; an empty block when nobody is or sign-in is off."""
    summary = signed_in_summary()
    if summary is None:
        return html.Div(className="user-menu")
    label = f"{summary['name']} ({summary['role']})"
    if summary["via"] == "header":
        # Signing out happens at the organisation's single sign-on (the link says where).
        return html.Div(
            [html.Span(label), " ", html.A("Sign out", href=summary["sign_out_url"])], className="user-menu"
        )
    # Signing out is a POST with its CSRF token on the /logout page (one click there).
    return html.Div(
        [
            html.Span(label, className="user-menu-name"),
            " ",
            html.A("Sign out", href=summary["sign_out_url"], className="btn btn-sm user-menu-signout"),
        ],
        className="user-menu",
    )
