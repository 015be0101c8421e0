"""Reference data (boards, areas, indicators, RAG rules) kept in step with the registry."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import Area, Board, Indicator, RagRule


def sync_reference(session: Session, *, boards: list[dict], areas: list[dict], indicators: list[dict],
                   rules: list[dict]) -> None:
    """Insert or update boards, areas and indicators by code. Registry rules are refreshed; rules a board set
    itself (origin 'board') are never touched."""
    board_ids = _upsert(session, Board, boards)
    areas = [{**{k: v for k, v in a.items() if k != "board"}, "board_id": board_ids.get(a.get("board"))}
             for a in areas]
    area_ids = _upsert(session, Area, areas)
    ind_ids = _upsert(session, Indicator, indicators)
    session.flush()
    existing = {(r.indicator_id, r.board_id, r.applies_from): r
                for r in session.scalars(select(RagRule))}
    for raw in rules:
        r = dict(raw)
        r["indicator_id"] = ind_ids[r.pop("indicator")]
        r["board_id"] = board_ids.get(r.pop("board", None))
        r["comparator_area_id"] = area_ids.get(r.pop("comparator", None))
        key = (r["indicator_id"], r["board_id"], r.get("applies_from", ""))
        row = existing.get(key)
        if row is None:
            session.add(RagRule(origin="registry", **r))
        elif row.origin == "registry":
            for k, v in r.items():
                setattr(row, k, v)


def _upsert(session: Session, model, items: list[dict]) -> dict[str, int]:
    rows = {o.code: o for o in session.scalars(select(model))}
    for item in items:
        obj = rows.get(item["code"])
        if obj is None:
            obj = model(**item)
            session.add(obj)
            rows[item["code"]] = obj
        else:
            for k, v in item.items():
                setattr(obj, k, v)
    session.flush()
    return {code: o.id for code, o in rows.items()}
