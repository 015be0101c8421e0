"""`python -m bench` run end to end, small: a real gunicorn server, real Chromium, real callbacks, real scale
databases on SQLite. What a developer running `make bench` relies on: every number is there, the table says
PASS or MISS for each target, and the JSON says nothing about the machine's folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_a_small_benchmark_run_reports_every_number_and_target(tmp_path: Path):
    out = tmp_path / "results" / "small.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale-rows",
            "1000,3000",
            "--import-rows",
            "3000",
            "--seconds",
            "3",
            "--users",
            "3",
            "--calls",
            "10",
            "--loads",
            "1",
            "--clicks",
            "4",
            "--skip",
            "pack",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(out.read_text())
    for key in (
        "overview_ms_median",
        "drill_ms_p50",
        "drill_ms_p95",
        "callback_ms_p95",
        "floor_callback_ms_p95",
        "callback_ratio_p95",
        "concurrent_p95_ms",
        "concurrency_ratio_p95",
        "scale_ratio",
        "import_rows_per_s",
    ):
        assert isinstance(r[key], int | float) and r[key] > 0, key
    assert r["scorecard_tiles"] > 10 and r["drill_clicks"] == 4 and r["drill_missed_clicks"] == 0
    assert r["concurrent_users"] == 3 and r["concurrent_errors"] == 0 and r["callback_errors"] == 0
    assert [e["rows"] for e in r["scale"]] == [1000, 3000]
    assert r["import_rows"] == 3000
    assert r["machine"]["cores"] >= 1 and r["libraries"]["dash"] and r["database"]["kind"] == "sqlite"
    assert r["date"] and "errors" not in r
    assert [t["name"] for t in r["targets"]] == [
        "callback_ratio_p95",
        "concurrency_ratio_p95",
        "concurrent_errors",
        "scale_ratio",
        "import_rows_per_s",
        "pack_seconds",
        "load_ratio_p95",
    ]
    table = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    for t in r["targets"]:
        assert table[t["name"]].rstrip().endswith("PASS" if t["met"] else "MISS")
    assert str(tmp_path) not in out.read_text() and "/tmp" not in out.read_text()
