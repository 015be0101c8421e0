"""Small-count suppression for anything that leaves the council (the board pack): the official statistics
convention prints counts of 1 to 5 as "c"."""

from __future__ import annotations

from dashboard.rules.formatting import format_value

SUPPRESSED = "c"
LOW, HIGH = 1, 5
NOTE = (
    "c: a count of 1 to 5, suppressed so that no child can be identified (the official statistics "
    "convention). Zero is shown as 0."
)


def is_suppressed(value: float | None, unit: str, enabled: bool = True) -> bool:
    """Counts from 1 to 5 are suppressed; percentages, rates, zero and large counts are not."""
    return enabled and unit == "count" and value is not None and LOW <= value <= HIGH


def shown(value: float | None, unit: str, enabled: bool = True) -> str:
    """The value as the pack prints it."""
    return SUPPRESSED if is_suppressed(value, unit, enabled) else format_value(value, unit)
