"""RAG status, small numbers, direction of travel and comparator gaps: the board's rating rules, pure.

One function per rule, no Dash and no database, so each can be read and tested on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dashboard.rules.formatting import format_change, format_value

RAGS = ("red", "amber", "green", "none")
WORDS = {"red": "Red", "amber": "Amber", "green": "Green", "none": "Not rated"}
# Shapes as well as colours (WCAG 1.4.1): each status has its own symbol.
ICONS = {"red": "\u2716", "amber": "\u25b2", "green": "\u2714", "none": "\u2013"}
# Each colour carries black text at 4.5:1 or more (WCAG 1.4.3) and stands out at 3:1 or more from white and from the
# page's pale grey, as the edge of a tile, a bar or a cell of the PDF (WCAG 1.4.11). Red and green are Okabe-Ito's
# vermillion and bluish green; Okabe-Ito's orange (#E69F00) is only 2.3:1 on white, so amber is a darker ochre, and
# "not rated" a mid grey rather than a pale one. The status is never told by colour alone: a word and a symbol too.
COLOURS = {"red": "#D55E00", "amber": "#A87D00", "green": "#009E73", "none": "#878787"}
STATUS_TEXT = "#000000"  # the text drawn on a status colour, on screen and in the board pack
DEFAULT_SMALL_NUMBER_THRESHOLD = 20


@dataclass(frozen=True)
class Rule:
    """How an indicator is rated (see the registry for the kinds)."""

    kind: str  # target | comparator | range | none
    target: float | None = None
    tolerance: float | None = None
    range_low: float | None = None
    range_high: float | None = None
    comparator: str | None = None
    provenance: str = ""


@dataclass(frozen=True)
class Status:
    rag: str  # red | amber | green | none
    reason: str = ""  # why not rated, or what the rating was judged against

    @property
    def word(self) -> str:
        return WORDS[self.rag]

    @property
    def icon(self) -> str:
        return ICONS[self.rag]

    @property
    def label(self) -> str:
        """'Red' or 'Not rated: small numbers'."""
        return f"{self.word}: {self.reason}" if self.rag == "none" and self.reason else self.word

    @property
    def off_target(self) -> bool:
        return self.rag in ("red", "amber")


def is_small_number(unit: str, denominator: float | None, threshold: int = DEFAULT_SMALL_NUMBER_THRESHOLD) -> bool:
    """A percentage resting on fewer cases than the threshold: one child moves it by several points."""
    return unit == "percent" and denominator is not None and not _nan(denominator) and denominator < threshold


def rate(
    value: float | None,
    *,
    unit: str,
    polarity: str,
    rule: Rule | None,
    comparator_value: float | None = None,
    denominator: float | None = None,
    small_number_threshold: int = DEFAULT_SMALL_NUMBER_THRESHOLD,
) -> Status:
    """The RAG status of one figure under its indicator's rule."""
    if value is None or _nan(value):
        return Status("none", "no data")
    if rule is None or rule.kind == "none":
        return Status("none", "no target")
    if is_small_number(unit, denominator, small_number_threshold):
        return Status("none", f"small numbers ({format_value(denominator)} cases)")
    if rule.kind == "range":
        inside = rule.range_low <= value <= rule.range_high
        return Status(
            "green" if inside else "amber",
            f"expected {format_value(rule.range_low, unit)} to {format_value(rule.range_high, unit)}",
        )
    if rule.kind == "target":
        target, against = rule.target, "target"
    elif rule.kind == "comparator":
        name = comparator_name(rule.comparator)
        if comparator_value is None or _nan(comparator_value):
            return Status("none", f"no {name} figure for this period")
        target, against = comparator_value, name
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r}")
    tol = rule.tolerance or 0.0
    if polarity == "higher_is_better":
        rag = "green" if value >= target else "amber" if value >= target - tol else "red"
    elif polarity == "lower_is_better":
        rag = "green" if value <= target else "amber" if value <= target + tol else "red"
    else:
        return Status("none", "neutral measure")
    return Status(rag, f"{against} {format_value(target, unit)}")


@dataclass(frozen=True)
class Direction:
    kind: str  # improving | declining | no_change | up | down | none
    delta: float | None = None
    previous_label: str = ""
    unit: str = "count"

    WORDS = {
        "improving": "Improving",
        "declining": "Declining",
        "no_change": "No change",
        "up": "Up",
        "down": "Down",
        "none": "No earlier figure",
    }
    ARROWS = {
        "improving": "\u2197",
        "declining": "\u2198",
        "no_change": "\u2192",
        "up": "\u2191",
        "down": "\u2193",
        "none": "",
    }

    @property
    def word(self) -> str:
        return self.WORDS[self.kind]

    @property
    def arrow(self) -> str:
        return self.ARROWS[self.kind]

    @property
    def text(self) -> str:
        """'Improving: -3.0 pts since 2013-14'."""
        if self.kind == "none" or self.delta is None:
            return self.word
        if self.kind == "no_change":
            return f"No change since {self.previous_label}"
        return f"{self.word}: {format_change(self.delta, self.unit)} since {self.previous_label}"


def direction(
    current: float | None,
    previous: float | None,
    *,
    polarity: str,
    unit: str = "count",
    previous_label: str = "",
    tolerance: float = 1e-9,
) -> Direction:
    """Direction of travel against the previous comparable period. Neutral measures say up or down, not
    better or worse."""
    if current is None or previous is None or _nan(current) or _nan(previous):
        return Direction("none", unit=unit)
    delta = current - previous
    if abs(delta) <= tolerance:
        return Direction("no_change", 0.0, previous_label, unit)
    if polarity == "neutral":
        return Direction("up" if delta > 0 else "down", delta, previous_label, unit)
    better = delta > 0 if polarity == "higher_is_better" else delta < 0
    return Direction("improving" if better else "declining", delta, previous_label, unit)


@dataclass(frozen=True)
class Gap:
    comparator: str
    comparator_value: float
    gap: float  # value - comparator_value
    better: bool | None  # None for neutral measures or no difference


def comparator_gap(value: float, comparator: str, comparator_value: float, polarity: str) -> Gap:
    """How far a figure sits from a comparator, and whether that is the better side."""
    gap = value - comparator_value
    if polarity == "neutral" or abs(gap) < 1e-9:
        better = None
    else:
        better = gap > 0 if polarity == "higher_is_better" else gap < 0
    return Gap(comparator, comparator_value, gap, better)


def wilson_interval(numerator: float, denominator: float, z: float = 1.96) -> tuple[float, float] | None:
    """The 95% Wilson score interval of a proportion, in percent; None when it cannot be computed."""
    if denominator is None or numerator is None or _nan(denominator) or _nan(numerator) or denominator <= 0:
        return None
    if numerator < 0 or numerator > denominator:
        return None
    n = denominator
    p = numerator / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half))


def off_target_since(statuses: list[tuple[str, Status]]) -> str | None:
    """Given (period label, status) oldest first, the first period of the current unbroken run off target."""
    since = None
    for label, status in statuses:
        if status.off_target:
            since = since or label
        else:
            since = None
    return since


def comparator_name(code: str | None) -> str:
    """'england' -> 'England'; 'havering_statistical_neighbours' -> 'statistical neighbours'."""
    if not code:
        return "comparator"
    if code.endswith("_statistical_neighbours"):
        return "statistical neighbours"
    return code.replace("_", " ").title()


def _nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour written #rgb or #rrggbb."""
    h = hex_colour.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    if len(h) != 6:
        raise ValueError(f"not a #rrggbb colour: {hex_colour!r}")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
