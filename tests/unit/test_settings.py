"""Configuration as an operator meets it: the variables the README documents, their defaults, and one clear line
for a value that cannot work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.settings import Settings
from tests.conftest import ROOT


def documented_variables() -> list[str]:
    """The variables in the README's Configuration table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Configuration", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \|", table, re.M)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No configuration in the environment; the working directory is a fresh folder."""
    for name in documented_variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_every_documented_variable_is_read_and_nothing_else_is(clean_env, tmp_path):
    names = documented_variables()
    assert len(names) >= 20 and "BROWSER_PATH" in names and "RETURNS_PSEUDONYM_KEY" in names
    values = {
        "INSTANCE_PATH": str(tmp_path / "board"),
        "DATABASE_URL": "postgresql://board@db/board",
        "REDIS_URL": "redis://cache:6379/0",
        "CACHE_TIMEOUT": "60",
        "SMALL_NUMBER_THRESHOLD": "15",
        "SUPPRESS_SMALL_COUNTS": "0",
        "BROWSER_PATH": "/opt/chromium/chrome",
        "RETURNS_PSEUDONYM_KEY": "shared-key-0123",
        "AUTH_MODE": "password",
        "SECRET_KEY": "cookie-key-0123",
        "TRUSTED_PROXIES": "10.0.0.5",
        "AUTH_USER_HEADER": "X-User",
        "AUTH_ROLES_HEADER": "X-Roles",
        "AUTH_LOGOUT_URL": "https://sso.example/logout",
        "SESSION_IDLE_MINUTES": "10",
        "SESSION_MAX_HOURS": "8",
        "LOGIN_MAX_FAILURES": "3",
        "LOGIN_MAX_FAILURES_PER_ADDRESS": "9",
        "LOGIN_LOCKOUT_MINUTES": "5",
        "COOKIE_SECURE": "always",
        "DATABASE_CONNECT_TIMEOUT": "4",
        "DATABASE_STATEMENT_TIMEOUT": "0",
        "DATABASE_POOL_TIMEOUT": "2.5",
        "REDIS_CONNECT_TIMEOUT": "0.5",
        "REDIS_SOCKET_TIMEOUT": "1.5",
        "CACHE_RETRY_AFTER": "10",
    }
    assert set(values) == set(names), "a variable was added to the README or to this test, not both"
    for name, value in values.items():
        clean_env.setenv(name, value)
    s = Settings.from_env()
    assert (s.instance_path, s.database_url, s.redis_url) == (
        tmp_path / "board",
        "postgresql://board@db/board",
        "redis://cache:6379/0",
    )
    assert (s.cache_timeout, s.small_number_threshold, s.suppress_small_counts) == (60, 15, False)
    assert (s.browser_path, s.returns_pseudonym_key) == ("/opt/chromium/chrome", "shared-key-0123")
    assert (s.auth_mode, s.secret_key, s.trusted_proxies) == ("password", "cookie-key-0123", ("10.0.0.5",))
    assert (s.auth_user_header, s.auth_roles_header, s.auth_logout_url) == (
        "X-User",
        "X-Roles",
        "https://sso.example/logout",
    )
    assert (
        s.session_idle_minutes,
        s.session_max_hours,
        s.login_max_failures,
        s.login_max_failures_per_address,
        s.login_lockout_minutes,
        s.cookie_secure,
    ) == (10, 8, 3, 9, 5, "always")
    assert (s.database_connect_timeout, s.database_statement_timeout, s.database_pool_timeout) == (4, 0.0, 2.5)
    assert (s.redis_connect_timeout, s.redis_socket_timeout, s.cache_retry_after) == (0.5, 1.5, 10.0)
    assert not s.embedded
    assert "cookie-key-0123" not in repr(s) and "shared-key-0123" not in repr(s)


def test_unset_or_blank_variables_give_the_documented_defaults(clean_env, tmp_path):
    clean_env.setenv("REDIS_URL", "  ")
    clean_env.setenv("SECRET_KEY", "")
    clean_env.setenv("CACHE_TIMEOUT", "")
    s = Settings.from_env()
    assert s.instance_path == tmp_path / "instance"
    assert s.database_url == f"sqlite:///{tmp_path / 'instance' / 'board.db'}" and s.embedded
    assert s.redis_url is None and s.secret_key is None and s.cache_timeout == 3600
    assert (s.auth_mode, s.cookie_secure, s.trusted_proxies, s.suppress_small_counts) == ("none", "auto", (), True)
    assert (s.browser_path, s.returns_pseudonym_key) == (None, None)


def test_only_the_documented_spelling_of_a_variable_counts(clean_env):
    clean_env.setenv("auth_mode", "password")
    clean_env.setenv("database_url", "postgresql://someone@elsewhere/db")
    s = Settings.from_env()
    assert s.auth_mode == "none" and s.embedded


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CACHE_TIMEOUT", "an hour", "CACHE_TIMEOUT must be a whole number, not 'an hour'"),
        ("SESSION_MAX_HOURS", "12.5", "SESSION_MAX_HOURS must be a whole number, not '12.5'"),
        ("COOKIE_SECURE", "sometimes", "COOKIE_SECURE must be one of auto, always, not 'sometimes'"),
        ("AUTH_MODE", "SSO", "AUTH_MODE must be one of none, password, header, not 'sso'"),
        ("TRUSTED_PROXIES", "10.0.0.5 10.0.0.300", "TRUSTED_PROXIES: '10.0.0.300' is not an IP address or network"),
        ("DATABASE_STATEMENT_TIMEOUT", "five", "DATABASE_STATEMENT_TIMEOUT must be a number of seconds, not 'five'"),
        ("REDIS_SOCKET_TIMEOUT", "-1", "REDIS_SOCKET_TIMEOUT must not be negative, not '-1'"),
    ],
)
def test_a_value_that_cannot_work_stops_with_one_line_naming_the_variable(clean_env, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        Settings.from_env()
    assert str(stopped.value).startswith(message) and "\n" not in str(stopped.value)


def test_settings_made_in_code_ignore_the_environment(clean_env, tmp_path):
    clean_env.setenv("AUTH_MODE", "password")
    clean_env.setenv("REDIS_URL", "redis://cache:6379/0")
    s = Settings(instance_path=tmp_path, database_url="sqlite://", redis_url=None)
    assert s.auth_mode == "none" and s.redis_url is None
    changed = s.with_changes(auth_mode="header", trusted_proxies=("10.0.0.5",))
    assert (changed.auth_mode, changed.trusted_proxies, changed.database_url) == ("header", ("10.0.0.5",), "sqlite://")
    assert s.auth_mode == "none", "the original is unchanged"
    with pytest.raises(ValueError, match="AUTH_MODE must be one of"):
        s.with_changes(auth_mode="off")


def test_the_cache_keys_of_two_databases_do_not_meet(tmp_path):
    a = Settings(instance_path=tmp_path, database_url="postgresql://db/a", redis_url=None)
    b = Settings(instance_path=tmp_path, database_url="postgresql://db/b", redis_url=None)
    assert a.cache_key_prefix != b.cache_key_prefix
    assert a.cache_key_prefix == a.with_changes(auth_mode="password").cache_key_prefix
    assert Path(a.instance_path) == tmp_path
