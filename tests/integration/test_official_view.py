"""The scorecard with the official statistics loaded, as `init-db` loads them (SQLite, and PostgreSQL when
configured): the latest official year, its comparators, symbols in words, one series per tile."""

from __future__ import annotations

import pytest

from dashboard.reference.view import view_from_query
from dashboard.rules.periods import as_of_end
from dashboard.rules.scorecard import NEIGHBOURS
from dashboard.services import context, pages
from data_access import queries

HAVERING = {"board": "havering", "area": "havering", "period": "latest", "meeting": False}


def test_havering_latest_official_year_with_england_london_and_neighbours(national_db):
    card = pages.scorecard_view(view_from_query(HAVERING))
    a = card.assessment("re_referrals_12m_pct")
    assert (a.figure.period_label, a.figure.source_kind, a.value_text) == ("2024-25", "official", "16.3%")
    assert a.status.word == "Green"  # judged against England's 22.6%, which the official data now gives
    names = [c.name for c in a.comparisons]
    assert names[:2] == ["England", "London"]
    assert {c.period_label for c in a.comparisons} == {"2024-25"}
    median = next(c for c in a.comparisons if c.area == NEIGHBOURS)
    assert names.index(median.name) == 2 and median.name.startswith("Statistical neighbours (median of ")
    # The median of the ten 2025 neighbours' figures, computed from the stored figures, not typed in.
    ref = context.reference()
    codes = list(queries.statistical_neighbours("havering", "2025")["code"])
    rows = queries.headline_observations(tuple(codes))
    vals = (
        rows[
            (rows.indicator == "re_referrals_12m_pct") & (rows.period == "2024-25") & (rows.source_kind == "official")
        ]["value"]
        .dropna()
        .sort_values()
        .tolist()
    )
    assert len(codes) == 10 and f"median of {len(vals)} of 10)" in median.name
    n = len(vals)
    expected = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
    assert median.value == pytest.approx(expected)
    assert "havering" in ref.areas


def test_a_tile_that_had_no_england_figure_is_rated_with_official_data(national_db):
    card = pages.scorecard_view(view_from_query(HAVERING))
    a = card.assessment("icpc_within_15_days_pct")
    assert a.figure.period_label == "2024-25" and a.status.rag != "none"
    assert not a.status.label.startswith("Not rated: no England figure")


def test_a_suppressed_figure_is_shown_in_words_and_not_rated(national_db):
    view = view_from_query({"board": "triborough", "area": "kensington_chelsea", "period": "2024-25"})
    a = context.assessor(context.reference(), view).assess(
        "cla_long_term_stability_pct", "kensington_chelsea", as_of_end("2024-25")
    )
    assert a.figure.value is None and a.figure.value_status == "suppressed"
    assert a.value_text == "c: suppressed (fewer than 6)"
    assert a.status.rag == "none" and a.status.reason == "c: suppressed (fewer than 6)"
    assert a.comparisons == [] and a.direction.kind == "none"


def test_a_board_document_and_an_official_figure_for_one_year_never_join(national_db):
    ref = context.reference()
    view = view_from_query({**HAVERING, "period": "2014-15"})
    assessor = context.assessor(ref, view)
    # 2014-15 has the board's 52% and the DfE's 62.4%: the tile shows the board's, and its direction of travel
    # runs from the board's own 72% of 2013-14, not from the DfE's 78%.
    a = assessor.assess("icpc_within_15_days_pct", "havering", as_of_end("2014-15"))
    assert (a.figure.value, a.figure.source_kind) == (52.0, "document")
    assert a.direction.delta == pytest.approx(-20.0) and a.direction.previous_label == "2013-14"
    # A year later only the DfE publishes: the official series, its direction from the DfE's own 2014-15.
    b = assessor.assess("icpc_within_15_days_pct", "havering", as_of_end("2015-16"))
    assert (b.figure.value, b.figure.source_kind) == (71.0, "official")
    assert b.direction.delta == pytest.approx(71.0 - 62.4) and b.direction.previous_label == "2014-15"


def test_the_drill_panel_says_a_symbol_in_words(national_db):
    view = {"board": "triborough", "area": "kensington_chelsea", "period": "2024-25", "meeting": False}
    panel = pages.drill_panel(view, "cla_long_term_stability_pct", "kensington_chelsea", "2024-25")
    assert panel.value_text == "c: suppressed (fewer than 6)" and panel.status.rag == "none"


def test_the_domain_chart_draws_the_board_document_and_the_official_series_apart(national_db):
    plan = pages.domain_chart_plan({**HAVERING, "period": "2015-16"}, "child_protection")
    chart = next(c for c in plan.charts if c.indicator == "icpc_within_15_days_pct" and c.is_trend)
    names = [t.name for t in chart.figure.data]
    assert "Havering (board document)" in names and "Havering (official statistics)" in names
    doc = next(t for t in chart.figure.data if t.name == "Havering (board document)")
    assert [y for y in doc.y if y is not None] == [72.0, 52.0]
