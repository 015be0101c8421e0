"""The app factory: one Dash app (Dash Pages) on a Flask server, configured from the environment."""

from __future__ import annotations

import logging
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from time import monotonic
from typing import Any

import dash
from flask import Flask, jsonify
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dashboard.services import dataset as services
from dashboard.services import pack_jobs
from dashboard.settings import Settings
from data_access import db, migrate
from data_access.cache import cache_status
from data_access.models import Observation

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger(__name__)

# /healthz answers within this, whatever the database and the cache are doing: a load balancer's check must not
# wait on a stalled database until the worker is killed.
HEALTH_TIMEOUT_S = 2.0
# With less free space than this where an SQLite database lives, its writes (signing in, imports, commentary)
# fail while reads still work: /healthz says so rather than 200.
MIN_FREE_DISK_BYTES = 16 * 1024 * 1024


def prepare_database(settings: Settings) -> None:
    """Embedded default: create and load the SQLite database on first start, upgrade it in place after that.
    A configured database must already be initialised (`board-dashboard init-db`): several workers starting at
    once must not race to migrate it."""
    db.check_reachable()
    if settings.embedded:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        if services.database_is_new():
            log.info("first start: creating the embedded database with the bundled dataset")
            services.init_database(load_bundled=True)
        elif not migrate.is_up_to_date():
            services.init_database(load_bundled=False)
    elif not migrate.is_up_to_date():
        raise db.DatabaseUnavailable(
            f"the database at {db.mask_url(settings.database_url)} is not initialised or is out of date: "
            "run `board-dashboard init-db` once, then start the server again"
        )


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the app. Raises data_access.db.DatabaseUnavailable when the database cannot be used."""
    settings = settings or Settings.from_env()
    server = Flask("board_dashboard", instance_path=str(settings.instance_path))
    services.bootstrap(settings, server, serving=True)
    prepare_database(settings)

    app = dash.Dash(
        "board_dashboard",
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        title="Safeguarding board dashboard",
        update_title=None,
        # Bootstrap is served from assets/ (vendored): nothing is fetched from outside the council network.
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        # The board pack runs as a background job (diskcache locally, Celery on Redis), never in a web request.
        background_callback_manager=pack_jobs.callback_manager(settings),
    )
    # The page's language, for screen readers and browsers' translation and spelling (WCAG 3.1.1).
    app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
    server.config["BOARD_SETTINGS"] = settings
    _add_routes(server)
    from dashboard.auth import init_auth

    init_auth(app, settings)

    from callbacks import register_callbacks
    from layouts import register_pages
    from layouts.shell import app_shell

    register_pages()
    app.layout = app_shell
    register_callbacks(app)
    return app


class _Probe:
    """Runs a check in a background thread, at most one at a time per process: a check stuck on a stalled server
    is shared by the health requests that come while it runs instead of each starting another."""

    def __init__(self, check: Callable[[], Any]):
        self._check = check
        self._lock = threading.Lock()
        self._running: Future | None = None

    def start(self) -> Future:
        with self._lock:
            if self._running is None or self._running.done():
                future: Future = Future()

                def run() -> None:
                    try:
                        future.set_result(self._check())
                    except BaseException as e:  # reported to the waiting request, never raised in the thread
                        future.set_exception(e)

                # A daemon thread: a check that is still waiting must not hold up the worker's exit.
                threading.Thread(target=run, name="health-check", daemon=True).start()
                self._running = future
            return self._running


def _count_observations() -> int:
    with db.time_limit(HEALTH_TIMEOUT_S), db.get_engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(Observation)).scalar_one()


def _sqlite_disk_full() -> bool:
    """True when the embedded database's disk is (nearly) full. A PostgreSQL server's disk is not visible here:
    PostgreSQL reports that itself, to its own monitoring."""
    url = db.get_engine().url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    try:
        return shutil.disk_usage(Path(url.database).resolve().parent).free < MIN_FREE_DISK_BYTES
    except OSError:
        return False


def _add_routes(server: Flask) -> None:
    database_probe, cache_probe = _Probe(_count_observations), _Probe(cache_status)

    @server.get("/healthz")
    def healthz():
        """Liveness and readiness for load balancers: nothing sensitive, no URLs. 503 when the database does not
        answer within HEALTH_TIMEOUT_S; the cache is reported "degraded" (still 200) when it does not answer,
        as the pages are then served from the database; 503 "disk full" when the embedded database cannot be written."""
        checks = database_probe.start(), cache_probe.start()
        deadline = monotonic() + HEALTH_TIMEOUT_S
        try:
            cache_state = checks[1].result(timeout=max(deadline - monotonic(), 0))
        except FutureTimeout:
            cache_state = "degraded"
        try:
            observations = checks[0].result(timeout=max(deadline - monotonic(), 0))
        except (FutureTimeout, SQLAlchemyError) as e:
            log.warning("health check: the database did not answer (%s)", type(e).__name__)
            return jsonify({"status": "unavailable", "database": "unreachable", "cache": cache_state}), 503
        if _sqlite_disk_full():
            log.warning("health check: the disk holding the database is full; sign-in and imports will fail")
            return jsonify({"status": "unavailable", "database": "disk full", "cache": cache_state}), 503
        return jsonify({"status": "ok", "database": "reachable", "cache": cache_state, "observations": observations})

    @server.errorhandler(OperationalError)
    @server.errorhandler(PoolTimeout)
    def database_error(e: SQLAlchemyError):
        """A page's data request while the database is away or too slow: a quick, plain 503 (the timeouts in
        data_access.db make it quick) rather than a hung request or a traceback."""
        log.warning(
            "data request failed: the database did not answer (%s: %s)",
            type(e).__name__,
            str(getattr(e, "orig", e)).strip().splitlines()[0] if str(e) else "",
        )
        message = "The data is unavailable just now: the database did not answer. Try again shortly."
        return jsonify({"error": message}), 503


def create_app_or_exit() -> dash.Dash:
    """For app.py and gunicorn: a database problem is one clear line and a non-zero exit, not a traceback."""
    try:
        return create_app()
    except db.DatabaseUnavailable as e:
        print(f"board-dashboard: {e}", file=sys.stderr)
        raise SystemExit(2) from None
