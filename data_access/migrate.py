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
        command.upgrade(cfg, "heads")


def current_revisions() -> set[str]:
    """The revisions the database is at (empty for a new database)."""
    with get_engine().connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def current_revision() -> str | None:
    revs = current_revisions()
    return ",".join(sorted(revs)) if revs else None


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def is_up_to_date() -> bool:
    return current_revisions() == head_revisions()


def autogenerate(message: str, url: str) -> None:  # pragma: no cover - a developer tool
    """Write a new revision from the models' differences to the database at `url`."""
    cfg = alembic_config()
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.revision(cfg, message=message, autogenerate=True)
