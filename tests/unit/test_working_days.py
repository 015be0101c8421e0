"""Working days in England: weekends and English bank holidays do not count towards statutory timescales."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.returns.working_days import (
    add_working_days,
    is_working_day,
    within_working_days,
    working_days_between,
)


def test_fifteen_working_days_from_the_monday_before_easter_2023_skip_good_friday_and_easter_monday():
    # Mon 3 April 2023: Good Friday (7th) and Easter Monday (10th) push the deadline two days later.
    assert add_working_days(date(2023, 4, 3), 15) == date(2023, 4, 26)
    assert within_working_days(date(2023, 4, 3), date(2023, 4, 26), 15)
    assert not within_working_days(date(2023, 4, 3), date(2023, 4, 27), 15)


def test_substitute_and_one_off_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2022, 12, 27))  # Christmas Day fell on a Sunday: substitute on Tuesday
    assert not is_working_day(date(2023, 5, 8))  # the coronation bank holiday
    assert not is_working_day(date(2024, 8, 26))  # the English late summer bank holiday
    assert is_working_day(date(2024, 8, 5))  # Scotland's summer bank holiday is not England's


def test_a_clock_started_at_the_weekend_counts_from_the_next_working_day():
    assert add_working_days(date(2023, 6, 3), 1) == date(2023, 6, 5)  # Saturday -> Monday
    assert add_working_days(date(2023, 6, 5), 0) == date(2023, 6, 5)
    assert working_days_between(date(2023, 6, 5), date(2023, 6, 12)) == 5


def test_a_negative_timescale_is_refused():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2023, 6, 5), -1)


@given(st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 70))
def test_the_deadline_is_exactly_n_working_days_on_and_the_next_working_day_is_late(start, n):
    deadline = add_working_days(start, n)
    assert working_days_between(start, deadline) == n
    assert within_working_days(start, deadline, n)
    later = deadline + timedelta(days=1)
    while not is_working_day(later):
        later += timedelta(days=1)
    assert not within_working_days(start, later, n)
    assert n == 0 or is_working_day(deadline)
