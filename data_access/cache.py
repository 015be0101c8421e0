"""The data cache: flask-caching memoises data-access functions, keyed on their arguments.

With REDIS_URL the cache lives in Redis and every worker and host shares it; without, it lives in files under the
instance folder, which every process on the machine (server workers and the command line) shares. Either way an
import clears it, so nobody sees stale figures after a data change.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask_caching import Cache

log = logging.getLogger(__name__)

cache = Cache()
_backend = "none"


def configure_cache(app: Flask, *, redis_url: str | None, cache_dir: Path, key_prefix: str,
                    timeout: int) -> str:
    """Attach the cache to a Flask app (the Dash server, or a bare app for the command line)."""
    global _backend
    if redis_url:
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                  "CACHE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5}}
        _backend = "redis"
    else:
        cache_dir.mkdir(parents=True, exist_ok=True)
        config = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(cache_dir), "CACHE_THRESHOLD": 2000}
        _backend = "filesystem"
    config.update({"CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": key_prefix})
    cache.init_app(app, config=config)
    # Outside a request (command line, tests, the board pack) memoised functions use this app's backend.
    cache.app = app
    return _backend


def backend_name() -> str:
    return _backend


def invalidate() -> None:
    """Forget every cached result: called after any write to the dataset."""
    if cache.app is None:
        return
    try:
        with cache.app.app_context():
            cache.clear()
    except Exception:  # a cache outage must not undo a committed import; entries expire anyway
        log.warning("could not clear the data cache; cached figures expire within the cache timeout",
                    exc_info=True)
