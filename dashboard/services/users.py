"""Managing who can sign in: add a user, change a role or a password, disable, enable, list.

Each use case validates its input, checks that the acting user may manage users (admins only), makes the change and
writes its audit entry in ONE transaction: the change and the record of it are committed together or not at all.
A refusal raises `UserRefused` (its message says why) before anything is written. The database must already be
configured (data_access.db.configure).

Passwords never leave this module except as hashes, and never appear in the audit log.
"""

from __future__ import annotations

import getpass
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.auth.passwords import hash_password, password_problem
from dashboard.auth.roles import ROLES, User, make_user
from dashboard.rules.text import control_problem
from data_access import auth_models as am
from data_access import db
from data_access.auth_models import AuditEntry, UserRow
from data_access.models import utcnow

MANAGING_ROLE = "admin"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


class UserRefused(Exception):
    """A user change that will not be made; the message says why. Nothing has been changed."""


@dataclass(frozen=True)
class RoleChange:
    """The outcome of `set_role`: `changed` is False when the user already had that role."""

    name: str
    old: str
    new: str
    changed: bool


@dataclass(frozen=True)
class AccessChange:
    """The outcome of `disable_user` / `enable_user`: `changed` is False when the user already was so."""

    name: str
    active: bool
    changed: bool
    sessions_ended: int = 0


def local_operator() -> User:
    """The person at this computer's command line: they can already read and write the database, so they act as
    an admin. The audit log names them by their operating-system account (`cli:<account>`)."""
    try:
        name = f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - some environments have no user name at all
        name = "cli"
    return make_user(name, [MANAGING_ROLE])


def check_name(raw: str) -> str:
    """The user name as stored (trimmed, lower case); refuses one that cannot be a user name. A control character
    is named in the refusal: the name is printed by `user list` and `audit`, where one would act on the terminal."""
    if problem := control_problem(raw, "user name"):
        raise UserRefused(f"{problem}. Nothing was changed.")
    name = raw.strip().lower()
    if not _NAME.fullmatch(name):
        raise UserRefused(
            f"{raw!r} cannot be a user name: use 1 to 64 letters, digits and . _ @ - "
            "(starting with a letter or digit), e.g. 'j.smith' or 'j.smith@council.gov.uk'"
        )
    return name


def check_password(name: str, password: str) -> None:
    """Refuse a password too weak to accept, saying what to choose instead."""
    problem = password_problem(name, password)
    if problem:
        raise UserRefused(f"{problem}. Nothing was changed.")


def check_new_user(actor: User, raw_name: str) -> str:
    """Check, before a password is asked for, that `actor` may add a user called `raw_name` and that there is none;
    the name as it will be stored."""
    _may_manage(actor)
    name = check_name(raw_name)
    with db.session_scope() as s:
        _refuse_existing(s, name)
    return name


def check_existing_user(actor: User, raw_name: str) -> str:
    """Check, before a password is asked for, that `actor` may change the user `raw_name` and that they exist."""
    _may_manage(actor)
    name = check_name(raw_name)
    with db.session_scope() as s:
        _existing(s, name)
    return name


def add_user(actor: User, raw_name: str, role: str, password: str) -> UserRow:
    """Add a user who can sign in with `password` and holds `role`; audited as `user.add`."""
    _may_manage(actor)
    name = check_name(raw_name)
    _check_role(role)
    check_password(name, password)
    hashed = hash_password(password)  # slow on purpose: done before the transaction opens
    try:
        with _audited_change() as s:
            _refuse_existing(s, name)
            row = am.add_user(s, name, role, hashed)
            _audit(s, actor, "user.add", name, {"role": role})
    except IntegrityError:
        if not _exists(name):
            raise
        raise UserRefused(_already(name)) from None  # added by someone else between the check and the write
    return row


def set_role(actor: User, raw_name: str, role: str) -> RoleChange:
    """Give a user another role (from their next request on); audited as `user.set_role`. Refuses to leave no
    active admin."""
    _may_manage(actor)
    name = check_name(raw_name)
    _check_role(role)
    with _audited_change() as s:
        user = _existing(s, name)
        old = user.role
        if old == role:
            return RoleChange(name, old, role, changed=False)
        if role != MANAGING_ROLE:
            _refuse_last_admin(s, name)
        am.set_user_fields(s, name, role=role)
        _audit(s, actor, "user.set_role", name, {"from": old, "to": role})
    return RoleChange(name, old, role, changed=True)


def set_password(actor: User, raw_name: str, password: str) -> int:
    """Set a user's password and sign them out everywhere; audited as `user.set_password`. The number of
    signed-in sessions ended."""
    _may_manage(actor)
    name = check_name(raw_name)
    check_password(name, password)
    hashed = hash_password(password)
    with _audited_change() as s:
        _existing(s, name)
        am.set_user_fields(s, name, password_hash=hashed)
        ended = am.end_sessions_of(s, name)
        _audit(s, actor, "user.set_password", name, {"sessions_ended": ended})
    return ended


def disable_user(actor: User, raw_name: str) -> AccessChange:
    """Stop a user signing in and sign them out now; the account is kept so the audit log still names them.
    Audited as `user.disable`. Refuses to disable the last active admin."""
    return _set_active(actor, raw_name, active=False)


def enable_user(actor: User, raw_name: str) -> AccessChange:
    """Let a disabled user sign in again; audited as `user.enable`."""
    return _set_active(actor, raw_name, active=True)


def list_users(actor: User) -> list[UserRow]:
    """Every user, by name: role, active or not, when added, last sign-in."""
    _may_manage(actor)
    with db.session_scope() as s:
        return am.list_users(s)


# --- the rules ----------------------------------------------------------------------------------------------------


def _may_manage(actor: User) -> None:
    if not actor.has(MANAGING_ROLE):
        raise UserRefused(f"{actor.name or 'this user'} may not manage users: that needs the {MANAGING_ROLE} role")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserRefused(f"{role!r} is not a role; choose one of {', '.join(ROLES)}")


def _already(name: str) -> str:
    return f"there is already a user {name}; use `user set-role` or `user set-password`"


def _refuse_existing(s: Session, name: str) -> None:
    if am.get_user(s, name) is not None:
        raise UserRefused(_already(name))


def _exists(name: str) -> bool:
    with db.session_scope() as s:
        return am.get_user(s, name) is not None


def _existing(s: Session, name: str) -> am.User:
    user = am.get_user(s, name)
    if user is None:
        raise UserRefused(f"there is no user {name} (see `board-dashboard user list`)")
    return user


def _refuse_last_admin(s: Session, name: str) -> None:
    """Refuse to leave nobody who can manage users."""
    others = s.execute(
        select(func.count())
        .select_from(am.User)
        .where(am.User.role == MANAGING_ROLE, am.User.active.is_(True), am.User.name != name)
    ).scalar_one()
    target = s.execute(select(am.User.role, am.User.active).where(am.User.name == name)).first()
    if target and target.role == MANAGING_ROLE and target.active and others == 0:
        raise UserRefused(f"{name} is the only active admin: add or promote another admin first")


def _set_active(actor: User, raw_name: str, *, active: bool) -> AccessChange:
    _may_manage(actor)
    name = check_name(raw_name)
    with _audited_change() as s:
        user = _existing(s, name)
        if user.active == active:
            return AccessChange(name, active, changed=False)
        if not active:
            _refuse_last_admin(s, name)
        am.set_user_fields(s, name, active=active)
        ended = 0 if active else am.end_sessions_of(s, name)
        _audit(s, actor, "user.enable" if active else "user.disable", name, {} if active else {"sessions_ended": ended})
    return AccessChange(name, active, changed=True, sessions_ended=ended)


# --- one transaction for the change and its audit entry ---------------------------------------------------------


@contextmanager
def _audited_change() -> Iterator[Session]:
    """The transaction a change and its audit entry share: both are committed at the end, or neither."""
    with db.session_scope() as s:
        yield s


def _audit(s: Session, actor: User, action: str, target: str, detail: dict) -> None:
    """Add the audit entry to the change's own session (the same row data_access.audit.record writes), so it is
    committed with the change or not at all."""
    s.add(
        AuditEntry(
            at=utcnow(),
            actor=(actor.name or "unknown")[:255],
            action=action[:64],
            target=target[:255],
            detail=json.dumps(detail, sort_keys=True, default=str),
        )
    )
