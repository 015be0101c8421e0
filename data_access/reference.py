"""Reference data (boards, areas, indicators, RAG rules) kept in step with the registry."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data_access.models import Area, Board, Indicator, RagRule, StatisticalNeighbour


def sync_reference(
    session: Session, *, boards: list[dict], areas: list[dict], indicators: list[dict], rules: list[dict]
) -> None:
    """Insert or update boards, areas and indicators by code. Registry rules are refreshed; rules a board set
    itself (origin 'board') are never touched."""
    board_ids = _upsert(session, Board, boards)
    areas = [{**{k: v for k, v in a.items() if k != "board"}, "board_id": board_ids.get(a.get("board"))} for a in areas]
    area_ids = _upsert(session, Area, areas)
    ind_ids = _upsert(session, Indicator, indicators)
    session.flush()
    existing = {(r.indicator_id, r.board_id, r.applies_from): r for r in session.scalars(select(RagRule))}
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


# What the official files say of an area: these columns only, never its code, board or the registry's name.
OFFICIAL_AREA_COLUMNS = (
    "dfe_number",
    "region",
    "sub_region",
    "first_year",
    "last_year",
    "former_ons_codes",
    "replaces",
    "replaced_by",
    "members",
    "official_note",
)


def sync_official_areas(session: Session, areas: list[dict]) -> dict[str, int]:
    """Insert every official area by code, or fill in the official columns of one the registry already has.

    Each dict has `code`, `name`, `kind`, `ons_code` and the OFFICIAL_AREA_COLUMNS. An area the registry made keeps
    its name, kind and board (the board's papers name it), and gains its DfE number, region and years. Returns the
    number of areas added.
    """
    existing = {a.code: a for a in session.scalars(select(Area))}
    added = 0
    for item in areas:
        official = {k: item.get(k) for k in OFFICIAL_AREA_COLUMNS}
        for k in ("former_ons_codes", "replaces", "replaced_by", "members", "official_note"):
            official[k] = official[k] or ""
        area = existing.get(item["code"])
        if area is None:
            session.add(
                Area(code=item["code"], name=item["name"], kind=item["kind"], ons_code=item.get("ons_code"), **official)
            )
            added += 1
        else:
            for k, v in official.items():
                setattr(area, k, v)
            area.ons_code = area.ons_code or item.get("ons_code")
    session.flush()
    return added


def sync_statistical_neighbours(session: Session, neighbours: list[dict]) -> int:
    """Replace the neighbour lists of each model given with these rows (`area`, `model`, `rank`, `neighbour`,
    `closeness`, `source_document`, `source_line`, area codes by code). Returns the rows written."""
    ids = {code: id_ for code, id_ in session.execute(select(Area.code, Area.id))}
    models = {n["model"] for n in neighbours}
    if models:
        session.execute(delete(StatisticalNeighbour).where(StatisticalNeighbour.model.in_(models)))
    session.add_all(
        StatisticalNeighbour(
            area_id=ids[n["area"]],
            model=n["model"],
            rank=n["rank"],
            neighbour_area_id=ids[n["neighbour"]],
            closeness=n["closeness"],
            source_document=n["source_document"],
            source_line=n["source_line"],
        )
        for n in neighbours
    )
    session.flush()
    return len(neighbours)
