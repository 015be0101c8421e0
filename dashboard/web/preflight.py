"""The check a server makes once, before it starts any worker: that the database answers and is ready.

Without it, `gunicorn app:server` with the database away starts each worker, each worker fails to build the app
and exits, and gunicorn starts another in its place, for ever, printing the same message over and over. gunicorn
runs `on_starting` (gunicorn.conf.py) in its master process before any worker exists: failing there stops the
server once, with one clear line and a non-zero exit, as `board-dashboard serve` does.
"""

from __future__ import annotations

import sys

from dashboard.settings import Settings

EXIT_DATABASE_UNAVAILABLE = 2  # what `board-dashboard` exits with for the same problem


def check_database(settings: Settings | None = None) -> None:
    """Raise data_access.db.DatabaseUnavailable (one clear line) unless the database answers and is initialised;
    the embedded SQLite default is created and loaded here, once, rather than by several workers at once. Nothing
    is left open: the master process forks the workers afterwards, and a connection must not be shared by them."""
    from dashboard.services import dataset as services
    from dashboard.web.app import prepare_database
    from data_access import db

    settings = settings or Settings.from_env()
    services.bootstrap(settings)
    try:
        prepare_database(settings)
    finally:
        db.get_engine().dispose()


def check_database_or_exit() -> None:
    """`check_database`, telling a failure as `board-dashboard: <reason>` on standard error and exiting."""
    from data_access.db import DatabaseUnavailable

    try:
        check_database()
    except DatabaseUnavailable as e:
        print(f"board-dashboard: {e}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_DATABASE_UNAVAILABLE) from None
