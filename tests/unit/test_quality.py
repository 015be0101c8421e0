"""The data-quality checks on small hand-built datasets whose right answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.rules.quality import parts_versus_total, percent_mismatches, run_checks, sources_disagree

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
]


def obs(*rows: dict) -> pd.DataFrame:
    """Observations as quality_store.observations_for_checks gives them; each row names only what it needs."""
    defaults = {
        "indicator": "cp_plans",
        "unit": "count",
        "area": "havering",
        "area_kind": "local_authority",
        "board_id": 1,
        "period": "2014-15",
        "breakdown_dimension": "",
        "breakdown_value": "",
        "numerator": None,
        "denominator": None,
        "source_document": "002.txt",
        "source_line": 10,
    }
    return pd.DataFrame([{**defaults, "id": i, **r} for i, r in enumerate(rows, start=1)], columns=COLUMNS)


def pct(value, numerator=None, denominator=None, **kw) -> dict:
    return {
        "indicator": "icpc_within_15_days_pct",
        "unit": "percent",
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        **kw,
    }


def messages(flags: list[dict]) -> list[str]:
    return [f["message"] for f in flags]


# ------------------------------------------------------------------ a percentage against its own figures


@pytest.mark.parametrize(
    "stated,numerator,denominator",
    [
        (12, 23, 200),  # 11.5% published as a whole number rounds to 12
        (11, 23, 200),  # ... or, rounding half to even or down, to 11
        (11.6, 291, 2500),  # 11.64% published to one decimal
        (11.6, 1111, 9600),  # 11.5729...% rounds to 11.6
        (33.33, 1, 3),  # two decimals
        (100, 20, 20),
        (0, 0, 7),
    ],
)
def test_a_percentage_that_matches_its_figures_after_rounding_is_not_flagged(stated, numerator, denominator):
    assert percent_mismatches(obs(pct(stated, numerator, denominator))) == []


@pytest.mark.parametrize(
    "stated,numerator,denominator,computed",
    [
        (12, 57, 500, "11.4%"),  # 11.4% can only be published as 11
        (11.6, 583, 5000, "11.7%"),  # 11.66% published to one decimal is 11.7
        (11.7, 291, 2500, "11.6%"),  # 11.64% is not 11.7
        (45, 49, 100, "49.0%"),  # a different figure altogether
    ],
)
def test_a_percentage_that_does_not_match_its_figures_is_flagged(stated, numerator, denominator, computed):
    flags = percent_mismatches(obs(pct(stated, numerator, denominator, area="westminster", period="2015-16")))
    assert len(flags) == 1
    f = flags[0]
    assert (f["indicator"], f["area"], f["period"], f["check"]) == (
        "icpc_within_15_days_pct",
        "westminster",
        "2015-16",
        "percent_mismatch",
    )
    assert f["message"] == f"{stated}% is stated, but {numerator} of {denominator:,} is {computed}"


def test_a_percentage_without_both_figures_or_with_no_cases_is_not_checked():
    data = obs(
        pct(50, 3, None),
        pct(50, None, 10, period="2015-16"),
        pct(50, 0, 0, period="2016-17"),
        {"indicator": "cp_plans", "unit": "count", "value": 12, "numerator": 1, "denominator": 10},
    )
    assert percent_mismatches(data) == []


def test_only_the_wrong_percentage_of_many_is_flagged():
    rows = [pct(round(100 * n / 400, 1), n, 400, period=f"2015-{n:02d}") for n in range(1, 13)]
    rows[4] = pct(9, 5, 400, period="2015-05")
    flags = percent_mismatches(obs(*rows))
    assert [f["period"] for f in flags] == ["2015-05"]


# ------------------------------------------------------------------ parts against their total


def category(value_by_category: dict[str, float], total: float | None, **kw) -> list[dict]:
    rows = [] if total is None else [{"value": total, **kw}]
    rows += [
        {"breakdown_dimension": "category", "breakdown_value": c, "value": v, **kw}
        for c, v in value_by_category.items()
    ]
    return rows


def test_categories_that_add_up_to_the_total_are_not_flagged():
    assert parts_versus_total(obs(*category({"neglect": 120, "emotional": 80, "physical": 30}, 230))) == []


def test_categories_that_do_not_add_up_to_the_total_are_flagged_with_both_figures():
    flags = parts_versus_total(obs(*category({"neglect": 1120, "emotional": 80, "physical": 30}, 1240)))
    assert flags == [
        {
            "indicator": "cp_plans",
            "area": "havering",
            "period": "2014-15",
            "check": "parts_vs_total",
            "message": "the 3 category figures add up to 1,230, but the total is 1,240",
        }
    ]


def test_a_single_part_or_parts_without_a_total_are_not_compared():
    data = obs(*category({"neglect": 120}, 230), *category({"neglect": 1, "physical": 2}, None, period="2015-16"))
    assert parts_versus_total(data) == []


def test_a_breakdown_that_is_not_a_partition_is_not_summed():
    rows = [{"indicator": "training_places_booked", "value": 100}]
    rows += [
        {
            "indicator": "training_places_booked",
            "breakdown_dimension": "organisation",
            "breakdown_value": o,
            "value": 70,
        }
        for o in ("police", "health")
    ]  # one person may be booked by two agencies' quotas
    assert parts_versus_total(obs(*rows)) == []


def test_each_dimension_of_an_indicator_is_compared_with_the_total_on_its_own():
    rows = category({"neglect": 150, "emotional": 80}, 230)
    rows += [
        {"breakdown_dimension": "age_band", "breakdown_value": b, "value": v}
        for b, v in (("under_1", 20), ("1_to_4", 100), ("5_to_9", 100))
    ]
    assert messages(parts_versus_total(obs(*rows))) == ["the 3 age band figures add up to 220, but the total is 230"]


def shares(values: list[float], denominators: list[float | None] | None = None, **kw) -> list[dict]:
    denominators = denominators or [None] * len(values)
    return [
        {
            "indicator": "contacts_by_source_pct",
            "unit": "percent",
            "breakdown_dimension": "source",
            "breakdown_value": f"source_{i}",
            "value": v,
            "denominator": d,
            **kw,
        }
        for i, (v, d) in enumerate(zip(values, denominators, strict=True))
    ]


@pytest.mark.parametrize(
    "values",
    [[65, 25, 10], [33.4, 33.3, 33.4], [34, 34, 33.5], [20, 30]],
    ids=["exactly 100", "rounded parts over by 0.1", "rounded parts over by 1.5", "some sources not stated"],
)
def test_shares_that_add_up_to_100_within_rounding_are_not_flagged(values):
    assert parts_versus_total(obs(*shares(values))) == []


def test_shares_over_100_percent_are_flagged():
    flags = parts_versus_total(obs(*shares([65, 30, 6.6])))
    assert messages(flags) == ["the 3 source shares add up to 101.6%, more than 100%"]
    assert flags[0]["indicator"] == "contacts_by_source_pct"


def test_shares_of_one_whole_with_the_same_denominator_are_still_shares():
    assert len(parts_versus_total(obs(*shares([70, 40], [500, 500])))) == 1


def test_rates_within_each_age_band_are_not_shares():
    # Care leavers in touch: 90% of those aged 17-18 and 85% of those aged 19-21 (each band its own denominator).
    rows = [
        {
            "indicator": "care_leavers_in_touch_pct",
            "unit": "percent",
            "breakdown_dimension": "age_band",
            "breakdown_value": band,
            "value": v,
            "numerator": n,
            "denominator": d,
        }
        for band, v, n, d in (("17_to_18", 90, 18, 20), ("19_to_21", 85, 34, 40))
    ]
    assert parts_versus_total(obs(*rows)) == []


def board(values: dict[str, float | None], total: float, **kw) -> list[dict]:
    rows = [{"area": "triborough", "area_kind": "board_total", "board_id": 2, "value": total, **kw}]
    rows += [
        {"area": a, "area_kind": "local_authority", "board_id": 2, "value": v, **kw}
        for a, v in values.items()
        if v is not None
    ]
    return rows


TRI = ("hammersmith_fulham", "kensington_chelsea", "westminster")


def test_boroughs_that_add_up_to_the_board_total_are_not_flagged():
    assert parts_versus_total(obs(*board(dict(zip(TRI, (100, 90, 120), strict=True)), 310))) == []


def test_boroughs_that_do_not_add_up_to_the_board_total_are_flagged_on_the_total():
    flags = parts_versus_total(obs(*board(dict(zip(TRI, (100, 90, 120), strict=True)), 320)))
    assert flags == [
        {
            "indicator": "cp_plans",
            "area": "triborough",
            "period": "2014-15",
            "check": "parts_vs_total",
            "message": "the 3 boroughs add up to 310, but the board total is 320",
        }
    ]


def test_a_borough_without_the_figure_does_not_make_the_others_wrong():
    data = obs(
        *board(dict(zip(TRI, (100, 90, 120), strict=True)), 310),  # the board has three
        *board({TRI[0]: 100, TRI[1]: 90}, 310, period="2015-16"),
    )  # one did not report
    assert parts_versus_total(data) == []


def test_boroughs_that_already_exceed_the_board_total_are_flagged_even_if_one_is_missing():
    data = obs(
        *board(dict(zip(TRI, (100, 90, 120), strict=True)), 310),
        *board({TRI[0]: 200, TRI[1]: 150}, 310, period="2015-16"),
    )
    assert messages(parts_versus_total(data)) == [
        "the 2 boroughs with a figure add up to 350, more than the board total of 310"
    ]


def test_borough_percentages_and_other_boards_are_not_summed():
    rows = board(dict(zip(TRI, (60, 70, 80), strict=True)), 70, indicator="icpc_within_15_days_pct", unit="percent")
    rows += [{"area": "havering", "board_id": 1, "value": 500}]  # Havering's board has no total row
    assert parts_versus_total(obs(*rows)) == []


# ------------------------------------------------------------------ two sources for one figure


def replaced(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["observation_id", "value", "source_document", "source_line"])


def test_two_documents_giving_different_figures_are_flagged_with_both():
    current = obs(pct(49, source_document="000.txt", source_line=404, indicator="assessments_within_45_days_pct"))
    flags = sources_disagree(
        current, replaced({"observation_id": 1, "value": 45, "source_document": "002.txt", "source_line": 667})
    )
    assert flags == [
        {
            "indicator": "assessments_within_45_days_pct",
            "area": "havering",
            "period": "2014-15",
            "check": "sources_disagree",
            "message": "000.txt (line 404) gives 49%; 002.txt (line 667) gives 45%",
        }
    ]


def test_a_correction_from_the_same_document_or_the_same_figure_again_is_not_a_disagreement():
    current = obs(pct(49, source_document="000.txt"), pct(45, source_document="000.txt", period="2015-16"))
    history = replaced(
        {"observation_id": 1, "value": 48, "source_document": "000.txt", "source_line": 12},
        {"observation_id": 2, "value": 45, "source_document": "002.txt", "source_line": 13},
    )
    assert sources_disagree(current, history) == []


@pytest.mark.parametrize(
    "now,before,agree",
    [
        (11.6, 12, True),  # 12 may be 11.6 rounded to a whole number
        (12, 11.5, True),
        (11.64, 11.6, True),
        (11.6, 11.7, False),
        (45, 49, False),
        (1.6, 3, False),
        (231, 230, False),  # counts are exact
    ],
)
def test_figures_that_differ_only_by_rounding_agree(now, before, agree):
    current = obs(pct(now, source_document="001.txt"))
    flags = sources_disagree(
        current, replaced({"observation_id": 1, "value": before, "source_document": "002.txt", "source_line": None})
    )
    assert (flags == []) is agree
    if not agree:
        assert flags[0]["message"].endswith(f"002.txt (line ?) gives {before}%")


def test_no_history_means_no_disagreement():
    assert sources_disagree(obs(pct(50)), replaced()) == []


def test_run_checks_gives_every_check_flags_together():
    data = obs(pct(12, 57, 500), *category({"neglect": 10, "physical": 5}, 20))
    data["id"] = range(1, len(data) + 1)
    history = replaced({"observation_id": 1, "value": 30, "source_document": "004.txt", "source_line": 3})
    assert sorted(f["check"] for f in run_checks(data, history)) == [
        "parts_vs_total",
        "percent_mismatch",
        "sources_disagree",
    ]


def test_checks_read_categorical_columns_as_the_store_gives_them():
    data = obs(*board(dict(zip(TRI, (100, 90, 120), strict=True)), 320), *shares([65, 30, 6.6]), pct(12, 57, 500))
    for col in (
        "indicator",
        "unit",
        "area",
        "area_kind",
        "period",
        "breakdown_dimension",
        "breakdown_value",
        "source_document",
    ):
        data[col] = data[col].astype("category")
    checks = sorted(f["check"] for f in run_checks(data, replaced()))
    assert checks == ["parts_vs_total", "parts_vs_total", "percent_mismatch"]
