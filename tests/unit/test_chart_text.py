"""Each chart's text alternative says what the chart shows (latest value, direction, comparators, target) and its
table holds every drawn figure with the point the drill panel opens for it."""

from __future__ import annotations

import pandas as pd

from dashboard.reference.view import registry_reference
from dashboard.reports import figures
from dashboard.rules.rag import Rule


def _row(area: str, period: str, value: float | None, **extra) -> dict:
    return {
        "indicator": "cp_rate",
        "area": area,
        "period": period,
        "period_label": period,
        "sort_key": period,
        "period_kind": "financial_year",
        "value": value,
        "source_document": None,
        "breakdown_dimension": "",
        "breakdown_value": "",
        **extra,
    }


IND = {"code": "cp_rate", "title": "Child protection plans per 10,000", "unit": "count", "polarity": "lower_is_better"}


def test_a_trend_says_the_latest_figure_its_move_the_comparator_and_the_target():
    ref = registry_reference()
    rows = pd.DataFrame(
        [
            _row("havering", "2013-14", 40.0),
            _row("havering", "2014-15", 44.0),
            _row("havering", "2015-16", 38.5),
            _row("england", "2015-16", 43.1),
            _row("england", "2014-15", 42.9),
        ]
    )
    fig = figures.trend_figure(IND, rows, ref, ["havering"], Rule("target", target=40.0))
    data = figures.chart_data(fig, "count")
    assert data.summary.startswith("Child protection plans per 10,000.")
    assert "Havering: 38.5 in 2015-16, down from 44 in 2014-15." in data.summary
    assert "Comparators: England 43.1 in 2015-16." in data.summary
    assert "Target 40." in data.summary
    assert data.series == ("Havering", "England")
    assert [x for x, _ in data.rows] == ["2013-14", "2014-15", "2015-16"]
    first, last = data.rows[0][1], data.rows[-1][1]
    assert first[0] == figures.ChartCell("40", ("cp_rate", "havering", "2013-14"))
    assert first[1] == figures.ChartCell("", None)  # no England figure drawn for 2013-14: an empty cell
    assert last[1].text == "43.1" and last[1].point == ("cp_rate", "england", "2015-16")


def test_a_breakdown_across_periods_says_the_latest_mix_largest_first_and_each_move():
    ref = registry_reference()
    ind = {"code": "cp_category", "title": "New plans", "unit": "percent", "polarity": "neutral"}
    rows = pd.DataFrame(
        [
            _row("havering", p, v, indicator="cp_category", breakdown_dimension="category", breakdown_value=c)
            for p, c, v in (
                ("2014-15", "neglect", 45.0),
                ("2014-15", "emotional", 40.0),
                ("2015-16", "neglect", 55.0),
                ("2015-16", "emotional", 30.0),
            )
        ]
    )
    data = figures.chart_data(figures.breakdown_figure(ind, rows, "category", ref), "percent")
    assert "2015-16: Neglect 55%, Emotional 30% (largest: Neglect)." in data.summary
    assert "Since 2014-15: Neglect up from 45%; Emotional down from 40%." in data.summary


def test_a_chart_with_no_figures_says_so():
    ref = registry_reference()
    fig = figures.trend_figure(IND, pd.DataFrame([_row("havering", "2015-16", None)]), ref, ["havering"], None)
    assert figures.chart_data(fig, "count").summary.endswith("no figures to show.")
