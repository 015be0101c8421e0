"""The scorecard, and the board pack of the view on screen.

The pack is made in a background job (dashboard.services.pack_jobs): the button's own callback only takes the
user's pack slot and hands a ticket to the background callback, which reports progress and offers the file.
"""

from __future__ import annotations

import logging
import os

import dash
from dash import Input, Output, State, dcc
from flask import current_app

from dashboard.auth import current_user
from dashboard.services import context, pages
from dashboard.services.pack_jobs import PackExpired, PackJobs, Refused
from dashboard.web import ids
from layouts.content import scorecard_sections
from layouts.overview import PACK_PROGRESS, PACK_PROGRESS_BOX, PACK_PROGRESS_TEXT, PACK_TICKET, pack_progress

log = logging.getLogger(__name__)
UNAVAILABLE = (
    "The board pack could not be made just now. Try again in a few minutes; if it keeps failing, tell "
    "the administrator."
)
# Packs run below web workers' priority: on a shared host the pages stay quick while a pack is made.
PACK_NICENESS = 10


def draw_scorecard(data: dict):
    return scorecard_sections(pages.scorecard_view(data))


def _suppress() -> bool:
    settings = current_app.config.get("BOARD_SETTINGS")
    return settings.suppress_small_counts if settings else True


def ask_for_pack(jobs: PackJobs, n, data: dict):
    """The button: take the user's one pack slot and start the job, or say why not. No pack work here."""
    if not n:
        raise dash.exceptions.PreventUpdate
    view = context.view_from_store(data, context.reference())
    user = current_user()
    try:
        got = jobs.request(user.name if user else "", view, suppress=_suppress())
    except Exception:  # noqa: BLE001 - a job store that does not answer is a message, not an error page
        log.exception("could not start a board pack")
        return dash.no_update, UNAVAILABLE
    if isinstance(got, Refused):
        return dash.no_update, got.message
    return got, "Making the board pack. It downloads when it is ready; you can keep using the dashboard."


def make_pack(jobs: PackJobs, server, set_progress, ticket: str | None):
    """The background job: make (or share) the pack and offer it. Runs in a job process or a Celery worker."""
    if not ticket:
        raise dash.exceptions.PreventUpdate
    _lower_priority()
    with server.app_context():
        try:
            got = jobs.run(ticket, lambda d, t, s: set_progress(pack_progress(d, t, s)))
        except PackExpired as e:
            return dash.no_update, str(e)
        except Exception:  # noqa: BLE001 - the person waiting is told; the details go to the log
            log.exception("the board pack could not be made")
            return dash.no_update, UNAVAILABLE
    shared = " (the same pack, already made for these figures)" if got.reused else ""
    return (
        dcc.send_bytes(got.pdf, got.filename),
        f"Board pack ready ({len(got.pdf) / 1024:.0f} KB): {got.filename}{shared}.",
    )


def _lower_priority() -> None:
    """Once per process: a job process or Celery worker yields the CPU to web workers."""
    global _niced
    if not _niced and hasattr(os, "nice"):
        os.nice(PACK_NICENESS)
        _niced = True


_niced = False


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.SCORECARD, "children"), Input(ids.VIEW, "data"))(draw_scorecard)
    jobs = PackJobs.for_settings(app.server.config["BOARD_SETTINGS"])
    server = app.server
    app.callback(
        Output(PACK_TICKET, "data"),
        Output(ids.PACK_STATUS, "children"),
        Input(ids.PACK_BUTTON, "n_clicks"),
        State(ids.VIEW, "data"),
        prevent_initial_call=True,
    )(lambda n, data: ask_for_pack(jobs, n, data))

    @app.callback(
        Output(ids.PACK_DOWNLOAD, "data"),
        Output(ids.PACK_STATUS, "children", allow_duplicate=True),
        Input(PACK_TICKET, "data"),
        prevent_initial_call=True,
        background=True,
        progress=[Output(PACK_PROGRESS, "value"), Output(PACK_PROGRESS, "max"), Output(PACK_PROGRESS_TEXT, "children")],
        progress_default=["0", "1", ""],
        running=[
            (Output(ids.PACK_BUTTON, "disabled"), True, False),
            (Output(PACK_PROGRESS_BOX, "hidden"), False, True),
        ],
    )
    def pack_job(set_progress, ticket):
        return make_pack(jobs, server, set_progress, ticket)
