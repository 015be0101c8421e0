"""The CSRF token of a browser session: made on first use, kept in the signed session cookie.

Dash's renderer sends the `_csrf_token` cookie back as the X-CSRFToken header by itself; the sign-in and sign-out
forms carry the token as a field.
"""

from __future__ import annotations

import secrets

from flask import session

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
_KEY = "csrf"


def csrf_token() -> str:
    """This browser session's CSRF token (made on first use)."""
    token = session.get(_KEY)
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        session[_KEY] = token
    return token


def csrf_matches(given: str | None) -> bool:
    """True when `given` is this browser session's token (compared in constant time)."""
    expected = session.get(_KEY)
    return bool(
        isinstance(expected, str) and expected and given and secrets.compare_digest(expected.encode(), given.encode())
    )
