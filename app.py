"""Entry point: `python app.py` serves on http://127.0.0.1:8050; `gunicorn app:server` for production (gunicorn.conf.py
checks the database once before any worker starts)."""

import sys

from dashboard.web.app import create_app_or_exit

WORKER_BOOT_ERROR = 3  # gunicorn's exit status for a worker that cannot start: its master stops instead of retrying

try:
    app = create_app_or_exit()
except SystemExit:
    # In a gunicorn worker (the database went away after the master's check, or gunicorn was started without
    # gunicorn.conf.py): exit as gunicorn's "worker failed to boot", so the master stops rather than starting
    # another worker that fails the same way, for ever.
    if "gunicorn.arbiter" in sys.modules:
        raise SystemExit(WORKER_BOOT_ERROR) from None
    raise
server = app.server

if __name__ == "__main__":
    from dashboard.cli.app import serve_app

    serve_app(app)
