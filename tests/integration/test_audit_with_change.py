"""A change to commentary or a challenge and its audit entry commit together: a process killed between writing one
and committing both leaves neither, on real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from data_access import db
from data_access.auth_models import AuditEntry
from data_access.review_models import Challenge, Commentary
from tests.conftest import ROOT

# Runs one use case in a fresh process; audit.record is wrapped so the process kills itself with SIGKILL (no
# clean-up, no rollback, as a crash or an out-of-memory kill would) at the moment asked for.
SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    from dashboard.auth.roles import make_user
    from dashboard.services import challenges, dataset, review
    from dashboard.settings import Settings
    from data_access import audit

    url, instance, case, kill = sys.argv[1:5]
    dataset.bootstrap(Settings(instance_path=Path(instance), database_url=url, redis_url=None))
    real = audit.record

    def record(*args, session=None, **kwargs):
        if kill == "after-change":
            session.flush()  # the change is written in the transaction; its audit entry is not
            os.kill(os.getpid(), signal.SIGKILL)
        real(*args, session=session, **kwargs)
        if kill == "after-audit":
            session.flush()  # the change and its audit entry are both written; nothing is committed
            os.kill(os.getpid(), signal.SIGKILL)

    audit.record = record
    ann = make_user("ann", ["contributor"])
    figure = {"indicator": "police_attendance_icpc_pct", "area": "havering", "period": "2014-15"}
    if case in ("commentary", "both"):
        assert review.save_commentary(ann, figure, "CAIT vacancies filled in March.").ok
    if case in ("challenge", "both"):
        assert challenges.raise_challenge(ann, figure, "Why only 44%?", "Metropolitan Police (CAIT)").ok
    print("committed")
""")


def _run(settings, case: str, kill: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, settings.database_url, str(settings.instance_path), case, kill],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _stored() -> dict[str, int]:
    with db.session_scope() as s:

        def count(model, *where):
            return s.scalar(select(func.count()).select_from(model).where(*where))

        return {
            "commentary": count(Commentary),
            "commentary.save": count(AuditEntry, AuditEntry.action == "commentary.save"),
            "challenge": count(Challenge),
            "challenge.raise": count(AuditEntry, AuditEntry.action == "challenge.raise"),
        }


@pytest.mark.parametrize("kill", ["after-change", "after-audit"])
def test_a_process_killed_between_change_and_commit_leaves_neither_the_change_nor_its_audit_entry(loaded_db, kill):
    for case in ("commentary", "challenge"):
        r = _run(loaded_db, case, kill)
        assert r.returncode == -signal.SIGKILL, f"{case}: the process was not killed: {r.stdout}{r.stderr}"
        assert "committed" not in r.stdout
        assert _stored() == {"commentary": 0, "commentary.save": 0, "challenge": 0, "challenge.raise": 0}, case

    # The same run, not killed, commits both: the counts above would have seen them.
    r = _run(loaded_db, "both", "never")
    assert r.returncode == 0 and "committed" in r.stdout, r.stderr
    assert _stored() == {"commentary": 1, "commentary.save": 1, "challenge": 1, "challenge.raise": 1}
