"""The data cache: flask-caching memoises data-access functions, keyed on their arguments.

With REDIS_URL the cache lives in Redis and every worker and host shares it; without, it lives in files under the
instance folder, which every process on the machine (server workers and the command line) shares.

Two promises hold even when the cache misbehaves:

- A cache that does not answer is skipped: Redis has short socket timeouts, and after one failure this process
  serves from the database without asking Redis again for `retry_after` seconds, so a stalled Redis costs one
  timeout every so often instead of one per call.
- Figures cached before a change to the dataset are never served after it. Every key carries the dataset's
  version, read from the database (the number of the latest import, and a token that `invalidate` renews), so an
  import that could not clear the cache — Redis stalled at the time, or the import ran in another process —
  still makes every worker look under new keys. Clearing the cache after an import only frees the memory. A
  write whose cached reads could not be deleted (commentary saved while Redis stalled) renews the version too.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context
from flask_caching import Cache
from flask_caching.backends.base import BaseCache
from sqlalchemy import text
from werkzeug.utils import import_string

from data_access import db

log = logging.getLogger(__name__)

# Defaults, in seconds; the settings pass their own through `configure_cache`.
REDIS_CONNECT_TIMEOUT_S = 1.0  # Redis on the local network answers a connect in milliseconds
REDIS_SOCKET_TIMEOUT_S = 2.0  # the longest one read or write may take (the largest entries are a few MB)
RETRY_AFTER_S = 30.0  # after a failure, how long this process leaves the cache alone

VERSION_KEY = "cache_version"  # the row of the `meta` table that `invalidate` renews
VERSION_RETRY_S = 2.0  # after the database could not say the version, how long the cache is not used


class DataCache(Cache):
    """flask-caching's Cache, but forgetting a memoised function's results (after commentary or a challenge is
    saved) still works while the backend is skipped: the dataset version is renewed instead."""

    def delete_memoized(self, f: Any, *args: Any, **kwargs: Any) -> None:
        """Forget `f`'s cached results (all of them, or for these arguments)."""
        backend = _guarded()
        if backend is None or not backend.degraded:
            super().delete_memoized(f, *args, **kwargs)  # memoize swaps the function's version key: a write
        if backend is not None and backend.degraded:  # skipped, or failed just now
            _renew_version()


cache = DataCache()
_backend = "none"
_generation = 0  # bumped by `invalidate` in this process, so a version remembered for a request is re-read
_version_unavailable_until = 0.0

try:  # the Redis client is a dependency, but the filesystem cache must not need it
    from redis.exceptions import RedisError as _RedisError
except ImportError:  # pragma: no cover
    _RedisError = OSError

# What counts as "the cache did not answer": network and disk failures. Anything else (a value that cannot be
# pickled, a bug) is not an outage and must not switch the cache off for everyone.
_OUTAGE = (OSError, _RedisError)


class GuardedCache(BaseCache):
    """A flask-caching backend that wraps the real one (Redis or files): versioned keys, and a short circuit
    breaker so an unanswering backend is skipped rather than waited for."""

    def __init__(self, inner: BaseCache, *, retry_after: float = RETRY_AFTER_S, default_timeout: int = 300):
        super().__init__(default_timeout=default_timeout)
        self.inner = inner
        self.retry_after = retry_after
        self._down_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def factory(cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]) -> GuardedCache:
        inner_cls = import_string("flask_caching.backends." + config["GUARDED_CACHE_TYPE"])
        inner = inner_cls.factory(app, config, args, kwargs)
        return cls(
            inner,
            retry_after=config.get("GUARDED_CACHE_RETRY_AFTER", RETRY_AFTER_S),
            default_timeout=config["CACHE_DEFAULT_TIMEOUT"],
        )

    # ----------------------------------------------------------------- health

    @property
    def degraded(self) -> bool:
        """True while the backend is being skipped after a failure."""
        return self._down_until > time.monotonic()

    def _failed(self, e: BaseException) -> None:
        with self._lock:
            was_up = not self.degraded
            self._down_until = time.monotonic() + self.retry_after
        if was_up:  # one line per outage, not one per call
            log.warning(
                "the data cache did not answer (%s: %s); serving from the database for %g s before trying it again",
                type(e).__name__,
                e,
                self.retry_after,
            )

    def check(self) -> bool:
        """Ask the backend whether it answers now (Redis: PING), whatever the breaker says; a success closes the
        breaker at once. For the health check, which doubles as the probe that notices Redis is back."""
        client = getattr(self.inner, "_read_client", None)
        try:
            if client is not None:
                client.ping()
            else:
                self.inner.has("health-check")
        except _OUTAGE as e:
            self._failed(e)
            return False
        with self._lock:
            self._down_until = 0.0
        return True

    # ------------------------------------------------------------- the guard

    def _call(self, default: Any, op: str, *args: Any, **kwargs: Any) -> Any:
        if not self.degraded:
            try:
                return getattr(self.inner, op)(*args, **kwargs)
            except _OUTAGE as e:
                self._failed(e)
        if op in ("delete", "delete_many"):
            # A write (commentary, a challenge) asked for its cached reads to be forgotten and the cache could
            # not do it: move every worker to new keys instead, or the old reads come back with the cache.
            _renew_version()
        return default

    def _key(self, key: str) -> str | None:
        version = _current_version()
        return None if version is None else f"v{version}:{key}"

    # ------------------------------------------------------- the cache API

    def get(self, key: str) -> Any:
        k = self._key(key)
        return None if k is None else self._call(None, "get", k)

    def get_many(self, *keys: str) -> list[Any]:
        ks = [self._key(k) for k in keys]
        if None in ks:
            return [None] * len(keys)
        return self._call([None] * len(keys), "get_many", *ks)

    def has(self, key: str) -> bool:
        k = self._key(key)
        return False if k is None else bool(self._call(False, "has", k))

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        k = self._key(key)
        return False if k is None else bool(self._call(False, "set", k, value, timeout=timeout))

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        k = self._key(key)
        return False if k is None else bool(self._call(False, "add", k, value, timeout=timeout))

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        keyed = {self._key(k): (k, v) for k, v in mapping.items()}
        if None in keyed:
            return []
        done = self._call([], "set_many", {k: v for k, (_orig, v) in keyed.items()}, timeout=timeout) or []
        return [keyed[k][0] for k in done if k in keyed]

    def delete(self, key: str) -> bool:
        k = self._key(key)
        return False if k is None else bool(self._call(False, "delete", k))

    def delete_many(self, *keys: str) -> list[Any]:
        ks = [self._key(k) for k in keys]
        if None in ks:
            return []
        self._call([], "delete_many", *ks)
        return list(keys)

    def inc(self, key: str, delta: int = 1) -> Any:
        k = self._key(key)
        return None if k is None else self._call(None, "inc", k, delta)

    def dec(self, key: str, delta: int = 1) -> Any:
        k = self._key(key)
        return None if k is None else self._call(None, "dec", k, delta)

    def clear(self) -> bool:
        """Drop every entry under this board's prefix, of every version."""
        return bool(self._call(False, "clear"))


def configure_cache(
    app: Flask,
    *,
    redis_url: str | None,
    cache_dir: Path,
    key_prefix: str,
    timeout: int,
    redis_connect_timeout: float = REDIS_CONNECT_TIMEOUT_S,
    redis_socket_timeout: float = REDIS_SOCKET_TIMEOUT_S,
    retry_after: float = RETRY_AFTER_S,
) -> str:
    """Attach the cache to a Flask app (the Dash server, or a bare app for the command line). The Redis timeouts
    and `retry_after` (how long a failed cache is skipped) are in seconds."""
    global _backend
    if redis_url:
        config: dict[str, Any] = {
            "GUARDED_CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": redis_url,
            "CACHE_OPTIONS": {"socket_connect_timeout": redis_connect_timeout, "socket_timeout": redis_socket_timeout},
        }
        _backend = "redis"
    else:
        cache_dir.mkdir(parents=True, exist_ok=True)
        config = {"GUARDED_CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(cache_dir), "CACHE_THRESHOLD": 2000}
        _backend = "filesystem"
    config.update(
        {
            "CACHE_TYPE": "data_access.cache.GuardedCache",
            "GUARDED_CACHE_RETRY_AFTER": retry_after,
            "CACHE_DEFAULT_TIMEOUT": timeout,
            "CACHE_KEY_PREFIX": key_prefix,
        }
    )
    cache.init_app(app, config=config)
    # Outside a request (command line, tests, the board pack) memoised functions use this app's backend.
    cache.app = app
    return _backend


def backend_name() -> str:
    """ "redis", "filesystem" or "none" (not configured)."""
    return _backend


def _guarded() -> GuardedCache | None:
    if cache.app is None:
        return None
    backend = cache.app.extensions.get("cache", {}).get(cache)
    return backend if isinstance(backend, GuardedCache) else None


def cache_status() -> str:
    """For the health check: the backend's name when it answers now, "degraded" when it does not (the data is
    then served from the database), "none" when there is no cache."""
    backend = _guarded()
    if backend is None:
        return _backend
    return _backend if backend.check() else "degraded"


# ---------------------------------------------------------------- versions


def dataset_version() -> str:
    """The dataset's version as the database records it: changes with every committed import (its run number,
    written in the import's own transaction) and every `invalidate`."""
    with db.get_engine().connect() as conn:
        row = conn.execute(
            text("SELECT (SELECT max(id) FROM import_run), (SELECT value FROM meta WHERE key = :key)"),
            {"key": VERSION_KEY},
        ).one()
    return f"{row[0] or 0}.{row[1] or 0}"


def _current_version() -> str | None:
    """The version to key entries with, read once per request (a page's callbacks make several cache calls);
    None when the database cannot say, and then the cache is not used for this call."""
    memo = g.get("_dataset_version") if has_request_context() else None
    if memo is not None and memo[0] == _generation:
        return memo[1]
    global _version_unavailable_until
    if _version_unavailable_until > time.monotonic():
        return None
    try:
        version = dataset_version()
    except Exception as e:  # the database is down or not initialised: the data call itself will say so
        log.debug("dataset version unavailable (%s); not using the cache for this call", e)
        # Every cache call would ask again and wait out the database's timeouts each time: don't, for a moment.
        _version_unavailable_until = time.monotonic() + VERSION_RETRY_S
        version = None
    if has_request_context():
        g._dataset_version = (_generation, version)
    return version


def bump_version() -> None:
    """Renew the version token in the database: every worker's next cache read looks under new keys."""
    with db.get_engine().begin() as conn:
        token = uuid.uuid4().hex[:16]
        if (
            conn.execute(text("UPDATE meta SET value = :v WHERE key = :k"), {"v": token, "k": VERSION_KEY}).rowcount
            == 0
        ):
            conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"v": token, "k": VERSION_KEY})


def _renew_version() -> None:
    """`bump_version`, never raising; this process re-reads the version at once. Call it outside any open write
    transaction (on SQLite a second writer waits for the first)."""
    global _generation
    _generation += 1
    if db._engine is None:
        return
    try:
        bump_version()
    except Exception:  # after an import, its own run number has already moved the version on
        log.warning("could not renew the cache version in the database", exc_info=True)


def invalidate() -> None:
    """Forget every cached result: called after any write to the dataset. Never raises: a cache or database
    hiccup here must not undo a committed import."""
    _renew_version()
    if cache.app is None:
        return
    try:
        with cache.app.app_context():
            cache.clear()
    except Exception:
        log.warning("could not clear the data cache; its entries are under an old version and expire", exc_info=True)
