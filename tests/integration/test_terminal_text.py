"""Text a user types cannot take over an administrator's terminal: control characters are refused when typed, and
whatever is stored already is printed escaped by every command (real commands in a new process, on real SQLite and
PostgreSQL)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.auth.roles import make_user
from dashboard.services import challenges, review, users
from data_access import audit, db
from data_access.auth_models import AuditEntry
from data_access.auth_models import User as UserModel
from data_access.review_models import Challenge, Commentary
from tests.conftest import ROOT

FIGURE = {"indicator": "police_attendance_icpc_pct", "area": "havering", "period": "2014-15"}
CLEAR_SCREEN = "\x1b[2J\x1b[H"
FORGED = "\rFORGED 2016-01-01 00:00:00  admin  user.add"


def cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "INSTANCE_PATH": str(settings.instance_path),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def count(model) -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_control_characters_typed_into_questions_owners_and_commentary_are_refused(loaded_db):
    ann = make_user("ann", ["contributor"])
    for question, owner in (
        (f"Why only 44%?{CLEAR_SCREEN}", "Police"),
        ("Why only 44%?", f"Police{FORGED}"),
        ("Why only 44%?\x9b2J", "Police"),
    ):
        result = challenges.raise_challenge(ann, FIGURE, question, owner)
        assert not result.ok and "contains a control character" in result.message
    result = review.save_commentary(ann, FIGURE, f"Vacancies filled.{CLEAR_SCREEN}")
    assert not result.ok and "contains a control character (U+001B)" in result.message
    assert count(Challenge) == 0 and count(Commentary) == 0
    # Lines in a commentary are kept: only the characters a terminal would obey are refused.
    assert review.save_commentary(ann, FIGURE, "Vacancies filled.\r\nSecond line.").ok
    with db.session_scope() as s:
        assert s.scalar(select(Commentary.body)) == "Vacancies filled.\nSecond line."


def test_a_user_name_with_a_control_character_is_refused_before_a_password_is_asked(loaded_db):
    admin = users.local_operator()
    for name in (f"eve{CLEAR_SCREEN}", "eve\u202etxt.exe", "eve\x00"):
        with pytest.raises(users.UserRefused, match="contains a control character"):
            users.check_new_user(admin, name)


def test_audit_and_user_list_print_stored_control_characters_escaped_one_line_per_entry(loaded_db):
    # A draft key comes back from the browser and is stored as the audit entry's target. It is refused now; entries
    # and names written before input was checked are stored as they came, and must still print safely.
    chair = make_user("chair", ["chair"])
    assert not challenges.dismiss_draft(chair, f"contacts|havering|2014-15|red{CLEAR_SCREEN}{FORGED}").ok
    audit.record("chair", "draft.dismiss", f"contacts|havering|2014-15|red{CLEAR_SCREEN}{FORGED}")
    audit.record(f"mallory{CLEAR_SCREEN}", "commentary.save", "figure", f"text\x07\nwith a second line{FORGED}")
    with db.session_scope() as s:
        s.add(UserModel(name=f"eve{CLEAR_SCREEN}", role="viewer", password_hash="x", active=True))
    entries = count(AuditEntry)

    out = cli(loaded_db, "audit")
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout and "\r" not in out.stdout and "\x07" not in out.stdout
    assert len(out.stdout.splitlines()) == entries  # no entry forged a line of its own
    assert "red\\x1b[2J\\x1b[H\\rFORGED" in out.stdout
    assert "text\\x07\\nwith a second line" in out.stdout

    listed = cli(loaded_db, "user", "list")
    assert listed.returncode == 0, listed.stderr
    assert "\x1b" not in listed.stdout and "eve\\x1b[2J\\x1b[H" in listed.stdout


def test_every_command_prints_through_the_one_escaping_function():
    """A new command that printed with print() would print stored text raw: only `say` (and the program's own
    help and usage text in main) may call print."""
    allowed = {("common.py", "say"), ("main.py", "_usage_error")}
    found = []
    for path in sorted(Path(ROOT / "dashboard" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "print"
                    and (path.name, fn.name) not in allowed
                ):
                    found.append(f"{path.name}:{node.lineno} in {fn.name}")
    assert not found, found
