"""What the data-quality checks read: the whole dataset with its codes, the same on both backends."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, select

from data_access import db
from data_access.models import Area, Indicator, Observation, Period
from data_access.quality_store import ROUNDED_COUNT_TOLERANCE, observations_for_checks


def straight_join() -> pd.DataFrame:
    """The same rows read the plain way, as row objects through a join: those with a value, with their kind of
    source and how far their publisher's rounding may put them off."""
    o = Observation
    stmt = (
        select(
            o.id,
            Indicator.code.label("indicator"),
            Indicator.unit,
            Area.code.label("area"),
            Area.kind.label("area_kind"),
            Area.board_id,
            Period.code.label("period"),
            o.breakdown_dimension,
            o.breakdown_value,
            o.value,
            o.numerator,
            o.denominator,
            o.source_document,
            o.source_line,
            o.source_kind,
            case((o.rounded, ROUNDED_COUNT_TOLERANCE), else_=0.0).label("tolerance"),
        )
        .join(Indicator, Indicator.id == o.indicator_id)
        .join(Area, Area.id == o.area_id)
        .join(Period, Period.id == o.period_id)
        .where(o.value.isnot(None))
        .order_by(o.id)
    )
    with db.get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


def test_the_checks_read_every_figure_with_its_codes_and_empty_values_intact(loaded_db):
    got = observations_for_checks().sort_values("id").reset_index(drop=True)
    want = straight_join()
    assert len(got) == len(want) > 200
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        left = got[col].astype(object).where(got[col].notna(), None).tolist()
        right = want[col].astype(object).where(want[col].notna(), None).tolist()
        if col in ("board_id", "source_line", "value", "numerator", "denominator"):
            left = [None if x is None else float(x) for x in left]
            right = [None if x is None else float(x) for x in right]
        assert left == right, col
    # empty breakdowns stay empty text (the headline figures), absent numerators stay absent
    assert (got["breakdown_dimension"] == "").sum() > 100
    assert got["numerator"].isna().sum() > 100


def test_an_empty_dataset_gives_an_empty_frame_with_the_same_columns(empty_db):
    got = observations_for_checks()
    assert len(got) == 0
    assert list(got.columns) == list(straight_join().columns)
