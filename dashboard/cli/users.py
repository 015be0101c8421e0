"""`board-dashboard user ...` (who can sign in, with which role) and `audit` (who changed what, when).

The commands only read their arguments and a password, call dashboard.services.users, and print the outcome; the
rules (names, passwords, the last admin, who may manage users) and the audit entries are there.

Passwords are read from standard input (`--password-stdin`) or typed at a hidden prompt: never from the command
line, where other users of the computer could see them in the process list.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TypeVar

import click

from dashboard.auth.roles import ROLE_DESCRIPTIONS, ROLES
from dashboard.cli.common import Choice, CommandRefused, PositiveInt, command, group, say, with_settings
from dashboard.services import users
from dashboard.settings import Settings

T = TypeVar("T")


def _connect(settings: Settings) -> None:
    from data_access import db

    db.configure(settings.database_url)  # users and the audit log need the database, not the data cache


def _refusals(work: Callable[[], T]) -> T:
    """Run `work`, turning a refused user change into the command's refusal (exit status 1)."""
    try:
        return work()
    except users.UserRefused as e:
        raise CommandRefused(str(e)) from None


def _read_password(name: str, from_stdin: bool) -> str:
    """The new password, from standard input or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        return password[:-1] if password.endswith("\r") else password
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Type it again: ") != password:
            raise CommandRefused("the two passwords differ; nothing was changed")
        return password
    raise CommandRefused(
        "give the password on standard input with --password-stdin "
        "(e.g. `printf '%s\\n' \"$PW\" | board-dashboard user add ...`)"
    )


_ROLES_HELP = "; ".join(f"{r}: {d}" for r, d in ROLE_DESCRIPTIONS.items())


@group(
    "user",
    short_help="manage who can sign in and their roles",
    help="Manage the users who sign in with a password (AUTH_MODE=password). Every change is written to "
    f"the audit log. Roles: {_ROLES_HELP}.",
)
def user() -> None:
    """The user commands."""


@user.command("add", short_help="add a user")
@click.argument("name", metavar="NAME")
@click.option("--role", required=True, type=Choice(ROLES), help="the user's role")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_settings
def add(settings: Settings, name: str, role: str, password_stdin: bool) -> None:
    """Add a user with a role. The password is read from standard input with --password-stdin (or typed at a
    hidden prompt); it must have at least 12 characters and not be a commonly used one.

    NAME: letters, digits, . _ @ -; stored in lower case."""
    _connect(settings)
    actor = users.local_operator()
    name = _refusals(lambda: users.check_new_user(actor, name))  # before asking for a password
    password = _read_password(name, password_stdin)
    row = _refusals(lambda: users.add_user(actor, name, role, password))
    say(f"added user {row.name} ({row.role})")
    if settings.auth_mode != "password":
        say(f"note: AUTH_MODE is {settings.auth_mode}; users sign in with a password only when AUTH_MODE=password")


@user.command("list", short_help="list users, roles and last sign-in")
@with_settings
def list_(settings: Settings) -> None:
    """List every user: role, active or disabled, when added, last sign-in."""
    _connect(settings)
    rows = _refusals(lambda: users.list_users(users.local_operator()))
    if not rows:
        say("no users yet: add one with `board-dashboard user add NAME --role admin --password-stdin`")
        return
    say(f"{'name':32} {'role':12} {'status':9} {'added':17} last sign-in")
    for u in rows:
        last = f"{u.last_sign_in_at:%Y-%m-%d %H:%M}" if u.last_sign_in_at else "never"
        say(f"{u.name:32} {u.role:12} {'active' if u.active else 'disabled':9} {u.created_at:%Y-%m-%d %H:%M}  {last}")


@user.command("set-role", short_help="change a user's role")
@click.argument("name", metavar="NAME")
@click.argument("role", metavar="ROLE", type=Choice(ROLES))
@with_settings
def set_role(settings: Settings, name: str, role: str) -> None:
    """Change a user's role; it applies from their next request.

    ROLE is one of viewer, contributor, chair, analyst, admin."""
    _connect(settings)
    change = _refusals(lambda: users.set_role(users.local_operator(), name, role))
    if not change.changed:
        say(f"{change.name} is already {role}; nothing changed")
        return
    say(f"{change.name}: {change.old} -> {change.new} (from the next request on)")


@user.command("set-password", short_help="reset a user's password")
@click.argument("name", metavar="NAME")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_settings
def set_password(settings: Settings, name: str, password_stdin: bool) -> None:
    """Set a new password (from standard input with --password-stdin) and sign the user out everywhere."""
    _connect(settings)
    actor = users.local_operator()
    name = _refusals(lambda: users.check_existing_user(actor, name))  # before asking for a password
    password = _read_password(name, password_stdin)
    ended = _refusals(lambda: users.set_password(actor, name, password))
    say(f"password of {name} changed; {ended} signed-in session(s) ended")


@user.command("disable", short_help="stop a user signing in (and sign them out now)")
@click.argument("name", metavar="NAME")
@with_settings
def disable(settings: Settings, name: str) -> None:
    """Disable a user: they are signed out at once and cannot sign in. The account is kept so the audit log still
    names them; `user enable` undoes this."""
    _connect(settings)
    change = _refusals(lambda: users.disable_user(users.local_operator(), name))
    if not change.changed:
        say(f"{change.name} is already disabled; nothing changed")
        return
    say(
        f"{change.name} is disabled and signed out everywhere ({change.sessions_ended} session(s) ended); the "
        "account and its history are kept"
    )


@user.command("enable", short_help="let a disabled user sign in again")
@click.argument("name", metavar="NAME")
@with_settings
def enable(settings: Settings, name: str) -> None:
    """Let a disabled user sign in again."""
    _connect(settings)
    change = _refusals(lambda: users.enable_user(users.local_operator(), name))
    if not change.changed:
        say(f"{change.name} is already active; nothing changed")
        return
    say(f"{change.name} can sign in again")


@command("audit", short_help="read the audit log")
@click.option("--limit", type=PositiveInt(), default=50, help="how many entries (default 50)")
@click.option("--action", help="only this action, e.g. import or user.add")
@click.option("--actor", help="only entries by this user")
@with_settings
def audit(settings: Settings, limit: int, action: str | None, actor: str | None) -> None:
    """Show the audit log, newest first: every import, rule change, commentary, challenge and user change, with
    who made it and when (UTC)."""
    from data_access import audit as audit_log

    _connect(settings)
    rows = audit_log.recent(limit, action=action, actor=actor)
    if not rows:
        say("the audit log is empty" + (" for that filter" if action or actor else ""))
        return
    for r in rows:
        say(f"{r.at:%Y-%m-%d %H:%M:%S}  {r.actor:24} {r.action:18} {r.target:32} {r.detail}".rstrip())


COMMANDS = (user, audit)
