"""Engine and sessions. One engine per process, configured once from the settings by the app factory or CLI.

A database that stops answering must not hang the server: on PostgreSQL every connection has a connect timeout,
a server-side statement timeout, a client-side limit on how long any reply may take (a server that is stopped or
cut off mid-stream never sends the error a statement timeout would), TCP keepalives, and the pool a checkout
timeout. Long maintenance work (imports, schema upgrades) lifts the statement limits for its own transaction with
`allow_long_statements`.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

# Defaults, in seconds; the settings pass their own through `configure`.
CONNECT_TIMEOUT_S = 3  # libpq counts whole seconds, at least 2
STATEMENT_TIMEOUT_S = 5.0  # the longest one statement may run on the server while serving pages
POOL_TIMEOUT_S = 5.0  # the longest a request waits for a free connection when the pool is exhausted
# A reply may take the statement timeout plus this margin (network, result transfer) before the client gives up
# on the connection: the server normally cancels the statement itself well before that.
REPLY_MARGIN_S = 2.0
# A pooled connection is asked whether it is alive before each use; a healthy server answers in milliseconds.
PING_TIMEOUT_S = 1.0
# TCP keepalives notice a database host that vanished (power, network) while a pooled connection sat idle.
KEEPALIVES_IDLE_S = 30
KEEPALIVES_INTERVAL_S = 10
KEEPALIVES_COUNT = 3

_engine: Engine | None = None
_engine_options: tuple | None = None
_sessionmaker: sessionmaker[Session] | None = None
_local = threading.local()


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached; the message names it with the password masked."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the URL uses."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Within this block, no reply from PostgreSQL may take longer than `seconds` (counted from entering it) on
    this thread: a reply that is later closes the connection and raises OperationalError. Used where an answer
    is only useful quickly (the health check, the pool's liveness ping). Nested limits keep the earliest."""
    previous = getattr(_local, "deadline", None)
    deadline = time.monotonic() + seconds
    _local.deadline = deadline if previous is None else min(previous, deadline)
    try:
        yield
    finally:
        _local.deadline = previous


def _reply_limit(own: float | None) -> float | None:
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return own
    remaining = max(deadline - time.monotonic(), 0.001)
    return remaining if own is None else min(own, remaining)


def _deadline_connection_class() -> type | None:
    """A psycopg connection whose every wait for the server is bounded.

    psycopg waits for the server without limit; from 3.2 its `wait` takes a timeout, which this subclass always
    passes. A connection that times out is closed (its state is unknown mid-reply), which SQLAlchemy recognises
    as a disconnect and replaces. None when the installed psycopg cannot do this."""
    try:
        import psycopg
        from psycopg import errors
    except ImportError:  # pragma: no cover - PostgreSQL support is a dependency
        return None
    wait_timeout = getattr(errors, "_WaitTimeout", None)
    if wait_timeout is None or "timeout" not in inspect.signature(psycopg.Connection.wait).parameters:
        return None  # pragma: no cover - older psycopg: the server-side statement timeout still applies

    class DeadlineConnection(psycopg.Connection):
        # None: no client-side limit (lifted for maintenance work, or not configured).
        reply_timeout: float | None = None
        default_reply_timeout: float | None = None

        def wait(self, gen, *args: Any, **kwargs: Any):  # noqa: ANN201 - psycopg's own signature
            if kwargs.get("timeout") is not None or len(args) > 1:
                return super().wait(gen, *args, **kwargs)  # the caller bounds this wait itself
            limit = _reply_limit(self.reply_timeout)
            if limit is None:
                return super().wait(gen, *args, **kwargs)
            try:
                return super().wait(gen, *args, timeout=limit, **kwargs)
            except wait_timeout:
                self.close()
                raise psycopg.OperationalError(
                    f"the database did not answer within {limit:.3g} s; the connection was closed"
                ) from None

    return DeadlineConnection


_DeadlineConnection = _deadline_connection_class()


def make_engine(
    url: str,
    *,
    connect_timeout: int = CONNECT_TIMEOUT_S,
    statement_timeout: float | None = STATEMENT_TIMEOUT_S,
    pool_timeout: float = POOL_TIMEOUT_S,
) -> Engine:
    """An engine for this URL. On PostgreSQL: the timeouts above (`statement_timeout=None` sets no statement
    limit at all, for a maintenance-only process). SQLite is local: it only waits for other writers."""
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

    u = make_url(url)
    options = str(u.query.get("options", "")).strip()
    if statement_timeout:
        options = f"{options} -c statement_timeout={int(statement_timeout * 1000)}".strip()
    connect_args: dict[str, Any] = {
        "connect_timeout": max(int(connect_timeout), 2),
        "keepalives": 1,
        "keepalives_idle": KEEPALIVES_IDLE_S,
        "keepalives_interval": KEEPALIVES_INTERVAL_S,
        "keepalives_count": KEEPALIVES_COUNT,
    }
    if options:
        connect_args["options"] = options
    reply_timeout = statement_timeout + REPLY_MARGIN_S if statement_timeout else None
    # No pool_pre_ping: the checkout event below pings with a short limit of its own, where pre-ping would wait
    # as long as any statement may.
    engine = create_engine(
        url, connect_args=connect_args, pool_size=5, max_overflow=10, pool_recycle=1800, pool_timeout=pool_timeout
    )

    if _DeadlineConnection is not None:

        @event.listens_for(engine, "do_connect")
        def _connect(_dialect, _record, cargs, cparams):
            conn = _DeadlineConnection.connect(*cargs, **cparams)
            conn.reply_timeout = conn.default_reply_timeout = reply_timeout
            return conn

        @event.listens_for(engine, "checkin")
        def _restore_limit(dbapi_conn, _record):
            # `allow_long_statements` lifts the limit for one piece of work, not for the connection's next user.
            if dbapi_conn is not None and hasattr(dbapi_conn, "default_reply_timeout"):
                dbapi_conn.reply_timeout = dbapi_conn.default_reply_timeout

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn, record):
        record.info["fresh"] = True

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):
        # A connection that sat in the pool may lead to a database that has since gone away or stalled: ask it,
        # briefly, and let the pool replace it (a new connection is bounded by the connect timeout).
        if record.info.pop("fresh", False):
            return
        try:
            with time_limit(PING_TIMEOUT_S):
                engine.dialect.do_ping(dbapi_conn)
        except Exception as e:
            raise DisconnectionError(f"pooled connection did not answer: {e}") from e

    return engine


def configure(
    url: str,
    *,
    connect_timeout: int = CONNECT_TIMEOUT_S,
    statement_timeout: float | None = STATEMENT_TIMEOUT_S,
    pool_timeout: float = POOL_TIMEOUT_S,
) -> Engine:
    """Point this process at a database (replacing any earlier engine). The timeouts are in seconds and apply
    to PostgreSQL; `statement_timeout=None` lifts the statement limit for every connection of this process."""
    global _engine, _engine_options, _sessionmaker
    options = (normalise_url(url), connect_timeout, statement_timeout, pool_timeout)
    if _engine is not None and _engine_options == options:
        return _engine
    if _engine is not None:
        _engine.dispose()
    _engine = make_engine(
        url, connect_timeout=connect_timeout, statement_timeout=statement_timeout, pool_timeout=pool_timeout
    )
    _engine_options = options
    _sessionmaker = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def get_engine() -> Engine:
    """The configured engine."""
    if _engine is None:
        raise RuntimeError("the database is not configured: call data_access.db.configure(url) first")
    return _engine


def allow_long_statements(conn: Connection) -> None:
    """Let the rest of this connection's current transaction run statements of any length: imports, schema
    upgrades and data-quality runs over a national dataset legitimately take longer than a page may.

    Call it first thing inside the transaction. On PostgreSQL it sets `statement_timeout = 0` for this transaction
    only (SET LOCAL) and lifts the client-side reply limit until the connection returns to the pool; on SQLite it
    does nothing (there is no statement limit)."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    dbapi_conn = conn.connection.dbapi_connection
    if hasattr(dbapi_conn, "reply_timeout"):
        dbapi_conn.reply_timeout = None


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
