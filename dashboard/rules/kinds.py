"""Figures of different kinds, symbols in place of figures, and the statistical-neighbour median: pure rules.

A figure is official statistics, from a board document, computed from the council's returns, or a partner's
return. Two kinds measure the same thing in different ways (a board paper's count may be taken on another day
than the DfE's census), so a tile, a trend line, a direction of travel or a drafted question never joins two
kinds: each uses one series of one kind.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# On a tie for the most recent figure the board's own figures come first: they are what the board asked for and
# what its papers quote; the official series is there for comparison and for the years the board has no figure.
KIND_PREFERENCE = ("returns", "partner", "document", "official")

KIND_WORDS = {
    "official": "official statistics",
    "document": "board document",
    "returns": "computed from returns",
    "partner": "partner's return",
}

# The DfE's symbols, in words wherever the figure would be (the letter kept: it is what the published table shows).
VALUE_STATUS_WORDS = {
    "suppressed": "c: suppressed (fewer than 6)",
    "not_available": "x: not available",
    "not_applicable": "z: not applicable",
    "fewer_than_half": "k: fewer than 0.5",
    "low_reliability": "u: low reliability",
}


def kind_words(kind: str | None) -> str:
    """'official' -> 'official statistics'; an unknown or missing kind reads as a board document (the kind every
    figure had before kinds were recorded)."""
    return KIND_WORDS.get(kind or "document", kind or "board document")


def value_status_words(status: str | None) -> str:
    """What a symbol in place of a figure means, in words: 'c: suppressed (fewer than 6)'."""
    if not status:
        return ""
    return VALUE_STATUS_WORDS.get(status, status.replace("_", " "))


def choose_kind(latest_by_kind: dict[str, tuple[date, int]]) -> str | None:
    """Which kind's series a tile shows: the kind whose latest figure (end date, then period length) is most recent;
    on a tie the board's own figures (returns, partner, document) before official. None when there is none."""
    if not latest_by_kind:
        return None

    def rank(kind: str) -> int:
        return KIND_PREFERENCE.index(kind) if kind in KIND_PREFERENCE else len(KIND_PREFERENCE)

    return max(latest_by_kind, key=lambda k: (latest_by_kind[k], -rank(k)))


def neighbour_model(end: date) -> str:
    """Which DfE statistical-neighbour model a period is compared with: the 2025 model for periods ending in 2025
    or later (2024-25 onwards, when the DfE published it), else the 2021 groupings the DfE used for those years."""
    return "2025" if end.year >= 2025 else "2021"


@dataclass(frozen=True)
class NeighbourMedian:
    """The statistical-neighbour comparator: the median of the neighbours' figures, and how many had one."""

    value: float | None  # None when not computed
    with_figure: int
    of: int
    model: str = ""

    @property
    def computed(self) -> bool:
        return self.value is not None

    @property
    def text(self) -> str:
        """'median of 9 of 10 neighbours (2025 model)' or why there is none."""
        model = f" ({self.model} model)" if self.model else ""
        if self.computed:
            return f"median of {self.with_figure} of {self.of} neighbours{model}"
        return f"not computed: {self.with_figure} of {self.of} neighbours have a figure{model}"


def neighbour_median(values: Sequence[float | None], *, model: str = "") -> NeighbourMedian:
    """The median of an authority's statistical neighbours' figures for one period.

    `values` holds one entry per neighbour in the model (ten for the DfE's), None where the neighbour has no
    figure (none published, or a symbol such as `c`). The median, not the mean, so that one outlying neighbour
    does not move the comparator; with an even number of figures it is the mean of the middle two, as the DfE's
    own benchmarking tools do. With figures from fewer than half the neighbours it is not computed: a median of
    two or three authorities would not stand for the group."""
    present = [float(v) for v in values if v is not None and v == v]  # v == v drops NaN
    if not values or 2 * len(present) < len(values):
        return NeighbourMedian(None, len(present), len(values), model)
    return NeighbourMedian(statistics.median(present), len(present), len(values), model)
