"""The database or the cache goes away, or stalls, while the server is running, then comes back: requests fail
cleanly and quickly, then recover.

A small TCP proxy stands between the app and PostgreSQL or Redis, so a test can cut the connection for real, or
stall it: connections stay open and are accepted, but nothing is forwarded, as when a server is stopped or a
network path silently drops traffic."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dashboard.services import dataset as services
from dashboard.settings import Settings
from dashboard.web.server_process import free_port
from data_access import cache as data_cache
from data_access import db, queries
from tests.conftest import ROOT, _reset_pg, require_or_skip
from tests.servers import running_server


class TcpProxy:
    """Forwards a local port to a target; `cut()` drops every connection and refuses new ones; `stall()` keeps
    every connection open (and accepts new ones) but forwards nothing until `resume()`."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port, self.target = port, target
        self.conns: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.flowing = threading.Event()
        self.flowing.set()

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

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                self.flowing.wait()  # stalled: hold the bytes, as a stopped server would
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stall(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def cut(self) -> None:
        self.flowing.set()  # held bytes go nowhere: their sockets are closed below
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

    subprocess.run(
        [sys.executable, "-m", "dashboard", "init-db"],
        cwd=ROOT,
        env={**__import__("os").environ, **env},
        check=True,
        capture_output=True,
        timeout=300,
    )
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


@contextmanager
def proxy_to(url: str) -> Iterator[tuple[TcpProxy, str]]:
    """A proxy in front of the server of this database or Redis URL, and the same URL through it."""
    real = make_url(url)
    default_port = 6379 if real.drivername.startswith("redis") else 5432
    proxy = TcpProxy(free_port(), (real.host or "127.0.0.1", real.port or default_port))
    proxy.start()
    try:
        yield proxy, real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    finally:
        proxy.cut()


def within(seconds: float, call: Callable[[], Any]) -> tuple[Any, BaseException | None, float]:
    """Run `call` and return (result, exception, seconds taken); fail the test if it is still running after
    `seconds`: without the timeouts under test it would wait forever, and the test must not."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = call()
        except BaseException as e:
            out["error"] = e

    start = time.monotonic()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still waiting after {seconds} s: the call hangs"
    return out.get("result"), out.get("error"), time.monotonic() - start


@pytest.fixture
def pg(pg_server_url) -> str:
    if not pg_server_url:
        require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
    if db._engine is not None:
        db._engine.dispose()
    _reset_pg(pg_server_url)
    return pg_server_url


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


# ------------------------------------------------------------------ a stalled PostgreSQL

# The request the browser makes for the period selector and "data as of" line, drawn from the database.
PERIODS_CALLBACK = {
    "output": "..filter-period.options...data-as-of.children..",
    "outputs": [{"id": "filter-period", "property": "options"}, {"id": "data-as-of", "property": "children"}],
    "inputs": [{"id": "view-state", "property": "data", "value": {}}],
    "changedPropIds": ["view-state.data"],
    "state": [],
}


def test_healthz_answers_503_quickly_while_the_database_stalls_and_200_when_it_resumes(tmp_path, pg):
    r = cli("init-db", env={"DATABASE_URL": pg, "INSTANCE_PATH": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    with (
        proxy_to(pg) as (proxy, via_proxy),
        running_server({"DATABASE_URL": via_proxy, "INSTANCE_PATH": str(tmp_path)}) as url,
    ):
        assert requests.get(url + "/healthz", timeout=10).status_code == 200
        proxy.stall()
        # A load balancer asks every few seconds: each answer comes promptly, none waits for the worker to die.
        for _ in range(3):
            start = time.monotonic()
            h = requests.get(url + "/healthz", timeout=20)
            assert time.monotonic() - start < 5
            assert h.status_code == 503 and h.json()["database"] == "unreachable"
        # A page's data request (the period selector and "data as of") fails promptly and says why.
        start = time.monotonic()
        r = requests.post(url + "/_dash-update-component", json=PERIODS_CALLBACK, timeout=60)
        assert time.monotonic() - start < 20
        assert r.status_code == 503 and "database did not answer" in r.json()["error"]
        proxy.resume()
        deadline = time.monotonic() + 30
        while requests.get(url + "/healthz", timeout=20).status_code != 200:
            assert time.monotonic() < deadline, "the server did not recover when the database resumed"
            time.sleep(0.5)
        assert requests.get(url + "/healthz", timeout=10).json()["observations"] > 200


def test_data_requests_fail_quickly_and_clearly_while_the_database_stalls(tmp_path, pg):
    with proxy_to(pg) as (proxy, via_proxy):
        services.bootstrap(Settings(instance_path=tmp_path, database_url=via_proxy, redis_url=None))
        services.init_database(load_bundled=True)
        assert queries.dataset_summary.uncached()["observations"] > 200
        proxy.stall()
        # A pooled connection (asked briefly on checkout), then a new one (bounded by the connect timeout).
        for _ in range(2):
            _, error, took = within(60, queries.dataset_summary)
            assert error is not None and took < 20
            assert "did not answer" in str(error) or "timeout" in str(error).lower(), error
        proxy.resume()
        _, error, _ = within(60, queries.dataset_summary)
        assert error is None, "serving did not recover when the database resumed"


def test_a_database_that_accepts_but_never_answers_fails_the_start_within_the_connect_timeout(tmp_path, pg):
    with proxy_to(pg) as (proxy, via_proxy):
        proxy.stall()
        db.configure(via_proxy, connect_timeout=2)
        _, error, took = within(60, db.check_reachable)
        assert isinstance(error, db.DatabaseUnavailable) and took < 15
        assert "cannot reach the database" in str(error) and "password" not in str(error)


def test_long_statements_are_stopped_except_where_maintenance_lifts_the_limit(pg):
    engine = db.configure(pg, statement_timeout=1)
    with engine.connect() as conn:
        _, error, took = within(60, lambda: conn.execute(text("SELECT pg_sleep(30)")))
    assert error is not None and "statement timeout" in str(error) and took < 10
    # An import or a schema upgrade lifts the limit for its own transaction, beyond the client-side margin too...
    with engine.begin() as conn:
        db.allow_long_statements(conn)
        conn.execute(text("SELECT pg_sleep(3.5)"))
    # ...and the connection goes back to the pool with the limit restored for the next page.
    with engine.connect() as conn:
        _, error, _ = within(60, lambda: conn.execute(text("SELECT pg_sleep(30)")))
    assert error is not None and "statement timeout" in str(error)


def test_a_request_waits_for_a_pooled_connection_only_as_long_as_the_pool_timeout(pg):
    engine = db.configure(pg, pool_timeout=1)
    held = [engine.connect() for _ in range(engine.pool.size() + engine.pool._max_overflow)]
    try:
        _, error, took = within(60, engine.connect)
        assert error is not None and "QueuePool limit" in str(error) and took < 10
    finally:
        for c in held:
            c.close()


# ------------------------------------------------------------------ a stalled Redis


def test_a_stalled_cache_is_skipped_and_the_figures_come_from_the_database(tmp_path, redis_url, loaded_db):
    with proxy_to(redis_url) as (proxy, via_proxy):
        services.bootstrap(Settings(instance_path=tmp_path, database_url=loaded_db.database_url, redis_url=via_proxy))
        data_cache.invalidate()
        areas = tuple(a["code"] for a in queries.reference()["areas"])
        queries.headline_observations(areas)  # now in Redis
        proxy.stall()

        def browse() -> list:
            # What a few pages' callbacks ask for, some cached before the stall, some not.
            return [
                queries.headline_observations(areas),
                queries.indicator_observations("contacts"),
                queries.available_periods(areas),
                queries.quality_flags(),
                queries.dataset_summary(),
            ]

        figures, error, took = within(120, browse)
        assert error is None and took < 10, f"a stalled cache cost {took:.1f} s"
        assert figures[0].equals(queries.headline_observations.uncached(areas))
        assert figures[1].equals(queries.indicator_observations.uncached("contacts"))
        proxy.resume()


def test_an_import_made_while_redis_stalled_is_on_screen_after_it_returns(tmp_path, redis_url, loaded_db):
    def contacts_in_havering() -> list[float]:
        rows = queries.indicator_observations("contacts")
        return rows[(rows.area == "havering") & (rows.period == "2015-16")].value.tolist()

    with proxy_to(redis_url) as (proxy, via_proxy):
        services.bootstrap(Settings(instance_path=tmp_path, database_url=loaded_db.database_url, redis_url=via_proxy))
        data_cache.invalidate()
        before = contacts_in_havering()  # cached in Redis by this worker
        assert before != [4321]
        proxy.stall()
        # Another process (the command line, or another worker) imports while Redis does not answer: it cannot
        # clear the cache.
        out = tmp_path / "one.csv"
        out.write_text("indicator,area,period,value\ncontacts,havering,2015-16,4321\n", encoding="utf-8")
        r = cli(
            "import",
            str(out),
            "--quiet",
            env={"DATABASE_URL": loaded_db.database_url, "INSTANCE_PATH": str(tmp_path), "REDIS_URL": via_proxy},
        )
        assert r.returncode == 0, r.stderr
        proxy.resume()
        assert contacts_in_havering() == [4321]


def test_commentary_saved_while_redis_stalled_is_on_screen_after_it_returns(tmp_path, redis_url, loaded_db):
    from data_access import review_store

    with proxy_to(redis_url) as (proxy, via_proxy):
        services.bootstrap(Settings(instance_path=tmp_path, database_url=loaded_db.database_url, redis_url=via_proxy))
        data_cache.invalidate()
        indicator = queries.reference()["indicators"][0]["code"]
        figure = queries.indicator_observations(indicator).iloc[0]
        assert review_store.commentary_table().empty  # cached in Redis
        proxy.stall()
        review_store.save_commentary(
            indicator, figure.area, figure.period, "Rise explained by a new team.", "analyst", None
        )
        proxy.resume()
        assert data_cache.cache_status() == "redis"  # the health check notices Redis is back: it is used again
        assert review_store.commentary_table().body.tolist() == ["Rise explained by a new team."]


def test_healthz_reports_the_cache_degraded_while_redis_stalls(tmp_path, redis_url):
    with (
        proxy_to(redis_url) as (proxy, via_proxy),
        running_server({"INSTANCE_PATH": str(tmp_path), "REDIS_URL": via_proxy}) as url,
    ):
        assert requests.get(url + "/healthz", timeout=30).json()["cache"] == "redis"
        proxy.stall()
        start = time.monotonic()
        h = requests.get(url + "/healthz", timeout=20)
        assert time.monotonic() - start < 5
        assert h.status_code == 200 and h.json()["cache"] == "degraded" and h.json()["database"] == "reachable"
        proxy.resume()
        deadline = time.monotonic() + 30
        while requests.get(url + "/healthz", timeout=20).json()["cache"] != "redis":
            assert time.monotonic() < deadline, "the cache was not used again when Redis resumed"
            time.sleep(0.5)


# ------------------------------------------------------------------ a full disk


def test_healthz_says_503_when_the_embedded_databases_disk_is_full(tmp_path, monkeypatch):
    import shutil

    from dashboard.web import app as web_app

    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(instance_path=tmp_path, database_url=f"sqlite:///{tmp_path / 'board.db'}", redis_url=None)
    client = web_app.create_app(settings).server.test_client()
    assert client.get("/healthz").status_code == 200
    # Filling a real disk needs a filesystem of its own; asking for more free space than this one has is the
    # same condition as far as the check is concerned.
    monkeypatch.setattr(web_app, "MIN_FREE_DISK_BYTES", shutil.disk_usage(tmp_path).free + 2**40, raising=False)
    h = client.get("/healthz")
    assert h.status_code == 503 and h.json["database"] == "disk full"


pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
