"""The server-rendered pages of signing in: /login, /logout, /admin/audit, and the refusal and message pages.

Rendered from Jinja templates in templates/ (autoescaped: a user name, an audit detail or a message can hold any
text and never becomes markup)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import flask
from flask import Blueprint, abort, redirect, render_template, request

from dashboard.auth.config import auth_config
from dashboard.auth.csrf import CSRF_COOKIE, CSRF_HEADER, csrf_matches, csrf_token
from dashboard.auth.proxy import client_address
from dashboard.auth.roles import has_role
from dashboard.auth.sessions import attempt_sign_in, current_user, end_browser_session, start_browser_session
from data_access import audit

log = logging.getLogger(__name__)

blueprint = Blueprint("auth", __name__, template_folder="templates")


def render(status: int, template: str, title: str, **context: object) -> flask.Response:
    """An HTML answer from one of the templates, with `status`."""
    return flask.Response(render_template(template, title=title, **context), status=status, mimetype="text/html")


def message_page(status: int, title: str, message: str) -> flask.Response:
    """A page that says one thing: a refusal, or what to do next."""
    return render(status, "message.html", title, message=message)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, not the sign-in pages); anything else goes to the start."""
    target = (target or "").strip()
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(ord(c) < 32 for c in target)
        or urlsplit(target).path in ("/login", "/logout")
    ):
        return "/"
    return target


def _login_form(
    status: int, *, error: str = "", notice: str = "", username: str = "", next_url: str = "/"
) -> flask.Response:
    return render(
        status,
        "login.html",
        "Sign in",
        error=error,
        notice=notice,
        username=username,
        next_url=safe_next(next_url),
        csrf_token=csrf_token(),
        idle_minutes=auth_config().settings.session_idle_minutes,
    )


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> flask.Response:
    """The sign-in form (AUTH_MODE=password; elsewhere it goes to the start page)."""
    settings = auth_config().settings
    if settings.auth_mode != "password":
        return redirect("/", 302)
    if request.method == "GET":
        if current_user() is not None:
            return redirect(safe_next(request.args.get("next")), 302)
        notice = ""
        if request.args.get("expired"):
            notice = (
                f"You were signed out after {settings.session_idle_minutes} minutes without activity. "
                "Sign in again to carry on."
            )
        elif request.args.get("signed_out"):
            notice = "You have signed out."
        return _login_form(200, notice=notice, next_url=request.args.get("next", "/"))

    form = request.form
    next_url = safe_next(form.get("next"))
    if not csrf_matches(form.get("csrf_token")):
        log.warning("sign-in form refused from %s: missing or wrong CSRF token", client_address())
        return _login_form(
            400,
            error="This sign-in form had expired or did not come from this site. Enter your name and password again.",
            next_url=next_url,
        )
    result = attempt_sign_in(settings, form.get("username", ""), form.get("password", ""), client_address())
    if result.outcome == "throttled":
        return _login_form(
            429,
            username=result.name,
            next_url=next_url,
            error=(
                f"Too many failed sign-in attempts. Wait {settings.login_lockout_minutes} minutes, then try again. "
                "If you have forgotten your password, ask the dashboard's administrator to reset it."
            ),
        )
    if result.user is None:
        return _login_form(
            401,
            username=result.name,
            next_url=next_url,
            error=(
                "That user name and password do not match. Check both and try again (passwords are case-sensitive). "
                f"After {settings.login_max_failures} failed attempts, sign-in pauses for "
                f"{settings.login_lockout_minutes} minutes."
            ),
        )
    start_browser_session(result.user)
    return redirect(next_url, 303)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout() -> flask.Response:
    """Sign out: a page with a button (GET), which posts the form with its CSRF token (POST)."""
    settings = auth_config().settings
    if settings.auth_mode == "header":
        if settings.auth_logout_url:
            return redirect(settings.auth_logout_url, 302)
        return message_page(
            200, "Signing out", "Sign out through your organisation's single sign-on, then close the browser."
        )
    if settings.auth_mode == "none":
        return redirect("/", 302)
    user = current_user()
    if request.method == "GET":
        if user is None:
            return redirect("/login", 302)
        return render(200, "logout.html", "Sign out", user=user, csrf_token=csrf_token())
    if not csrf_matches(request.form.get("csrf_token")) and not csrf_matches(request.headers.get(CSRF_HEADER)):
        return message_page(
            400, "Sign-out form expired", "This sign-out form had expired. Go back, reload the page and sign out again."
        )
    end_browser_session()
    response = redirect("/login?signed_out=1", 303)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@blueprint.get("/admin/audit")
def audit_page() -> flask.Response:
    """The newest entries of the audit log, for admins (`?limit=N`, `?action=NAME`)."""
    if not has_role(current_user(), "admin"):
        abort(403)
    try:
        limit = max(1, min(1000, int(request.args.get("limit", 200))))
    except ValueError:
        limit = 200
    rows = audit.recent(limit, action=request.args.get("action") or None)
    return render(200, "audit.html", "Audit log", rows=rows)
