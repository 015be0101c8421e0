"""The parts the performance benchmark relies on, against real databases: the drill panel kept in the data
cache shows new figures as soon as an import changes them, and the scale step times the dashboard's queries
on a throwaway database of synthetic figures that it drops afterwards (SQLite, and PostgreSQL when
configured)."""

from __future__ import annotations

import os
import uuid
from contextvars import copy_context
from pathlib import Path

import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import scale
from bench.common import BenchDatabases
from callbacks import domain
from dashboard.rules.formatting import format_value
from dashboard.services import dataset as services
from data_access import queries
from data_access.importer import COLUMNS
from tests.conftest import require_or_skip

TRIBOROUGH = {"board": "triborough", "area": "triborough", "period": "latest", "meeting": False}
POINT = ["children_looked_after", "westminster", "2016-03-31"]


def click(customdata: list[str], data: dict) -> str:
    """The drill panel's text after a click on a point carrying this customdata, as Dash would call it."""
    prop_id = '{"dimension":"","indicator":"children_looked_after","type":"chart"}.clickData'

    def run():
        context_value.set(
            AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": {"points": [{"customdata": customdata}]}}])
        )
        return domain.drill(None, data)

    return " ".join(_strings(copy_context().run(run)))


def _strings(node):
    if isinstance(node, list | tuple):
        for n in node:
            yield from _strings(n)
    elif isinstance(node, str | int | float):
        yield str(node)
    elif getattr(node, "children", None) is not None:
        yield from _strings(node.children)


def test_a_point_clicked_again_after_an_import_shows_the_new_figure(loaded_db, tmp_path: Path):
    rows = queries.drill_rows(POINT[0], POINT[2], (POINT[1],))
    old = float(rows[rows["breakdown_dimension"] == ""]["value"].iloc[0])
    new = old + 1234
    first = click(POINT, TRIBOROUGH)
    assert format_value(old) in first
    assert click(POINT, TRIBOROUGH) == first  # the second click is the same panel (from the cache)

    csv = tmp_path / "correction.csv"
    values = {
        "indicator": POINT[0],
        "area": POINT[1],
        "period": POINT[2],
        "value": f"{new:g}",
        "unit": "count",
        "source_document": "correction",
        "note": "corrected figure",
        "source_kind": "document",
    }  # a correction of the board document's figure, not a partner's figure
    csv.write_text(",".join(COLUMNS) + "\n" + ",".join(values.get(c, "") for c in COLUMNS) + "\n")
    result = services.import_dataset(csv, actor="test")
    assert result.updated == 1

    after = click(POINT, TRIBOROUGH)
    assert format_value(new) in after and format_value(old) not in after
    assert "corrected figure" in after


@pytest.fixture(params=["sqlite", "postgresql"])
def bench_dbs(request, tmp_path: Path) -> BenchDatabases:
    if request.param == "sqlite":
        return BenchDatabases(None, tmp_path)
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
    return BenchDatabases(base, tmp_path)


def _exists(dbs: BenchDatabases, name: str) -> bool:
    if dbs.kind == "sqlite":
        return (dbs.workdir / f"{name}.db").exists()
    engine = create_engine(make_url(dbs.url(name)).set(database=dbs.base.database))
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            return found is not None
    finally:
        engine.dispose()


def test_the_scale_step_times_the_dashboard_queries_on_a_database_it_drops(bench_dbs: BenchDatabases, tmp_path: Path):
    csv = scale.generate(tmp_path, 3_000, seed=3)
    assert "synthetic" in csv.name
    name = f"bench_scale_test_{uuid.uuid4().hex[:8]}"
    sdb = scale.prepare(bench_dbs, 3_000, tmp_path, name=name)
    try:
        scale.load_in_process(sdb, csv)
        scale.analyse(sdb)
        bundled = sdb.total_rows - 3_000
        assert bundled > 100  # the board's own figures are there, so its views can be asked for
        entry = scale.scale_entry(sdb, scale.time_queries(sdb, seed=3))
    finally:
        bench_dbs.drop(name)
    assert not _exists(bench_dbs, name)
    assert entry["rows"] == 3_000 and entry["table_rows"] == sdb.total_rows
    q = entry["queries"]
    assert set(q) == {"board_scorecard", "board_drill", "synthetic_drill", "synthetic_scorecard"}
    assert q["board_scorecard"]["n"] == 2 * scale.SCORECARD_REPEATS  # both boards' views
    assert q["board_scorecard"]["rows_returned_median"] > 0
    assert q["synthetic_drill"]["rows_returned_median"] > 0  # the drills ask about figures that exist
    assert 0 < entry["query_ms_p50"] <= entry["query_ms_p95"]
