"""Engine and sessions. One engine per process, configured once from the settings by the app factory or CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

_engine: Engine | None = None
_sessionmaker: sessionmaker[Session] | None = None


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached; the message names it with the password masked."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the URL uses."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def mask_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")  # readers (several workers) don't block the writer
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # pre-ping: a connection the database dropped is replaced, so serving recovers when the database returns.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800)


def configure(url: str) -> Engine:
    """Point this process at a database (replacing any earlier engine)."""
    global _engine, _sessionmaker
    if _engine is not None and str(_engine.url) == normalise_url(url):
        return _engine
    if _engine is not None:
        _engine.dispose()
    _engine = make_engine(url)
    _sessionmaker = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("the database is not configured: call data_access.db.configure(url) first")
    return _engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    if _sessionmaker is None:
        raise RuntimeError("the database is not configured: call data_access.db.configure(url) first")
    with _sessionmaker() as session, session.begin():
        yield session


def check_reachable(url: str | None = None) -> None:
    """Raise DatabaseUnavailable with one clear line if the database does not answer."""
    engine = get_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        reason = str(getattr(e, "orig", e)).strip().splitlines()[0] if str(e) else type(e).__name__
        raise DatabaseUnavailable(f"cannot reach the database at {mask_url(str(engine.url))}: {reason}") from e
