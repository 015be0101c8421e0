"""Sign-in, roles and secure-by-default, as a browser, an operator and an attacker meet them: the real app through
Flask's test client, real server processes (the built-in server and gunicorn), the real command line, on SQLite
and PostgreSQL."""

from __future__ import annotations

import functools
import html
import inspect
import io
import logging
import os
import re
import stat
import subprocess
import sys
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
import requests
from dash import Input, Output
from requests.adapters import HTTPAdapter
from sqlalchemy import select, update

from dashboard import auth
from dashboard.auth.passwords import hash_password
from dashboard.services import dataset as services
from dashboard.web.app import create_app
from data_access import audit, db
from data_access import auth_models as am
from data_access.models import utcnow
from tests.conftest import ROOT
from tests.servers import running_server

PASSWORD = "kettle-orbit-lantern"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # half a second each: hash once for the whole run


def add_user(name: str, role: str, *, active: bool = True) -> None:
    with db.session_scope() as s:
        am.add_user(s, name, role, _password_hash())
        if not active:
            am.set_user_fields(s, name, active=False)


@pytest.fixture
def build(empty_db):
    """Build the real app on this test's database with some settings changed."""

    def _build(**changes):
        return create_app(empty_db.with_changes(**changes))

    return _build


def csrf_from(html_text: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html_text)
    assert m, "the form should carry a CSRF token"
    return m.group(1)


def sign_in(client, name: str, password: str = PASSWORD, *, next_url: str = "/", **kw):
    token = csrf_from(client.get("/login", **kw).get_data(as_text=True))
    return client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token, "next": next_url}, **kw
    )


def dash_headers(client) -> dict[str, str]:
    """What Dash's renderer sends: the CSRF cookie's value as the X-CSRFToken header."""
    cookie = client.get_cookie(auth.CSRF_COOKIE)
    return {auth.CSRF_HEADER: cookie.value} if cookie else {}


def callback_body(output: str, input_id: str = "auth-test-button") -> dict:
    """A /_dash-update-component request as the renderer makes it, for a callback with one output."""
    out_id, _, prop = output.rpartition(".")
    return {
        "output": output,
        "outputs": {"id": out_id, "property": prop},
        "inputs": [{"id": input_id, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{input_id}.n_clicks"],
        "state": [],
    }


def cli(*args, env=None, input=None):
    e = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env=e,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )


def run_cli(monkeypatch, capsys, settings, *args: str, input: str = "") -> tuple[int, str, str]:
    """The command line in this process (its parser, commands and settings from the environment): quicker than a
    new interpreter per command. Returns (exit code, stdout, stderr)."""
    from dashboard.cli.main import main

    for k, v in cli_env(settings).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(sys, "stdin", io.StringIO(input))
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as e:  # --help and argparse errors
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def cli_env(settings) -> dict[str, str]:
    return {"DATABASE_URL": settings.database_url, "INSTANCE_PATH": str(settings.instance_path)}


# --- anonymous requests -----------------------------------------------------------------------------------------


def test_anonymous_pages_redirect_to_sign_in_and_dash_endpoints_answer_401(build):
    client = build(auth_mode="password").server.test_client()
    page = client.get("/indicator/contacts?area=havering", headers={"Accept": "text/html"})
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/indicator/contacts%3Farea%3Dhavering"
    for path in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/assets/style.css"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert "Scorecard" not in r.get_data(as_text=True)
    r = client.post("/_dash-update-component", json=callback_body("url.pathname"))
    assert r.status_code == 401 and r.json["login"] == "/login"
    health = client.get("/healthz")
    assert health.status_code == 200
    assert set(health.json) == {"status", "database", "cache", "observations"}
    assert "sqlite" not in health.get_data(as_text=True) and "postgres" not in health.get_data(as_text=True)
    form = client.get("/login")
    assert form.status_code == 200 and '<label for="username">' in form.get_data(as_text=True)


# --- signing in and out -----------------------------------------------------------------------------------------


def test_the_right_password_signs_in_and_returns_to_the_page_asked_for(build):
    client = build(auth_mode="password").server.test_client()
    add_user("alice", "viewer")
    r = sign_in(client, "Alice", next_url="/indicator/contacts")
    assert r.status_code == 303 and r.headers["Location"] == "/indicator/contacts"
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/_dash-dependencies").status_code == 200
    with db.session_scope() as s:
        assert am.get_user(s, "alice").last_sign_in_at is not None


def test_a_wrong_password_an_unknown_name_and_a_disabled_user_get_the_same_answer(build):
    client = build(auth_mode="password").server.test_client()
    add_user("alice", "viewer")
    add_user("bob", "viewer", active=False)
    answers = []
    for name, password in (("alice", "not-the-password"), ("nobody", PASSWORD), ("bob", PASSWORD)):
        r = sign_in(client, name, password)
        assert r.status_code == 401
        text = r.get_data(as_text=True).replace(f'value="{name}"', "")
        answers.append(re.sub(r'name="csrf_token" value="[^"]+"', "", text))
        assert "do not match" in text and "Check both and try again" in text
        assert client.get("/_dash-layout").status_code == 401
    assert answers[0] == answers[1] == answers[2], "the answer must not tell which names exist"


def test_signing_in_with_an_off_site_next_goes_to_the_start_page(build):
    client = build(auth_mode="password").server.test_client()
    add_user("alice", "viewer")
    r = sign_in(client, "alice", next_url="//evil.example/phish")
    assert r.headers["Location"] == "/"


def test_the_sign_in_form_is_refused_without_its_csrf_token(build):
    client = build(auth_mode="password").server.test_client()
    add_user("alice", "viewer")
    client.get("/login")
    for token in (None, "forged-token-0123456789012345"):
        data = {"username": "alice", "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        r = client.post("/login", data=data)
        assert r.status_code == 400
        assert "Enter your name and password again" in r.get_data(as_text=True)
        assert client.get("/_dash-layout").status_code == 401


def test_failed_sign_ins_for_a_name_are_throttled_and_logged_whether_or_not_it_exists(build, caplog):
    client = build(auth_mode="password", login_max_failures=3).server.test_client()
    add_user("alice", "viewer")
    bodies = {}
    for name in ("alice", "nobody"):
        for _ in range(3):
            assert sign_in(client, name, "wrong-password-here").status_code == 401
        with caplog.at_level(logging.WARNING, logger="dashboard.auth"):
            r = sign_in(client, name, PASSWORD if name == "alice" else "wrong-password-here")
        assert r.status_code == 429, "even the right password waits out the pause"
        text = r.get_data(as_text=True)
        assert "Too many failed sign-in attempts. Wait 15 minutes, then try again." in text
        bodies[name] = re.sub(r'name="csrf_token" value="[^"]+"|value="' + name + '"', "", text)
        assert f"sign-in throttled: name '{name}'" in caplog.text
    assert bodies["alice"] == bodies["nobody"], "the pause must not tell which names exist"
    assert client.get("/_dash-layout").status_code == 401
    # After the window, the right password works again (the attempts are moved back in time, as if waited).
    with db.session_scope() as s:
        s.execute(update(am.LoginAttempt).values(at=utcnow() - timedelta(minutes=16)))
    assert sign_in(client, "alice").status_code == 303


def test_failed_sign_ins_from_one_address_are_throttled_for_every_name(build):
    client = build(auth_mode="password", login_max_failures_per_address=4).server.test_client()
    add_user("alice", "viewer")
    attacker = {"environ_base": {"REMOTE_ADDR": "127.0.0.9"}}
    for name in ("ann", "ben", "cat", "dan"):
        assert sign_in(client, name, "wrong-password-here", **attacker).status_code == 401
    r = sign_in(client, "alice", **attacker)
    assert r.status_code == 429 and "Too many failed sign-in attempts" in r.get_data(as_text=True)
    other = client.application.test_client()  # from another address sign-in goes on as usual
    assert sign_in(other, "alice").status_code == 303


def test_the_address_throttle_believes_x_forwarded_for_only_from_a_trusted_proxy(build):
    add_user("alice", "viewer")
    direct = build(auth_mode="password", login_max_failures_per_address=2).server.test_client()
    for spoofed in ("203.0.113.1", "203.0.113.2"):  # a different claimed address each time: still one caller
        r = sign_in(direct, f"guess{spoofed[-1]}", "wrong-password-here", headers={"X-Forwarded-For": spoofed})
        assert r.status_code == 401
    r = sign_in(direct, "alice", headers={"X-Forwarded-For": "203.0.113.3"})
    assert r.status_code == 429
    with db.session_scope() as s:
        assert {a for (a,) in s.execute(select(am.LoginAttempt.address))} == {"127.0.0.1"}

    proxied = build(
        auth_mode="password", login_max_failures_per_address=2, trusted_proxies=("127.0.0.0/8",)
    ).server.test_client()
    with db.session_scope() as s:
        s.execute(update(am.LoginAttempt).values(at=utcnow() - timedelta(hours=1)))
    for name in ("guess1", "guess2"):
        r = sign_in(proxied, name, "wrong-password-here", headers={"X-Forwarded-For": "203.0.113.9, 127.0.0.5"})
        assert r.status_code == 401
    assert sign_in(proxied, "alice", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429
    assert sign_in(proxied, "alice", headers={"X-Forwarded-For": "198.51.100.4"}).status_code == 303


def test_session_cookie_is_httponly_lax_and_secure_behind_https(build):
    app = build(auth_mode="password", trusted_proxies=("127.0.0.1",))
    add_user("alice", "viewer")

    def cookie_attrs(client, **kw) -> dict[str, str]:
        r = sign_in(client, "alice", **kw)
        raw = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith(auth.SESSION_COOKIE + "="))
        return {k.strip().lower(): v for k, _, v in (p.partition("=") for p in raw.split(";")[1:])}

    plain = cookie_attrs(app.server.test_client())
    assert "httponly" in plain and plain["samesite"] == "Lax" and "secure" not in plain
    direct_https = cookie_attrs(app.server.test_client(), base_url="https://localhost")
    assert "secure" in direct_https and "httponly" in direct_https
    proxied = cookie_attrs(app.server.test_client(), headers={"X-Forwarded-Proto": "https"})
    assert "secure" in proxied  # 127.0.0.1 is a trusted proxy here
    untrusted = build(auth_mode="password").server.test_client()
    assert "secure" not in cookie_attrs(untrusted, headers={"X-Forwarded-Proto": "https"})


def test_the_secret_key_is_generated_once_mode_600_and_survives_a_restart(build, empty_db):
    app = build(auth_mode="password")
    key_file = empty_db.instance_path / auth.SECRET_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    add_user("alice", "viewer")
    client = app.server.test_client()
    sign_in(client, "alice")
    cookie = client.get_cookie(auth.SESSION_COOKIE).value
    restarted = build(auth_mode="password")
    assert key_file.read_text() == key
    other = restarted.server.test_client()
    other.set_cookie(auth.SESSION_COOKIE, cookie)
    assert other.get("/_dash-layout").status_code == 200, "signed-in users stay signed in across a restart"
    # A key from the environment wins, and then a cookie signed with the file's key is not accepted.
    from_env = build(auth_mode="password", secret_key="a-key-from-the-environment-0123456789")
    third = from_env.server.test_client()
    third.set_cookie(auth.SESSION_COOKIE, cookie)
    assert third.get("/_dash-layout").status_code == 401


def test_a_secret_key_file_readable_by_others_is_made_private(tmp_path, caplog):
    key_file = tmp_path / auth.SECRET_FILE
    key_file.write_text("0123456789abcdef\n")
    key_file.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="dashboard.auth"):
        assert auth.load_or_create_secret(tmp_path) == "0123456789abcdef"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "made it private" in caplog.text


def test_an_idle_session_ends_and_the_page_says_why(build):
    client = build(auth_mode="password", session_idle_minutes=30).server.test_client()
    add_user("alice", "viewer")
    sign_in(client, "alice")
    assert client.get("/_dash-layout").status_code == 200
    with db.session_scope() as s:  # as if the browser had been left for 31 minutes
        s.execute(update(am.UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    r = client.get("/indicator/contacts", headers={"Accept": "text/html"})
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/indicator/contacts&expired=1"
    notice = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in notice
    assert client.get("/_dash-layout").status_code == 401
    with db.session_scope() as s:
        assert s.execute(select(am.UserSession)).first() is None, "the expired session is deleted"


def test_a_session_that_is_used_stays_alive(build):
    client = build(auth_mode="password", session_idle_minutes=30).server.test_client()
    add_user("alice", "viewer")
    sign_in(client, "alice")
    with db.session_scope() as s:
        s.execute(update(am.UserSession).values(last_seen_at=utcnow() - timedelta(minutes=20)))
    assert client.get("/_dash-layout").status_code == 200  # 20 minutes idle: fine, and the clock restarts
    with db.session_scope() as s:
        seen = s.execute(select(am.UserSession.last_seen_at)).scalar_one()
    assert utcnow() - seen < timedelta(minutes=1)


def test_sign_out_ends_the_session_on_the_server(build):
    client = build(auth_mode="password").server.test_client()
    add_user("alice", "viewer")
    sign_in(client, "alice")
    stolen = client.get_cookie(auth.SESSION_COOKIE).value
    page = client.get("/logout").get_data(as_text=True)
    assert "signed in as alice (viewer)" in page
    assert client.post("/logout", data={}).status_code == 400  # sign-out needs the form's token too
    r = client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 303 and r.headers["Location"] == "/login?signed_out=1"
    assert "You have signed out." in client.get("/login?signed_out=1").get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    replay = client.application.test_client()
    replay.set_cookie(auth.SESSION_COOKIE, stolen)
    assert replay.get("/_dash-layout").status_code == 401, "a copied cookie must not outlive the sign-out"


def test_disabling_a_user_or_changing_a_role_applies_to_their_open_session(build, empty_db):
    app = build(auth_mode="password")
    add_user("alice", "contributor")
    add_user("root", "admin")
    client = app.server.test_client()
    sign_in(client, "alice")
    assert client.get("/_dash-layout").status_code == 200
    env = cli_env(empty_db)
    r = cli("user", "disable", "alice", env=env)
    assert r.returncode == 0, r.stderr
    assert "signed out everywhere (1 session(s) ended)" in r.stdout
    assert client.get("/_dash-layout").status_code == 401


# Made for PASSWORD by this dashboard's scrypt hashing, before Argon2id (scrypt, N=2**17, r=8, p=1).
OLD_SCRYPT_HASH = "scrypt$131072$8$1$TdgsbQ/2hryaK/Cr3ym8qg$+G5LMM4qpAy7G5SJpWB9f5N699KGIFTPG/nFGtsmyck"


def _stored_hash(name: str) -> str:
    with db.session_scope() as s:
        return am.get_user(s, name).password_hash


def test_a_user_with_an_earlier_scrypt_hash_signs_in_and_the_hash_is_upgraded(build):
    app = build(auth_mode="password")
    with db.session_scope() as s:
        am.add_user(s, "olga", "viewer", OLD_SCRYPT_HASH)
    client = app.server.test_client()
    assert sign_in(client, "olga", "wrong-password-here").status_code == 401
    assert _stored_hash("olga") == OLD_SCRYPT_HASH, "a wrong password upgrades nothing"
    r = sign_in(client, "olga", next_url="/exceptions")
    assert r.status_code == 303 and r.headers["Location"] == "/exceptions"
    assert client.get("/_dash-layout").status_code == 200
    upgraded = _stored_hash("olga")
    assert upgraded != OLD_SCRYPT_HASH and upgraded.startswith("$argon2id$") and PASSWORD not in upgraded
    # The same password signs in against the new hash, which is then left alone; a wrong one is still refused.
    again = app.server.test_client()
    assert sign_in(again, "olga").status_code == 303
    assert again.get("/_dash-layout").status_code == 200
    assert _stored_hash("olga") == upgraded
    assert sign_in(app.server.test_client(), "olga", "kettle-orbit-lanterN").status_code == 401


HOSTILE = '<script>alert("x")</script>'


def test_the_sign_in_sign_out_and_audit_pages_show_a_hostile_name_as_text(build):
    app = build(auth_mode="password")
    with db.session_scope() as s:
        am.add_user(s, HOSTILE, "admin", _password_hash())
    audit.record(HOSTILE, "rule.edit", "<b>contacts</b>", '<img src=x onerror="alert(1)">')
    client = app.server.test_client()
    refused = sign_in(client, HOSTILE, "wrong-password-here").get_data(as_text=True)
    assert "<script>" not in refused and f'value="{html.escape(HOSTILE)}"'.replace("&quot;", "&#34;") in refused
    assert sign_in(client, HOSTILE).status_code == 303
    page = client.get("/logout").get_data(as_text=True)
    assert "<script>" not in page and f"signed in as {HOSTILE} (admin)" in html.unescape(page)
    log_page = client.get("/admin/audit").get_data(as_text=True)
    assert "<script>" not in log_page and "<img" not in log_page and "<b>" not in log_page
    assert HOSTILE in html.unescape(log_page) and '<img src=x onerror="alert(1)">' in html.unescape(log_page)


def test_a_browser_signed_in_before_the_upgrade_stays_signed_in(build):
    """Cookies made before sign-in moved to Flask-Login kept the session token under `sid`: still honoured."""
    app = build(auth_mode="password")
    add_user("alice", "viewer")
    with db.session_scope() as s:
        am.start_session(s, "alice", "a-token-from-an-older-cookie-0123456789", "127.0.0.1", utcnow())
    client = app.server.test_client()
    with client.session_transaction() as cookie_session:
        cookie_session["sid"] = "a-token-from-an-older-cookie-0123456789"
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/_dash-layout").status_code == 200, "and the cookie was rewritten in the new form"
    with db.session_scope() as s:
        am.end_session(s, "a-token-from-an-older-cookie-0123456789")
    assert client.get("/_dash-layout").status_code == 401


def test_the_page_header_names_who_is_signed_in_in_each_mode(build):
    password = build(auth_mode="password").server.test_client()
    add_user("alice", "contributor")
    sign_in(password, "alice")
    layout = password.get("/_dash-layout").get_data(as_text=True)
    assert "alice (contributor)" in layout and "user-menu-signout" in layout and "logout" in layout
    header = build(auth_mode="header", trusted_proxies=("127.0.0.1",)).server.test_client()
    layout = header.get("/_dash-layout", headers={"X-Forwarded-User": "j.smith", "X-Forwarded-Roles": "chair"})
    assert "j.smith (chair)" in layout.get_data(as_text=True)
    local = build().server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert "user-menu" in local and "Sign out" not in local and "(admin)" not in local


# --- roles: every write checked on the server -------------------------------------------------------------------


def _add_test_write_callback(app, written: list, role: str = "contributor", out: str = "auth-test-out"):
    @app.callback(Output(out, "children"), Input("auth-test-button", "n_clicks"), prevent_initial_call=True)
    @auth.require_role(role)
    def save_something(n_clicks):
        written.append(auth.actor())
        return f"saved {n_clicks}"

    return f"{out}.children"


def test_a_write_callback_runs_for_its_role_and_is_refused_to_a_viewer_over_http(build):
    app = build(auth_mode="password")
    written: list[str] = []
    output = _add_test_write_callback(app, written)
    add_user("vera", "viewer")
    add_user("carl", "contributor")
    add_user("chris", "chair")

    anonymous = app.server.test_client()
    assert anonymous.post("/_dash-update-component", json=callback_body(output)).status_code == 401

    viewer = app.server.test_client()
    sign_in(viewer, "vera")
    assert output in auth.write_callbacks(app)
    r = viewer.post("/_dash-update-component", json=callback_body(output), headers=dash_headers(viewer))
    assert r.status_code == 403 and "needs the contributor role" in r.json["error"]
    assert written == []

    for name in ("carl", "chris"):  # the chair includes the contributor's rights
        client = app.server.test_client()
        sign_in(client, name)
        no_token = client.post("/_dash-update-component", json=callback_body(output))
        assert no_token.status_code == 400, "a write without the CSRF header is refused"
        r = client.post("/_dash-update-component", json=callback_body(output), headers=dash_headers(client))
        assert r.status_code == 200 and "saved 1" in r.get_data(as_text=True)
    assert written == ["carl", "chris"]


def test_the_role_check_holds_with_the_decorators_swapped_and_an_error_handler_that_swallows_errors(build):
    app = build(auth_mode="password")
    written: list[str] = []

    @auth.require_role("analyst")  # above the registration: Dash registered the bare function
    @app.callback(Output("auth-swapped", "children"), Input("auth-test-button", "n_clicks"))
    def swapped(n_clicks):
        written.append("swapped")
        return "x"

    @app.callback(
        Output("auth-swallowed", "children"),
        Input("auth-test-button", "n_clicks"),
        on_error=lambda err: "an error was swallowed",
    )
    @auth.require_role("analyst")
    def swallowed(n_clicks):
        written.append("swallowed")
        return "x"

    add_user("carl", "contributor")
    client = app.server.test_client()
    sign_in(client, "carl")
    for output in ("auth-swapped.children", "auth-swallowed.children"):
        r = client.post("/_dash-update-component", json=callback_body(output), headers=dash_headers(client))
        assert r.status_code == 403, output
    assert written == []


def test_a_write_route_is_refused_to_a_viewer(build):
    app = build(auth_mode="password")
    calls: list[str] = []

    @app.server.post("/auth-test/import")
    @auth.require_role("analyst")
    def import_route():
        calls.append(auth.actor())
        return "imported"

    add_user("vera", "viewer")
    add_user("anna", "analyst")
    viewer = app.server.test_client()
    sign_in(viewer, "vera")
    assert viewer.post("/auth-test/import", headers=dash_headers(viewer)).status_code == 403
    analyst = app.server.test_client()
    sign_in(analyst, "anna")
    assert analyst.post("/auth-test/import").status_code == 400  # no CSRF token
    r = analyst.post("/auth-test/import", headers=dash_headers(analyst))
    assert r.status_code == 200 and calls == ["anna"]
    auth.write_callbacks(app)
    assert auth.WRITE_ROUTES["/auth-test/import"] == ("analyst",)


# Words that mark a callback as writing (the audit log must record every write; data changes go through these).
_WRITE_MARKERS = re.compile(r"\baudit\.record\(|\bimport_dataset\(|\bimport_file\(|\bsession_scope\(|\.commit\(")


def _innermost(fn):
    while hasattr(fn, "__wrapped__"):
        fn = fn.__wrapped__
    return fn


def test_every_write_callback_of_the_real_app_is_refused_to_a_viewer(build):
    """Generic: every callback in the write registry, called over HTTP as a viewer, is refused with 403. The test
    also registers a write callback of its own so the mechanism is proven even before the app has any."""
    app = build(auth_mode="password")
    written: list[str] = []
    own = _add_test_write_callback(app, written, out="auth-generic-probe")
    add_user("vera", "viewer")
    viewer = app.server.test_client()
    sign_in(viewer, "vera")
    assert viewer.get("/").status_code == 200  # Dash sets its callbacks up on the first request
    registry = auth.write_callbacks(app)
    assert own in registry
    # The ids the browser really sends (Dash's own, with the hash it adds to outputs that allow duplicates).
    guarded = [output for output, entry in app.callback_map.items() if auth.roles_for_output(app, output)]
    assert len(guarded) == len(registry) > 1, "the app's own write callbacks are in the registry"
    refused, allowed = [], []
    for output in [*registry, *guarded]:
        r = viewer.post("/_dash-update-component", json=callback_body(output), headers=dash_headers(viewer))
        (refused if r.status_code == 403 else allowed).append(f"{output} -> {r.status_code}")
    assert not allowed, f"write callbacks a viewer could call: {allowed}"
    assert written == []
    # A callback that writes but is not wrapped with require_role is not in the registry: find it by what it does.
    unguarded = []
    for output, entry in app.callback_map.items():
        fn = _innermost(entry.get("callback"))
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            continue
        if _WRITE_MARKERS.search(source) and not auth.roles_for_output(app, output):
            unguarded.append(f"{fn.__module__}.{fn.__qualname__} ({output})")
    assert not unguarded, f"callbacks that write without require_role: {unguarded}"


# --- header mode (single sign-on behind a trusted proxy) --------------------------------------------------------


def test_header_mode_believes_the_headers_only_from_trusted_proxies(build):
    app = build(auth_mode="header", trusted_proxies=("10.0.0.5", "10.9.0.0/16"))
    written: list[str] = []
    output = _add_test_write_callback(app, written, role="chair")
    client = app.server.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    chair = {"X-Forwarded-User": "j.smith@council.gov.uk", "X-Forwarded-Roles": "viewer, chair"}

    untrusted = client.get("/_dash-layout", headers=chair, environ_base={"REMOTE_ADDR": "10.0.0.6"})
    assert untrusted.status_code == 403
    assert "only through your organisation's single sign-on" in html.unescape(untrusted.get_data(as_text=True))
    assert client.get("/_dash-layout", environ_base=proxy).status_code == 401  # the proxy named nobody
    assert client.get("/_dash-layout", headers=chair, environ_base=proxy).status_code == 200
    assert client.get("/", headers=chair, environ_base={"REMOTE_ADDR": "10.9.4.4"}).status_code == 200
    no_role = {"X-Forwarded-User": "x", "X-Forwarded-Roles": "staff"}
    r = client.get("/_dash-layout", headers=no_role, environ_base=proxy)
    assert r.status_code == 403 and "no role" in r.get_data(as_text=True)

    headers = {**chair, **dash_headers(client)}
    r = client.post("/_dash-update-component", json=callback_body(output), headers=headers, environ_base=proxy)
    assert r.status_code == 200 and written == ["j.smith@council.gov.uk"]
    viewer = {"X-Forwarded-User": "board.member", "X-Forwarded-Roles": "viewer", **dash_headers(client)}
    r = client.post("/_dash-update-component", json=callback_body(output), headers=viewer, environ_base=proxy)
    assert r.status_code == 403 and written == ["j.smith@council.gov.uk"]
    assert client.get("/healthz", environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code == 200


def test_header_mode_header_names_are_configurable(build):
    app = build(
        auth_mode="header",
        trusted_proxies=("127.0.0.1",),
        auth_user_header="Remote-User",
        auth_roles_header="Remote-Groups",
    )
    client = app.server.test_client()
    assert (
        client.get("/_dash-layout", headers={"X-Forwarded-User": "a", "X-Forwarded-Roles": "admin"}).status_code == 401
    )
    assert client.get("/_dash-layout", headers={"Remote-User": "a", "Remote-Groups": "viewer"}).status_code == 200


def test_header_mode_without_trusted_proxies_does_not_start(build):
    with pytest.raises(auth.AuthConfigError, match="AUTH_MODE=header needs TRUSTED_PROXIES"):
        build(auth_mode="header")


# --- AUTH_MODE=none: this computer only -------------------------------------------------------------------------


def test_without_sign_in_only_requests_from_this_computer_are_answered(build):
    client = build().server.test_client()  # the default: AUTH_MODE=none
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    for label, kw in (
        ("another computer", {"environ_base": {"REMOTE_ADDR": "192.168.1.20"}}),
        ("through a proxy", {"headers": {"X-Forwarded-For": "192.168.1.20"}}),
        ("gunicorn -b 0.0.0.0", {"environ_overrides": {"SERVER_NAME": "0.0.0.0"}}),
        ("a rebinding page", {"headers": {"Host": "attacker.example:8050"}}),
    ):
        r = client.get("/_dash-layout", **kw)
        assert r.status_code == 403, label
        text = r.get_data(as_text=True)
        assert "AUTH_MODE=none" in text and "AUTH_MODE=password" in text, label
        assert "Scorecard" not in text
    assert client.get("/healthz", environ_base={"REMOTE_ADDR": "192.168.1.20"}).status_code == 200


def test_a_cookie_left_by_another_app_on_this_computer_does_not_hide_the_local_user(build):
    client = build().server.test_client()  # AUTH_MODE=none
    client.set_cookie("remember_token", "alice|0123456789abcdef", domain="localhost")
    assert client.get("/_dash-layout").status_code == 200
    header = build(auth_mode="header", trusted_proxies=("127.0.0.1",)).server.test_client()
    header.set_cookie("remember_token", "alice|0123456789abcdef", domain="localhost")
    r = header.get("/_dash-layout", headers={"X-Forwarded-User": "j.smith", "X-Forwarded-Roles": "viewer"})
    assert r.status_code == 200


def test_serve_refuses_a_non_loopback_address_without_sign_in(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path), "AUTH_MODE": ""}
    r = cli("serve", "--host", "0.0.0.0", "--port", "1", env=env)
    assert r.returncode == 2
    assert "auth" in r.stderr.lower() and "AUTH_MODE=password" in r.stderr and "0.0.0.0" in r.stderr
    assert not (tmp_path / "board.db").exists(), "it refuses before touching anything"


# --- security headers -------------------------------------------------------------------------------------------


def _assert_security_headers(r, what: str) -> None:
    for h in SECURITY_HEADERS:
        assert h in r.headers, f"{h} missing on {what}"
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, what
    assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp, what
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"


def test_security_headers_on_every_kind_of_response(build):
    app = build(auth_mode="password")
    output = _add_test_write_callback(app, [])
    add_user("alice", "viewer")
    anon = app.server.test_client()
    for path in ("/login", "/healthz", "/_dash-layout", "/", "/no-such-page", "/assets/auth.css"):
        _assert_security_headers(anon.get(path), f"anonymous {path}")
    client = app.server.test_client()
    sign_in(client, "alice")
    for path in ("/", "/_dash-layout", "/_dash-dependencies", "/no-such-page", "/healthz"):
        r = client.get(path)
        _assert_security_headers(r, path)
        assert r.headers["Cache-Control"] == "no-store", path
    r = client.post("/_dash-update-component", json=callback_body(output), headers=dash_headers(client))
    assert r.status_code == 403
    _assert_security_headers(r, "/_dash-update-component")
    https = client.get("/", base_url="https://localhost")
    assert https.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_csp_allows_exactly_the_inline_scripts_dash_writes_into_the_page(build):
    import base64
    import hashlib

    client = build().server.test_client()
    r = client.get("/")
    page = r.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S)
    inline = [s for s in inline if "alert(" not in s]  # the IE-only script inside an HTML comment
    assert inline
    csp = r.headers["Content-Security-Policy"]
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


# --- the audit log and the user commands ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("user", "add"),
        ("user", "list"),
        ("user", "set-role"),
        ("user", "disable"),
        ("user", "enable"),
        ("user", "set-password"),
        ("audit",),
    ],
)
def test_every_user_command_explains_itself(command, monkeypatch, capsys, settings):
    code, out, _err = run_cli(monkeypatch, capsys, settings, *command, "--help")
    assert code == 0
    assert "usage: board-dashboard" in out and len(out.split()) > 15


def test_user_commands_manage_users_and_every_change_is_in_the_audit_log(empty_db, monkeypatch, capsys):
    def run(*args, input=""):
        return run_cli(monkeypatch, capsys, empty_db, *args, input=input)

    code, out, err = run("user", "add", "Alice", "--role", "viewer", "--password-stdin", input=PASSWORD + "\n")
    assert code == 0, err
    assert "added user alice (viewer)" in out
    code, out, err = run("user", "add", "alice", "--role", "viewer", "--password-stdin", input=PASSWORD + "\n")
    assert code == 1 and "already a user alice" in err
    assert run("user", "add", "root", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")[0] == 0
    assert run("user", "set-role", "alice", "chair")[0] == 0
    code, out, err = run("user", "set-role", "root", "viewer")
    assert code == 1 and "only active admin" in err
    code, out, err = run("user", "disable", "root")
    assert code == 1 and "only active admin" in err
    assert run("user", "disable", "alice")[0] == 0
    code, out, err = run("user", "list")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:3] for line in out.splitlines()[1:]}
    assert rows == {"alice": ["chair", "disabled"], "root": ["admin", "active"]}
    code, out, err = run("user", "set-role", "nobody", "chair")
    assert code == 1 and "there is no user nobody" in err
    code, out, err = run("user", "set-role", "alice", "superuser")
    assert code == 2 and "invalid choice" in err

    entries = audit.recent(10)
    assert [(e.action, e.target) for e in entries] == [
        ("user.disable", "alice"),
        ("user.set_role", "alice"),
        ("user.add", "root"),
        ("user.add", "alice"),
    ]
    assert all(e.actor.startswith("cli") for e in entries)
    assert '"from": "viewer"' in entries[1].detail and '"to": "chair"' in entries[1].detail
    code, out, err = run("audit", "--limit", "2")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 and "user.disable" in lines[0] and "user.set_role" in lines[1]
    with db.session_scope() as s:
        stored = am.get_user(s, "alice").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert auth.passwords.verify_password(PASSWORD, stored)
    assert all(PASSWORD not in e.detail for e in audit.recent(100))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "the password is empty"),
        ("short", "fewer than 12"),
        ("password1234", "most commonly used"),
    ],
)
def test_user_add_refuses_weak_or_empty_passwords_with_a_clear_message(
    empty_db, monkeypatch, capsys, password, message
):
    code, _out, err = run_cli(
        monkeypatch,
        capsys,
        empty_db,
        "user",
        "add",
        "alice",
        "--role",
        "viewer",
        "--password-stdin",
        input=password + "\n",
    )
    assert code == 1
    assert message in err and "three random words" in err and "Nothing was changed" in err
    with db.session_scope() as s:
        assert am.get_user(s, "alice") is None


def test_user_add_never_takes_a_password_from_the_command_line(empty_db):
    r = cli("user", "add", "alice", "--role", "viewer", env=cli_env(empty_db), input="")
    assert r.returncode == 1 and "--password-stdin" in r.stderr


def test_imports_are_in_the_audit_log_with_who_imported(empty_db, tmp_path):
    out = tmp_path / "one.csv"
    out.write_text("indicator,area,period,value\ncontacts,havering,2015-16,1234\n", encoding="utf-8")
    services.import_dataset(out, actor="anna", dry_run=True)
    assert audit.recent(5, action="import") == [], "a dry run writes nothing, so nothing is logged"
    services.import_dataset(out, actor="anna")
    r = cli("import", str(out), "--quiet", env=cli_env(empty_db))
    assert r.returncode == 0, r.stderr
    entries = audit.recent(5, action="import")
    assert [(e.actor, e.target) for e in entries][1] == ("anna", "one.csv")
    assert entries[0].actor.startswith("cli:") and '"unchanged": 1' in entries[0].detail
    assert '"added": 1' in entries[1].detail


def test_the_audit_page_is_for_admins_only(build):
    app = build(auth_mode="password")
    add_user("vera", "viewer")
    add_user("root", "admin")
    audit.record("root", "rule.edit", "contacts", "target 85 -> 90")
    viewer = app.server.test_client()
    sign_in(viewer, "vera")
    assert viewer.get("/admin/audit").status_code == 403
    admin = app.server.test_client()
    sign_in(admin, "root")
    r = admin.get("/admin/audit")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "rule.edit" in text and "target 85 -&gt; 90" in text and '<th scope="col">Who</th>' in text


# --- real server processes --------------------------------------------------------------------------------------


def _server_env(settings, **extra) -> dict[str, str]:
    return {**cli_env(settings), "AUTH_MODE": "password", **extra}


def _sign_in_over_http(s: requests.Session, url: str, name: str, password: str = PASSWORD):
    token = csrf_from(s.get(url + "/login", timeout=10).text)
    return s.post(
        url + "/login",
        data={"username": name, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )


def test_a_real_server_with_password_sign_in_and_a_user_made_by_the_command_line(empty_db, tmp_path):
    env = _server_env(empty_db)
    r = cli("user", "add", "alice", "--role", "viewer", "--password-stdin", env=env, input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    with running_server(env) as url:
        anon = requests.get(url + "/", allow_redirects=False, timeout=10, headers={"Accept": "text/html"})
        assert anon.status_code == 302 and anon.headers["Location"].startswith("/login?next=/")
        for path in ("/_dash-layout", "/_dash-dependencies"):
            assert requests.get(url + path, timeout=10).status_code == 401
        assert requests.post(url + "/_dash-update-component", json={}, timeout=10).status_code == 401
        health = requests.get(url + "/healthz", timeout=10)
        assert health.status_code == 200 and all(h in health.headers for h in SECURITY_HEADERS)
        with requests.Session() as s:
            assert _sign_in_over_http(s, url, "alice", "wrong-password-here").status_code == 401
            r = _sign_in_over_http(s, url, "alice")
            assert r.status_code == 303
            cookie = SimpleCookie(r.headers["Set-Cookie"])[auth.SESSION_COOKIE]
            assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
            page = s.get(url + "/", timeout=10)
            assert page.status_code == 200 and all(h in page.headers for h in SECURITY_HEADERS)
            assert s.get(url + "/_dash-layout", timeout=10).status_code == 200
            logout = s.get(url + "/logout", timeout=10).text
            s.post(url + "/logout", data={"csrf_token": csrf_from(logout)}, timeout=10)
            assert s.get(url + "/_dash-layout", timeout=10).status_code == 401


def test_gunicorn_workers_share_the_sign_in_throttle_and_sessions(empty_db, tmp_path):
    env = _server_env(empty_db, LOGIN_MAX_FAILURES="4")
    add_user("alice", "viewer")
    with running_server(env, gunicorn_workers=2, log_path=tmp_path / "gunicorn.log") as url:
        statuses = []
        for _ in range(5):
            with requests.Session() as s:  # a new connection each time: any worker may answer
                statuses.append(_sign_in_over_http(s, url, "alice", "wrong-password-here").status_code)
        assert statuses == [401, 401, 401, 401, 429]
        with requests.Session() as s:
            r = _sign_in_over_http(s, url, "alice")
            assert r.status_code == 429 and "try again" in r.text
    with db.session_scope() as s:
        assert s.execute(select(am.LoginAttempt)).all().__len__() == 4


def test_a_real_server_in_header_mode_answers_its_proxy_and_refuses_others(empty_db):
    env = {**cli_env(empty_db), "AUTH_MODE": "header", "TRUSTED_PROXIES": "127.0.0.2"}
    headers = {"X-Forwarded-User": "j.smith", "X-Forwarded-Roles": "viewer"}
    with running_server(env) as url:
        direct = requests.get(url + "/_dash-layout", headers=headers, timeout=10)
        assert direct.status_code == 403  # from 127.0.0.1: not the proxy, whatever it claims
        with requests.Session() as proxy:
            adapter = HTTPAdapter()
            adapter.init_poolmanager(1, 1, source_address=("127.0.0.2", 0))
            proxy.mount("http://", adapter)
            assert proxy.get(url + "/_dash-layout", headers=headers, timeout=10).status_code == 200
            assert proxy.get(url + "/_dash-layout", timeout=10).status_code == 401
            page = proxy.get(url + "/", headers=headers, timeout=10)
            assert page.status_code == 200 and all(h in page.headers for h in SECURITY_HEADERS)


def test_gunicorn_without_sign_in_refuses_forwarded_requests(tmp_path):
    with running_server({"INSTANCE_PATH": str(tmp_path), "AUTH_MODE": ""}, gunicorn_workers=1) as url:
        assert requests.get(url + "/_dash-layout", timeout=10).status_code == 200
        r = requests.get(url + "/_dash-layout", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
        assert r.status_code == 403 and "AUTH_MODE=password" in r.text


def test_a_user_command_on_a_database_never_set_up_says_to_run_init_db(monkeypatch, capsys, settings):
    code, _out, err = run_cli(monkeypatch, capsys, settings, "user", "list")
    assert code == 2
    assert "no tables yet" in err and "board-dashboard init-db" in err
    assert "Traceback" not in err
