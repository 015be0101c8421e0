"""Settings, read once from the environment. Every variable is listed in README.md."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

AUTH_MODES = ("none", "password", "header")


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = os.environ.get(name, "").strip().lower() or default
    if raw not in allowed:
        raise SystemExit(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return raw


def _addresses(name: str) -> tuple[str, ...]:
    """Comma- or space-separated IP addresses or networks (10.0.0.0/8); checked here so a typo stops the start."""
    items = tuple(x for x in os.environ.get(name, "").replace(",", " ").split() if x)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SystemExit(f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)"
                             ) from None
    return items


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    redis_url: str | None
    cache_timeout: int = 3600
    small_number_threshold: int = 20
    suppress_small_counts: bool = True
    extra: dict = field(default_factory=dict)
    # Sign-in (see dashboard/auth.py and README.md). `none` is the single-user default and serves loopback only.
    auth_mode: str = "none"  # none | password | header
    secret_key: str | None = field(default=None, repr=False)  # unset: generated once into the instance folder
    auth_user_header: str = "X-Forwarded-User"
    auth_roles_header: str = "X-Forwarded-Roles"
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks of the reverse proxy / single sign-on
    auth_logout_url: str | None = None  # header mode: where "sign out" sends people (the sign-on's logout)
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_max_failures: int = 5  # per name, within the lockout window
    login_max_failures_per_address: int = 20
    login_lockout_minutes: int = 15
    cookie_secure: str = "auto"  # auto: Secure when the request came over https | always

    @property
    def embedded(self) -> bool:
        """True when running on the bundled SQLite default (created and loaded on first start)."""
        return "DATABASE_URL" not in os.environ or not os.environ["DATABASE_URL"].strip()

    @property
    def cache_key_prefix(self) -> str:
        # Several boards (databases) can share one Redis: keys are namespaced by database.
        return "bd:" + hashlib.sha256(self.database_url.encode()).hexdigest()[:10] + ":"

    @classmethod
    def from_env(cls) -> Settings:
        instance = Path(os.environ.get("INSTANCE_PATH") or Path.cwd() / "instance").resolve()
        db = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{instance / 'board.db'}"
        return cls(
            instance_path=instance,
            database_url=db,
            redis_url=os.environ.get("REDIS_URL", "").strip() or None,
            cache_timeout=_int("CACHE_TIMEOUT", 3600),
            small_number_threshold=_int("SMALL_NUMBER_THRESHOLD", 20),
            suppress_small_counts=os.environ.get("SUPPRESS_SMALL_COUNTS", "1") not in ("0", "false", "no"),
            auth_mode=_choice("AUTH_MODE", "none", AUTH_MODES),
            secret_key=os.environ.get("SECRET_KEY", "").strip() or None,
            auth_user_header=os.environ.get("AUTH_USER_HEADER", "").strip() or "X-Forwarded-User",
            auth_roles_header=os.environ.get("AUTH_ROLES_HEADER", "").strip() or "X-Forwarded-Roles",
            trusted_proxies=_addresses("TRUSTED_PROXIES"),
            auth_logout_url=os.environ.get("AUTH_LOGOUT_URL", "").strip() or None,
            session_idle_minutes=_int("SESSION_IDLE_MINUTES", 30),
            session_max_hours=_int("SESSION_MAX_HOURS", 12),
            login_max_failures=_int("LOGIN_MAX_FAILURES", 5),
            login_max_failures_per_address=_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
            login_lockout_minutes=_int("LOGIN_LOCKOUT_MINUTES", 15),
            cookie_secure=_choice("COOKIE_SECURE", "auto", ("auto", "always")),
        )
