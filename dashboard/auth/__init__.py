"""Sign-in, roles and security headers: the dashboard is secure by default.

AUTH_MODE (dashboard.settings):
- `none`: the embedded single-user default. Everyone is the local user (with every role), so it answers only
  requests made on this computer: `serve` refuses a non-loopback address, and each request must come from a
  loopback address, name a loopback host, and not be forwarded by a proxy (this covers gunicorn, whose bind
  address the app is not told, and DNS-rebinding pages in the user's own browser).
- `password`: users in the database (`board-dashboard user add`), passwords hashed with Argon2id (older scrypt
  hashes still sign in and are upgraded then); a server-side session per sign-in, ended by signing out, by idling
  SESSION_IDLE_MINUTES, after SESSION_MAX_HOURS, or by the user being disabled. Failed sign-ins are throttled per
  name and per address, in the database (shared by workers).
- `header`: a trusted reverse proxy (the council's single sign-on) names the user and roles in AUTH_USER_HEADER
  and AUTH_ROLES_HEADER; those headers are believed only from TRUSTED_PROXIES, and any other caller is refused.

Roles, and how they include each other, are in roles.py: viewer < contributor < chair; analyst includes
contributor (not chair); admin includes every role. Each write callback or route is wrapped with `require_role`
(registry.py), and the guard refuses it before anything runs to a user without the role.

The modules, one job each:
    config.py     the settings of one app, the secret key file
    proxy.py      loopback, trusted proxies, the browser's address, https
    sessions.py   Flask-Login's user: database sessions, sign-on headers, the local user; signing in and out
    passwords.py  Argon2id hashing, the upgrade of older hashes, the weak-password rule
    csrf.py       the CSRF token of a browser session
    registry.py   require_role and the roles each write callback and route needs
    guard.py      the before-request guard and the security headers (CSP)
    pages.py      /login, /logout, /admin/audit and the message pages (Jinja templates in templates/)

CSRF: with sign-in on, every request that is not GET/HEAD/OPTIONS must carry this browser session's token: Dash's
renderer sends the `_csrf_token` cookie back as the X-CSRFToken header by itself, and the sign-in and sign-out
forms carry it as a field. Cross-site writes (Sec-Fetch-Site: cross-site) are refused in every mode.

This package's names below are the ones the rest of the app uses; import them from `dashboard.auth`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import flask

from dashboard.auth import passwords
from dashboard.auth.config import (
    EXTENSION,
    SECRET_FILE,
    SESSION_COOKIE,
    AuthConfig,
    AuthConfigError,
    check_settings,
    load_or_create_secret,
)
from dashboard.auth.csrf import CSRF_COOKIE, CSRF_HEADER, csrf_token
from dashboard.auth.guard import after, content_security_policy, external_origins, guard
from dashboard.auth.pages import blueprint, safe_next
from dashboard.auth.proxy import client_address, is_loopback_host, networks, request_is_https, serving_refusal
from dashboard.auth.registry import (
    WRITE_CALLBACKS,
    WRITE_ROUTES,
    require_role,
    roles_for_output,
    watch_callbacks,
    write_callbacks,
)
from dashboard.auth.roles import ROLE_DESCRIPTIONS, ROLE_INCLUDES, ROLES, User, has_role, make_user
from dashboard.auth.sessions import (
    LOCAL_USER,
    CookieSessions,
    actor,
    current_user,
    init_login_manager,
    signed_in_summary,
)
from dashboard.settings import Settings
from data_access import auth_models as am
from data_access import db

log = logging.getLogger(__name__)

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "LOCAL_USER",
    "ROLES",
    "ROLE_DESCRIPTIONS",
    "ROLE_INCLUDES",
    "SECRET_FILE",
    "SESSION_COOKIE",
    "WRITE_CALLBACKS",
    "WRITE_ROUTES",
    "AuthConfigError",
    "User",
    "actor",
    "client_address",
    "content_security_policy",
    "csrf_token",
    "current_user",
    "has_role",
    "init_auth",
    "is_loopback_host",
    "load_or_create_secret",
    "make_user",
    "passwords",
    "request_is_https",
    "require_role",
    "roles_for_output",
    "safe_next",
    "serving_refusal",
    "signed_in_summary",
    "write_callbacks",
]


def init_auth(app, settings: Settings) -> None:
    """Install sign-in, CSRF protection, role checks and security headers on the Dash app's Flask server. Call it
    before the callbacks are registered: the role registry records each one as it is registered."""
    server: flask.Flask = app.server
    check_settings(settings)
    server.extensions[EXTENSION] = AuthConfig(
        settings=settings,
        dash_app=app,
        proxies=networks(settings.trusted_proxies),
        callbacks=watch_callbacks(app),
        external_origins=external_origins(app),
    )
    server.secret_key = settings.secret_key or load_or_create_secret(settings.instance_path)
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
    )
    server.session_interface = CookieSessions()
    init_login_manager(server)
    # The guard runs before every other hook (Dash's own setup included), so nothing runs for a refused request.
    server.before_request_funcs.setdefault(None, []).insert(0, guard)
    server.after_request(after)
    server.register_blueprint(blueprint)
    log.info("sign-in: AUTH_MODE=%s", settings.auth_mode)
    if settings.auth_mode == "password":
        try:
            with db.session_scope() as s:
                n = am.count_active_users(s)
        except Exception:  # noqa: BLE001 - a missing table is reported by the migration check, not here
            n = 1
        if n == 0:
            log.warning(
                "AUTH_MODE=password but nobody can sign in yet: add a user with "
                "`board-dashboard user add NAME --role admin --password-stdin`"
            )
