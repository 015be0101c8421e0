"""Counts of 1 to 5 never leave the council in the board pack."""

import pytest

from dashboard.rules.suppression import is_suppressed, shown


@pytest.mark.parametrize("value,expected", [(0, "0"), (1, "c"), (5, "c"), (6, "6"), (1234, "1,234")])
def test_counts_from_one_to_five_print_as_c(value, expected):
    assert shown(value, "count") == expected


def test_percentages_rates_and_days_are_not_suppressed():
    assert shown(4, "percent") == "4%"
    assert shown(3, "rate_per_10k") == "3 per 10,000"
    assert not is_suppressed(2, "days")


def test_a_board_can_turn_suppression_off():
    assert shown(3, "count", enabled=False) == "3"
