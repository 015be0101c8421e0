"""What every benchmark step shares: percentiles, step lines on the terminal, throwaway databases."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
# Names of the databases the benchmark creates (PostgreSQL) or files it writes (SQLite). Each is thrown away.
APP_DATABASE = "bench_app"


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the closest ranks (numpy's default)."""
    if not samples:
        raise ValueError("no samples")
    s = sorted(samples)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summary(samples: Sequence[float]) -> dict[str, float | int]:
    """Count, median, p95, min and max of timings in milliseconds, rounded for reading."""
    return {
        "n": len(samples),
        "p50": round(percentile(samples, 50), 2),
        "p95": round(percentile(samples, 95), 2),
        "min": round(min(samples), 2),
        "max": round(max(samples), 2),
    }


class Steps:
    """Numbered step lines on stderr, with how long each step took: the benchmark runs for minutes."""

    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.started = time.monotonic()

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        self.done += 1
        t = time.monotonic()
        say(f"[{self.done}/{self.total}] {what} ...")
        try:
            yield
        finally:
            say(
                f"[{self.done}/{self.total}] {what}: {time.monotonic() - t:.1f} s "
                f"(total {time.monotonic() - self.started:.0f} s)"
            )


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --- throwaway databases ------------------------------------------------------------------------------------


class BenchDatabases:
    """Creates and drops the benchmark's own databases.

    With DATABASE_URL naming a PostgreSQL database, each benchmark database is a separate database on the
    same server (bench_app, bench_scale_10000, ...); the one DATABASE_URL names is only used to connect and is
    never changed. Otherwise each is an SQLite file in the work folder.
    """

    def __init__(self, database_url: str | None, workdir: Path):
        self.workdir = workdir
        self.base = None
        if database_url:
            url = make_url(database_url)
            if not url.drivername.startswith(("postgresql", "postgres")):
                raise SystemExit(
                    f"python -m bench: DATABASE_URL must be PostgreSQL (or unset for SQLite), not {url.drivername}"
                )
            self.base = url.set(drivername="postgresql+psycopg")

    @property
    def kind(self) -> str:
        return "postgresql" if self.base is not None else "sqlite"

    def url(self, name: str) -> str:
        if self.base is None:
            return f"sqlite:///{self.workdir / (name + '.db')}"
        if name == self.base.database:
            raise SystemExit(
                f"python -m bench: refusing to use the database DATABASE_URL names ({name}) for benchmark data"
            )
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str) -> str:
        """A new, empty database (any left over from an interrupted run is dropped first)."""
        self.drop(name)
        if self.base is not None:
            self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, name: str) -> None:
        if self.base is None:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.workdir / (name + ".db")) + suffix).unlink(missing_ok=True)
            return
        from data_access import db

        if db._engine is not None and db._engine.url.database == name:
            db._engine.dispose()
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.base, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()


def child_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment for a server or command-line process on a benchmark database: no sign-in (loopback
    only), and Redis only when the benchmark itself was given REDIS_URL."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AUTH_MODE", "INSTANCE_PATH")}
    env.update(
        {"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "AUTH_MODE": "none", "PYTHONUNBUFFERED": "1"}
    )
    env.update(extra)
    return env
