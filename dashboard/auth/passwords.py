"""Passwords: Argon2id hashing (argon2-cffi, the winner of the Password Hashing Competition), the older scrypt hashes
that still sign in until they are upgraded, and the rule for what is too weak.

Hashes made before Argon2id (`scrypt$N$r$p$salt$hash`, from Python's hashlib) still verify. `needs_rehash` says
yes for them, and for Argon2id hashes made with weaker parameters than today's, so the sign-in stores a fresh hash
the next time the user signs in with the right password: nobody has to be sent a new password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults follow RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): about 50 ms here,
# memory-hard, so a stolen table is slow to attack on graphics cards.
_HASHER = PasswordHasher()
_LEGACY_SCHEME = "scrypt"
_LEGACY_MAXMEM = 256 * 1024 * 1024
MIN_LENGTH = 12

# The most used passwords of breach lists, and the words a board's staff are likely to reach for.
_COMMON = {
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd",
    "qwerty",
    "qwertyuiop",
    "123456789012",
    "1234567890",
    "111111111111",
    "iloveyou",
    "letmein",
    "welcome",
    "welcome123",
    "admin",
    "administrator",
    "changeme",
    "dashboard",
    "safeguarding",
    "safeguarding1",
    "safeguarding123",
    "children",
    "council",
    "havering",
    "westminster",
    "board",
    "lscb",
    "qwerty123456",
    "abc123456789",
    "football",
    "monkey",
    "dragon",
    "sunshine",
    "princess",
    "trustno1",
    "summer2024",
    "winter2024",
    "spring2025",
}


def hash_password(password: str) -> str:
    """A new Argon2id hash of `password` (salted: the same password never gives the same hash twice)."""
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored` (Argon2id, or a scrypt hash from before); False for any other password
    or a malformed stored value."""
    if not stored:
        return False
    if stored.startswith(_LEGACY_SCHEME + "$"):
        return _verify_legacy_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when `stored` should be replaced at the next successful sign-in: any scrypt hash, or an Argon2id hash
    made with other parameters than today's."""
    if not stored.startswith("$argon2"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True


def _unb64(s: str) -> bytes:
    return base64.b64decode(s + "=" * (-len(s) % 4))


def _verify_legacy_scrypt(password: str, stored: str) -> bool:
    # The format this dashboard wrote before Argon2id: scrypt$N$r$p$salt$key (unpadded base64). Kept only to let
    # those users sign in once more, when their hash is replaced.
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != _LEGACY_SCHEME:
            return False
        expected = _unb64(key)
        got = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_LEGACY_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


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
