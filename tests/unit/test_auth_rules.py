"""The sign-in rules that need no server: roles, passwords, redirects, loopback addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.auth import (
    ROLE_INCLUDES,
    ROLES,
    has_role,
    is_loopback_host,
    make_user,
    passwords,
    require_role,
    safe_next,
    serving_refusal,
)
from dashboard.settings import Settings


def _settings(**kw) -> Settings:
    return Settings(instance_path=Path("instance"), database_url="sqlite://", redis_url=None, **kw)


@pytest.mark.parametrize(
    ("role", "can", "cannot"),
    [
        ("viewer", {"viewer"}, {"contributor", "chair", "analyst", "admin"}),
        ("contributor", {"viewer", "contributor"}, {"chair", "analyst", "admin"}),
        ("chair", {"viewer", "contributor", "chair"}, {"analyst", "admin"}),
        ("analyst", {"viewer", "contributor", "analyst"}, {"chair", "admin"}),
        ("admin", set(ROLES), set()),
    ],
)
def test_each_role_includes_the_documented_others(role, can, cannot):
    user = make_user("someone", [role])
    assert {r for r in ROLES if user.has(r)} == can
    assert not any(user.has(r) for r in cannot)
    assert ROLE_INCLUDES[role] == frozenset(can)


def test_several_roles_from_a_proxy_combine_and_unknown_names_are_ignored():
    user = make_user("j.smith", ["chair", "analyst", "superuser"])
    assert user.role == "analyst"  # the highest in ROLES order names the user
    assert has_role(user, "chair") and has_role(user, "analyst") and not has_role(user, "admin")
    nobody = make_user("x", ["superuser"])
    assert nobody.role == "" and not nobody.has("viewer")
    assert not has_role(None, "viewer")


def test_require_role_refuses_unknown_role_names_at_once():
    with pytest.raises(ValueError, match="viewer, contributor, business_manager, chair, analyst, admin"):
        require_role("editor")
    with pytest.raises(ValueError):
        require_role()


def test_a_guarded_function_refuses_to_run_outside_a_request_and_says_how_to_unit_test_it():
    @require_role("contributor")
    def save(text):
        return f"saved {text}"

    with pytest.raises(PermissionError, match="__wrapped__"):
        save("x")
    assert save.__wrapped__("x") == "saved x"
    assert save.required_roles == ("contributor",)


def test_passwords_are_hashed_with_argon2id_salted_and_verified():
    h1 = passwords.hash_password("kettle-orbit-lantern")
    h2 = passwords.hash_password("kettle-orbit-lantern")
    assert h1.startswith("$argon2id$") and h1 != h2  # a fresh salt each time
    assert passwords.verify_password("kettle-orbit-lantern", h1)
    assert not passwords.verify_password("kettle-orbit-lanterN", h1)
    assert not passwords.verify_password("anything", "not-a-hash")
    assert not passwords.verify_password("anything", "")
    assert not passwords.needs_rehash(h1)  # made today: nothing to upgrade
    assert "kettle" not in h1


# Made by this dashboard's scrypt hashing (before Argon2id), with a low cost (N=2**14) to keep the test quick.
SCRYPT_HASH = "scrypt$16384$8$1$tTBF8/4IxvS+f/5fJ2Bhcg$/xbGOQbmPb+hIlSAiGL64fqrBOee4VlcSq/kOmAJ9vc"


def test_a_password_hashed_with_the_earlier_scrypt_scheme_still_verifies_and_is_due_an_upgrade():
    assert passwords.verify_password("kettle-orbit-lantern", SCRYPT_HASH)
    assert not passwords.verify_password("kettle-orbit-lanterN", SCRYPT_HASH)
    assert not passwords.verify_password("kettle-orbit-lantern", SCRYPT_HASH.replace("$8$", "$9$"))
    assert not passwords.verify_password("kettle-orbit-lantern", "scrypt$16384$8$1$not-base64")
    assert passwords.needs_rehash(SCRYPT_HASH)


def test_an_argon2id_hash_made_with_weaker_parameters_is_due_an_upgrade():
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("kettle-orbit-lantern")
    assert passwords.verify_password("kettle-orbit-lantern", weak)
    assert passwords.needs_rehash(weak)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("short", "fewer than 12"),
        ("Password1234", "commonly used"),
        ("safeguarding2024!", "commonly used"),
        ("alice-is-the-best", "contains the user name"),
        ("aaaaaaaaaaaaaa", "too few different"),
    ],
)
def test_weak_passwords_are_refused_with_what_to_do_instead(password, why):
    problem = passwords.password_problem("alice", password)
    assert problem and why in problem and "three random words" in problem


def test_a_long_uncommon_password_is_accepted():
    assert passwords.password_problem("alice", "kettle-orbit-lantern") is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/indicator/contacts?area=havering", "/indicator/contacts?area=havering"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/login?next=/x", "/"),
        ("", "/"),
        (None, "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
    ],
)
def test_after_sign_in_only_paths_on_this_site_are_followed(target, expected):
    assert safe_next(target) == expected


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("192.168.1.20", False),
        ("board.council.gov.uk", False),
        ("", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback_host(host) is loopback


def test_serving_without_sign_in_is_refused_off_loopback_with_what_to_set():
    msg = serving_refusal(_settings(), "0.0.0.0")
    assert msg and "auth" in msg.lower() and "AUTH_MODE=password" in msg and "AUTH_MODE=header" in msg
    assert serving_refusal(_settings(), "127.0.0.1") is None
    assert serving_refusal(_settings(auth_mode="password"), "0.0.0.0") is None


def test_settings_read_the_sign_in_variables_and_refuse_nonsense(monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "Header")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "20")
    s = Settings.from_env()
    assert s.auth_mode == "header" and s.trusted_proxies == ("10.0.0.5", "10.1.0.0/16")
    assert s.session_idle_minutes == 20 and s.auth_user_header == "X-Forwarded-User"
    monkeypatch.setenv("SECRET_KEY", "s3cret-value")
    assert "s3cret-value" not in repr(Settings.from_env())  # never printed with the settings
    monkeypatch.setenv("AUTH_MODE", "off")
    with pytest.raises(SystemExit, match="AUTH_MODE must be one of none, password, header"):
        Settings.from_env()
    monkeypatch.setenv("AUTH_MODE", "header")
    monkeypatch.setenv("TRUSTED_PROXIES", "proxy.internal")
    with pytest.raises(SystemExit, match="not an IP address or network"):
        Settings.from_env()


def test_the_role_registry_knows_each_write_callback_by_the_output_id_dash_gives_it():
    """The guard finds a request's roles by the `output` field the browser sends: the registry must name each
    callback exactly as Dash does (several outputs, duplicates allowed, pattern ids with dots, either decorator
    order), and know a read callback needs nothing."""
    import dash
    from dash import ALL, Input, Output

    from dashboard.auth.registry import watch_callbacks

    app = dash.Dash(__name__)
    registry = watch_callbacks(app)

    @app.callback(
        Output("status", "children"),
        Output("refresh", "data", allow_duplicate=True),
        Input("save", "n_clicks"),
        prevent_initial_call=True,
    )
    @require_role("contributor")
    def save(n):
        return "saved", n

    @app.callback(
        Output("status", "children", allow_duplicate=True),
        Output("refresh", "data", allow_duplicate=True),
        Input({"type": "action", "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    @require_role("chair")
    def close(clicks):
        return "closed", 1

    @require_role("analyst")  # above the registration: the registry still finds it
    @app.callback(Output("rule-target", "value"), Input("save", "n_clicks"))
    def set_rule(n):
        return n

    @app.callback(Output({"type": "row.cell", "index": ALL}, "children"), Input("save", "n_clicks"))
    @require_role("admin")
    def rows(n):
        return []

    @app.callback(Output("chart", "figure"), Input("save", "n_clicks"))
    def draw(n):
        return {}

    by_function = {entry["callback"].__name__: registry.roles_for(output) for output, entry in app.callback_map.items()}
    assert by_function == {
        "save": [("contributor",)],
        "close": [("chair",)],
        "set_rule": [("analyst",)],
        "rows": [("admin",)],
        "draw": [],
    }
    assert sorted(registry.writes().values()) == [("admin",), ("analyst",), ("chair",), ("contributor",)]
