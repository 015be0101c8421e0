"""Sign-in, roles and security headers: the dashboard is secure by default.

AUTH_MODE (dashboard.settings):
- `none`: the embedded single-user default. Everyone is the local user (with every role), so it answers only
  requests made on this computer: `serve` refuses a non-loopback address, and each request must come from a
  loopback address, name a loopback host, and not be forwarded by a proxy (this covers gunicorn, whose bind
  address the app is not told, and DNS-rebinding pages in the user's own browser).
- `password`: users in the database (`board-dashboard user add`), passwords hashed with scrypt; a server-side
  session per sign-in, ended by signing out, by idling SESSION_IDLE_MINUTES, after SESSION_MAX_HOURS, or by the
  user being disabled. Failed sign-ins are throttled per name and per address, in the database (shared by workers).
- `header`: a trusted reverse proxy (the council's single sign-on) names the user and roles in AUTH_USER_HEADER
  and AUTH_ROLES_HEADER; those headers are believed only from TRUSTED_PROXIES, and any other caller is refused.

Roles, and how they include each other, are in dashboard.auth.roles (re-exported here): viewer < contributor < chair;
analyst includes contributor (not chair); admin includes every role.

CSRF: with sign-in on, every request that is not GET/HEAD/OPTIONS must carry this browser session's token: Dash's
renderer sends the `_csrf_token` cookie back as the X-CSRFToken header by itself, and the sign-in and sign-out
forms carry it as a field. Cross-site writes (Sec-Fetch-Site: cross-site) are refused in every mode. Responses
carry a CSP (scripts from this site and Dash's inline scripts by hash), no-framing, nosniff, a referrer policy, and
`Cache-Control: no-store` on everything but fingerprinted library files.

Every write is checked on the server, whatever the page shows. Wrap the function of each Dash callback or Flask
route that writes with `require_role`, directly under the registering decorator:

    @app.callback(Output(ids.COMMENT_SAVED, "children"), Input(ids.SAVE, "n_clicks"), State(ids.TEXT, "value"),
                  prevent_initial_call=True)
    @require_role("contributor")
    def save_commentary(n_clicks, text): ...

The request is then refused with 403 before Dash runs anything, for a user without the role (401 when nobody is
signed in), and the callback is listed in WRITE_CALLBACKS (output id -> roles), which a test uses to call every
write callback as a viewer. In a unit test call the undecorated function as `save_commentary.__wrapped__(...)`.
For the audit log, `actor()` names whoever is signed in.
"""

from __future__ import annotations

import functools
import html
import inspect
import ipaddress
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import flask
from flask import abort, current_app, g, has_request_context, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from dashboard.auth import passwords
from dashboard.auth.roles import ROLE_DESCRIPTIONS as ROLE_DESCRIPTIONS  # re-exported for the rest of the app
from dashboard.auth.roles import ROLE_INCLUDES, ROLES, User, has_role, make_user
from dashboard.settings import Settings
from data_access import audit, db
from data_access import auth_models as am
from data_access.models import utcnow

log = logging.getLogger("dashboard.auth")

CSRF_COOKIE = "_csrf_token"  # Dash's renderer sends this cookie back as the X-CSRFToken header on every request
CSRF_HEADER = "X-CSRFToken"
SESSION_COOKIE = "board_session"
SECRET_FILE = "secret_key"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Answered without signing in: the sign-in pages, their stylesheet, the icon, and the load balancers' check.
_PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/assets/auth.css", "/_favicon.ico"})
# Long-lived, fingerprinted library files: cacheable. Everything else may carry the board's data: never stored.
_STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
_TOUCH_EVERY = timedelta(seconds=60)  # a session's last_seen_at is written at most this often

# Every function wrapped by require_role (and its wrapper) -> the roles it needs.
_GUARDED: dict[Callable, tuple[str, ...]] = {}
# Output id of each write callback -> the roles it needs; refreshed by write_callbacks(app) and at first request.
WRITE_CALLBACKS: dict[str, tuple[str, ...]] = {}
# Rule of each write route -> the roles it needs.
WRITE_ROUTES: dict[str, tuple[str, ...]] = {}


class AuthConfigError(SystemExit):
    """A sign-in setting that cannot work: the server does not start, and the message says what to set."""


# --- users and roles --------------------------------------------------------------------------------------------


LOCAL_USER = User("local", "admin", frozenset({"admin"}))


def current_user() -> User | None:
    """The signed-in user of this request (name and role), or None (nobody, or outside a request)."""
    if not has_request_context():
        return None
    return g.get("board_user")


def actor() -> str:
    """Who to name in the audit log for this request."""
    user = current_user()
    return user.name if user else "anonymous"


# --- require_role -----------------------------------------------------------------------------------------------


def require_role(*roles: str) -> Callable[[Callable], Callable]:
    """Refuse on the server (401 signed out, 403 without the role) unless the user holds one of `roles`.

    Use directly under `@app.callback(...)` / `@dash.callback(...)` or under a Flask route decorator (see the
    module docstring). The check runs twice: before dispatch (by output id or route, so an `on_error` handler
    cannot swallow it) and inside the wrapper."""
    unknown = [r for r in roles if r not in ROLE_INCLUDES]
    if not roles or unknown:
        raise ValueError(f"require_role needs one or more of {', '.join(ROLES)}; got {roles!r}")

    def decorate(func: Callable) -> Callable:
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args, **kwargs):
                _check(roles, func)
                return await func(*args, **kwargs)

            wrapper = async_wrapper
        else:
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                _check(roles, func)
                return func(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        _GUARDED[func] = roles
        _GUARDED[wrapper] = roles
        return wrapper

    return decorate


def _check(roles: tuple[str, ...], func: Callable) -> None:
    if not has_request_context():
        raise PermissionError(f"{func.__qualname__} writes and needs a signed-in {' or '.join(roles)}; "
                              "outside a request (a unit test) call its __wrapped__ function instead")
    user = current_user()
    if user is None:
        abort(401)
    if not has_role(user, *roles):
        log.warning("refused %s to %s (%s): needs %s", func.__qualname__, user.name, user.role or "no role",
                    " or ".join(roles))
        abort(403)


def _roles_for(fn: object) -> tuple[str, ...] | None:
    """The roles a registered callable needs, following functools.wraps chains (either decorator order)."""
    seen = 0
    while fn is not None and seen < 20:
        try:
            if fn in _GUARDED:
                return _GUARDED[fn]  # type: ignore[index]
        except TypeError:  # unhashable
            pass
        fn = getattr(fn, "__wrapped__", None)
        seen += 1
    return None


def _callback_entry(dash_app, output: str) -> dict | None:
    from dash import _callback

    return dash_app.callback_map.get(output) or _callback.GLOBAL_CALLBACK_MAP.get(output)


def write_callbacks(dash_app) -> dict[str, tuple[str, ...]]:
    """Find every write callback and route of this app; refresh WRITE_CALLBACKS and WRITE_ROUTES."""
    from dash import _callback

    found: dict[str, tuple[str, ...]] = {}
    for mapping in (_callback.GLOBAL_CALLBACK_MAP, dash_app.callback_map):
        for output, entry in mapping.items():
            roles = _roles_for(entry.get("callback"))
            if roles:
                found[output] = roles
    WRITE_CALLBACKS.clear()
    WRITE_CALLBACKS.update(found)
    routes: dict[str, tuple[str, ...]] = {}
    for rule in dash_app.server.url_map.iter_rules():
        roles = _roles_for(dash_app.server.view_functions.get(rule.endpoint))
        if roles:
            routes[rule.rule] = roles
    WRITE_ROUTES.clear()
    WRITE_ROUTES.update(routes)
    return dict(found)


def _roles_needed() -> tuple[str, ...] | None:
    """The roles this request's target needs: a write callback (by its output id) or a write route."""
    cfg = _cfg()
    if request.path == "/_dash-update-component":
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        entry = _callback_entry(cfg.dash_app, output) if isinstance(output, str) else None
        return _roles_for(entry.get("callback")) if entry else None
    return _roles_for(current_app.view_functions.get(request.endpoint or ""))


# --- configuration ----------------------------------------------------------------------------------------------


@dataclass
class _Config:
    settings: Settings
    dash_app: object
    proxies: tuple
    started: bool = False
    external_origins: dict = field(default_factory=dict)


def _cfg() -> _Config:
    return current_app.extensions["board_auth"]


def _networks(items: Iterable[str]) -> tuple:
    return tuple(ipaddress.ip_network(x, strict=False) for x in items)


def _ip(value: str | None):
    try:
        ip = ipaddress.ip_address((value or "").strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    host = (host or "").strip().lower().strip("[]")
    if host in ("localhost", "localhost.", "ip6-localhost") or host.endswith(".localhost"):
        return True
    ip = _ip(host)
    return bool(ip and ip.is_loopback)


def serving_refusal(settings: Settings, host: str) -> str | None:
    """Why serving on `host` with these settings must not start, or None. `none` serves this computer only."""
    if settings.auth_mode == "none" and not is_loopback_host(host):
        return (f"refusing to serve on {host} without authentication (AUTH_MODE=none lets anyone who can reach this "
                "address read the board's data). Set AUTH_MODE=password and add users with `board-dashboard "
                "user add NAME --role ROLE --password-stdin`, or AUTH_MODE=header behind your organisation's "
                "single sign-on (with TRUSTED_PROXIES); or serve on 127.0.0.1 for yourself only.")
    return None


def load_or_create_secret(instance: Path) -> str:
    """The key that signs session cookies: kept in the instance folder (mode 600), made once. Several workers may
    start together: the file is written aside and linked into place, so all of them read the same key."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / SECRET_FILE
    for _ in range(100):
        try:
            key = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            tmp = instance / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as f:
                    f.write(secrets.token_hex(32) + "\n")
                os.chmod(tmp, 0o600)
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    pass  # another worker got there first: use its key
            finally:
                tmp.unlink(missing_ok=True)
            continue
        if key:
            if path.stat().st_mode & 0o077:
                log.warning("%s could be read by other users of this computer: made it private (mode 600)",
                            path.name)
                os.chmod(path, 0o600)
            return key
        time.sleep(0.05)  # created by another process a moment ago and not written yet
    raise AuthConfigError(f"board-dashboard: the secret key file {path.name} in the instance folder is empty: "
                          "delete it (a new one is made) or set SECRET_KEY")


# --- install ----------------------------------------------------------------------------------------------------


def init_auth(app, settings: Settings) -> None:
    """Install sign-in, CSRF protection, role checks and security headers on the Dash app's Flask server."""
    server: flask.Flask = app.server
    if settings.auth_mode not in ("none", "password", "header"):
        raise AuthConfigError(f"board-dashboard: AUTH_MODE must be none, password or header, "
                              f"not {settings.auth_mode!r}")
    if settings.auth_mode == "header" and not settings.trusted_proxies:
        raise AuthConfigError("board-dashboard: AUTH_MODE=header needs TRUSTED_PROXIES: the addresses of the "
                              "sign-on proxy whose user and role headers are to be believed (e.g. 10.0.0.5)")
    cfg = _Config(settings=settings, dash_app=app, proxies=_networks(settings.trusted_proxies))
    cfg.external_origins = _external_origins(app)
    server.extensions["board_auth"] = cfg
    server.secret_key = settings.secret_key or load_or_create_secret(settings.instance_path)
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
    )
    server.session_interface = _SessionInterface()
    # The guard runs before every other hook (Dash's own setup included), so nothing runs for a refused request.
    server.before_request_funcs.setdefault(None, []).insert(0, _guard)
    server.after_request(_after)
    server.add_url_rule("/login", "auth_login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "auth_logout", _logout, methods=["GET", "POST"])
    server.add_url_rule("/admin/audit", "auth_audit", _audit_page, methods=["GET"])
    log.info("sign-in: AUTH_MODE=%s", settings.auth_mode)
    if settings.auth_mode == "password":
        try:
            with db.session_scope() as s:
                n = am.count_active_users(s)
        except Exception:  # noqa: BLE001 - a missing table is reported by the migration check, not here
            n = 1
        if n == 0:
            log.warning("AUTH_MODE=password but nobody can sign in yet: add a user with "
                        "`board-dashboard user add NAME --role admin --password-stdin`")


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the Secure flag set per request: on when the request came over https
    (directly, or as a trusted proxy says), or always with COOKIE_SECURE=always."""

    def get_cookie_secure(self, app) -> bool:
        return _cookie_secure()


def _cookie_secure() -> bool:
    return _cfg().settings.cookie_secure == "always" or request_is_https()


def _from_trusted_proxy() -> bool:
    ip = _ip(request.remote_addr)
    return bool(ip and any(ip in net for net in _cfg().proxies))


def request_is_https() -> bool:
    if request.is_secure:
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto == "https" and _from_trusted_proxy()


def client_address() -> str:
    """The browser's address: the peer, or, behind a trusted proxy, the nearest untrusted X-Forwarded-For hop."""
    remote = request.remote_addr or ""
    if not _from_trusted_proxy():
        return remote
    proxies = _cfg().proxies
    for hop in reversed([h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]):
        ip = _ip(hop)
        if ip is None:
            break
        if not any(ip in net for net in proxies):
            return str(ip)
    return remote


# --- the guard: every request -----------------------------------------------------------------------------------


def _local_request_problem() -> str | None:
    """AUTH_MODE=none answers this computer only: why this request is not from it, or None."""
    env = request.environ
    if not is_loopback_host(request.remote_addr or ""):
        return f"request from {request.remote_addr or 'an unknown address'}"
    if any(h in request.headers for h in ("X-Forwarded-For", "Forwarded", "X-Real-IP")):
        return "request forwarded by a proxy"
    bound = env.get("SERVER_NAME", "")
    if _ip(bound) is not None and not is_loopback_host(bound):
        return f"server listening on {bound}"  # gunicorn -b 0.0.0.0: the app learns it from the request
    if not is_loopback_host(urlsplit("//" + request.host).hostname or ""):
        return f"request for host {request.host}"  # a DNS-rebinding page in the user's own browser
    return None


def _guard():
    cfg = _cfg()
    mode = cfg.settings.auth_mode
    path = request.path
    g.board_user = None
    if path == "/healthz":
        return None  # for load balancers: open, and it says nothing sensitive
    if request.method not in _SAFE_METHODS and request.headers.get("Sec-Fetch-Site") == "cross-site":
        log.warning("refused a cross-site %s %s from %s", request.method, path, client_address())
        return _message_page(403, "Request refused", "This request came from another website, so it was "
                             "refused. Open the dashboard directly and try again.")
    if not cfg.started:
        cfg.started = True
        write_callbacks(cfg.dash_app)

    if mode == "none":
        problem = _local_request_problem()
        if problem:
            log.warning("AUTH_MODE=none refused a %s: set AUTH_MODE=password or header to serve others", problem)
            return _message_page(403, "Sign-in is not set up", (
                f"This dashboard runs without sign-in (AUTH_MODE=none), so it answers only on the computer it "
                f"runs on ({problem}). To serve it to others, the administrator sets AUTH_MODE=password (and "
                "adds users with board-dashboard user add) or AUTH_MODE=header behind the single sign-on."))
        g.board_user = LOCAL_USER
    elif mode == "header":
        if not _from_trusted_proxy():
            log.warning("header sign-in: refused %s %s from %s, which is not in TRUSTED_PROXIES",
                        request.method, path, request.remote_addr)
            return _message_page(403, "Use the sign-in address", (
                "This dashboard accepts requests only through your organisation's single sign-on. Open it from "
                "the usual link, or ask the administrator for the address."))
        g.board_user = _user_from_headers(cfg.settings)
    else:
        g.board_user = _user_from_session(cfg.settings)

    if path in _PUBLIC_PATHS:
        return None
    user = g.board_user
    if user is None:
        return _unauthenticated(mode)
    if not user.has("viewer"):
        log.warning("refused %s %s to %s: no known role", request.method, path, user.name)
        return _message_page(403, "No access", (
            "You are signed in, but your account has no role on this dashboard. Ask the administrator to give "
            "you one (viewer, contributor, chair, analyst or admin)."))
    if mode != "none" and request.method not in _SAFE_METHODS and not _csrf_matches(
            request.headers.get(CSRF_HEADER)):
        log.warning("refused %s %s from %s: missing or wrong CSRF token", request.method, path, user.name)
        return flask.jsonify(error="This request did not carry this session's security token. Reload the page "
                                   "and try again."), 400
    roles = _roles_needed()
    if roles and not has_role(user, *roles):
        log.warning("refused %s %s to %s (%s): needs %s", request.method, path, user.name, user.role or "no role",
                    " or ".join(roles))
        return flask.jsonify(error=f"This needs the {' or '.join(roles)} role; you are signed in as "
                                   f"{user.name} ({user.role}). Ask the administrator if you need it."), 403
    return None


def _is_page_request() -> bool:
    return (request.method in ("GET", "HEAD") and not request.path.startswith(("/_", "/assets/"))
            and request.accept_mimetypes.accept_html)


def _unauthenticated(mode: str):
    if mode == "password" and _is_page_request():
        target = request.full_path if request.query_string else request.path
        url = "/login?next=" + quote(target, safe="/")
        if g.get("session_expired"):
            url += "&expired=1"
        return redirect(url, 302)
    if mode == "header":
        return _message_page(401, "Not signed in", (
            "The single sign-on did not say who you are. Open the dashboard from your organisation's usual link; "
            "if this keeps happening, tell the administrator."))
    body = {"error": "Sign in first.", "login": "/login"}
    if g.get("session_expired"):
        body["error"] = "Your session ended because it was idle. Sign in again."
    return flask.jsonify(body), 401


def _user_from_headers(settings: Settings) -> User | None:
    name = request.headers.get(settings.auth_user_header, "").strip()
    if not name:
        return None
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)[:255]
    raw = request.headers.get(settings.auth_roles_header, "")
    return make_user(name, (r for r in re.split(r"[\s,;]+", raw.strip().lower()) if r))


def _user_from_session(settings: Settings) -> User | None:
    token = session.get("sid")
    if not isinstance(token, str) or not token:
        return None
    now = utcnow()
    with db.session_scope() as s:
        row = am.find_session(s, token)
        if row is None or not row.active:
            session.pop("sid", None)
            return None
        idle = now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
        too_old = now - row.created_at > timedelta(hours=settings.session_max_hours)
        if idle or too_old:
            am.end_session(s, token)
            session.pop("sid", None)
            g.session_expired = True
            log.info("session of %s ended: %s", row.user_name, "idle" if idle else "too old")
            return None
        if now - row.last_seen_at > _TOUCH_EVERY:
            am.touch_session(s, token, now)
    return make_user(row.user_name, [row.role])


# --- CSRF -------------------------------------------------------------------------------------------------------


def csrf_token() -> str:
    """This browser session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _csrf_matches(given: str | None) -> bool:
    expected = session.get("csrf")
    return bool(isinstance(expected, str) and expected and given
                and secrets.compare_digest(expected.encode(), given.encode()))


# --- responses: security headers --------------------------------------------------------------------------------


def _external_origins(app) -> dict[str, list[str]]:
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
    cfg = _cfg()
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


def _after(response: flask.Response) -> flask.Response:
    cfg = _cfg()
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
    if g.get("board_user") is not None and cfg.settings.auth_mode != "none":
        token = csrf_token()
        if request.cookies.get(CSRF_COOKIE) != token:
            # Readable by the page's script (Dash sends it back as a header); SameSite keeps it off other sites.
            response.set_cookie(CSRF_COOKIE, token, secure=_cookie_secure(), httponly=False, samesite="Strict",
                                path="/")
    return response


# --- the sign-in and sign-out pages -----------------------------------------------------------------------------


def _page(status: int, title: str, body: str) -> flask.Response:
    doc = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - Safeguarding board dashboard</title>
<link rel="icon" type="image/x-icon" href="/_favicon.ico">
<link rel="stylesheet" href="/assets/auth.css">
</head>
<body class="auth-page">
<main class="auth-card" id="main">
<p class="auth-brand">Safeguarding board dashboard</p>
{body}
</main>
</body>
</html>
"""
    return flask.Response(doc, status=status, mimetype="text/html")


def _message_page(status: int, title: str, message: str) -> flask.Response:
    return _page(status, title, f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(message)}</p>")


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, not the sign-in pages); anything else goes to the start."""
    target = (target or "").strip()
    if (not target.startswith("/") or target.startswith(("//", "/\\")) or any(ord(c) < 32 for c in target)
            or urlsplit(target).path in ("/login", "/logout")):
        return "/"
    return target


def _login_form(status: int, *, error: str = "", notice: str = "", username: str = "",
                next_url: str = "/") -> flask.Response:
    err = ""
    described = ""
    if error:
        err = f'<div class="auth-error" id="login-error" role="alert">{html.escape(error)}</div>\n'
        described = ' aria-describedby="login-error" aria-invalid="true"'
    note = f'<div class="auth-notice" role="status">{html.escape(notice)}</div>\n' if notice else ""
    settings = _cfg().settings
    # The cursor starts where the person types next: the name, or the password when the name is already there.
    focus_name, focus_pw = ("", " autofocus") if username else (" autofocus", "")
    body = f"""<h1>Sign in</h1>
<p>The dashboard shows information about vulnerable children. Sign in with the name and password the
dashboard's administrator gave you.</p>
{note}{err}<form method="post" action="/login" class="auth-form">
<input type="hidden" name="csrf_token" value="{html.escape(csrf_token())}">
<input type="hidden" name="next" value="{html.escape(safe_next(next_url))}">
<label for="username">User name</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none"
 spellcheck="false" required maxlength="64" value="{html.escape(username)}"{focus_name}{described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{focus_pw}{described}>
<button type="submit">Sign in</button>
</form>
<p class="auth-help">Forgotten your password, or locked out? Ask the dashboard's administrator to reset it.
You are signed out after {settings.session_idle_minutes} minutes without activity.</p>"""
    return _page(status, "Sign in", body)


def _login():
    cfg = _cfg()
    settings = cfg.settings
    if settings.auth_mode != "password":
        return redirect("/", 302)
    if request.method == "GET":
        if g.board_user is not None:
            return redirect(safe_next(request.args.get("next")), 302)
        notice = ""
        if request.args.get("expired"):
            notice = (f"You were signed out after {settings.session_idle_minutes} minutes without activity. "
                      "Sign in again to carry on.")
        elif request.args.get("signed_out"):
            notice = "You have signed out."
        return _login_form(200, notice=notice, next_url=request.args.get("next", "/"))

    form = request.form
    next_url = safe_next(form.get("next"))
    if not _csrf_matches(form.get("csrf_token")):
        log.warning("sign-in form refused from %s: missing or wrong CSRF token", client_address())
        return _login_form(400, error="This sign-in form had expired or did not come from this site. Enter your "
                                      "name and password again.", next_url=next_url)
    name = form.get("username", "").strip().lower()[:64]
    password = form.get("password", "")
    address = client_address()
    now = utcnow()
    window = timedelta(minutes=settings.login_lockout_minutes)
    with db.session_scope() as s:
        by_name, by_address = am.recent_failures(s, name, address, now - window)
    if by_name >= settings.login_max_failures or by_address >= settings.login_max_failures_per_address:
        log.warning("sign-in throttled: name %r from %s (%d failures for the name, %d from the address, in %d "
                    "minutes)", name, address, by_name, by_address, settings.login_lockout_minutes)
        return _login_form(429, username=name, next_url=next_url, error=(
            f"Too many failed sign-in attempts. Wait {settings.login_lockout_minutes} minutes, then try again. "
            "If you have forgotten your password, ask the dashboard's administrator to reset it."))
    with db.session_scope() as s:
        user = am.get_user(s, name) if name else None
        stored = user.password_hash if user is not None and user.active else None
    ok = bool(stored) and passwords.verify_password(password, stored or "")
    if not stored:
        passwords.burn_time_like_a_check(password)  # the same delay whether or not the name exists
    if not ok:
        with db.session_scope() as s:
            am.record_attempt(s, name, address, False, now)
        log.warning("sign-in failed: name %r from %s", name, address)
        return _login_form(401, username=name, next_url=next_url, error=(
            "That user name and password do not match. Check both and try again (passwords are case-sensitive). "
            f"After {settings.login_max_failures} failed attempts, sign-in pauses for "
            f"{settings.login_lockout_minutes} minutes."))
    token = secrets.token_urlsafe(32)
    with db.session_scope() as s:
        am.record_attempt(s, name, address, True, now)
        am.start_session(s, name, token, address, now)
        if passwords.needs_rehash(stored or ""):
            am.set_user_fields(s, name, password_hash=passwords.hash_password(password))
        am.prune_sessions(s, now - timedelta(minutes=settings.session_idle_minutes),
                          now - timedelta(hours=settings.session_max_hours))
        am.prune_attempts(s, now - am.ATTEMPTS_KEPT)
    session.clear()  # a new session: nothing set before signing in is carried over (session fixation)
    session.permanent = True
    session["sid"] = token
    csrf_token()
    g.board_user = make_user(name, [user.role if user else ""])  # so the CSRF cookie goes out with this answer
    log.info("signed in: %s from %s", name, address)
    return redirect(next_url, 303)


def _logout():
    settings = _cfg().settings
    if settings.auth_mode == "header":
        if settings.auth_logout_url:
            return redirect(settings.auth_logout_url, 302)
        return _message_page(200, "Signing out", "Sign out through your organisation's single sign-on, then "
                                                 "close the browser.")
    if settings.auth_mode == "none":
        return redirect("/", 302)
    if request.method == "GET":
        if g.board_user is None:
            return redirect("/login", 302)
        user = g.board_user
        return _page(200, "Sign out", f"""<h1>Sign out</h1>
<p>You are signed in as {html.escape(user.name)} ({html.escape(user.role)}).</p>
<form method="post" action="/logout" class="auth-form">
<input type="hidden" name="csrf_token" value="{html.escape(csrf_token())}">
<button type="submit">Sign out</button>
</form>
<p class="auth-help"><a href="/">Back to the dashboard</a></p>""")
    if not _csrf_matches(request.form.get("csrf_token")) and not _csrf_matches(request.headers.get(CSRF_HEADER)):
        return _message_page(400, "Sign-out form expired", "This sign-out form had expired. Go back, reload "
                                                            "the page and sign out again.")
    token = session.get("sid")
    if isinstance(token, str) and token:
        with db.session_scope() as s:
            am.end_session(s, token)
    if g.board_user is not None:
        log.info("signed out: %s", g.board_user.name)
    session.clear()
    g.board_user = None
    response = redirect("/login?signed_out=1", 303)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _audit_page():
    user = current_user()
    if not has_role(user, "admin"):
        abort(403)
    try:
        limit = max(1, min(1000, int(request.args.get("limit", 200))))
    except ValueError:
        limit = 200
    rows = audit.recent(limit, action=request.args.get("action") or None)
    cells = "\n".join(
        f"<tr><td>{r.at:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(r.actor)}</td><td>{html.escape(r.action)}</td>"
        f"<td>{html.escape(r.target)}</td><td>{html.escape(r.detail)}</td></tr>" for r in rows)
    body = f"""<h1>Audit log</h1>
<p>Every write to the board's data and users, newest first (times in UTC). The command line shows the same:
<code>board-dashboard audit --limit N</code>.</p>
<div class="auth-table-wrap"><table class="auth-table">
<caption>The last {len(rows)} entries</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">What</th>
<th scope="col">Detail</th></tr></thead>
<tbody>
{cells or '<tr><td colspan="5">Nothing has been written yet.</td></tr>'}
</tbody></table></div>
<p class="auth-help"><a href="/">Back to the dashboard</a></p>"""
    response = _page(200, "Audit log", body)
    return response


# --- for the page shell -----------------------------------------------------------------------------------------


def user_menu():
    """A small 'signed in as NAME (role) - Sign out' block for the page header (a Dash component)."""
    from dash import html as dhtml

    user = current_user()
    if user is None or _cfg().settings.auth_mode == "none":
        return dhtml.Div(className="user-menu")
    if _cfg().settings.auth_mode == "header":
        return dhtml.Div([dhtml.Span(f"{user.name} ({user.role})"), " ", dhtml.A("Sign out", href="/logout")],
                         className="user-menu")
    # Signing out is a POST with its CSRF token on the /logout page (one click there).
    return dhtml.Div([dhtml.Span(f"{user.name} ({user.role})", className="user-menu-name"), " ",
                      dhtml.A("Sign out", href="/logout", className="btn btn-sm user-menu-signout")],
                     className="user-menu")
