"""How charts make room for their title and legend: the legend never covers the title, and a chart with a single
series has no empty band where a legend would be."""

from __future__ import annotations

import pandas as pd

from dashboard.reference.view import registry_reference
from dashboard.reports import figures

BOROUGHS = ["Tri-borough total", "Hammersmith & Fulham", "Kensington & Chelsea", "Westminster"]


def test_short_names_share_one_legend_row():
    assert figures.legend_rows(["Health", "Police", "Schools"]) == 1


def test_long_borough_names_take_a_row_each_in_a_narrow_chart():
    assert figures.legend_rows(BOROUGHS) == 4
    assert figures.legend_rows(BOROUGHS + ["England", "London"]) == 6


def test_more_entries_never_need_fewer_rows():
    names = ["16 and over", "10 to 15", "5 to 9", "1 to 4", "Under 1", "Not recorded"]
    rows = [figures.legend_rows(names[:n]) for n in range(1, len(names) + 1)]
    assert rows == sorted(rows) and rows[0] == 1


def _rows(areas: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator": "cp_plans",
                "area": a,
                "period": p,
                "period_label": p,
                "sort_key": p,
                "period_kind": "financial_year",
                "value": v,
                "source_document": None,
                "breakdown_dimension": "",
                "breakdown_value": "",
            }
            for a in areas
            for p, v in (("2014-15", 10.0), ("2015-16", 12.0))
        ]
    )


def test_a_single_series_leaves_no_room_for_a_legend_and_several_do():
    ref = registry_reference()
    ind = {
        "code": "cp_plans",
        "title": "Children subject to a child protection plan",
        "unit": "count",
        "polarity": "neutral",
    }
    one = figures.trend_figure(ind, _rows(["havering"]), ref, ["havering"], None)
    areas = ["triborough", "hammersmith_fulham", "kensington_chelsea", "westminster"]
    four = figures.trend_figure(ind, _rows(areas), ref, areas, None)
    assert four.layout.margin.t - one.layout.margin.t >= 4 * 22


def test_a_breakdown_title_does_not_repeat_its_dimension():
    ref = registry_reference()
    ind = {
        "code": "contacts_by_source_pct",
        "title": "Contacts by source (share)",
        "unit": "percent",
        "polarity": "neutral",
    }
    rows = pd.DataFrame(
        [
            {
                "indicator": ind["code"],
                "area": "havering",
                "period": "2014-15",
                "period_label": "2014-15",
                "sort_key": "2014-15",
                "value": 30.0,
                "source_document": None,
                "breakdown_dimension": "source",
                "breakdown_value": v,
            }
            for v in ("police", "health")
        ]
    )
    fig = figures.breakdown_figure(ind, rows, "source", ref)
    assert fig.layout.title.text == "Contacts by source (share)"
    ind2 = {**ind, "title": "Contacts received"}
    assert figures.breakdown_figure(ind2, rows, "source", ref).layout.title.text == "Contacts received by source"


def test_meeting_mode_enlarges_the_type_and_unwraps_a_title_that_now_fits():
    ref = registry_reference()
    ind = {
        "code": "cla_placed_out_of_borough_20_miles_pct",
        "title": "Placed outside the borough and more than 20 miles away",
        "unit": "percent",
        "polarity": "lower_is_better",
    }
    fig = figures.trend_figure(ind, _rows(["havering"]).assign(indicator=ind["code"]), ref, ["havering"], None)
    assert "<br>" in fig.layout.title.text  # two lines in a narrow chart
    normal_font, normal_height = fig.layout.font.size, fig.layout.height
    figures.for_meeting(fig)
    assert "<br>" not in fig.layout.title.text  # one line across a meeting-mode chart
    assert fig.layout.font.size >= 1.25 * normal_font and fig.layout.height > normal_height
    assert "font-size:14px" in fig.layout.xaxis.title.text  # the source line too
    assert 0.8 < fig.layout.title.y < 1


def _domain_rows() -> pd.DataFrame:
    """Child protection and partnership figures for Havering: headline figures, and one breakdown."""
    base = {"period_kind": "financial_year", "source_document": None, "end_date": "2015-03-31"}
    rows = [
        {
            **base,
            "indicator": code,
            "area": area,
            "period": "2014-15",
            "period_label": "2014-15",
            "sort_key": "2014-15",
            "value": 10.0,
            "breakdown_dimension": "",
            "breakdown_value": "",
        }
        for code in ("cp_plans", "police_attendance_icpc_pct", "cp_plans_started")
        for area in ("havering", "england")
    ]
    rows += [
        {
            **base,
            "indicator": "cp_plans",
            "area": "havering",
            "period": "2014-15",
            "period_label": "2014-15",
            "sort_key": "2014-15",
            "value": v,
            "breakdown_dimension": "category",
            "breakdown_value": c,
        }
        for c, v in (("neglect", 6.0), ("emotional", 4.0))
    ]
    rows += [
        {
            **base,
            "indicator": "cp_plans_started",
            "area": "england",
            "period": "2013-14",
            "period_label": "2013-14",
            "sort_key": "2013-14",
            "value": 5.0,
            "breakdown_dimension": "",
            "breakdown_value": "",
        }
    ]
    return pd.DataFrame(rows)


def test_a_page_draws_every_trend_with_figures_then_every_breakdown_headline_indicators_first():
    ref = registry_reference()
    choices = figures.choose_charts(ref, ("child_protection", "partnership"), _domain_rows(), ["havering"])
    drawn = [(c.indicator["code"], c.dimension) for c in choices]
    trends = [code for code, dim in drawn if not dim]
    assert set(trends) == {"cp_plans", "police_attendance_icpc_pct", "cp_plans_started"}
    assert drawn[-1] == ("cp_plans", "category"), "breakdowns after every trend"
    headline = [ref.indicators[c]["headline"] for c in trends]
    assert headline == sorted(headline, reverse=True), "headline indicators first"
    own = [ref.indicators[c]["domain"] for c in trends if ref.indicators[c]["headline"]]
    assert own == sorted(own, key=("child_protection", "partnership").index), "the page's own domain first"
    assert choices[-1].caption == f"{ref.indicators['cp_plans']['title']} by category"
    assert trends[-1] == "cp_plans_started", "an indicator that is not a headline comes last"


def test_a_chart_is_drawn_only_where_the_boards_own_areas_have_figures():
    ref = registry_reference()
    rows = _domain_rows()
    only_england = rows[rows["area"] == "england"]
    assert figures.choose_charts(ref, ("child_protection",), only_england, ["havering"]) == []
    assert figures.choose_charts(ref, ("child_protection",), rows.iloc[0:0], ["havering"]) == []


def test_a_chosen_chart_is_drawn_with_its_points_carrying_what_to_drill_into():
    ref = registry_reference()
    choice = figures.choose_charts(ref, ("child_protection",), _domain_rows(), ["havering"])[0]
    fig = figures.draw(choice, ref, ["havering"], None)
    points = [cd for t in fig.data for cd in (t.customdata or []) if cd is not None]
    assert points and all(p[0] == choice.indicator["code"] for p in points)
