"""`board-dashboard serve` and `init-db`: run the dashboard, and set up its database."""

from __future__ import annotations

import ipaddress
from typing import Any

import click

from dashboard.cli.common import CommandRefused, command, say, with_settings
from dashboard.settings import Settings


def serve_app(app: Any, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Serve a built app with Flask's built-in server, saying where."""
    say(f"Serving the safeguarding board dashboard on http://{_display_host(host)}:{port}/ (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=False)


def _display_host(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


@command("serve", short_help="serve the dashboard")
@click.option("--host", default="127.0.0.1", show_default=False, help="address to listen on (default 127.0.0.1)")
@click.option("--port", type=int, default=8050, help="port (default 8050)")
@with_settings
def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the dashboard with the built-in server (for production use gunicorn app:server). On the embedded
    default the database is created and loaded with the bundled dataset on first start."""
    from dashboard.auth import serving_refusal
    from dashboard.web.app import create_app

    refusal = serving_refusal(settings, host)  # AUTH_MODE=none serves this computer only
    if refusal:
        raise CommandRefused(refusal, exit_code=2)
    serve_app(create_app(settings), host=host, port=port)


@command("init-db", short_help="create or upgrade the database and load the bundled dataset")
@click.option("--empty", is_flag=True, help="do not load the bundled dataset")
@with_settings
def init_db(settings: Settings, empty: bool) -> None:
    """Create the schema, or upgrade an existing database in place (nothing is dropped); sync the indicator
    registry; load the bundled dataset."""
    from dashboard.services import dataset as services

    services.bootstrap(settings)
    services.init_database(load_bundled=not empty, echo=say)
    say("database ready" + (" (empty)" if empty else " with the bundled dataset"))


COMMANDS = (serve, init_db)
