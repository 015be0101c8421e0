"""The bundled dataset is truthful: every row is well-formed and its value is printed on the line it cites."""

from __future__ import annotations

import csv
import math
import os
import re
from pathlib import Path

import pytest
import yaml

from data_access.periods import PeriodError, parse_period

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "dashboard" / "dataset"
COLUMNS = [
    "indicator",
    "area",
    "period",
    "breakdown_dimension",
    "breakdown_value",
    "value",
    "numerator",
    "denominator",
    "unit",
    "source_document",
    "source_line",
    "note",
]
NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.])\d+(?:\.\d+)?")
WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def seeds_dir() -> Path | None:
    d = Path(os.environ.get("SEEDS_DIR", ROOT.parent / "shared" / "seeds"))
    return d if d.is_dir() else None


def numbers_on(line: str) -> list[float]:
    found = [float(m.replace(",", "")) for m in NUMBER.findall(line)]
    found += [float(WORDS[w]) for w in re.findall(r"[a-z]+", line.lower()) if w in WORDS]
    return found


def printed(value: float, line: str) -> bool:
    return any(math.isclose(value, n, abs_tol=1e-6) for n in numbers_on(line))


def rows():
    for path in sorted((DATASET / "observations").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for i, row in enumerate(csv.DictReader(f), start=2):
                yield path.name, i, row


def test_every_file_has_the_export_columns_first():
    files = sorted((DATASET / "observations").glob("*.csv"))
    assert files, "no bundled observations"
    for path in files:
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert header[: len(COLUMNS)] == COLUMNS, path.name


def test_every_row_is_well_formed():
    registry = yaml.safe_load((DATASET / "indicators.yaml").read_text())
    indicators = {i["code"]: i for i in registry["indicators"]}
    areas = {a["code"] for a in yaml.safe_load((DATASET / "areas.yaml").read_text())["areas"]}
    problems, keys = [], {}
    for name, i, r in rows():
        where = f"{name}:{i}"
        ind = indicators.get(r["indicator"])
        if ind is None:
            problems.append(f"{where} unknown indicator {r['indicator']!r}")
            continue
        if r["area"] not in areas:
            problems.append(f"{where} unknown area {r['area']!r}")
        try:
            parse_period(r["period"])
        except PeriodError as e:
            problems.append(f"{where} {e}")
        dim = r["breakdown_dimension"]
        if dim and dim not in ind["breakdowns"]:
            problems.append(f"{where} {r['indicator']} has no breakdown {dim!r}")
        if bool(dim) != bool(r["breakdown_value"]):
            problems.append(f"{where} breakdown dimension and value go together")
        if r["unit"] != ind["unit"]:
            problems.append(f"{where} unit {r['unit']!r} but {r['indicator']} is {ind['unit']!r}")
        try:
            v = float(r["value"])
        except ValueError:
            problems.append(f"{where} value {r['value']!r} is not a number")
            continue
        if ind["unit"] == "percent" and not 0 <= v <= 100:
            problems.append(f"{where} percent {v} outside 0-100")
        if r["numerator"] and r["denominator"] and float(r["numerator"]) > float(r["denominator"]):
            problems.append(f"{where} numerator greater than denominator")
        if not r["source_line"].isdigit():
            problems.append(f"{where} source_line {r['source_line']!r} is not a line number")
        # Unique within a file (an import rejects repeats); across documents a later one may restate a figure.
        key = (name, r["indicator"], r["area"], r["period"], dim, r["breakdown_value"])
        if key in keys:
            problems.append(f"{where} repeats the key of {keys[key]}")
        keys[key] = where
    assert not problems, "\n".join(problems[:50])


def test_every_value_is_printed_on_its_cited_line():
    seeds = seeds_dir()
    if seeds is None:
        if os.environ.get("CI"):
            pytest.fail("the source documents (shared/seeds beside the checkout) are missing")
        pytest.skip("source documents not found beside the checkout; set SEEDS_DIR")
    cache: dict[str, list[str]] = {}
    problems = []
    for name, i, r in rows():
        doc = r["source_document"]
        if doc not in cache:
            p = seeds / doc
            if not p.is_file():
                problems.append(f"{name}:{i} cites {doc!r}, which is not a source document")
                cache[doc] = []
                continue
            cache[doc] = p.read_text(encoding="utf-8", errors="replace").splitlines()
        lines = cache[doc]
        n = int(r["source_line"]) if r["source_line"].isdigit() else 0
        if not 1 <= n <= len(lines):
            problems.append(f"{name}:{i} line {n} is outside {doc}")
            continue
        if r.get("derived") == "yes":
            # A derived value names its inputs; they must be printed near the cited line.
            window = " ".join(lines[max(0, n - 16) : n + 15])
            inputs = [x for x in (r["numerator"], r["denominator"]) if x]
            if not inputs or not r["note"]:
                problems.append(f"{name}:{i} derived value without its inputs (numerator, denominator, note)")
            for x in inputs:
                if not printed(float(x), window):
                    problems.append(f"{name}:{i} input {x} not printed near {doc}:{n}")
            continue
        if not printed(float(r["value"]), lines[n - 1]):
            problems.append(f"{name}:{i} value {r['value']} is not on {doc}:{n}: {lines[n - 1][:120]!r}")
    assert not problems, "\n".join(problems[:80])
