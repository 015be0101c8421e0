"""What a use case needs to judge a view: the reference and one query's worth of figures, from the cache."""

from __future__ import annotations

from flask import current_app, has_app_context

from dashboard.reference.view import Reference, ViewState
from dashboard.rules.rag import DEFAULT_SMALL_NUMBER_THRESHOLD
from dashboard.rules.scorecard import Assessor
from data_access import queries


def reference() -> Reference:
    """Boards, areas, indicators and rules as the database holds them (through the data cache)."""
    return Reference.from_rows(queries.reference())


def small_number_threshold() -> int:
    """Below how many cases a percentage is not rated: the server's setting, or the default outside a server."""
    if has_app_context() and "BOARD_SETTINGS" in current_app.config:
        return current_app.config["BOARD_SETTINGS"].small_number_threshold
    return DEFAULT_SMALL_NUMBER_THRESHOLD


def view_areas(ref: Reference, board: str) -> tuple[str, ...]:
    """The board's own areas and its comparators: everything a page about the board compares."""
    return tuple(ref.board_areas(board) + ref.comparators(board))


NEIGHBOUR_MODELS = ("2021", "2025")


def regions_and_neighbours(ref: Reference, board: str) -> tuple[dict[str, str], dict[tuple[str, str], list[str]]]:
    """Each of the board's authorities' region and DfE statistical neighbours per model, as the official files
    give them (empty for a dataset without official areas)."""
    areas = queries.official_areas()
    own = ref.board_areas(board)
    regions = {
        r["code"]: r["region"]
        for r in areas[areas["code"].isin(own)].to_dict("records")
        if isinstance(r["region"], str) and r["region"]
    }
    neighbours = {}
    for area in own:
        for model in NEIGHBOUR_MODELS:
            codes = list(queries.statistical_neighbours(area, model)["code"])
            if codes:
                neighbours[(area, model)] = codes
    return regions, neighbours


def assessor(ref: Reference, view: ViewState) -> Assessor:
    """Rates every indicator for the view's board from one cached query: its areas, comparators, regions and
    statistical neighbours."""
    regions, neighbours = regions_and_neighbours(ref, view.board)
    extra = sorted({r for r in regions.values()} | {c for codes in neighbours.values() for c in codes})
    areas = view_areas(ref, view.board)
    areas += tuple(c for c in extra if c not in areas)
    return Assessor(
        ref,
        view.board,
        queries.headline_observations(areas),
        queries.quality_flags(),
        small_number_threshold(),
        regions=regions,
        neighbours=neighbours,
    )


def view_from_store(data: dict | None, ref: Reference) -> ViewState:
    """The view in a page's view store (unknown boards, areas and periods fall back to the defaults)."""
    return ViewState.from_query(data or {}, ref)
