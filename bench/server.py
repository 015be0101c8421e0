"""The app as it runs for a board: a real gunicorn server with several workers, on a loopback port."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from bench.common import VENV_BIN
from dashboard.web.server_process import server_process

# One access-log line per request with the time the server spent on it (microseconds), to look into outliers.
ACCESS_LOG = ["--access-logfile", "-", "--access-logformat", "%(t)s pid=%(p)s status=%(s)s us=%(D)s %(U)s"]


def gunicorn(env: dict[str, str], *, workers: int, log_path: Path, timeout: float = 120) -> AbstractContextManager[str]:
    """Yield the base URL of `gunicorn -w WORKERS app:server` on 127.0.0.1 once /healthz answers 200; stop it
    afterwards."""

    def command(port: int) -> list[str]:
        return [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            *ACCESS_LOG,
            "app:server",
        ]

    return server_process(command, env, log_path=log_path, ready=(200,), timeout=timeout, stop_grace=15)
