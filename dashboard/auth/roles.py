"""Roles and what each includes: the one rule every permission check uses (pure; no web framework here).

    viewer       board member: reads pages, exceptions, challenges, the pack
    contributor  Q&E subgroup: also writes commentary and raises challenges          (includes viewer)
    business_manager  records the board's meetings, attendance and actions            (includes contributor)
    chair        also answers on behalf of others, closes and withdraws challenges     (includes contributor)
    analyst      imports data and edits RAG rules; writes commentary like contributor (includes contributor)
    admin        manages users; holds every other role                                 (includes all)

The chair does not import data and the analyst does not close challenges: those are separate duties.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ROLES: tuple[str, ...] = ("viewer", "contributor", "business_manager", "chair", "analyst", "admin")  # lowest to highest
ROLE_INCLUDES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"viewer"}),
    "contributor": frozenset({"viewer", "contributor"}),
    "business_manager": frozenset({"viewer", "contributor", "business_manager"}),
    "chair": frozenset({"viewer", "contributor", "chair"}),
    "analyst": frozenset({"viewer", "contributor", "analyst"}),
    "admin": frozenset(ROLES),
}
ROLE_DESCRIPTIONS: dict[str, str] = {
    "viewer": "board member: reads pages, exceptions, challenges and the pack",
    "contributor": "Q&E: also writes commentary and raises challenges",
    "business_manager": "also records the board's meetings, attendance and actions",
    "chair": "also answers on behalf of others, closes and withdraws challenges",
    "analyst": "imports data and edits RAG rules (and writes commentary)",
    "admin": "manages users; holds every role",
}


@dataclass(frozen=True)
class User:
    """Whoever made a request. `roles` are those granted directly (a sign-on proxy may grant several)."""

    name: str
    role: str  # the highest of `roles` ('' when none is known)
    roles: frozenset[str] = field(default_factory=frozenset)

    def has(self, role: str) -> bool:
        """True when one of this user's roles includes `role`."""
        return any(role in ROLE_INCLUDES.get(r, ()) for r in self.roles)


def make_user(name: str, roles: Iterable[str]) -> User:
    """A user with the known roles among `roles` (unknown names are ignored)."""
    known = frozenset(r for r in roles if r in ROLE_INCLUDES)
    top = max(known, key=ROLES.index) if known else ""
    return User(name, top, known)


def has_role(user: User | None, *roles: str) -> bool:
    """True when `user` holds (or includes) any of `roles`."""
    return user is not None and any(user.has(r) for r in roles)
