"""The view a user is looking at (board, area, period, meeting mode), read from and written to the URL so
that any view can be bookmarked and sent to someone; and the reference data it is judged with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from urllib.parse import parse_qs, urlencode

import yaml

from dashboard.reference.registry import DATASET_DIR
from dashboard.rules.rag import Rule
from data_access.periods import PeriodError, parse_period

COMPARATOR_ORDER = ("england", "london", "inner_london", "outer_london")


@dataclass(frozen=True)
class Reference:
    """Boards, areas, indicators and rules as the database holds them (rules may be the board's own)."""

    boards: dict[str, dict]
    areas: dict[str, dict]
    indicators: dict[str, dict]
    rules: dict[tuple[str, str | None], dict]

    @classmethod
    def from_rows(cls, rows: dict[str, list[dict]]) -> Reference:
        return cls(
            boards={b["code"]: b for b in rows["boards"]},
            areas={a["code"]: a for a in rows["areas"]},
            indicators={i["code"]: i for i in rows["indicators"]},
            rules={(r["indicator"], r["board"]): r for r in rows["rules"]},
        )

    def board_areas(self, board: str) -> list[str]:
        """The board total first, then its local authorities."""
        own = [a for a in self.areas.values() if a["board"] == board and a["kind"] != "comparator"]
        own.sort(key=lambda a: (a["kind"] != "board_total", a["name"]))
        return [a["code"] for a in own]

    def comparators(self, board: str) -> list[str]:
        general = [c for c in COMPARATOR_ORDER if c in self.areas]
        own = [a["code"] for a in self.areas.values() if a["kind"] == "comparator" and a["board"] == board]
        return general + own

    def default_area(self, board: str) -> str:
        return self.board_areas(board)[0]

    def rule(self, indicator: str, board: str | None) -> Rule | None:
        r = self.rules.get((indicator, board)) or self.rules.get((indicator, None))
        if r is None:
            return None
        provenance = (
            f'{source_title(r["source_document"])}, line {r["source_line"]}: "{r["source_quote"]}"'
            if r["source_document"]
            else r["default_reason"] or ""
        )
        return Rule(
            r["kind"], r["target"], r["tolerance"], r["range_low"], r["range_high"], r["comparator"], provenance
        )

    def area_name(self, code: str) -> str:
        return self.areas.get(code, {}).get("name", code)

    def in_domain(self, domain: str) -> list[dict]:
        return [i for i in self.indicators.values() if i["domain"] == domain]


NOTICE_BOARD = "The address named a board that does not exist; showing {board}."
NOTICE_AREA = "The address named an area that is not part of this board; showing the board as a whole."
NOTICE_PERIOD = "The address named a period that does not exist; showing the latest figures."
MAX_PERIOD_TEXT = 40  # the longest period code is 'YYYY-MM/YYYY-MM'; anything much longer names nothing


def normalised_period(value: object) -> str | None:
    """'latest' for none or 'latest', a period's code for any readable period (`2014/15` -> `2014-15`), and None
    for anything else: a view never carries a period that cannot be read."""
    if value is None or value == "" or value == "latest":
        return "latest"
    if not isinstance(value, str) or len(value) > MAX_PERIOD_TEXT:
        return None
    try:
        return parse_period(value).code
    except PeriodError:
        return None


@dataclass(frozen=True)
class ViewState:
    board: str
    area: str
    period: str  # a financial-year code, or "latest"
    meeting: bool = False

    @classmethod
    def from_query(cls, query: Mapping | str | None, ref: Reference) -> ViewState:
        """Read a view from query parameters (or a page's view store), falling back to the defaults for anything
        unknown or unreadable: see `read`."""
        return cls.read(query, ref)[0]

    @classmethod
    def read(cls, query: Mapping | str | None, ref: Reference) -> tuple[ViewState, tuple[str, ...]]:
        """The view a query names, and a notice for each part that named nothing and was replaced by the default.

        Anything may arrive here: an edited address, a repeated parameter (Dash hands it over as a list), or a view
        store the browser sends back changed. A board, area or period that is not a known one (or not text at all)
        falls back to the default, so every page and use case downstream only ever sees a view that exists; the
        period is normalised (`2014/15` reads as `2014-15`)."""
        if isinstance(query, str):
            query = {k: v[-1] for k, v in parse_qs(query.lstrip("?")).items()}
        query = query if isinstance(query, Mapping) else {}
        notices = []
        board = query.get("board")
        if not (isinstance(board, str) and board in ref.boards):
            missing = board not in (None, "")
            board = next(iter(ref.boards))
            if missing:
                notices.append(NOTICE_BOARD.format(board=ref.boards[board].get("short_name", board)))
        area = query.get("area")
        if not (isinstance(area, str) and area in ref.board_areas(board)):
            if area not in (None, "") and not notices:  # a board that fell back makes its area meaningless
                notices.append(NOTICE_AREA)
            area = ref.default_area(board)
        period = normalised_period(query.get("period"))
        if period is None:
            notices.append(NOTICE_PERIOD)
            period = "latest"
        meeting = str(query.get("meeting", "")).lower() in ("1", "true", "yes", "on")
        return cls(board, area, period, meeting), tuple(notices)

    def query(self, **changes) -> str:
        """'?board=havering&area=havering' with any changes applied."""
        v = replace(self, **changes)
        params = {"board": v.board, "area": v.area}
        if v.period != "latest":
            params["period"] = v.period
        if v.meeting:
            params["meeting"] = "1"
        return "?" + urlencode(params)


@cache
def source_titles() -> dict[str, dict]:
    raw = yaml.safe_load((DATASET_DIR / "sources.yaml").read_text(encoding="utf-8"))
    return raw.get("documents", {})


def source_title(document: str | None, *, short: bool = True) -> str:
    """'Havering HSCB report 2014-15' for a source file name (the file name itself if unknown)."""
    if not document:
        return "source not recorded"
    d = source_titles().get(document)
    return (d["short"] if short else d["title"]) if d else document


@cache
def registry_reference() -> Reference:
    """The reference as the bundled registry states it (no database): for reading views in layouts."""
    from dashboard.reference.registry import registry
    from dashboard.services import dataset as services

    rows = services.reference_from_registry(registry())
    for a in rows["areas"]:
        a.setdefault("board", None)
    for r in rows["rules"]:
        r.setdefault("board", None)
        r.setdefault("origin", "registry")
    return Reference.from_rows(rows)


def view_from_query(query: Mapping | str | None) -> ViewState:
    return ViewState.from_query(query, registry_reference())


def view_notice(query: Mapping | str | None) -> str:
    """What the page says when its address named a board, area or period that does not exist ('' when none)."""
    return " ".join(ViewState.read(query, registry_reference())[1])
