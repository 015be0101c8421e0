"""A national-size import through the real command line: a million synthetic rows, in bounded memory.

The figures are made up by bench.synthetic (labelled synthetic in the file name, every row's note and the area
names) for 152 synthetic local authorities registered in the throwaway test database only.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from bench import synthetic
from dashboard.reference.registry import DATASET_DIR, registry
from dashboard.services import dataset as services
from data_access import db
from data_access.importer import COLUMNS
from data_access.models import Area, Observation
from data_access.queries import quality_flags
from tests.conftest import ROOT

ROWS = 1_000_000
SEED = 20_150_331
# The peak resident memory of `board-dashboard import` (the import, then the data-quality checks over the whole
# dataset). Python with pandas and SQLAlchemy loaded is about 120 MB before reading a row; the importer streams
# (it holds one frame of 100,000 rows and a 16 MiB SQLite page cache), and the checks hold the million rows with
# their text as categoricals, about 60 MB. Measured at about 300-340 MB on both backends, and 360-410 MB since every
# row also carries its kind of source, its status and whether it is rounded (three more columns in each frame, in
# staging and in the checks). Reading the 105 MB file whole, or loading the dataset for the checks as plain Python
# strings, costs over 600 MB at this size: a board's server (or a laptop running the app beside a browser) would
# notice that long before the import ends.
PEAK_MB = 450
TIME_LIMIT_S = 1200  # a hung import fails the test rather than the whole run


def run_measured(args: list[str], env: dict[str, str], stdout, stderr) -> tuple[int, float, float]:
    """Run a command; return its exit code, its own peak resident memory (MB) and its wall time (s)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    watchdog = threading.Timer(TIME_LIMIT_S, proc.kill)
    watchdog.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not every child's of the test run
    finally:
        watchdog.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024, time.perf_counter() - start  # Linux: ru_maxrss in KiB


@pytest.mark.slow
def test_a_million_rows_import_through_the_command_line_in_bounded_memory(empty_db, tmp_path):
    assert synthetic.register_areas(empty_db.database_url) == synthetic.LOCAL_AUTHORITIES
    data = tmp_path / "observations_synthetic_1m.csv"
    t = time.perf_counter()
    assert synthetic.write_csv(data, ROWS, SEED) == ROWS
    generated = time.perf_counter() - t

    env = {**os.environ, "DATABASE_URL": empty_db.database_url, "INSTANCE_PATH": str(empty_db.instance_path)}
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as so, err.open("w") as se:
        code, peak_mb, seconds = run_measured(
            [sys.executable, "-m", "dashboard", "import", "--quiet", str(data)], env, so, se
        )
    assert code == 0, err.read_text()[-3000:]
    assert f"{ROWS} rows read: {ROWS} added, 0 updated, 0 unchanged" in out.read_text()
    with db.get_engine().connect() as c:
        assert c.execute(select(func.count()).select_from(Observation)).scalar_one() == ROWS
        synthetic_areas = c.execute(
            select(func.count(func.distinct(Observation.area_id)))
            .join(Area, Area.id == Observation.area_id)
            .where(Area.name.like("%(synthetic)"))
        ).scalar_one()
    assert synthetic_areas == synthetic.LOCAL_AUTHORITIES  # spread over every authority, not one corner
    backend = empty_db.database_url.split(":")[0]
    print(
        f"\n{backend}: generated {ROWS:,} rows in {generated:.0f} s; board-dashboard import took {seconds:.0f} s "
        f"({ROWS / seconds:,.0f} rows/s including the data-quality checks), peak memory {peak_mb:.0f} MB"
    )
    assert peak_mb < PEAK_MB, f"the import used {peak_mb:.0f} MB at its peak (bound {PEAK_MB} MB)"


# ------------------------------------------------------------------ the generator itself (fast)


def read(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_synthetic_files_say_so_repeat_with_their_seed_and_never_go_into_the_dataset(tmp_path):
    a, b, c = (tmp_path / f"{name}_synthetic.csv" for name in ("a", "b", "c"))
    assert synthetic.write_csv(a, 5_000, seed=1) == 5_000
    synthetic.write_csv(b, 5_000, seed=1)
    synthetic.write_csv(c, 5_000, seed=2)
    assert a.read_bytes() == b.read_bytes() and a.read_bytes() != c.read_bytes()
    rows = read(a)
    assert list(rows[0]) == COLUMNS and len(rows) == 5_000
    assert {r["note"] for r in rows} == {"synthetic"} and {r["source_document"] for r in rows} == {"synthetic"}
    assert {r["area"] for r in rows} <= set(synthetic.area_codes())
    with pytest.raises(synthetic.SyntheticError, match="must say it is synthetic"):
        synthetic.write_csv(tmp_path / "observations.csv", 10, seed=1)
    inside = DATASET_DIR / "observations" / "observations_synthetic.csv"
    with pytest.raises(synthetic.SyntheticError, match="never goes into the bundled dataset"):
        synthetic.write_csv(inside, 10, seed=1)
    assert not inside.exists()


def test_the_generator_reaches_national_size_and_says_when_asked_for_more():
    assert len(synthetic.periods()) >= 120  # ten years of months, at least
    assert synthetic.capacity() >= 10_000_000
    with pytest.raises(synthetic.SyntheticError, match="pass more years"):
        next(synthetic.generate(synthetic.capacity() + 1, seed=1))


def test_synthetic_rows_cover_the_registry_import_cleanly_and_raise_no_quality_flags(empty_db, tmp_path):
    assert synthetic.register_areas(empty_db.database_url) == synthetic.LOCAL_AUTHORITIES
    assert synthetic.register_areas(empty_db.database_url) == 0  # registering twice adds nothing
    blocks = 12  # whole blocks: every indicator with every breakdown, for 12 area-periods
    path = tmp_path / "observations_synthetic.csv"
    synthetic.write_csv(path, blocks * synthetic.block_size(), seed=3)
    rows = read(path)
    reg = registry()
    assert {r["indicator"] for r in rows} == set(reg.indicators)
    assert {(r["indicator"], r["breakdown_dimension"]) for r in rows if r["breakdown_dimension"]} == {
        (i.code, d) for i in reg.indicators.values() for d in i.breakdowns
    }
    for r in rows:
        v = float(r["value"])
        assert v >= 0 and (r["unit"] != "percent" or v <= 100), r
        if r["numerator"]:
            assert float(r["numerator"]) <= float(r["denominator"]), r
    result = services.import_dataset(path)
    assert (result.added, result.updated) == (len(rows), 0)
    assert quality_flags().empty, quality_flags().head().to_string()
