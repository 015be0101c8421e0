"""`board-dashboard user ...` (who can sign in, with which role) and `audit` (who changed what, when).

Passwords are read from standard input (`--password-stdin`) or typed at a hidden prompt: never from the command
line, where other users of the computer could see them in the process list.
"""

from __future__ import annotations

import functools
import getpass
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dashboard.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from data_access.auth_models import User

_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


def cli_actor() -> str:
    """How the audit log names a command-line user: the operating-system account that ran the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in this environment
        return "cli"


def _fail(message: str) -> int:
    print(f"board-dashboard: {message}", file=sys.stderr)
    return 1


def _setup(settings: Settings) -> None:
    from data_access import db

    db.configure(settings.database_url)  # users and the audit log need the database, not the data cache


def _read_password(args, name: str) -> tuple[str | None, str | None]:
    """(password, None) or (None, why not)."""
    from dashboard.auth.passwords import password_problem

    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
    elif sys.stdin.isatty():
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Type it again: ") != password:
            return None, "the two passwords differ; nothing was changed"
    else:
        return None, ("give the password on standard input with --password-stdin "
                      "(e.g. `printf '%s\\n' \"$PW\" | board-dashboard user add ...`)")
    problem = password_problem(name, password)
    if problem:
        return None, f"{problem}. Nothing was changed."
    return password, None


def _name(raw: str) -> tuple[str | None, str | None]:
    name = raw.strip().lower()
    if not _NAME.match(name):
        return None, (f"{raw!r} cannot be a user name: use 1 to 64 letters, digits and . _ @ - "
                      "(starting with a letter or digit), e.g. 'j.smith' or 'j.smith@council.gov.uk'")
    return name, None


class _Refused(Exception):
    """A user command will not do what it was asked; the message says why. Nothing has been changed."""


def _refusal_fails(cmd: Callable[..., int]) -> Callable[..., int]:
    """A refusal inside `cmd` ends it with its message on standard error and exit status 1."""

    @functools.wraps(cmd)
    def run(*args, **kwargs) -> int:
        try:
            return cmd(*args, **kwargs)
        except _Refused as e:
            return _fail(str(e))

    return run


@contextmanager
def _named_user(args, settings: Settings, *, new: bool = False) -> Iterator[tuple[Session, str, User | None]]:
    """A database session, the user name the command was given (as stored), and that user, found in the
    session. Refuses a name that cannot be a user name, and a user who is not there (with new=True: one who
    already is)."""
    from data_access import auth_models as am
    from data_access import db

    name, err = _name(args.name)
    if err:
        raise _Refused(err)
    _setup(settings)
    with db.session_scope() as s:
        user = am.get_user(s, name)
        if new and user is not None:
            raise _Refused(f"there is already a user {name}; use `user set-role` or `user set-password`")
        if not new and user is None:
            raise _Refused(f"there is no user {name} (see `board-dashboard user list`)")
        yield s, name, user


@_refusal_fails
def cmd_user_add(args, settings: Settings) -> int:
    from dashboard.auth.passwords import hash_password
    from data_access import audit, db
    from data_access import auth_models as am

    with _named_user(args, settings, new=True) as (_s, name, _user):
        pass  # only the check: the password is read with no transaction open
    password, err = _read_password(args, name)
    if err:
        return _fail(err)
    with db.session_scope() as s:
        am.add_user(s, name, args.role, hash_password(password))
        audit.record(cli_actor(), "user.add", name, {"role": args.role}, session=s)
    print(f"added user {name} ({args.role})")
    if settings.auth_mode != "password":
        print(f"note: AUTH_MODE is {settings.auth_mode}; users sign in with a password only when "
              "AUTH_MODE=password")
    return 0


def cmd_user_list(args, settings: Settings) -> int:
    from data_access import auth_models as am
    from data_access import db

    _setup(settings)
    with db.session_scope() as s:
        users = am.list_users(s)
    if not users:
        print("no users yet: add one with `board-dashboard user add NAME --role admin --password-stdin`")
        return 0
    print(f"{'name':32} {'role':12} {'status':9} {'added':17} last sign-in")
    for u in users:
        last = f"{u.last_sign_in_at:%Y-%m-%d %H:%M}" if u.last_sign_in_at else "never"
        print(f"{u.name:32} {u.role:12} {'active' if u.active else 'disabled':9} "
              f"{u.created_at:%Y-%m-%d %H:%M}  {last}")
    return 0


def _last_admin_guard(s, name: str) -> None:
    """Refuse to leave nobody who can manage users."""
    from sqlalchemy import func, select

    from data_access.auth_models import User

    others = s.execute(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.name != name)).scalar_one()
    target = s.execute(select(User.role, User.active).where(User.name == name)).first()
    if target and target.role == "admin" and target.active and others == 0:
        raise _Refused(f"{name} is the only active admin: add or promote another admin first")


@_refusal_fails
def cmd_user_set_role(args, settings: Settings) -> int:
    from data_access import audit
    from data_access import auth_models as am

    with _named_user(args, settings) as (s, name, user):
        old = user.role
        if old == args.role:
            print(f"{name} is already {args.role}; nothing changed")
            return 0
        if args.role != "admin":
            _last_admin_guard(s, name)
        am.set_user_fields(s, name, role=args.role)
        audit.record(cli_actor(), "user.set_role", name, {"from": old, "to": args.role}, session=s)
    print(f"{name}: {old} -> {args.role} (from the next request on)")
    return 0


@_refusal_fails
def cmd_user_set_password(args, settings: Settings) -> int:
    from dashboard.auth.passwords import hash_password
    from data_access import audit, db
    from data_access import auth_models as am

    with _named_user(args, settings) as (_s, name, _user):
        pass  # only the check: the password is read with no transaction open
    password, err = _read_password(args, name)
    if err:
        return _fail(err)
    with db.session_scope() as s:
        am.set_user_fields(s, name, password_hash=hash_password(password))
        ended = am.end_sessions_of(s, name)
        audit.record(cli_actor(), "user.set_password", name, {"sessions_ended": ended}, session=s)
    print(f"password of {name} changed; {ended} signed-in session(s) ended")
    return 0


@_refusal_fails
def _set_active(args, settings: Settings, active: bool) -> int:
    from data_access import audit
    from data_access import auth_models as am

    with _named_user(args, settings) as (s, name, user):
        if user.active == active:
            print(f"{name} is already {'active' if active else 'disabled'}; nothing changed")
            return 0
        if not active:
            _last_admin_guard(s, name)
        am.set_user_fields(s, name, active=active)
        ended = 0 if active else am.end_sessions_of(s, name)
        audit.record(cli_actor(), "user.enable" if active else "user.disable", name,
                     {} if active else {"sessions_ended": ended}, session=s)
    if active:
        print(f"{name} can sign in again")
    else:
        print(f"{name} is disabled and signed out everywhere ({ended} session(s) ended); the account and its "
              "history are kept")
    return 0


def cmd_user_disable(args, settings: Settings) -> int:
    return _set_active(args, settings, False)


def cmd_user_enable(args, settings: Settings) -> int:
    return _set_active(args, settings, True)


def cmd_audit(args, settings: Settings) -> int:
    from data_access import audit

    _setup(settings)
    rows = audit.recent(args.limit, action=args.action, actor=args.actor)
    if not rows:
        print("the audit log is empty" + (" for that filter" if args.action or args.actor else ""))
        return 0
    for r in rows:
        print(f"{r.at:%Y-%m-%d %H:%M:%S}  {r.actor:24} {r.action:18} {r.target:32} {r.detail}".rstrip())
    return 0


def _limit(raw: str) -> int:
    import argparse

    try:
        n = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def add_commands(sub) -> None:
    """Add `user` and `audit` to the command line."""
    from dashboard.auth.roles import ROLE_DESCRIPTIONS, ROLES

    roles_help = "; ".join(f"{r}: {d}" for r, d in ROLE_DESCRIPTIONS.items())
    u = sub.add_parser("user", help="manage who can sign in and their roles", description=(
        "Manage the users who sign in with a password (AUTH_MODE=password). Every change is written to the "
        f"audit log. Roles: {roles_help}."))
    us = u.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    s = us.add_parser("add", help="add a user", description=(
        "Add a user with a role. The password is read from standard input with --password-stdin (or typed at "
        "a hidden prompt); it must have at least 12 characters and not be a commonly used one."))
    s.add_argument("name", metavar="NAME", help="user name (letters, digits, . _ @ -), stored in lower case")
    s.add_argument("--role", required=True, choices=ROLES, help="the user's role")
    s.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    s.set_defaults(func=cmd_user_add)

    s = us.add_parser("list", help="list users, roles and last sign-in",
                      description="List every user: role, active or disabled, when added, last sign-in.")
    s.set_defaults(func=cmd_user_list)

    s = us.add_parser("set-role", help="change a user's role",
                      description="Change a user's role; it applies from their next request.")
    s.add_argument("name", metavar="NAME")
    s.add_argument("role", metavar="ROLE", choices=ROLES, help=f"one of {', '.join(ROLES)}")
    s.set_defaults(func=cmd_user_set_role)

    s = us.add_parser("set-password", help="reset a user's password",
                      description="Set a new password (from standard input with --password-stdin) and sign "
                                  "the user out everywhere.")
    s.add_argument("name", metavar="NAME")
    s.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    s.set_defaults(func=cmd_user_set_password)

    s = us.add_parser("disable", help="stop a user signing in (and sign them out now)",
                      description="Disable a user: they are signed out at once and cannot sign in. The account "
                                  "is kept so the audit log still names them; `user enable` undoes this.")
    s.add_argument("name", metavar="NAME")
    s.set_defaults(func=cmd_user_disable)

    s = us.add_parser("enable", help="let a disabled user sign in again",
                      description="Let a disabled user sign in again.")
    s.add_argument("name", metavar="NAME")
    s.set_defaults(func=cmd_user_enable)

    a = sub.add_parser("audit", help="read the audit log", description=(
        "Show the audit log, newest first: every import, rule change, commentary, challenge and user change, "
        "with who made it and when (UTC)."))
    a.add_argument("--limit", type=_limit, default=50, help="how many entries (default 50)")
    a.add_argument("--action", help="only this action, e.g. import or user.add")
    a.add_argument("--actor", help="only entries by this user")
    a.set_defaults(func=cmd_audit)
