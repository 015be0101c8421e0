"""The dashboard's queries over a national-size observation table, and the import rate.

Each scale database is thrown away afterwards. It holds the indicator registry, the board's bundled figures
and `rows` synthetic figures for the 152 synthetic local authorities (bench/synthetic.py: labelled synthetic
in the file name, source, note and area names). The board's own figures are there so that the dashboard's
queries can be asked exactly as the dashboard asks them for a board, on a table that also holds a nation's
worth of other figures; the synthetic authorities are asked about too.

Queries are timed without the data cache (`func.uncached`): what a cache miss costs, the worst case a person
sees.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from bench import synthetic
from bench.common import VENV_BIN, BenchDatabases, child_env, percentile, say, summary

SEED = 7
SCORECARD_REPEATS = 15
DRILL_POINTS = 30
DRILL_REPEATS = 2
# Progress bars redraw often on a terminal, seldom into a log file.
BAR_INTERVAL = 0.1 if sys.stderr.isatty() else 15.0
BOARD_AREAS = 3  # a synthetic "board": three neighbouring authorities, like a tri-borough partnership


def csv_path(workdir: Path, rows: int, seed: int = SEED) -> Path:
    return workdir / f"observations_{synthetic.LABEL}_{rows}_seed{seed}.csv"


def generate(workdir: Path, rows: int, seed: int = SEED) -> Path:
    """The synthetic CSV for `rows` (kept in the work folder: a later run with the same folder reuses it)."""
    from tqdm import tqdm

    path = csv_path(workdir, rows, seed)
    done = path.with_suffix(".complete")
    if path.exists() and done.exists():
        say(f"    reusing {path.name}")
        return path
    with tqdm(
        total=rows,
        unit=" rows",
        unit_scale=True,
        desc=f"    generating {rows:,} rows",
        file=sys.stderr,
        leave=False,
        mininterval=BAR_INTERVAL,
    ) as bar:
        synthetic.write_csv(path, rows, seed, progress=bar.update)
    done.write_text(f"{rows} {seed}\n")
    return path


@dataclass
class ScaleDatabase:
    name: str
    url: str
    rows: int
    total_rows: int = 0
    load_seconds: float = 0.0


def prepare(dbs: BenchDatabases, rows: int, workdir: Path, name: str | None = None) -> ScaleDatabase:
    """A new scale database: the schema, the registry, the board's bundled figures, the synthetic areas."""
    from dashboard.services import dataset as services
    from dashboard.settings import Settings

    name = name or f"bench_scale_{rows}"
    url = dbs.create(name)
    services.bootstrap(Settings(instance_path=workdir / f"instance_{name}", database_url=url, redis_url=None))
    services.init_database(load_bundled=True)
    synthetic.register_areas(url)
    return ScaleDatabase(name, url, rows)


def load_in_process(sdb: ScaleDatabase, csv: Path) -> None:
    """Load the synthetic rows with the importer itself (all or nothing, as for any file)."""
    from tqdm import tqdm

    from data_access.importer import import_file

    t = time.perf_counter()
    with tqdm(
        total=csv.stat().st_size,
        unit="B",
        unit_scale=True,
        desc=f"    importing {sdb.rows:,} rows",
        file=sys.stderr,
        leave=False,
        mininterval=BAR_INTERVAL,
    ) as bar:
        result = import_file(csv, actor="bench", progress=bar.update)
    sdb.load_seconds = time.perf_counter() - t
    if result.added != sdb.rows:
        raise RuntimeError(f"expected {sdb.rows:,} new rows, the importer added {result.added:,}")


@dataclass
class ImportTiming:
    rows: int
    seconds: float
    rows_per_s: float
    output: str


def load_with_cli(sdb: ScaleDatabase, csv: Path, workdir: Path) -> ImportTiming:
    """`board-dashboard import FILE`, timed from start to exit: reading, checking, merging, and the
    data-quality checks that follow every import - everything a person waits for."""
    env = child_env(sdb.url, workdir / f"instance_{sdb.name}")
    t = time.perf_counter()
    quiet = [] if sys.stderr.isatty() else ["--quiet"]  # its progress bar, on a terminal only
    say(f"    board-dashboard import {csv.name} ...")
    proc = subprocess.run(
        [str(VENV_BIN / "board-dashboard"), "import", str(csv), *quiet],
        env=env,
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
    )
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"board-dashboard import failed ({proc.returncode}): {proc.stdout.strip()}")
    m = re.search(r"(\d+) rows read: (\d+) added", proc.stdout)
    if not m or int(m.group(2)) != sdb.rows:
        raise RuntimeError(f"board-dashboard import did not add {sdb.rows:,} rows: {proc.stdout.strip()}")
    sdb.load_seconds = seconds
    return ImportTiming(sdb.rows, round(seconds, 2), round(sdb.rows / seconds), proc.stdout.strip())


def analyse(sdb: ScaleDatabase) -> None:
    """Bring the database to where a server is a few minutes after a bulk load, before anything is timed.

    On PostgreSQL: fresh planner statistics and the visibility map (`VACUUM (ANALYZE)`, what autovacuum does
    after a large insert), then a `CHECKPOINT`, so that the timed queries do not share the machine with
    background work the load set off. SQLite gathers no statistics unless asked, so it is left as it is."""
    import gc

    from data_access import db
    from data_access.models import Observation

    engine = db.configure(sdb.url)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            auto.execute(text("VACUUM (ANALYZE)"))
            try:
                auto.execute(text("CHECKPOINT"))
            except Exception:  # noqa: BLE001 - needs superuser or pg_checkpoint; the timing goes on without it
                say("    (no CHECKPOINT: this database user may not ask for one)")
        sdb.total_rows = conn.execute(select(func.count()).select_from(Observation)).scalar_one()
    gc.collect()  # what the load left behind in this process is not collected in the middle of a timed query


@dataclass
class QueryTimings:
    """Milliseconds per call of each of the dashboard's queries, and how many rows each call returned."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, ms: float, n: int) -> None:
        self.samples.setdefault(kind, []).append(ms)
        self.rows.setdefault(kind, []).append(n)


# The queries that make `query_ms_p95`: the board's scorecard and drill, and a drill on the synthetic
# authorities. The scorecard of one synthetic authority is timed and reported beside them (see
# README-performance.md).
HEADLINE_KINDS = ("board_scorecard", "board_drill", "synthetic_drill")


def time_queries(sdb: ScaleDatabase, seed: int = SEED) -> QueryTimings:
    """Time headline_observations (the scorecard) and drill_rows (the drill panel) as the dashboard calls
    them."""
    from dashboard.reference.view import Reference
    from dashboard.services.context import view_areas
    from data_access import db, queries

    db.configure(sdb.url)
    rng = random.Random(seed)
    ref = Reference.from_rows(queries.reference.uncached())
    calls: list[tuple[str, object, tuple]] = []
    for board in ref.boards:
        areas = view_areas(ref, board)
        calls += [("board_scorecard", queries.headline_observations.uncached, (areas,))] * SCORECARD_REPEATS
        headline = queries.headline_observations.uncached(areas)
        pairs = sorted(set(zip(headline["indicator"], headline["period"], strict=True)))
        for indicator, period in rng.sample(pairs, min(len(pairs), DRILL_POINTS // len(ref.boards))):
            drill = ("board_drill", queries.drill_rows.uncached, (indicator, period, areas))
            calls += [drill] * DRILL_REPEATS
    for indicator, area, period in _synthetic_points(rng, DRILL_POINTS):
        calls += [
            ("synthetic_drill", queries.drill_rows.uncached, (indicator, period, _neighbours(area)))
        ] * DRILL_REPEATS
    lone = synthetic.area_codes()[rng.randrange(synthetic.LOCAL_AUTHORITIES)]
    calls += [("synthetic_scorecard", queries.headline_observations.uncached, ((lone,),))] * SCORECARD_REPEATS
    for _kind, fn, args in calls[::3]:  # warm the connection pool and the database's buffers: not timed
        fn(*args)
    rng.shuffle(calls)  # interleaved, so a slow moment of the machine is shared by every kind of query
    out = QueryTimings()
    for kind, fn, args in calls:
        t = time.perf_counter()
        frame = fn(*args)
        out.add(kind, (time.perf_counter() - t) * 1000, len(frame))
    return out


def _synthetic_points(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    """`n` figures that the scale database holds for synthetic authorities, picked at random by row id."""
    from data_access import db
    from data_access.models import Area, Indicator, Observation, Period

    engine = db.get_engine()
    out: list[tuple[str, str, str]] = []
    with engine.connect() as conn:
        top = conn.execute(select(func.max(Observation.id))).scalar_one()
        stmt = (
            select(Indicator.code, Area.code, Period.code)
            .select_from(Observation)
            .join(Indicator, Indicator.id == Observation.indicator_id)
            .join(Area, Area.id == Observation.area_id)
            .join(Period, Period.id == Observation.period_id)
        )
        tries = 0
        while len(out) < n and tries < 50 * n:
            tries += 1
            row = conn.execute(stmt.where(Observation.id == rng.randint(1, top))).first()
            if row and row[1].startswith(synthetic.AREA_PREFIX) and tuple(row) not in out:
                out.append(tuple(row))
    return out


def _neighbours(area: str) -> tuple[str, ...]:
    codes = synthetic.area_codes()
    i = codes.index(area)
    return tuple(codes[(i + k) % len(codes)] for k in range(BOARD_AREAS))


def scale_entry(sdb: ScaleDatabase, timings: QueryTimings) -> dict:
    """One entry of `scale` in the results."""
    headline = [ms for kind in HEADLINE_KINDS for ms in timings.samples.get(kind, [])]
    queries_ = {
        kind: {**summary(samples), "rows_returned_median": int(percentile(timings.rows[kind], 50))}
        for kind, samples in sorted(timings.samples.items())
    }
    return {
        "rows": sdb.rows,
        "table_rows": sdb.total_rows,
        "load_seconds": round(sdb.load_seconds, 1),
        "query_ms_p95": round(percentile(headline, 95), 2),
        "query_ms_p50": round(percentile(headline, 50), 2),
        "queries": queries_,
    }
