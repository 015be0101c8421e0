"""The rating rules a board relies on: polarity, bands, small numbers, missing data, direction of travel, and
how a rule and the gap to it are put in words."""

import math
from datetime import date

import pytest

from dashboard.rules.rag import (
    Direction,
    Rule,
    Status,
    comparator_gap,
    direction,
    off_target_since,
    rate,
    wilson_interval,
)
from dashboard.rules.scorecard import Assessment, Comparison, Figure, gap_text, rule_explanation

TARGET_85 = Rule("target", target=85, tolerance=5)
TARGET_10_LOWER = Rule("target", target=10, tolerance=2)


@pytest.mark.parametrize("value,rag", [(90, "green"), (85, "green"), (84.9, "amber"), (80, "amber"), (79.9, "red")])
def test_higher_is_better_against_a_target_with_tolerance(value, rag):
    assert rate(value, unit="percent", polarity="higher_is_better", rule=TARGET_85).rag == rag


@pytest.mark.parametrize("value,rag", [(9, "green"), (10, "green"), (11.6, "amber"), (12, "amber"), (12.1, "red")])
def test_lower_is_better_against_a_target_with_tolerance(value, rag):
    assert rate(value, unit="percent", polarity="lower_is_better", rule=TARGET_10_LOWER).rag == rag


def test_the_status_says_what_it_was_judged_against():
    s = rate(80, unit="percent", polarity="higher_is_better", rule=TARGET_85)
    assert (s.word, s.reason, s.icon) == ("Amber", "target 85%", "\u25b2")


def test_comparator_rule_uses_the_comparator_figure_and_is_not_rated_without_it():
    rule = Rule("comparator", tolerance=2, comparator="england")
    assert rate(15, unit="percent", polarity="lower_is_better", rule=rule, comparator_value=16.6).rag == "green"
    assert rate(18, unit="percent", polarity="lower_is_better", rule=rule, comparator_value=16.6).rag == "amber"
    assert rate(19, unit="percent", polarity="lower_is_better", rule=rule, comparator_value=16.6).rag == "red"
    s = rate(19, unit="percent", polarity="lower_is_better", rule=rule)
    assert s.rag == "none" and s.reason == "no England figure for this period"


def test_small_numbers_are_not_rated_rather_than_red():
    s = rate(57, unit="percent", polarity="higher_is_better", rule=TARGET_85, denominator=7)
    assert s.rag == "none" and s.label == "Not rated: small numbers (7 cases)"
    assert rate(57, unit="percent", polarity="higher_is_better", rule=TARGET_85, denominator=20).rag == "red"
    assert (
        rate(
            57, unit="percent", polarity="higher_is_better", rule=TARGET_85, denominator=7, small_number_threshold=5
        ).rag
        == "red"
    )


def test_missing_data_and_missing_rules_are_not_rated_with_the_reason():
    assert rate(None, unit="count", polarity="neutral", rule=TARGET_85).label == "Not rated: no data"
    assert rate(float("nan"), unit="count", polarity="neutral", rule=None).reason == "no data"
    assert rate(5, unit="count", polarity="neutral", rule=Rule("none")).label == "Not rated: no target"


def test_neutral_measures_are_rated_only_against_an_expected_range_and_never_red():
    rule = Rule("range", range_low=6000, range_high=8000)
    assert rate(7000, unit="count", polarity="neutral", rule=rule).rag == "green"
    assert rate(9000, unit="count", polarity="neutral", rule=rule).rag == "amber"
    assert rate(100, unit="count", polarity="neutral", rule=rule).rag == "amber"


def test_direction_of_travel_uses_polarity():
    d = direction(14.1, 5.9, polarity="lower_is_better", unit="percent", previous_label="2012-13")
    assert d.kind == "declining" and d.text == "Declining: +8.2 pts since 2012-13"
    assert direction(95, 91, polarity="higher_is_better").kind == "improving"
    assert direction(3, 3, polarity="higher_is_better").kind == "no_change"
    assert direction(3, None, polarity="higher_is_better").text == "No earlier figure"


def test_neutral_measures_show_change_without_judging_it():
    d = direction(6984, 7410, polarity="neutral", previous_label="2013-14")
    assert d.kind == "down" and d.word == "Down" and d.text == "Down: -426 since 2013-14"


def test_comparator_gap_says_which_side_is_better():
    g = comparator_gap(14.1, "england", 10, "lower_is_better")
    assert math.isclose(g.gap, 4.1) and g.better is False
    assert comparator_gap(95, "england", 90, "higher_is_better").better is True
    assert comparator_gap(95, "england", 90, "neutral").better is None


def test_wilson_interval_is_wide_for_small_numbers_and_tight_for_large():
    lo, hi = wilson_interval(4, 7)
    assert 25 < lo < 25.1 and 84.1 < hi < 84.2  # 57% of 7 could be anything from a quarter to most
    lo, hi = wilson_interval(545, 654)
    assert 80.2 < lo < 80.3 and 85.9 < hi < 86.0
    assert wilson_interval(0, 0) is None and wilson_interval(5, 3) is None
    lo, hi = wilson_interval(0, 10)
    assert lo == 0 and hi < 31


def test_off_target_since_finds_the_start_of_the_current_run():
    red, green = Status("red"), Status("green")
    assert off_target_since([("2012-13", red), ("2013-14", green), ("2014-15", red), ("2015-16", red)]) == "2014-15"
    assert off_target_since([("2014-15", red), ("2015-16", green)]) is None


# --- how a rule is explained, and how far a figure is from it ----------------------------------------------------


def test_a_target_is_explained_with_where_amber_ends():
    assert (
        rule_explanation(TARGET_85, "percent", "higher_is_better") == "Target: at least 85%; amber to 80%, red beyond"
    )
    assert (
        rule_explanation(TARGET_10_LOWER, "percent", "lower_is_better")
        == "Target: at most 10%; amber to 12%, red beyond"
    )


def test_a_comparator_and_an_unrated_measure_are_explained_in_words():
    rule = Rule("comparator", tolerance=2, comparator="england")
    assert rule_explanation(rule, "percent", "higher_is_better") == "Compared with England; amber within 2%"
    assert rule_explanation(None, "count", "neutral") == "Not rated"


def _assessed(value: float, rule: Rule | None, comparisons=()) -> Assessment:
    ind = {"code": "x", "title": "X", "unit": "percent", "polarity": "higher_is_better", "domain": "front_door"}
    fig = Figure(value, "2014-15", "2014-15", "financial_year", date(2015, 3, 31))
    return Assessment(ind, "havering", fig, Status("red"), Direction("none"), rule, "", list(comparisons))


def test_the_gap_is_to_the_target_or_to_the_rules_comparator_and_nothing_without_a_rule():
    assert gap_text(_assessed(78.0, TARGET_85)) == "-7 pts"
    england = Comparison("england", "England", 82.0, "2014-15", "-4.0 pts", False)
    london = Comparison("london", "London", 80.0, "2014-15", "-2.0 pts", False)
    rule = Rule("comparator", tolerance=2, comparator="england")
    assert gap_text(_assessed(78.0, rule, [london, england])) == "-4.0 pts"
    assert gap_text(_assessed(78.0, None)) == ""
