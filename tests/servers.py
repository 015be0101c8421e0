"""Start the real app as a real server process (the built-in server or gunicorn) for tests."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from pathlib import Path

from dashboard.web.server_process import server_process

VENV_BIN = Path(sys.executable).parent


def running_server(
    env_extra: dict[str, str], *, gunicorn_workers: int = 0, timeout: float = 60, log_path: Path | None = None
) -> AbstractContextManager[str]:
    """Yield the base URL of a server started with these environment variables; stop it afterwards. It counts as
    started once /healthz answers at all, 200 or 503 (a test may start it with the database away)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(env_extra)
    env["PYTHONUNBUFFERED"] = "1"

    def command(port: int) -> list[str]:
        if gunicorn_workers:
            return [
                str(VENV_BIN / "gunicorn"),
                "-w",
                str(gunicorn_workers),
                "-b",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
                "--access-logformat",
                "pid=%(p)s %(r)s %(s)s",
                "app:server",
            ]
        return [sys.executable, "-m", "dashboard", "serve", "--host", "127.0.0.1", "--port", str(port)]

    return server_process(command, env, log_path=log_path, ready=(200, 503), timeout=timeout, stop_grace=10)
