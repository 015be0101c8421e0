"""Managing users (dashboard.services.users) on SQLite and PostgreSQL: only an admin may, every change arrives with
its audit entry, and a write that fails leaves neither the change nor the entry."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dashboard.auth.passwords import hash_password, verify_password
from dashboard.auth.roles import make_user
from dashboard.services import users
from data_access import audit, db
from data_access import auth_models as am
from data_access.models import utcnow

PASSWORD = "kettle-orbit-lantern"
NEW_PASSWORD = "harbour-violet-compass"
ADMIN = make_user("root", ["admin"])


@functools.cache
def _hash() -> str:
    return hash_password(PASSWORD)  # slow on purpose: once for the whole run


def _seed(name: str, role: str, *, active: bool = True) -> None:
    with db.session_scope() as s:
        am.add_user(s, name, role, _hash())
        if not active:
            am.set_user_fields(s, name, active=False)


def _state() -> dict[str, tuple[str, bool, str]]:
    """Every user as the database holds them: name -> (role, active, password hash)."""
    with db.session_scope() as s:
        return {u.name: (u.role, u.active, u.password_hash) for u in s.scalars(select(am.User))}


def _entries() -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.target) for e in audit.recent(100)]


@pytest.fixture
def board(empty_db):
    """A database with an admin (root), a chair (carol, signed in once) and a disabled viewer (vic)."""
    _seed("root", "admin")
    _seed("carol", "chair")
    _seed("vic", "viewer", active=False)
    with db.session_scope() as s:
        am.start_session(s, "carol", "carol-token", "127.0.0.1", utcnow())
    return empty_db


# Each use case that writes, as (what it is called in the audit log, a call that would change something).
CHANGES: dict[str, Callable] = {
    "user.add": lambda actor: users.add_user(actor, "dan", "viewer", PASSWORD),
    "user.set_role": lambda actor: users.set_role(actor, "carol", "analyst"),
    "user.set_password": lambda actor: users.set_password(actor, "carol", NEW_PASSWORD),
    "user.disable": lambda actor: users.disable_user(actor, "carol"),
    "user.enable": lambda actor: users.enable_user(actor, "vic"),
}


@pytest.mark.parametrize(
    "actor",
    [make_user("carol", ["chair"]), make_user("ann", ["analyst"]), make_user("anon", [])],
    ids=["chair", "analyst", "no role"],
)
@pytest.mark.parametrize("action", [*CHANGES, "user.list"])
def test_only_an_admin_may_manage_users_and_a_refusal_changes_nothing(board, actor, action):
    before, entries = _state(), _entries()
    call = CHANGES.get(action, lambda a: users.list_users(a))
    with pytest.raises(users.UserRefused, match="may not manage users: that needs the admin role"):
        call(actor)
    assert _state() == before and _entries() == entries


def test_each_change_is_made_and_audited_with_who_made_it(board):
    users.add_user(ADMIN, " Dan ", "viewer", PASSWORD)
    assert users.set_role(ADMIN, "carol", "analyst") == users.RoleChange("carol", "chair", "analyst", changed=True)
    assert users.set_password(ADMIN, "carol", NEW_PASSWORD) == 1  # her open session ended
    assert users.disable_user(ADMIN, "carol").changed
    assert users.enable_user(ADMIN, "vic").changed

    state = _state()
    assert state["dan"][:2] == ("viewer", True) and verify_password(PASSWORD, state["dan"][2])
    assert state["carol"][:2] == ("analyst", False) and verify_password(NEW_PASSWORD, state["carol"][2])
    assert state["vic"][:2] == ("viewer", True)
    assert _entries() == [
        ("root", "user.enable", "vic"),
        ("root", "user.disable", "carol"),
        ("root", "user.set_password", "carol"),
        ("root", "user.set_role", "carol"),
        ("root", "user.add", "dan"),
    ]
    details = [e.detail for e in audit.recent(100)]
    assert '"from": "chair"' in details[3] and '"to": "analyst"' in details[3]
    assert all(PASSWORD not in d and NEW_PASSWORD not in d for d in details)
    assert [u.name for u in users.list_users(ADMIN)] == ["carol", "dan", "root", "vic"]


def test_a_change_that_is_no_change_writes_nothing(board):
    assert not users.set_role(ADMIN, "carol", "chair").changed
    assert not users.enable_user(ADMIN, "carol").changed
    assert not users.disable_user(ADMIN, "vic").changed
    assert _entries() == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: users.add_user(ADMIN, "carol", "viewer", PASSWORD), "there is already a user carol"),
        (lambda: users.add_user(ADMIN, "dan", "viewer", "short"), "fewer than 12"),
        (lambda: users.add_user(ADMIN, "dan", "superuser", PASSWORD), "'superuser' is not a role"),
        (lambda: users.add_user(ADMIN, "-dan", "viewer", PASSWORD), "cannot be a user name"),
        (lambda: users.set_role(ADMIN, "nobody", "chair"), "there is no user nobody"),
        (lambda: users.set_role(ADMIN, "root", "viewer"), "root is the only active admin"),
        (lambda: users.disable_user(ADMIN, "root"), "root is the only active admin"),
        (lambda: users.set_password(ADMIN, "carol", "password1234"), "most commonly used"),
    ],
    ids=[
        "existing",
        "weak",
        "no such role",
        "bad name",
        "no such user",
        "last admin demoted",
        "last admin disabled",
        "common password",
    ],
)
def test_a_refused_change_says_why_and_writes_nothing(board, call, message):
    before = _state()
    with pytest.raises(users.UserRefused, match=message):
        call()
    assert _state() == before and _entries() == []


def _fail_writes_to(table: str) -> None:
    """Make the database itself refuse every write to `table` (as a full disk or a lost connection would)."""
    with db.session_scope() as s:
        if s.bind.dialect.name == "sqlite":
            for event in ("INSERT", "UPDATE"):
                s.execute(
                    text(
                        f"CREATE TRIGGER refuse_{table}_{event.lower()} BEFORE {event} ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'writes refused'); END"
                    )
                )
        else:
            s.execute(
                text(
                    "CREATE FUNCTION refuse_writes() RETURNS trigger AS $$ "
                    "BEGIN RAISE EXCEPTION 'writes refused'; END $$ LANGUAGE plpgsql"
                )
            )
            s.execute(
                text(
                    f"CREATE TRIGGER refuse_{table} BEFORE INSERT OR UPDATE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_writes()"
                )
            )


@pytest.mark.parametrize("action", list(CHANGES))
def test_when_the_audit_entry_cannot_be_written_the_change_is_not_made(board, action):
    before = _state()
    _fail_writes_to("audit_log")
    with pytest.raises(DBAPIError, match="writes refused"):
        CHANGES[action](ADMIN)
    assert _state() == before
    with db.session_scope() as s:  # carol's session was not ended either
        assert am.find_session(s, "carol-token") is not None


@pytest.mark.parametrize("action", list(CHANGES))
def test_when_the_change_cannot_be_written_no_audit_entry_is(board, action):
    before = _state()
    _fail_writes_to("app_user")
    with pytest.raises(DBAPIError, match="writes refused"):
        CHANGES[action](ADMIN)
    assert _state() == before and _entries() == []


def test_the_command_line_acts_as_an_admin_named_by_its_account():
    operator = users.local_operator()
    assert operator.has("admin") and operator.name.startswith("cli")
