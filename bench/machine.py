"""What the numbers were measured on: the machine, the library versions, the database and the date."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import create_engine, text

LIBRARIES = (
    "dash",
    "plotly",
    "flask",
    "flask-caching",
    "dash-bootstrap-components",
    "sqlalchemy",
    "pandas",
    "psycopg",
    "gunicorn",
    "redis",
    "kaleido",
    "playwright",
    "requests",
)


def describe(database_url: str, *, cache: str) -> dict:
    """No host names, addresses or paths: the result is committed."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "memory_gib": _memory_gib(),
            "cpu": _cpu_model(),
            "os": platform.platform(terse=True),
            "python": platform.python_version(),
        },
        "libraries": {name: _version(name) for name in LIBRARIES},
        "browser": _chromium(),
        "database": _database(database_url),
        "cache": cache,
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _chromium() -> str | None:
    try:
        out = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().splitlines()[0] if out.strip() else None


def _database(url: str) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                version = conn.execute(text("SHOW server_version")).scalar_one()
                settings = {
                    name: conn.execute(text(f"SHOW {name}")).scalar_one()
                    for name in ("shared_buffers", "work_mem", "effective_cache_size")
                }
                return {"kind": "postgresql", "version": version.split()[0], "settings": settings}
            version = conn.execute(text("SELECT sqlite_version()")).scalar_one()
            return {"kind": "sqlite", "version": version}
    finally:
        engine.dispose()
