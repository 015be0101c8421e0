"""Start the real app as a real server process (the built-in server or gunicorn) for tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import ROOT, free_port

VENV_BIN = Path(sys.executable).parent


@contextmanager
def running_server(env_extra: dict[str, str], *, gunicorn_workers: int = 0, timeout: float = 60,
                   log_path: Path | None = None):
    """Yield the base URL of a server started with these environment variables; stop it afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(env_extra)
    env["PYTHONUNBUFFERED"] = "1"
    if gunicorn_workers:
        cmd = [str(VENV_BIN / "gunicorn"), "-w", str(gunicorn_workers), "-b", f"127.0.0.1:{port}",
               "--access-logfile", "-", "--access-logformat", "pid=%(p)s %(r)s %(s)s", "app:server"]
    else:
        cmd = [sys.executable, "-m", "dashboard", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = open(log_path, "w+") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if requests.get(url + "/healthz", timeout=2).status_code in (200, 503):
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in time")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log_path:
            log.close()
