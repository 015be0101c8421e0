"""The app as a real server process on a free loopback port: started, waited for until /healthz answers, and
stopped. The tests and the benchmark both run the app this way; each chooses the command (the built-in server or
gunicorn), the environment and how patient to be."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server_process(
    command: Callable[[int], list[str]],
    env: dict[str, str],
    *,
    log_path: Path | None = None,
    ready: Collection[int] = (200,),
    timeout: float = 60,
    stop_grace: float = 10,
) -> Iterator[str]:
    """Yield the base URL of the server that `command(port)` starts on a free loopback port, once its /healthz
    answers with a status in `ready`; stop it afterwards (terminate, then kill after `stop_grace` seconds).
    Its output goes to `log_path`, or nowhere."""
    port = free_port()
    see = f"; see {log_path}" if log_path else ""
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        proc = subprocess.Popen(command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited with {proc.returncode}{see}")
                if _status(url + "/healthz") in ready:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s{see}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(stop_grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        if log_path:
            log.close()


def _status(url: str) -> int | None:
    """The HTTP status a GET of `url` answers with, or None when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None
