"""What the sign-in modules share for one app: its settings, the trusted proxies, the secret key file."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from dashboard.settings import Settings

if TYPE_CHECKING:
    from dashboard.auth.registry import CallbackRegistry

log = logging.getLogger(__name__)

SESSION_COOKIE = "board_session"
SECRET_FILE = "secret_key"
EXTENSION = "board_auth"  # the key of this app's AuthConfig in flask.Flask.extensions


class AuthConfigError(SystemExit):
    """A sign-in setting that cannot work: the server does not start, and the message says what to set."""


@dataclass
class AuthConfig:
    """The sign-in set-up of one app (kept in its Flask server's `extensions`)."""

    settings: Settings
    dash_app: object
    proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    callbacks: CallbackRegistry
    external_origins: dict[str, list[str]] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """none, password or header."""
        return self.settings.auth_mode


def auth_config() -> AuthConfig:
    """The sign-in set-up of the app answering this request."""
    return current_app.extensions[EXTENSION]


def check_settings(settings: Settings) -> None:
    """Refuse, before anything is served, the sign-in settings that cannot work."""
    if settings.auth_mode not in ("none", "password", "header"):
        raise AuthConfigError(
            f"board-dashboard: AUTH_MODE must be none, password or header, not {settings.auth_mode!r}"
        )
    if settings.auth_mode == "header" and not settings.trusted_proxies:
        raise AuthConfigError(
            "board-dashboard: AUTH_MODE=header needs TRUSTED_PROXIES: the addresses of the "
            "sign-on proxy whose user and role headers are to be believed (e.g. 10.0.0.5)"
        )


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
                log.warning("%s could be read by other users of this computer: made it private (mode 600)", path.name)
                os.chmod(path, 0o600)
            return key
        time.sleep(0.05)  # created by another process a moment ago and not written yet
    raise AuthConfigError(
        f"board-dashboard: the secret key file {path.name} in the instance folder is empty: "
        "delete it (a new one is made) or set SECRET_KEY"
    )
