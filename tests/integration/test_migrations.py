"""The migrations create exactly the schema the models describe, on every backend."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from dashboard.services import dataset as services
from data_access import db, migrate
from data_access.all_models import Base

# The branches written against 0001 before they were merged; a database made then is at all four.
BRANCH_HEADS = ("0002", "0003", "0004", "0005")


def _schema_differences() -> list:
    with db.get_engine().connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)


def test_migrations_match_the_models(empty_db):
    diff = _schema_differences()
    assert diff == [], diff


def test_there_is_exactly_one_head():
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert heads == ["0009"], heads


def test_a_new_database_ends_at_the_single_head(empty_db):
    assert migrate.current_revisions() == {"0009"}
    assert migrate.is_up_to_date()


def test_a_database_at_the_four_old_heads_upgrades_to_the_merge(settings):
    services.bootstrap(settings)
    cfg = migrate.alembic_config()
    with db.get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        for rev in BRANCH_HEADS:
            command.upgrade(cfg, rev)
    assert migrate.current_revisions() == set(BRANCH_HEADS)
    assert not migrate.is_up_to_date()

    services.init_database(load_bundled=False)

    assert migrate.current_revisions() == {"0009"}
    assert migrate.is_up_to_date()
    diff = _schema_differences()
    assert diff == [], diff
