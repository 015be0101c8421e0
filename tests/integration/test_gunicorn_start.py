"""`gunicorn app:server` with the database unreachable stops once, clearly, instead of restarting its workers for
ever (real gunicorn, a real closed port)."""

from __future__ import annotations

import os
import subprocess
import time

import requests

from dashboard.web.server_process import free_port
from tests.conftest import ROOT
from tests.servers import VENV_BIN, running_server

MESSAGE = "board-dashboard: cannot reach the database at"


def start_gunicorn(tmp_path, *extra: str) -> tuple[subprocess.CompletedProcess, float]:
    closed = free_port()  # nothing listens here: connection refused, as with a database that is down
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(
        {
            "DATABASE_URL": f"postgresql://board:secret@127.0.0.1:{closed}/board",
            "INSTANCE_PATH": str(tmp_path),
            "PYTHONUNBUFFERED": "1",
        }
    )
    began = time.monotonic()
    try:
        out = subprocess.run(
            [str(VENV_BIN / "gunicorn"), *extra, "-w", "3", "-b", f"127.0.0.1:{free_port()}", "app:server"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"gunicorn kept running with the database away:\n{(e.stderr or b'')[-2000:]}") from None
    return out, time.monotonic() - began


def test_gunicorn_with_the_database_unreachable_says_so_once_and_exits(tmp_path):
    out, seconds = start_gunicorn(tmp_path)
    text = out.stdout + out.stderr
    assert out.returncode == 2, text[-2000:]
    assert text.count(MESSAGE) == 1, text[-2000:]
    assert "Booting worker" not in text and "Traceback" not in text  # no worker was started to fail
    assert "secret" not in text  # the password is never printed
    assert seconds < 45


def test_gunicorn_without_its_config_file_still_stops_when_workers_cannot_start(tmp_path):
    """Started with another config file, the check before the workers does not run: each worker that cannot build
    the app exits as gunicorn's 'worker failed to boot', and the master stops instead of starting more."""
    empty = tmp_path / "other.conf.py"
    empty.write_text("", encoding="utf-8")
    out, seconds = start_gunicorn(tmp_path, "-c", str(empty))
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "Worker failed to boot" in text, text[-2000:]
    assert 1 <= text.count(MESSAGE) <= 3, text[-2000:]  # at most once per worker, never again
    assert seconds < 60


def test_gunicorn_with_the_database_up_starts_as_before(loaded_db, tmp_path):
    env = {"DATABASE_URL": loaded_db.database_url, "INSTANCE_PATH": str(loaded_db.instance_path)}
    with running_server(env, gunicorn_workers=2, log_path=tmp_path / "gunicorn.log") as url:
        assert requests.get(url + "/healthz", timeout=30).json()["observations"] > 200
