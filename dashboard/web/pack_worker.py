"""The Celery app for `celery -A dashboard.web.pack_worker worker`: makes board packs queued by the web servers.

It builds the same Dash app as the web server (so the pack's background callback is registered as a Celery task
under the same name) from the same environment, and needs REDIS_URL.
"""

from __future__ import annotations

import sys

from dashboard.settings import Settings

if not Settings.from_env().redis_url:
    print("board-dashboard: the pack worker needs REDIS_URL (the same Redis as the web server)", file=sys.stderr)
    raise SystemExit(2)

from dashboard.web.app import create_app_or_exit  # noqa: E402 - only once the environment is known to fit

dash_app = create_app_or_exit()
celery_app = app = dash_app._background_manager.handle  # `celery -A` looks for `app` or `celery_app`
