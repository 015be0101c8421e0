"""The app as it runs for a board: a real gunicorn server with several workers, on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.common import ROOT, VENV_BIN

# One access-log line per request with the time the server spent on it (microseconds), to look into outliers.
ACCESS_LOG = ["--access-logfile", "-", "--access-logformat", "%(t)s pid=%(p)s status=%(s)s us=%(D)s %(U)s"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, log_path: Path, timeout: float = 120) -> Iterator[str]:
    """Yield the base URL of `gunicorn -w WORKERS app:server` on 127.0.0.1; stop it afterwards."""
    port = free_port()
    cmd = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
           *ACCESS_LOG, "app:server"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited with {proc.returncode}; see {log_path}")
                try:
                    if requests.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s; "
                                       f"see {log_path}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
