"""Overview `/`: the scorecard at a glance, for a board meeting, and the board pack of the view on screen."""

from __future__ import annotations

from dash import dcc, html

from dashboard.reference.view import view_from_query
from dashboard.web import ids
from layouts.components import filter_bar, loading, view_store
from layouts.shell import board_name, page_header

# The board pack's background job: its ticket, and the progress shown while it is made.
PACK_TICKET = "pack-ticket"
PACK_PROGRESS_BOX = "pack-progress-box"
PACK_PROGRESS = "pack-progress"
PACK_PROGRESS_TEXT = "pack-progress-text"


def pack_progress(done: int, total: int, step: str) -> tuple[int, int, str]:
    """The progress bar's value, maximum and words for a pack `done` steps of `total` in."""
    total = max(total, 1)
    return min(done, total), total, f"Making the board pack: {step} ({round(100 * min(done, total) / total)}%)"


def pack_toolbar() -> html.Div:
    """The pack button, its progress bar (shown while a pack is made) and the status line saying what happened."""
    return html.Div(
        [
            html.Button("Download the board pack (PDF)", id=ids.PACK_BUTTON, className="btn btn-primary"),
            dcc.Store(id=PACK_TICKET),
            html.Div(
                [
                    html.Progress(id=PACK_PROGRESS, value="0", max="1", **{"aria-labelledby": PACK_PROGRESS_TEXT}),
                    html.Span(id=PACK_PROGRESS_TEXT, className="pack-progress-text"),
                ],
                id=PACK_PROGRESS_BOX,
                className="pack-progress",
                hidden=True,
            ),
            loading(html.Span(id=ids.PACK_STATUS, className="pack-status", role="status"), "pack-loading"),
            dcc.Download(id=ids.PACK_DOWNLOAD),
        ],
        className="toolbar pack-toolbar",
    )


def layout(**query):
    view = view_from_query(query)
    return html.Div(
        [
            view_store(view),
            page_header(
                f"{board_name(view.board)} scorecard",
                "Each headline indicator with its latest figure, its status against its target or "
                "comparator, and its direction of travel. Select a tile for its detail and sources.",
            ),
            filter_bar(view),
            pack_toolbar(),
            loading(html.Div(id=ids.SCORECARD, className="scorecard"), "scorecard-loading"),
        ],
        className="page page-overview",
    )
