"""The period rules every page shares: financial years and what a view's period covers."""

from datetime import date

import pandas as pd

from dashboard.rules.periods import as_of_end, financial_year_of, financial_years, start_of_financial_year, up_to


def test_a_date_in_january_to_march_belongs_to_the_year_that_began_the_april_before():
    assert financial_year_of(date(2018, 3, 31)).code == "2017-18"
    assert financial_year_of(date(2018, 4, 1)).code == "2018-19"
    assert start_of_financial_year(date(2019, 2, 1)) == date(2018, 4, 1)


def test_financial_years_are_distinct_and_newest_first():
    years = financial_years([date(2015, 3, 31), date(2016, 9, 30), date(2014, 6, 1), date(2015, 1, 1)])
    assert [y.code for y in years] == ["2016-17", "2014-15"]


def test_a_view_of_a_year_shows_only_figures_ending_by_its_end_and_latest_shows_all():
    rows = pd.DataFrame({"end_date": [date(2015, 3, 31), date(2016, 3, 31), date(2017, 3, 31)], "v": [1, 2, 3]})
    assert as_of_end("latest") is None
    assert list(up_to(rows, as_of_end("2015-16"))["v"]) == [1, 2]
    assert list(up_to(rows, None)["v"]) == [1, 2, 3]
