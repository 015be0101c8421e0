"""The DfE's statistical neighbours, 2021 groupings and 2025 model, keyed by our area codes."""

from __future__ import annotations

import pytest

HAVERING_2021 = [
    ("303", "Very Close"),
    ("887", "Very Close"),
    ("881", "Very Close"),
    ("351", "Very Close"),
    ("886", "Very Close"),
    ("883", "Very Close"),
    ("941", "Very Close"),
    ("866", "Very Close"),
    ("888", "Very Close"),
    ("882", "Very Close"),
]
HAVERING_2025 = [
    ("303", "Extremely close"),
    ("822", "Very close"),
    ("883", "Very close"),
    ("881", "Very close"),
    ("886", "Very close"),
    ("866", "Very close"),
    ("941", "Very close"),
    ("826", "Very close"),
    ("887", "Close"),
    ("938", "Close"),
]


@pytest.fixture(scope="module")
def code_of(snapshot_read):
    return {a.old_la_code: a.code for a in snapshot_read.areas if a.old_la_code}


@pytest.mark.parametrize("model, expected, line", [("2021", HAVERING_2021, 25), ("2025", HAVERING_2025, 55)])
def test_havering_has_its_ten_published_neighbours(snapshot_read, code_of, model, expected, line):
    rows = sorted(
        (n for n in snapshot_read.neighbours if n.area == "havering" and n.model == model), key=lambda n: n.rank
    )
    assert [n.rank for n in rows] == list(range(1, 11))
    assert [(n.neighbour, n.closeness) for n in rows] == [(code_of[d], c) for d, c in expected]
    assert {n.source_line for n in rows} == {line}
    assert code_of["303"] == "bexley" and code_of["941"] == "west_northamptonshire"


def test_every_authority_has_ten_neighbours_per_model(snapshot_read):
    from collections import Counter

    counts = Counter((n.area, n.model) for n in snapshot_read.neighbours)
    assert set(counts.values()) == {10}
    assert sum(1 for _, m in counts if m == "2025") == 153
    # the 2021 file's "Old SNs:" section: authorities abolished in 2019 and 2021
    old = {n.area for n in snapshot_read.neighbours if n.model == "2021" and n.note}
    assert {"poole", "bournemouth", "northamptonshire"} <= old
