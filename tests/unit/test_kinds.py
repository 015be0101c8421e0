"""The rules for figures of several kinds: which series a tile shows, symbols in words, the neighbour median."""

from datetime import date

import pandas as pd

from dashboard.rules.kinds import choose_kind, neighbour_median, neighbour_model, value_status_words


def test_median_of_ten_neighbours():
    m = neighbour_median([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], model="2025")
    assert m.value == 55.0 and m.with_figure == 10 and m.of == 10
    assert m.text == "median of 10 of 10 neighbours (2025 model)"


def test_suppressed_neighbours_are_left_out_and_counted():
    m = neighbour_median([None, 5, None, 7, 9, 11, 13, None, 15, 17])
    assert (m.value, m.with_figure, m.of) == (11.0, 7, 10)


def test_ties_give_the_tied_value():
    assert neighbour_median([2, 2, 2, 3, 1, 2, 2, 4, 2, 2]).value == 2.0


def test_exactly_half_is_computed_fewer_is_not():
    half = neighbour_median([1, 2, 3, 4, 5, None, None, None, None, None])
    assert half.value == 3.0 and half.computed
    fewer = neighbour_median([1, 2, 3, 4, None, None, None, None, None, None], model="2021")
    assert fewer.value is None and not fewer.computed and fewer.with_figure == 4
    assert fewer.text == "not computed: 4 of 10 neighbours have a figure (2021 model)"


def test_no_neighbours_and_nan_are_not_figures():
    assert neighbour_median([]).value is None
    assert neighbour_median([float("nan")] * 10).with_figure == 0


def test_model_by_period_end():
    assert neighbour_model(date(2025, 3, 31)) == "2025"
    assert neighbour_model(date(2024, 3, 31)) == "2021"


def test_kind_with_the_latest_figure_wins_board_first_on_a_tie():
    assert choose_kind({"document": (date(2018, 3, 31), 365), "official": (date(2025, 3, 31), 365)}) == "official"
    assert choose_kind({"official": (date(2018, 3, 31), 364), "document": (date(2018, 3, 31), 364)}) == "document"
    assert (
        choose_kind(
            {
                "official": (date(2018, 3, 31), 364),
                "returns": (date(2018, 3, 31), 364),
                "partner": (date(2018, 3, 31), 364),
            }
        )
        == "returns"
    )
    assert choose_kind({}) is None


def test_symbols_in_words():
    assert value_status_words("suppressed") == "c: suppressed (fewer than 6)"
    assert value_status_words("not_available") == "x: not available"
    assert value_status_words(None) == ""


def _kind_rows() -> pd.DataFrame:
    """Havering's child protection plans: the board's papers to 2014-15, the DfE's from 2013-14 to 2015-16."""
    rows = [
        ("document", "2013-14", 100.0),
        ("document", "2014-15", 110.0),
        ("official", "2013-14", 140.0),
        ("official", "2014-15", 150.0),
        ("official", "2015-16", 160.0),
    ]
    return pd.DataFrame(
        [
            {
                "indicator": "cp_plans",
                "area": "havering",
                "period": p,
                "period_label": p,
                "sort_key": p,
                "period_kind": "financial_year",
                "value": v,
                "source_document": None,
                "breakdown_dimension": "",
                "breakdown_value": "",
                "source_kind": k,
            }
            for k, p, v in rows
        ]
    )


def test_a_trend_draws_a_line_per_kind_never_one_joining_two():
    from dashboard.reference.view import registry_reference
    from dashboard.reports import figures

    ind = {
        "code": "cp_plans",
        "title": "Children subject to a child protection plan",
        "unit": "count",
        "polarity": "neutral",
    }
    fig = figures.trend_figure(ind, _kind_rows(), registry_reference(), ["havering"], None)
    lines = {t.name: list(t.y) for t in fig.data}
    assert lines == {
        "Havering (board document)": [100.0, 110.0, None],
        "Havering (official statistics)": [140.0, 150.0, 160.0],
    }
    # One kind only: the line keeps the area's plain name, as before kinds were recorded.
    only = figures.trend_figure(
        ind, _kind_rows().query("source_kind == 'official'"), registry_reference(), ["havering"], None
    )
    assert [t.name for t in only.data] == ["Havering"]


def test_a_chart_that_draws_one_kind_takes_the_latest_kind():
    from dashboard.reports.figures import one_kind

    rows = _kind_rows()
    assert set(one_kind(rows)["source_kind"]) == {"official"}
    same_year = rows[rows.period != "2015-16"]
    assert set(one_kind(same_year)["source_kind"]) == {"document"}  # a tie: the board's own first
