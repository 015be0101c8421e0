"""Schema migrations with Alembic: create a new database or upgrade an existing one in place (never drop)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from data_access.db import get_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade_to_head() -> None:
    """Apply every migration the database has not had yet."""
    cfg = alembic_config()
    with get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision() -> str | None:
    with get_engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def autogenerate(message: str, url: str) -> None:  # pragma: no cover - a developer tool
    """Write a new revision from the models' differences to the database at `url`."""
    cfg = alembic_config()
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.revision(cfg, message=message, autogenerate=True)
