"""Passwords: scrypt hashing (memory-hard; in Python's standard library) and the rule for what is too weak.

The stored form names its parameters (`scrypt$N$r$p$salt$hash`), so the cost can be raised later and old hashes
still verify (and are upgraded at the next sign-in, see `needs_rehash`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# OWASP's recommended minimum for scrypt: N=2**17, r=8, p=1 (128 MiB, about half a second here).
N, R, P = 2**17, 8, 1
_MAXMEM = 256 * 1024 * 1024
MIN_LENGTH = 12

# The most used passwords of breach lists, and the words a board's staff are likely to reach for.
_COMMON = {
    "password", "password1", "password12", "password123", "password1234", "passw0rd", "qwerty", "qwertyuiop",
    "123456789012", "1234567890", "111111111111", "iloveyou", "letmein", "welcome", "welcome123", "admin",
    "administrator", "changeme", "dashboard", "safeguarding", "safeguarding1", "safeguarding123", "children",
    "council", "havering", "westminster", "board", "lscb", "qwerty123456", "abc123456789", "football",
    "monkey", "dragon", "sunshine", "princess", "trustno1", "summer2024", "winter2024", "spring2025",
}


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode().rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s + "=" * (-len(s) % 4))


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches; False for any other password or a malformed stored value."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=_MAXMEM, dklen=len(_unb64(key)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(key))


def needs_rehash(stored: str) -> bool:
    try:
        _scheme, n, r, p, _salt, _key = stored.split("$")
        return (int(n), int(r), int(p)) != (N, R, P)
    except ValueError:
        return True


_DUMMY: str | None = None


def burn_time_like_a_check(password: str) -> None:
    """Spend as long as a real check, so an unknown name cannot be told from a wrong password by timing."""
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password(secrets.token_urlsafe(16))
    verify_password(password, _DUMMY)


def password_problem(name: str, password: str) -> str | None:
    """Why this password is too weak to accept, with what to do instead; None when it will do.

    Length matters most (NCSC: three random words); we also refuse the well-known passwords, the user's own name,
    and one character repeated."""
    advice = "choose one of at least 12 characters, such as three random words (e.g. 'kettle-orbit-lantern')"
    if not password or not password.strip():
        return f"the password is empty: {advice}"
    if len(password) < MIN_LENGTH:
        return f"the password has {len(password)} characters, fewer than {MIN_LENGTH}: {advice}"
    lowered = password.lower()
    if lowered in _COMMON or lowered.rstrip("0123456789!?.") in _COMMON:
        return f"that password is one of the most commonly used and easily guessed: {advice}"
    if name and name.lower() in lowered:
        return f"the password contains the user name: {advice}"
    if len(set(password)) < 4:
        return f"the password repeats too few different characters: {advice}"
    return None
