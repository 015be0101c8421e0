"""Working days in England: Monday to Friday, less the English bank holidays.

Statutory timescales for children's social care are set in working days (Working Together to Safeguard Children:
an assessment within 45 working days of the referral; an initial child protection conference within 15 working
days of the strategy discussion that began the section 47 enquiry). Bank holidays come from the `holidays`
package (United Kingdom, subdivision England), which includes substitute days ("observed") and one-off holidays
such as the coronation bank holiday of 8 May 2023.

Counting rule: the day the clock starts is day 0; the deadline is the n-th working day after it. An event on or
before the deadline is within the timescale. An event on a weekend or bank holiday counts as on that date.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(d: date) -> bool:
    """True on an English bank holiday (including substitute days)."""
    return d in _bank_holidays(d.year)


def is_working_day(d: date) -> bool:
    """Monday to Friday and not an English bank holiday."""
    return d.weekday() < 5 and not is_bank_holiday(d)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself is day 0, whatever day of the week it is)."""
    if n < 0:
        raise ValueError("a timescale in working days cannot be negative")
    d = start
    left = n
    while left:
        d += timedelta(days=1)
        if is_working_day(d):
            left -= 1
    return d


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end is on or before start)."""
    if end <= start:
        return 0
    n = 0
    d = start
    while d < end:
        d += timedelta(days=1)
        if is_working_day(d):
            n += 1
    return n


def within_working_days(start: date, end: date, n: int) -> bool:
    """True when `end` is on or before the n-th working day after `start`."""
    return end <= add_working_days(start, n)
