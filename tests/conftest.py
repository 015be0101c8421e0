"""Shared fixtures: real databases (SQLite always; PostgreSQL when TEST_DATABASE_URL is set), real Redis when
TEST_REDIS_URL is set. With REQUIRE_SERVICES=1 (CI) a missing service fails instead of skipping.

Migrating and loading the bundled dataset takes seconds, and most tests want it done. So each test session builds,
through the real init path, one template database per backend and kind (migrated and registry synced; and the
same plus the bundled dataset), and every test gets its own fresh copy: a file copy on SQLite, `CREATE DATABASE …
TEMPLATE …` on PostgreSQL. No test ever sees another test's writes, and a new migration or dataset file reaches the
templates with no change here.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from dashboard.services import dataset as services
from dashboard.settings import Settings
from data_access import db

ROOT = Path(__file__).resolve().parents[1]

# blank: no schema at all; empty: schema and registry; loaded: + the board documents' figures; national: + the
# bundled official statistics (what init-db makes)
Kind = Literal["blank", "empty", "loaded", "national"]


def require_or_skip(what: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not configured")
    pytest.skip(f"{what} not configured")


def _worker() -> str:
    """The pytest-xdist worker running this session ("gw0", …), or "main" without xdist: names carry it so that
    two workers' databases can never collide, and so that a left-over database says which run made it."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _forget_engine(database_url: str | None = None) -> None:
    """Close the process's configured engine (all of it, or only if it points at `database_url`), so that no pooled
    connection outlives the database it was opened on."""
    engine = db._engine
    if engine is None:
        return
    if database_url is None or engine.url.database == make_url(database_url).database:
        engine.dispose()


def _build(settings: Settings, kind: Kind) -> None:
    """Make `settings.database_url` what the `empty_db` / `loaded_db` fixtures promise, by the real init path."""
    if kind == "blank":
        return
    services.bootstrap(settings)
    _init(kind)


def _init(kind: Kind) -> None:
    services.init_database(load_bundled=kind in ("loaded", "national"), load_official=kind == "national")


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


class PostgresDatabases:
    """Creates and drops this session's PostgreSQL databases through one administrative connection.

    Dropping a database makes PostgreSQL wait for a checkpoint, which takes seconds on a busy server; creating one
    from a template does not. So drops are handed to a background thread that runs all the drops queued at a time
    together, on separate connections, and PostgreSQL serves them with one checkpoint. And while a test runs, the
    next copy of the template it used is made in the background, ready for the next test. `close()` waits for all.
    """

    DROP_CONNECTIONS = 10

    def __init__(self, admin_url: str, template_root: Path) -> None:
        self.template_root = template_root
        self.admin_url = make_url(admin_url).set(drivername="postgresql+psycopg")
        self.prefix = f"bd_test_{_worker()}_{uuid.uuid4().hex[:8]}"
        self.admin: Engine = create_engine(
            self.admin_url, isolation_level="AUTOCOMMIT", pool_size=self.DROP_CONNECTIONS + 2, max_overflow=0
        )
        self._serial = itertools.count(1)
        self._templates: dict[Kind, str] = {}
        self._template_lock = threading.Lock()
        self._to_drop: queue.Queue[str | None] = queue.Queue()
        self._errors: list[str] = []
        self._maker = ThreadPoolExecutor(1, thread_name_prefix="copy-template")
        self._next: dict[Kind, Future[str]] = {}  # kind -> the name of a fresh copy being made for the next test
        self._dropper = threading.Thread(target=self._drop_forever, name="drop-test-databases", daemon=True)
        self._dropper.start()

    def url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def new_name(self, label: str) -> str:
        return f"{self.prefix}_{label}{next(self._serial)}"

    def create(self, kind: Kind = "blank") -> str:
        """A new database: a copy of the `kind` template (built on first use), or blank. Returns its URL."""
        if kind != "blank":
            self.template(kind)  # built here, never in the background: building repoints this process's engine
        ready = self._next.pop(kind, None)
        name = ready.result() if ready is not None else self._create_now(kind)
        self._next[kind] = self._maker.submit(self._create_now, kind)
        return self.url(name)

    def _create_now(self, kind: Kind) -> str:
        name = self.new_name("t")
        if kind == "blank":
            self._execute(f'CREATE DATABASE "{name}"')
        else:
            # WAL_LOG (the default since PostgreSQL 15) copies block by block without a checkpoint; older servers
            # copy the files, which is also fine at this size.
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._templates[kind]}"')
        return name

    def template(self, kind: Kind) -> str:
        """The name of the `kind` template, built on first use by the real init path and then closed to
        connections: CREATE DATABASE … TEMPLATE needs it idle, and no test can write to it by mistake."""
        with self._template_lock:
            if kind not in self._templates:
                name = self.new_name(f"template_{kind}_")
                self._execute(f'CREATE DATABASE "{name}"')
                url = self.url(name)
                _build(_template_settings(self.template_root, url), kind)
                _forget_engine(url)
                self._execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
                self._templates[kind] = name
            return self._templates[kind]

    def drop_later(self, url: str) -> None:
        """Drop this database soon, without making the caller wait for PostgreSQL's checkpoint."""
        _forget_engine(url)
        self._to_drop.put(make_url(url).database)

    def _drop(self, name: str) -> None:
        try:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception as e:  # noqa: BLE001 - reported at the end of the session, never lost
            self._errors.append(f"{name}: {e}")

    def _drop_forever(self) -> None:
        with ThreadPoolExecutor(self.DROP_CONNECTIONS, thread_name_prefix="drop") as pool:
            while True:
                batch = [self._to_drop.get()]
                while len(batch) < self.DROP_CONNECTIONS:
                    try:
                        batch.append(self._to_drop.get_nowait())
                    except queue.Empty:
                        break
                names = [n for n in batch if n is not None]
                list(pool.map(self._drop, names))
                for _ in batch:
                    self._to_drop.task_done()
                if None in batch:
                    return

    def close(self) -> list[str]:
        """Drop the spare copies and the templates, wait for every queued drop, and return any that failed."""
        self._maker.shutdown(wait=True)
        for ready in self._next.values():
            try:
                self._to_drop.put(ready.result())
            except Exception as e:  # noqa: BLE001 - a spare that failed to be made needs no drop
                self._errors.append(f"a spare copy: {e}")
        self._next.clear()
        for name in self._templates.values():
            self._to_drop.put(name)
        self._templates.clear()
        self._to_drop.put(None)
        self._dropper.join()
        self.admin.dispose()
        return self._errors


def _template_settings(root: Path, url: str) -> Settings:
    """Settings for building a template: its own instance folder (the file cache) and no Redis."""
    return Settings(instance_path=root / f"instance-{uuid.uuid4().hex[:8]}", database_url=url, redis_url=None)


@pytest.fixture(scope="session")
def _template_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("templates")


@pytest.fixture(scope="session")
def _pg(_template_root) -> Iterator[PostgresDatabases | None]:
    """This session's PostgreSQL databases, or None without TEST_DATABASE_URL. All dropped at the end."""
    admin = os.environ.get("TEST_DATABASE_URL")
    if not admin:
        yield None
        return
    databases = PostgresDatabases(admin, _template_root)
    yield databases
    _forget_engine()
    errors = databases.close()
    assert not errors, "could not drop test databases:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def pg_server_url(_pg) -> Iterator[str | None]:
    """A throwaway PostgreSQL database for this test run, dropped at the end."""
    if _pg is None:
        yield None
        return
    url = _pg.create("blank")
    yield url
    _pg.drop_later(url)


def _reset_pg(url: str) -> None:
    """Empty a PostgreSQL database in place (for the tests that start servers on `pg_server_url`)."""
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()


# --- SQLite -------------------------------------------------------------------------------------------------------


class SqliteTemplates:
    """This session's SQLite templates: one file per kind, built on first use, copied for each test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[Kind, Path] = {}

    def copy_to(self, kind: Kind, path: Path) -> None:
        if kind == "blank":
            return
        if kind not in self._files:
            file = self.root / f"{kind}.db"
            url = f"sqlite:///{file}"
            _build(_template_settings(self.root, url), kind)
            # The app runs SQLite in WAL mode: fold the log into the file so that the file alone is the database.
            with db.get_engine().connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            _forget_engine(url)
            self._files[kind] = file
        shutil.copyfile(self._files[kind], path)


@pytest.fixture(scope="session")
def _sqlite_templates(_template_root) -> SqliteTemplates:
    return SqliteTemplates(_template_root)


# --- the fixtures tests use ---------------------------------------------------------------------------------------


def _wanted(request: pytest.FixtureRequest) -> Kind:
    """What the test's database should start as: the fixtures the test asks for (directly or through others)
    decide, so a database is copied once in the right state instead of made blank and then filled."""
    names = request.fixturenames
    if "national_db" in names:
        return "national"
    if "loaded_db" in names:
        return "loaded"
    if "empty_db" in names:
        return "empty"
    return "blank"


_made: dict[str, Kind] = {}  # database URL -> the state its copy started in, for empty_db / loaded_db to check


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, _pg, _sqlite_templates) -> Iterator[str]:
    """A database on each backend that no other test has touched: empty (no schema) unless the test also uses
    `empty_db` or `loaded_db`, when it starts as a copy of that template."""
    kind = _wanted(request)
    if request.param == "sqlite":
        path = tmp_path / "board.db"
        _sqlite_templates.copy_to(kind, path)
        url = f"sqlite:///{path}"
        _made[url] = kind
        yield url
        _made.pop(url, None)
        _forget_engine(url)
        return
    if _pg is None:
        require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
    url = _pg.create(kind)
    _made[url] = kind
    yield url
    _made.pop(url, None)
    _pg.drop_later(url)


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(instance_path=tmp_path / "instance", database_url=db_url, redis_url=None)


def _ready(settings: Settings, kind: Kind) -> Settings:
    """Point the process at the test's database and a fresh cache (as the app does), building the database by the
    real init path if it was not copied from the right template."""
    services.bootstrap(settings)
    if _made.get(settings.database_url) != kind:
        _init(kind)
    return settings


@pytest.fixture
def empty_db(settings) -> Settings:
    """Schema and registry, no observations."""
    return _ready(settings, "empty")


@pytest.fixture
def loaded_db(settings) -> Settings:
    """Schema, registry and the bundled board documents' figures, without the official statistics: the world the
    existing page tests describe."""
    return _ready(settings, "loaded")


@pytest.fixture
def national_db(settings) -> Settings:
    """What `init-db` makes: the board documents' figures and the bundled official statistics."""
    return _ready(settings, "national")


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        require_or_skip("TEST_REDIS_URL (Redis)")
    return url
