"""The benchmark's own arithmetic and choices: percentiles, verdicts, the spread of drill clicks, and that it
never uses the board's database for its data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import _derive, _targets, parse_args, table
from bench.browser import _choose_points, _share
from bench.common import BenchDatabases, percentile


def test_percentiles_interpolate_between_ranks_like_numpy():
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(samples, 50) == 3.0
    assert percentile(samples, 95) == pytest.approx(4.8)
    assert percentile(samples, 0) == 1.0 and percentile(samples, 100) == 5.0
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_the_ratios_are_taken_from_the_measured_p95s():
    results = {
        "callback_ms_p95": 12.0,
        "floor_callback_ms_p95": 8.0,
        "concurrent_p95_ms": 30.0,
        "scale": [{"rows": 10_000_000, "query_ms_p95": 9.0}, {"rows": 10_000, "query_ms_p95": 6.0}],
    }
    _derive(results)
    assert results["callback_ratio_p95"] == 1.5
    assert results["concurrency_ratio_p95"] == 2.5
    assert results["scale_ratio"] == 1.5  # the largest table's p95 over the smallest table's
    assert results["scale_ratio_rows"] == [10_000, 10_000_000]


def test_the_load_ratio_is_the_users_p95_with_packs_over_without():
    results = {"load_p95_ms_with_packs": 300.0, "load_p95_ms_without_packs": 200.0}
    _derive(results)
    assert results["load_ratio_p95"] == 1.5
    verdicts = {t["name"]: t["met"] for t in _targets(results)}
    assert verdicts["load_ratio_p95"] is True and verdicts["pack_seconds"] is None


def test_each_target_is_a_pass_a_miss_or_not_measured():
    results = {
        "callback_ratio_p95": 1.5,
        "concurrency_ratio_p95": 2.01,
        "concurrent_errors": 0,
        "import_rows_per_s": 49_999,
    }
    verdicts = {t["name"]: t["met"] for t in _targets(results)}
    assert verdicts == {
        "callback_ratio_p95": True,
        "concurrency_ratio_p95": False,
        "concurrent_errors": True,
        "scale_ratio": None,
        "import_rows_per_s": False,
        "pack_seconds": None,
        "load_ratio_p95": None,
    }
    results["targets"] = _targets(results)
    printed = table(results)
    lines = {line.split()[0]: line for line in printed.splitlines() if line.strip()}
    assert lines["callback_ratio_p95"].endswith("PASS")
    assert lines["concurrency_ratio_p95"].endswith("MISS")
    assert lines["import_rows_per_s"].endswith("MISS")
    assert lines["scale_ratio"].endswith("-")


def test_quick_and_full_runs_measure_the_sizes_the_issue_names():
    quick, full = parse_args(["--quick"]), parse_args([])
    assert quick.scale == (10_000, 1_000_000) and quick.seconds == 20
    assert full.scale == (10_000, 1_000_000, 10_000_000) and full.seconds == 60
    assert full.users == 30 and full.calls == 200 and full.loads == 5 and full.clicks == 30
    assert full.import_rows == 1_000_000
    with pytest.raises(SystemExit):
        parse_args(["--skip", "everything"])


def test_drill_clicks_are_different_points_spread_over_every_chart():
    points = [
        {"graph": g, "custom": [f"ind{g}", "havering", f"p{i}"], "trace": "Havering"}
        for g in range(3)
        for i in range(10)
    ]
    points += points[:5]  # the same point drawn twice (two traces) is one point
    chosen = _choose_points(points, 9, seed=1)
    assert len({tuple(p["custom"]) for p in chosen}) == 9
    assert sorted(p["graph"] for p in chosen) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert _choose_points(points, 9, seed=1) == chosen  # seeded: the same clicks every run
    assert len(_choose_points(points, 100, seed=1)) == 30  # never more than there are


def test_clicks_are_shared_between_views_and_what_one_lacks_goes_to_the_other():
    assert _share(30, {"a": 25, "b": 40}) == {"a": 15, "b": 15}
    assert _share(30, {"a": 10, "b": 40}) == {"a": 10, "b": 20}
    assert _share(30, {"a": 5, "b": 6}) == {"a": 5, "b": 6}


def test_benchmark_databases_are_new_ones_beside_the_configured_database(tmp_path: Path):
    dbs = BenchDatabases("postgresql://bench@db.example:5432/board", tmp_path)
    assert dbs.kind == "postgresql"
    assert dbs.url("bench_scale_10000").endswith("/bench_scale_10000")
    with pytest.raises(SystemExit, match="refusing"):
        dbs.url("board")  # the board's own database is never a benchmark database
    sqlite = BenchDatabases(None, tmp_path)
    assert sqlite.url("bench_app") == f"sqlite:///{tmp_path / 'bench_app.db'}"
    with pytest.raises(SystemExit, match="PostgreSQL"):
        BenchDatabases("mysql://x@y/z", tmp_path)
