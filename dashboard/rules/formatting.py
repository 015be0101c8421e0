"""How figures are written for people: one function, used by tiles, tables, charts and the board pack."""

from __future__ import annotations

import math

UNIT_SUFFIX = {"percent": "%", "rate_per_10k": " per 10,000", "days": " days", "weeks": " weeks"}
UNIT_AXIS = {
    "count": "Number",
    "percent": "Percent (%)",
    "rate_per_10k": "Rate per 10,000 children",
    "days": "Days",
    "weeks": "Weeks",
    "ratio": "Ratio",
}


def format_value(v: float | None, unit: str = "count", *, suffix: bool = True) -> str:
    """42 -> '42'; 1234 -> '1,234'; 11.6 percent -> '11.6%'; None -> 'no data'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "no data"
    v = float(v)
    text = f"{int(v):,}" if v.is_integer() else f"{v:,.1f}" if abs(v) >= 10 or unit != "ratio" else f"{v:.2f}"
    if v.is_integer() is False and unit == "count":
        text = f"{v:,.1f}"
    return text + (UNIT_SUFFIX.get(unit, "") if suffix else "")


def format_change(delta: float, unit: str) -> str:
    """+3.0 points / -12 / +1.5 per 10,000."""
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    mag = abs(delta)
    num = f"{int(mag):,}" if float(mag).is_integer() else f"{mag:,.1f}"
    if unit == "percent":
        return f"{sign}{num} pts"
    return f"{sign}{num}{UNIT_SUFFIX.get(unit, '')}"
