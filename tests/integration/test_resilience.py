"""The database goes away while the server is running, then comes back: requests fail cleanly, then recover.

A small TCP proxy stands between the server and PostgreSQL, so the test can cut the connection for real."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from sqlalchemy.engine import make_url

from dashboard.web.server_process import free_port
from tests.conftest import _reset_pg, require_or_skip
from tests.servers import running_server


class TcpProxy:
    """Forwards a local port to a target; `cut()` drops every connection and refuses new ones."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port, self.target = port, target
        self.conns: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(50)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self.listener:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(), so the port really closes
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.conns.clear()


def test_requests_fail_cleanly_while_the_database_is_away_and_recover_when_it_returns(tmp_path, pg_server_url):
    if not pg_server_url:
        require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
    _reset_pg(pg_server_url)
    real = make_url(pg_server_url)
    proxy = TcpProxy(free_port(), (real.host or "127.0.0.1", real.port or 5432))
    proxy.start()
    via_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    env = {"DATABASE_URL": via_proxy, "INSTANCE_PATH": str(tmp_path)}
    import subprocess
    import sys

    from tests.conftest import ROOT

    subprocess.run([sys.executable, "-m", "dashboard", "init-db"], cwd=ROOT, env={**__import__("os").environ, **env},
                   check=True, capture_output=True, timeout=300)
    try:
        with running_server(env) as url:
            assert requests.get(url + "/healthz", timeout=10).status_code == 200
            proxy.cut()
            h = requests.get(url + "/healthz", timeout=30)
            assert h.status_code == 503 and h.json()["database"] == "unreachable"
            assert "password" not in h.text and str(proxy.port) not in h.text
            assert requests.get(url + "/", timeout=30).status_code == 200  # the page shell still loads
            proxy.start()
            deadline = time.monotonic() + 30
            while requests.get(url + "/healthz", timeout=30).status_code != 200:
                assert time.monotonic() < deadline, "the server did not recover when the database came back"
                time.sleep(0.5)
            assert requests.get(url + "/healthz", timeout=10).json()["observations"] > 200
    finally:
        proxy.cut()


pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
