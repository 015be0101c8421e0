"""Fixtures for the official-statistics tests: the real excerpts, read once."""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import pytest

from dashboard.official.files import read_text
from dashboard.official.reader import OfficialRead, read_official

EXCERPTS = Path(__file__).resolve().parents[2] / "fixtures" / "official" / "excerpts"


@pytest.fixture(scope="session")
def excerpts() -> Path:
    return EXCERPTS


@pytest.fixture(scope="session")
def excerpt_read() -> OfficialRead:
    return read_official(EXCERPTS)


@pytest.fixture(scope="session")
def snapshot_read() -> OfficialRead:
    return read_official()


@functools.cache
def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(read_text(path))))


def cells(path: Path, line: int) -> dict[str, str]:
    """The cells of one 1-based line of a CSV file (no quoted line breaks in these files), by header name."""
    rows = _rows(path)
    return dict(zip(rows[0], rows[line - 1], strict=True))
