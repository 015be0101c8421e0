"""The app factory: one Dash app (Dash Pages) on a Flask server, configured from the environment."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import dash
from flask import Flask, jsonify
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from dashboard.services import dataset as services
from dashboard.services import pack_jobs
from dashboard.settings import Settings
from data_access import db, migrate
from data_access.cache import backend_name
from data_access.models import Observation

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger(__name__)


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
            "run `board-dashboard init-db` once, then start the server again")


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the app. Raises data_access.db.DatabaseUnavailable when the database cannot be used."""
    settings = settings or Settings.from_env()
    server = Flask("board_dashboard", instance_path=str(settings.instance_path))
    services.bootstrap(settings, server)
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


def _add_routes(server: Flask) -> None:
    @server.get("/healthz")
    def healthz():
        """Liveness and readiness for load balancers: nothing sensitive, no URLs."""
        body = {"status": "ok", "database": "reachable", "cache": backend_name()}
        try:
            with db.get_engine().connect() as conn:
                body["observations"] = conn.execute(select(func.count()).select_from(Observation)).scalar_one()
        except SQLAlchemyError:
            return jsonify({"status": "unavailable", "database": "unreachable", "cache": backend_name()}), 503
        return jsonify(body)


def create_app_or_exit() -> dash.Dash:
    """For app.py and gunicorn: a database problem is one clear line and a non-zero exit, not a traceback."""
    try:
        return create_app()
    except db.DatabaseUnavailable as e:
        print(f"board-dashboard: {e}", file=sys.stderr)
        raise SystemExit(2) from None
