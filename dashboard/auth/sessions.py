"""Who is signed in: Flask-Login's current user, loaded from a server-side session in the database (AUTH_MODE=password),
from the sign-on proxy's headers (header) or as the local user (none); and signing in and out, with the throttle.

With a password, the browser's signed cookie holds only a random token (Flask-Login's user id); the session itself is
a row of `user_session`, so several workers (or hosts) agree on who is signed in, and a session ends for all of them
at once: by signing out, by idling SESSION_IDLE_MINUTES, after SESSION_MAX_HOURS, or by the user being disabled.
Failed sign-ins are counted in `login_attempt` (per name and per address), which the workers share too.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import flask_login
from flask import Flask, Request, current_app, g, has_request_context, session
from flask.sessions import SecureCookieSessionInterface

from dashboard.auth import passwords
from dashboard.auth.config import EXTENSION, auth_config
from dashboard.auth.proxy import cookie_secure, from_trusted_proxy, local_request_problem
from dashboard.auth.roles import User, make_user
from dashboard.settings import Settings
from data_access import auth_models as am
from data_access import db
from data_access.models import utcnow

log = logging.getLogger(__name__)

LOCAL_USER = User("local", "admin", frozenset({"admin"}))
_TOUCH_EVERY = timedelta(seconds=60)  # a session's last_seen_at is written at most this often
_USER_ID = "_user_id"  # where Flask-Login keeps the user id (here: the database session's token) in the cookie
_LEGACY_SID = "sid"  # where the cookie kept that token before Flask-Login


@dataclass(frozen=True)
class SessionUser(User):
    """A user signed in with a password. Flask-Login's id for them is their database session's token, so loading
    the user is looking the session up (and a copied cookie dies with the session)."""

    token: str = field(default="", repr=False, compare=False)

    # What Flask-Login asks of a user object.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """The database session's token (Flask-Login keeps it in the signed session cookie)."""
        return self.token


# --- the signed-in user of a request ----------------------------------------------------------------------------


def current_user() -> User | None:
    """The signed-in user of this request (name and role), or None (nobody, or outside a request)."""
    if not has_request_context() or EXTENSION not in current_app.extensions:
        return None
    user = flask_login.current_user._get_current_object()
    return user if isinstance(user, User) else None


def actor() -> str:
    """Who to name in the audit log for this request."""
    user = current_user()
    return user.name if user else "anonymous"


def init_login_manager(server: Flask) -> flask_login.LoginManager:
    """Install Flask-Login on `server` with this dashboard's loaders."""
    manager = flask_login.LoginManager()
    # The database session is the protection: it ends on the server, whatever the cookie says. Flask-Login's own
    # check of the browser's address and agent would sign out people whose address changes (mobile, VPN).
    manager.session_protection = None
    # "Remember me" is never offered, but Flask-Login reads its cookie before asking the request loader: under its
    # default name, a cookie set by another Flask app on the same host (localhost) would hide the local or sign-on
    # user. A name of our own keeps that from happening.
    server.config["REMEMBER_COOKIE_NAME"] = "board_remember"
    manager.user_loader(_user_from_database_session)
    manager.request_loader(_user_from_request)
    manager.init_app(server)
    return manager


def adopt_legacy_session() -> None:
    """A cookie from before Flask-Login kept the token under another key: move it, so nobody is signed out by the
    upgrade (the session row is the same)."""
    token = session.get(_LEGACY_SID)
    if token is not None:
        session.pop(_LEGACY_SID)
        if isinstance(token, str) and token and _USER_ID not in session:
            session[_USER_ID] = token


def _user_from_database_session(token: str) -> SessionUser | None:
    """Flask-Login's user_loader: the user of this database session, if it is still open; ends it when it has idled
    or lasted too long (the sign-in page then says why)."""
    settings = auth_config().settings
    if settings.auth_mode != "password" or not isinstance(token, str) or not token:
        return None
    now = utcnow()
    with db.session_scope() as s:
        row = am.find_session(s, token)
        if row is None or not row.active:
            session.pop(_USER_ID, None)
            return None
        idle = now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
        too_old = now - row.created_at > timedelta(hours=settings.session_max_hours)
        if idle or too_old:
            am.end_session(s, token)
            session.pop(_USER_ID, None)
            g.session_expired = True
            log.info("session of %s ended: %s", row.user_name, "idle" if idle else "too old")
            return None
        if now - row.last_seen_at > _TOUCH_EVERY:
            am.touch_session(s, token, now)
    return _session_user(make_user(row.user_name, [row.role]), token)


def _user_from_request(req: Request) -> User | None:
    """Flask-Login's request_loader, for the modes without a password: the sign-on proxy's user, or the local user.
    Each is believed only from where it may come (a trusted proxy; this computer)."""
    settings = auth_config().settings
    if settings.auth_mode == "none":
        return LOCAL_USER if local_request_problem() is None else None
    if settings.auth_mode == "header" and from_trusted_proxy():
        return user_from_headers(settings, req.headers)
    return None


def user_from_headers(settings: Settings, headers) -> User | None:
    """The user the sign-on proxy names in AUTH_USER_HEADER, with the roles in AUTH_ROLES_HEADER (comma, semicolon
    or space separated; unknown role names are ignored)."""
    name = headers.get(settings.auth_user_header, "").strip()
    if not name:
        return None
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)[:255]
    raw = headers.get(settings.auth_roles_header, "")
    return make_user(name, (r for r in re.split(r"[\s,;]+", raw.strip().lower()) if r))


def _session_user(user: User, token: str) -> SessionUser:
    return SessionUser(user.name, user.role, user.roles, token=token)


# --- signing in and out -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """What came of a try at the sign-in form: `signed_in` (with the user), `throttled` or `refused`."""

    outcome: Literal["signed_in", "throttled", "refused"]
    name: str
    user: SessionUser | None = None


def attempt_sign_in(settings: Settings, name: str, password: str, address: str, now: datetime | None = None) -> SignIn:
    """Check a name and password against the users, the throttle first; record the attempt; on success open a
    database session, and replace a password hash made with older or weaker parameters (scrypt, or a weaker
    Argon2id) with today's. Unknown names, wrong passwords and disabled users take as long and answer the same."""
    name = name.strip().lower()[:64]
    now = now or utcnow()
    window = timedelta(minutes=settings.login_lockout_minutes)
    with db.session_scope() as s:
        by_name, by_address = am.recent_failures(s, name, address, now - window)
    if by_name >= settings.login_max_failures or by_address >= settings.login_max_failures_per_address:
        log.warning(
            "sign-in throttled: name %r from %s (%d failures for the name, %d from the address, in %d minutes)",
            name,
            address,
            by_name,
            by_address,
            settings.login_lockout_minutes,
        )
        return SignIn("throttled", name)
    with db.session_scope() as s:
        row = am.get_user(s, name) if name else None
        stored = row.password_hash if row is not None and row.active else None
        role = row.role if row is not None else ""
    ok = bool(stored) and passwords.verify_password(password, stored or "")
    if not stored:
        passwords.burn_time_like_a_check(password)  # the same delay whether or not the name exists
    if not ok:
        with db.session_scope() as s:
            am.record_attempt(s, name, address, False, now)
        log.warning("sign-in failed: name %r from %s", name, address)
        return SignIn("refused", name)
    token = secrets.token_urlsafe(32)
    upgraded = passwords.hash_password(password) if passwords.needs_rehash(stored or "") else None
    with db.session_scope() as s:
        am.record_attempt(s, name, address, True, now)
        am.start_session(s, name, token, address, now)
        if upgraded:
            am.set_user_fields(s, name, password_hash=upgraded)
        am.prune_sessions(
            s, now - timedelta(minutes=settings.session_idle_minutes), now - timedelta(hours=settings.session_max_hours)
        )
        am.prune_attempts(s, now - am.ATTEMPTS_KEPT)
    if upgraded:
        log.info("password hash of %s upgraded to the current scheme", name)
    log.info("signed in: %s from %s", name, address)
    return SignIn("signed_in", name, _session_user(make_user(name, [role]), token))


def start_browser_session(user: SessionUser) -> None:
    """Make `user` the signed-in user of this browser: a new cookie session (nothing set before signing in is carried
    over, against session fixation), kept for SESSION_MAX_HOURS."""
    session.clear()
    flask_login.login_user(user)
    session.permanent = True


def end_browser_session() -> None:
    """Sign this browser out: its database session ends (for every worker) and its cookie session is emptied."""
    token = session.get(_USER_ID)
    user = current_user()
    if isinstance(token, str) and token:
        with db.session_scope() as s:
            am.end_session(s, token)
    if user is not None:
        log.info("signed out: %s", user.name)
    flask_login.logout_user()
    session.clear()


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the Secure flag set per request: on when the request came over https
    (directly, or as a trusted proxy says), or always with COOKIE_SECURE=always."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_secure()


def signed_in_summary() -> dict[str, str] | None:
    """Who is signed in, for the page header: name, role, how they sign out (`sign_out_url`) and whether that is
    through the organisation's single sign-on (`via`: password or header). None when nobody is, or when sign-in
    is off (AUTH_MODE=none: there is nobody to name and nothing to sign out of)."""
    user = current_user()
    if user is None or auth_config().mode == "none":
        return None
    return {"name": user.name, "role": user.role, "sign_out_url": "/logout", "via": auth_config().mode}
