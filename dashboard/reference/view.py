"""The view a user is looking at (board, area, period, meeting mode), read from and written to the URL so
that any view can be bookmarked and sent to someone; and the reference data it is judged with."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from urllib.parse import parse_qs, urlencode

import yaml

from dashboard.reference.registry import DATASET_DIR
from dashboard.rules.rag import Rule

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
        provenance = (f'{source_title(r["source_document"])}, line {r["source_line"]}: "{r["source_quote"]}"'
                      if r["source_document"] else r["default_reason"] or "")
        return Rule(r["kind"], r["target"], r["tolerance"], r["range_low"], r["range_high"], r["comparator"],
                    provenance)

    def area_name(self, code: str) -> str:
        return self.areas.get(code, {}).get("name", code)

    def in_domain(self, domain: str) -> list[dict]:
        return [i for i in self.indicators.values() if i["domain"] == domain]


@dataclass(frozen=True)
class ViewState:
    board: str
    area: str
    period: str  # a financial-year code, or "latest"
    meeting: bool = False

    @classmethod
    def from_query(cls, query: dict | str | None, ref: Reference) -> ViewState:
        """Read a view from query parameters, falling back to sensible defaults for anything unknown."""
        if isinstance(query, str):
            query = {k: v[-1] for k, v in parse_qs(query.lstrip("?")).items()}
        query = query or {}
        board = query.get("board") if query.get("board") in ref.boards else next(iter(ref.boards))
        area = query.get("area")
        if area not in ref.board_areas(board):
            area = ref.default_area(board)
        period = query.get("period") or "latest"
        meeting = str(query.get("meeting", "")).lower() in ("1", "true", "yes", "on")
        return cls(board, area, period, meeting)

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


def view_from_query(query: dict | str | None) -> ViewState:
    return ViewState.from_query(query, registry_reference())
