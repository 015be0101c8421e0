"""The database fixtures keep their promise on each backend: every test starts on a database of its own, in the
state it asked for, whatever the tests before it wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, inspect, select

from dashboard.reference.registry import registry
from dashboard.services.dataset import BUNDLED
from data_access import audit, db, migrate
from data_access.models import Indicator, Observation

ACTOR = "fixture-isolation"


def count(model) -> int:
    with db.get_engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize("turn", ["first", "second"])
def test_what_one_test_writes_is_never_seen_by_the_next(loaded_db, turn):
    # The two turns run one after the other on each backend: were a database (or its template) shared, the second
    # would find the first's entry.
    assert audit.recent(actor=ACTOR) == []
    audit.record(ACTOR, "test.write", turn)
    assert [e.target for e in audit.recent(actor=ACTOR)] == [turn]


def test_empty_db_is_at_the_newest_schema_with_the_registry_and_no_figures(empty_db):
    assert migrate.is_up_to_date()
    assert count(Indicator) == len(registry().indicators)
    assert count(Observation) == 0


def test_loaded_db_is_what_init_db_makes_of_the_bundled_dataset(loaded_db):
    assert migrate.is_up_to_date()
    assert count(Indicator) == len(registry().indicators)
    imported = {e.target: e for e in audit.recent(500, action="import", actor="init-db")}
    assert set(imported) == {p.name for p in BUNDLED.glob("*.csv")}
    assert count(Observation) > 0


def test_db_url_alone_is_a_database_with_no_tables(db_url):
    engine = create_engine(db.normalise_url(db_url))
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
