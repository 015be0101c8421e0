"""Queries the dashboard draws from. Each returns a DataFrame or plain values and is memoised in the shared
cache, keyed on its arguments (tuples of codes, never objects). One query serves a whole page or chart."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from data_access.cache import cache
from data_access.db import get_engine
from data_access.models import (
    Area,
    Board,
    DataQualityFlag,
    Indicator,
    Meta,
    Observation,
    ObservationHistory,
    Period,
    RagRule,
    StatisticalNeighbour,
)

O = Observation  # noqa: E741 - the table, as in the SQL it builds


def _read(stmt) -> pd.DataFrame:
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


def _read_for_areas(area_codes: tuple[str, ...], make_stmt) -> pd.DataFrame:
    """Run `make_stmt(area_ids)` for these areas, with their ids looked up first.

    Filtering the observation's own area_id by value, rather than through a join on the area's code, lets
    the database plan with what it knows about each area: a board's few figures among a nation's many are
    then read through the area index, where a join leaves it to assume an average area and scan the table.
    """
    with get_engine().connect() as conn:
        ids = list(conn.execute(select(Area.id).where(Area.code.in_(area_codes))).scalars()) if area_codes else []
        return pd.read_sql(make_stmt(ids), conn)


def _observation_columns():
    """Every observation's columns as views read them. `value` is NULL when the source published a symbol;
    `value_status` then says which. `source_kind` tells figures of different kinds for the same key apart."""
    return (
        Indicator.code.label("indicator"),
        Area.code.label("area"),
        Period.code.label("period"),
        Period.kind.label("period_kind"),
        Period.label.label("period_label"),
        Period.sort_key,
        Period.start_date,
        Period.end_date,
        O.breakdown_dimension,
        O.breakdown_value,
        O.value,
        O.numerator,
        O.denominator,
        O.source_document,
        O.source_line,
        O.note,
        O.derived,
        O.source_kind,
        O.value_status,
        O.rounded,
    )


def _observations_select():
    return (
        select(*_observation_columns())
        .join(Indicator, Indicator.id == O.indicator_id)
        .join(Area, Area.id == O.area_id)
        .join(Period, Period.id == O.period_id)
    )


@cache.memoize()
def reference() -> dict[str, list[dict]]:
    """Boards, areas, indicators and RAG rules (small; read once per cache lifetime)."""
    with get_engine().connect() as conn:
        boards = [
            dict(r._mapping) for r in conn.execute(select(Board.code, Board.name, Board.short_name).order_by(Board.id))
        ]
        areas = [
            dict(r._mapping)
            for r in conn.execute(
                select(Area.code, Area.name, Area.kind, Area.ons_code, Board.code.label("board"))
                .outerjoin(Board, Board.id == Area.board_id)
                .order_by(Area.id)
            )
        ]
        indicators = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    Indicator.code,
                    Indicator.domain,
                    Indicator.title,
                    Indicator.unit,
                    Indicator.polarity,
                    Indicator.definition,
                    Indicator.definition_source,
                    Indicator.breakdowns,
                    Indicator.headline,
                ).order_by(Indicator.sort_order)
            )
        ]
        comparator = Area.__table__.alias("comparator")
        rules = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    Indicator.code.label("indicator"),
                    Board.code.label("board"),
                    RagRule.kind,
                    RagRule.target,
                    RagRule.tolerance,
                    RagRule.range_low,
                    RagRule.range_high,
                    comparator.c.code.label("comparator"),
                    RagRule.source_document,
                    RagRule.source_line,
                    RagRule.source_quote,
                    RagRule.default_reason,
                    RagRule.applies_from,
                    RagRule.origin,
                )
                .join(Indicator, Indicator.id == RagRule.indicator_id)
                .outerjoin(Board, Board.id == RagRule.board_id)
                .outerjoin(comparator, comparator.c.id == RagRule.comparator_area_id)
            )
        ]
    return {"boards": boards, "areas": areas, "indicators": indicators, "rules": rules}


@cache.memoize()
def headline_observations(area_codes: tuple[str, ...]) -> pd.DataFrame:
    """Every headline figure (no breakdown) of these areas, all periods: the scorecard and exceptions."""
    return _read_for_areas(
        area_codes,
        lambda ids: (
            _observations_select()
            .where(O.breakdown_dimension == "", O.area_id.in_(ids))
            .order_by(Indicator.code, Area.code, Period.sort_key)
        ),
    )


@cache.memoize()
def domain_observations(indicator_codes: tuple[str, ...], area_codes: tuple[str, ...]) -> pd.DataFrame:
    """Every figure (headline and breakdowns) of these indicators and areas: one domain page's charts."""
    return _read_for_areas(
        area_codes,
        lambda ids: (
            _observations_select()
            .where(Indicator.code.in_(indicator_codes), O.area_id.in_(ids))
            .order_by(Indicator.code, Area.code, Period.sort_key, O.breakdown_dimension, O.breakdown_value)
        ),
    )


@cache.memoize()
def drill_rows(indicator: str, period: str, area_codes: tuple[str, ...]) -> pd.DataFrame:
    """What lies behind one point: every figure of the indicator for that period in these areas."""
    return _read_for_areas(
        area_codes,
        lambda ids: (
            _observations_select()
            .where(Indicator.code == indicator, Period.code == period, O.area_id.in_(ids))
            .order_by(Area.code, O.breakdown_dimension, O.breakdown_value)
        ),
    )


@cache.memoize()
def indicator_observations(indicator: str) -> pd.DataFrame:
    """Every figure of one indicator, in every area: the indicator page."""
    stmt = (
        _observations_select()
        .where(Indicator.code == indicator)
        .order_by(Period.sort_key, Area.code, O.breakdown_dimension, O.breakdown_value)
    )
    return _read(stmt)


@cache.memoize()
def indicator_history(indicator: str) -> pd.DataFrame:
    """Values that imports replaced for one indicator, newest first: what changed and where it came from."""
    h = ObservationHistory
    stmt = (
        select(
            Area.code.label("area"),
            Period.code.label("period"),
            Period.label.label("period_label"),
            O.breakdown_dimension,
            O.breakdown_value,
            h.value.label("old_value"),
            h.value_status.label("old_value_status"),
            h.rounded.label("old_rounded"),
            h.source_document.label("old_source_document"),
            h.source_line.label("old_source_line"),
            O.value.label("new_value"),
            O.value_status.label("new_value_status"),
            O.rounded.label("new_rounded"),
            O.source_kind,
            O.source_document,
            O.source_line,
            h.replaced_at,
        )
        .join(O, O.id == h.observation_id)
        .join(Indicator, Indicator.id == O.indicator_id)
        .join(Area, Area.id == O.area_id)
        .join(Period, Period.id == O.period_id)
        .where(Indicator.code == indicator)
        .order_by(h.replaced_at.desc(), h.id.desc())
    )
    return _read(stmt)


@cache.memoize()
def available_periods(area_codes: tuple[str, ...]) -> pd.DataFrame:
    """The periods these areas have figures for, in time order."""
    return _read_for_areas(
        area_codes,
        lambda ids: (
            select(Period.code, Period.label, Period.kind, Period.sort_key, Period.start_date, Period.end_date)
            .where(Period.id.in_(select(O.period_id).where(O.area_id.in_(ids)).distinct()))
            .order_by(Period.sort_key)
        ),
    )


@cache.memoize()
def quality_flags(indicator: str | None = None) -> pd.DataFrame:
    """Data-quality flags, optionally for one indicator."""
    f = DataQualityFlag
    stmt = (
        select(
            Indicator.code.label("indicator"), Area.code.label("area"), Period.code.label("period"), f.check, f.message
        )
        .join(Indicator, Indicator.id == f.indicator_id)
        .outerjoin(Area, Area.id == f.area_id)
        .outerjoin(Period, Period.id == f.period_id)
        .order_by(Indicator.code, Area.code, Period.sort_key)
    )
    if indicator:
        stmt = stmt.where(Indicator.code == indicator)
    return _read(stmt)


@cache.memoize()
def dataset_summary() -> dict:
    """When the dataset last changed and how many figures it holds ('data as of')."""
    with get_engine().connect() as conn:
        updated = conn.execute(select(Meta.value).where(Meta.key == "dataset_updated_at")).scalar()
        n = conn.execute(select(func.count()).select_from(O)).scalar_one()
    return {"updated_at": updated, "observations": n}


@cache.memoize()
def official_areas() -> pd.DataFrame:
    """Every area with what the official files say of it (code, name, kind, ONS code, DfE number, region, years),
    England first, then the regions, then the authorities by name: `board-dashboard areas`."""
    kind_order = {"england": 0, "comparator": 1, "region": 1, "local_authority": 2, "board_total": 3}
    df = _read(
        select(
            Area.code,
            Area.name,
            Area.kind,
            Area.ons_code,
            Area.dfe_number,
            Area.region,
            Area.sub_region,
            Area.first_year,
            Area.last_year,
            Area.former_ons_codes,
            Area.replaces,
            Area.replaced_by,
            Area.members,
        )
    )
    df["_order"] = df["kind"].map(kind_order).fillna(4)
    return df.sort_values(["_order", "name"]).drop(columns="_order").reset_index(drop=True)


@cache.memoize()
def statistical_neighbours(area_code: str, model: str) -> pd.DataFrame:
    """An authority's statistical neighbours in one DfE model, closest first (rank, code, name, closeness)."""
    neighbour = Area.__table__.alias("neighbour")
    return _read(
        select(
            StatisticalNeighbour.rank,
            neighbour.c.code,
            neighbour.c.name,
            StatisticalNeighbour.closeness,
            StatisticalNeighbour.source_document,
            StatisticalNeighbour.source_line,
        )
        .join(Area, Area.id == StatisticalNeighbour.area_id)
        .join(neighbour, neighbour.c.id == StatisticalNeighbour.neighbour_area_id)
        .where(Area.code == area_code, StatisticalNeighbour.model == model)
        .order_by(StatisticalNeighbour.rank)
    )
