"""The rules for figures of several kinds: which series a tile shows, symbols in words, the neighbour median."""

from datetime import date

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
    assert choose_kind({"official": (date(2018, 3, 31), 364), "returns": (date(2018, 3, 31), 364),
                        "partner": (date(2018, 3, 31), 364)}) == "returns"
    assert choose_kind({}) is None


def test_symbols_in_words():
    assert value_status_words("suppressed") == "c: suppressed (fewer than 6)"
    assert value_status_words("not_available") == "x: not available"
    assert value_status_words(None) == ""
