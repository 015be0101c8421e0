"""The guard: runs before every other hook of every request, and the security headers on every answer.

Before: refuse cross-site writes (every mode); answer only this computer without sign-in, only the trusted proxy in
header mode; find the user (Flask-Login); send the anonymous to sign in; refuse a user without a role, a write
without this session's CSRF token, and a write callback or route to a user without its role.

After: a CSP (scripts from this site and Dash's inline scripts by hash), no framing, nosniff, a referrer policy,
`Cache-Control: no-store` on everything but fingerprinted library files, and the CSRF cookie Dash sends back.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

import flask
from flask import g, redirect, request

from dashboard.auth.config import auth_config
from dashboard.auth.csrf import CSRF_COOKIE, CSRF_HEADER, csrf_matches, csrf_token
from dashboard.auth.pages import message_page
from dashboard.auth.proxy import (
    client_address,
    cookie_secure,
    from_trusted_proxy,
    local_request_problem,
    request_is_https,
)
from dashboard.auth.registry import roles_needed
from dashboard.auth.roles import has_role
from dashboard.auth.sessions import adopt_legacy_session, current_user

log = logging.getLogger(__name__)

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Answered without signing in: the sign-in pages, their stylesheet, the icon, and the load balancers' check.
PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/assets/auth.css", "/_favicon.ico"})
# Long-lived, fingerprinted library files: cacheable. Everything else may carry the board's data: never stored.
_STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")


def guard() -> flask.Response | tuple[flask.Response, int] | None:
    """Flask before-request hook: None lets the request through; anything else is the refusal."""
    cfg = auth_config()
    mode = cfg.mode
    path = request.path
    if path == "/healthz":
        return None  # for load balancers: open, and it says nothing sensitive
    if request.method not in _SAFE_METHODS and request.headers.get("Sec-Fetch-Site") == "cross-site":
        log.warning("refused a cross-site %s %s from %s", request.method, path, client_address())
        return message_page(
            403,
            "Request refused",
            "This request came from another website, so it was refused. Open the dashboard directly and try again.",
        )
    if mode == "none":
        problem = local_request_problem()
        if problem:
            log.warning("AUTH_MODE=none refused a %s: set AUTH_MODE=password or header to serve others", problem)
            return message_page(
                403,
                "Sign-in is not set up",
                (
                    f"This dashboard runs without sign-in (AUTH_MODE=none), so it answers only on the computer it "
                    f"runs on ({problem}). To serve it to others, the administrator sets AUTH_MODE=password (and "
                    "adds users with board-dashboard user add) or AUTH_MODE=header behind the single sign-on."
                ),
            )
    elif mode == "header":
        if not from_trusted_proxy():
            log.warning(
                "header sign-in: refused %s %s from %s, which is not in TRUSTED_PROXIES",
                request.method,
                path,
                request.remote_addr,
            )
            return message_page(
                403,
                "Use the sign-in address",
                (
                    "This dashboard accepts requests only through your organisation's single sign-on. Open it from "
                    "the usual link, or ask the administrator for the address."
                ),
            )
    else:
        adopt_legacy_session()

    user = current_user()  # Flask-Login: the database session, the sign-on's headers, or the local user
    g.auth_checked = True
    if path in PUBLIC_PATHS:
        return None
    if user is None:
        return _unauthenticated(mode)
    if not user.has("viewer"):
        log.warning("refused %s %s to %s: no known role", request.method, path, user.name)
        return message_page(
            403,
            "No access",
            (
                "You are signed in, but your account has no role on this dashboard. Ask the administrator to give "
                "you one (viewer, contributor, chair, analyst or admin)."
            ),
        )
    if mode != "none" and request.method not in _SAFE_METHODS and not csrf_matches(request.headers.get(CSRF_HEADER)):
        log.warning("refused %s %s from %s: missing or wrong CSRF token", request.method, path, user.name)
        return flask.jsonify(
            error="This request did not carry this session's security token. Reload the page and try again."
        ), 400
    for roles in roles_needed(cfg.callbacks):
        if not has_role(user, *roles):
            log.warning(
                "refused %s %s to %s (%s): needs %s",
                request.method,
                path,
                user.name,
                user.role or "no role",
                " or ".join(roles),
            )
            return flask.jsonify(
                error=f"This needs the {' or '.join(roles)} role; you are signed in as "
                f"{user.name} ({user.role}). Ask the administrator if you need it."
            ), 403
    return None


def _is_page_request() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(("/_", "/assets/"))
        and request.accept_mimetypes.accept_html
    )


def _unauthenticated(mode: str) -> flask.Response | tuple[flask.Response, int]:
    if mode == "password" and _is_page_request():
        target = request.full_path if request.query_string else request.path
        url = "/login?next=" + quote(target, safe="/")
        if g.get("session_expired"):
            url += "&expired=1"
        return redirect(url, 302)
    if mode == "header":
        return message_page(
            401,
            "Not signed in",
            (
                "The single sign-on did not say who you are. Open the dashboard from your organisation's usual link; "
                "if this keeps happening, tell the administrator."
            ),
        )
    body = {"error": "Sign in first.", "login": "/login"}
    if g.get("session_expired"):
        body["error"] = "Your session ended because it was idle. Sign in again."
    return flask.jsonify(body), 401


# --- responses: security headers --------------------------------------------------------------------------------


def external_origins(app) -> dict[str, list[str]]:
    """Origins of the stylesheets and scripts the app is configured to load from elsewhere (e.g. a CDN)."""

    def origins(items) -> list[str]:
        out = []
        for item in items or ():
            url = item.get("href") or item.get("src") if isinstance(item, dict) else item
            parts = urlsplit(str(url or ""))
            if parts.scheme in ("https", "http") and parts.netloc:
                out.append(f"{parts.scheme}://{parts.netloc}")
        return sorted(set(out))

    return {"style": origins(app.config.external_stylesheets), "script": origins(app.config.external_scripts)}


def content_security_policy(app=None) -> str:
    """The CSP: scripts only from this site and Dash's own inline scripts (by hash); no framing; no plugins.
    Inline styles are allowed because Plotly and AG Grid set styles at run time (a style cannot run code)."""
    cfg = auth_config()
    app = app or cfg.dash_app
    hashes = list(app.csp_hashes())
    ext = cfg.external_origins
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *hashes, *ext.get("script", [])],
        "style-src": ["'self'", "'unsafe-inline'", *ext.get("style", [])],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:", *ext.get("style", [])],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())


def after(response: flask.Response) -> flask.Response:
    """Flask after-request hook: the security headers, and the CSRF cookie for a signed-in browser."""
    cfg = auth_config()
    h = response.headers
    h.setdefault("Content-Security-Policy", content_security_policy(cfg.dash_app))
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request_is_https():
        h.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.path.startswith(_STATIC_PREFIXES):
        h["Cache-Control"] = "no-store"  # pages and data about children must not stay in shared or disk caches
    # Only once the guard has found the user: a refused request never loads one.
    if cfg.mode != "none" and g.get("auth_checked") and current_user() is not None:
        token = csrf_token()
        if request.cookies.get(CSRF_COOKIE) != token:
            # Readable by the page's script (Dash sends it back as a header); SameSite keeps it off other sites.
            response.set_cookie(CSRF_COOKIE, token, secure=cookie_secure(), httponly=False, samesite="Strict", path="/")
    return response
