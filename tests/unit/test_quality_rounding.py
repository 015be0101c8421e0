"""The checks allow for the rounding a publisher applies: the DfE's national and regional counts (to the nearest 10,
marked rounded: a tolerance of 5 each) and figures stated to decimals (FTE 8.6 stands for 8.55-8.65)."""

from __future__ import annotations

import pandas as pd

from dashboard.rules.quality import parts_versus_total, percent_mismatches
from data_access.quality_store import ROUNDED_COUNT_TOLERANCE

COLUMNS = [
    "id",
    "indicator",
    "unit",
    "area",
    "area_kind",
    "board_id",
    "period",
    "breakdown_dimension",
    "breakdown_value",
    "value",
    "numerator",
    "denominator",
    "source_document",
    "source_line",
    "source_kind",
    "tolerance",
]


def obs(*rows: dict) -> pd.DataFrame:
    defaults = {
        "indicator": "cin_count",
        "unit": "count",
        "area": "england",
        "area_kind": "england",
        "board_id": None,
        "period": "2024-03-31",
        "breakdown_dimension": "",
        "breakdown_value": "",
        "numerator": None,
        "denominator": None,
        "source_document": "b1.csv",
        "source_line": 2,
        "source_kind": "official",
        "tolerance": 0.0,
    }
    return pd.DataFrame([{**defaults, "id": i, **r} for i, r in enumerate(rows, start=1)], columns=COLUMNS)


def parts(total: float, values: list[float], tolerance: float) -> pd.DataFrame:
    return obs(
        {"value": total, "tolerance": tolerance},
        *(
            {"breakdown_dimension": "age_band", "breakdown_value": f"band {i}", "value": v, "tolerance": tolerance}
            for i, v in enumerate(values)
        ),
    )


def test_rounded_parts_within_five_each_of_a_rounded_total_are_not_flagged():
    # three parts and the total, each up to 5 off: sums may differ by up to 20
    assert parts_versus_total(parts(400_000, [100_010, 150_000, 149_980], ROUNDED_COUNT_TOLERANCE)) == []
    flags = parts_versus_total(parts(400_000, [100_010, 150_000, 149_950], ROUNDED_COUNT_TOLERANCE))
    assert [f["message"] for f in flags] == ["the 3 age band figures add up to 399,960, but the total is 400,000"]


def test_exact_counts_still_add_up_exactly():
    assert len(parts_versus_total(parts(400, [100, 150, 149], 0.0))) == 1


def test_a_percentage_of_rounded_counts_or_of_decimal_figures_is_not_flagged_for_their_rounding():
    rate = {"indicator": "csww_turnover_rate_pct", "unit": "percent"}
    assert percent_mismatches(obs({**rate, "value": 8.9, "numerator": 8.6, "denominator": 97.2})) == []
    assert (
        percent_mismatches(
            obs({**rate, "value": 25.3, "numerator": 250, "denominator": 1010, "tolerance": ROUNDED_COUNT_TOLERANCE})
        )
        == []
    )
    # the same without the rounding mark: 250 of 1,010 is 24.8%, flagged
    assert len(percent_mismatches(obs({**rate, "value": 25.3, "numerator": 250, "denominator": 1010}))) == 1
    # a real difference stays a flag
    assert len(percent_mismatches(obs({**rate, "value": 14.0, "numerator": 271.5, "denominator": 2158.1}))) == 1
