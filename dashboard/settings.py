"""Settings, read once from the environment. Every variable is listed in README.md."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    redis_url: str | None
    cache_timeout: int = 3600
    small_number_threshold: int = 20
    suppress_small_counts: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """True when running on the bundled SQLite default (created and loaded on first start)."""
        return "DATABASE_URL" not in os.environ or not os.environ["DATABASE_URL"].strip()

    @property
    def cache_key_prefix(self) -> str:
        # Several boards (databases) can share one Redis: keys are namespaced by database.
        return "bd:" + hashlib.sha256(self.database_url.encode()).hexdigest()[:10] + ":"

    @classmethod
    def from_env(cls) -> Settings:
        instance = Path(os.environ.get("INSTANCE_PATH") or Path.cwd() / "instance").resolve()
        db = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{instance / 'board.db'}"
        return cls(
            instance_path=instance,
            database_url=db,
            redis_url=os.environ.get("REDIS_URL", "").strip() or None,
            cache_timeout=_int("CACHE_TIMEOUT", 3600),
            small_number_threshold=_int("SMALL_NUMBER_THRESHOLD", 20),
            suppress_small_counts=os.environ.get("SUPPRESS_SMALL_COUNTS", "1") not in ("0", "false", "no"),
        )
