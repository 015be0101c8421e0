"""Shared fixtures: real databases (SQLite always; PostgreSQL when TEST_DATABASE_URL is set), real Redis when
TEST_REDIS_URL is set. With REQUIRE_SERVICES=1 (CI) a missing service fails instead of skipping."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard.services import dataset as services
from dashboard.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def require_or_skip(what: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not configured")
    pytest.skip(f"{what} not configured")


@pytest.fixture(scope="session")
def pg_server_url() -> str | None:
    """A throwaway PostgreSQL database for this test run, dropped at the end."""
    admin = os.environ.get("TEST_DATABASE_URL")
    if not admin:
        yield None
        return
    admin_url = make_url(admin).set(drivername="postgresql+psycopg")
    name = f"bd_test_{uuid.uuid4().hex[:10]}"
    eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    yield url
    from data_access import db

    if db._engine is not None:
        db._engine.dispose()
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def _reset_pg(url: str) -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, pg_server_url) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'board.db'}"
    if not pg_server_url:
        require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
    from data_access import db

    if db._engine is not None:
        db._engine.dispose()
    _reset_pg(pg_server_url)
    return pg_server_url


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(instance_path=tmp_path / "instance", database_url=db_url, redis_url=None)


@pytest.fixture
def empty_db(settings) -> Settings:
    """Schema and registry, no observations."""
    services.bootstrap(settings)
    services.init_database(load_bundled=False)
    return settings


@pytest.fixture
def loaded_db(settings) -> Settings:
    """Schema, registry and the bundled board documents' figures, without the official statistics: the world the
    existing page tests describe."""
    services.bootstrap(settings)
    services.init_database(load_bundled=True, load_official=False)
    return settings


@pytest.fixture
def national_db(settings) -> Settings:
    """What `init-db` makes: the board documents' figures and the bundled official statistics."""
    services.bootstrap(settings)
    services.init_database(load_bundled=True)
    return settings


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        require_or_skip("TEST_REDIS_URL (Redis)")
    return url
