"""The board pack as a background job, and what the server promises about it.

The pack takes seconds of CPU and a browser to draw its charts, so it is never made inside a web request: the
pack button starts a Dash background callback, which runs in a job process (a process of its own on one machine,
or a Celery worker when REDIS_URL is set) and calls `PackJobs.run`. What holds however many people press it:

- At most one pack per board, area, period and suppression setting is made at a time. Anyone asking for the same
  pack meanwhile waits for that one, watching its progress, and is given the same file.
- A finished pack is kept, under a fingerprint of what it prints (the scorecard, exceptions, commentary and
  challenges as read for the pack, the dataset's last change to the second and its size, which the charts are
  drawn from, and the date on its cover), and handed out again until any of that changes: data changes make a new
  pack, nothing else does. The fingerprint is read without drawing a chart, so a kept pack is handed out quickly.
- At most `max_builds` packs are made at once on the whole service (default 1): more would only share the same
  CPUs with the web workers; the rest wait their turn, and say so in their progress bar.
- A user has one pack in progress at a time: a second request is refused with a message, before any work starts.
- Chart images are kept by the data they draw, so a chart already drawn for any pack is not drawn again.

The job store behind these is Redis when REDIS_URL is set (every worker and host shares it) and otherwise a
diskcache folder in the instance folder (every process on the machine shares it). Its keys are namespaced by
database, apart from the data cache's, so an import clearing the data cache does not drop a build in progress.

Running the Celery worker (deployments with REDIS_URL). The web servers only queue packs; one or more workers make
them, with the same environment as the web server (DATABASE_URL, REDIS_URL, INSTANCE_PATH, ...):

    celery -A dashboard.web.pack_worker worker --concurrency 2 --loglevel INFO

`--concurrency` is how many pack requests a worker takes at once (waiting ones included); how many are *made* at
once on the whole service is `max_builds` (each uses a headless Chromium with two tabs). The job lowers its own
CPU priority so web workers on the same host stay responsive. Run it under the same
service manager as gunicorn (systemd, supervisord, a container with the same image). Without REDIS_URL no worker
is needed: each pack runs in a process the web server starts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from dashboard.reference.view import ViewState

log = logging.getLogger(__name__)

# Bump when the pack's layout changes, so packs kept from before are made again.
PACK_FORMAT = "2"
DEFAULT_BUILD_TIMEOUT = 300  # seconds a build may hold its lock (and a user their slot) before it is presumed dead
DEFAULT_KEEP_SECONDS = 24 * 3600  # how long a finished pack is kept for reuse
DEFAULT_MAX_BUILDS = 1  # packs made at once on the whole service: each takes a core and a browser
IMAGE_KEEP_SECONDS = 7 * 24 * 3600
WAIT_POLL_SECONDS = 0.3

Progress = Callable[[int, int, str], None]


class Store(Protocol):
    """The few atomic operations the job store needs; Redis and diskcache both give them."""

    def add(self, key: str, value: bytes, ttl: int) -> bool: ...

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_if(self, key: str, value: bytes) -> bool: ...

    def incr(self, key: str) -> int: ...


class RedisStore:
    """The job store in Redis: shared by every web worker, Celery worker and host."""

    _DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        # Short timeouts: a stalled Redis must fail the pack request, not hang the web worker that asked.
        self._r = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._p = prefix

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        return bool(self._r.set(self._p + key, value, nx=True, ex=ttl))

    def get(self, key: str) -> bytes | None:
        return self._r.get(self._p + key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self._r.set(self._p + key, value, ex=ttl)

    def delete(self, key: str) -> None:
        self._r.delete(self._p + key)

    def delete_if(self, key: str, value: bytes) -> bool:
        return bool(self._r.eval(self._DELETE_IF, 1, self._p + key, value))

    def incr(self, key: str) -> int:
        return int(self._r.incr(self._p + key))


class DiskStore:
    """The job store in a diskcache folder: shared by every process on this machine (SQLite underneath)."""

    def __init__(self, directory: Path, prefix: str = "") -> None:
        import diskcache

        directory.mkdir(parents=True, exist_ok=True)
        # Packs of a few hundred KB and chart images: 1 GB is ample, and diskcache evicts the oldest beyond it.
        self._c = diskcache.Cache(str(directory), size_limit=2**30)
        self._p = prefix

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        return bool(self._c.add(self._p + key, value, expire=ttl))

    def get(self, key: str) -> bytes | None:
        return self._c.get(self._p + key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self._c.set(self._p + key, value, expire=ttl)

    def delete(self, key: str) -> None:
        self._c.delete(self._p + key)

    def delete_if(self, key: str, value: bytes) -> bool:
        with self._c.transact():
            if self._c.get(self._p + key) == value:
                self._c.delete(self._p + key)
                return True
        return False

    def incr(self, key: str) -> int:
        return int(self._c.incr(self._p + key, default=0))


@dataclass(frozen=True)
class PackFile:
    """A finished pack for one request: the PDF, its file name, and whether it was made for someone else."""

    pdf: bytes
    filename: str
    reused: bool  # an identical pack was already made (or being made) and this request was given it


@dataclass(frozen=True)
class Refused:
    """A pack request that was not started, and what to tell the user."""

    message: str


class PackExpired(Exception):
    """The request's ticket is unknown: it expired or was already used."""


def _plain(o: Any) -> Any:
    """JSON for what a pack's content holds: figures as their JSON, dataclasses as their fields, tables whole."""
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    if isinstance(o, go.Figure):
        return o.to_plotly_json()
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
    if isinstance(o, pd.DataFrame):
        return o.to_dict("split")
    if isinstance(o, pd.Series | np.ndarray):
        return o.tolist()
    if isinstance(o, set | frozenset):
        return sorted(map(str, o))
    if isinstance(o, np.generic):
        return o.item()
    return str(o)


def fingerprint(content: Any, *, suppress: bool, today: date) -> str:
    """A digest of everything a pack prints: two packs with the same fingerprint are the same document."""
    body = json.dumps(
        {"format": PACK_FORMAT, "suppress": suppress, "today": today.isoformat(), "content": content},
        default=_plain,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


class _StoreImages:
    """Chart images in the job store, so every worker and host draws a chart once (pack.ImageCache)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get_image(self, key: str) -> bytes | None:
        return self._store.get("img:" + key)

    def set_image(self, key: str, png: bytes) -> None:
        self._store.set("img:" + key, png, IMAGE_KEEP_SECONDS)


class PackJobs:
    """Pack requests and builds over one job store (see the module's docstring for the guarantees)."""

    def __init__(
        self,
        store: Store,
        *,
        build_timeout: int = DEFAULT_BUILD_TIMEOUT,
        keep_seconds: int = DEFAULT_KEEP_SECONDS,
        max_builds: int = DEFAULT_MAX_BUILDS,
        browser_path: str | None = None,
    ) -> None:
        self.store = store
        self.browser_path = browser_path  # BROWSER_PATH; None: Debian's chromium
        self.build_timeout = build_timeout
        self.keep_seconds = keep_seconds
        self.max_builds = max(1, max_builds)

    @classmethod
    def for_settings(
        cls,
        settings: Any,
        *,
        build_timeout: int = DEFAULT_BUILD_TIMEOUT,
        keep_seconds: int = DEFAULT_KEEP_SECONDS,
        max_builds: int = DEFAULT_MAX_BUILDS,
    ) -> PackJobs:
        """The job store for the server's settings: Redis with REDIS_URL, else a folder in the instance folder."""
        # Namespaced by database like the data cache, but apart from it: an import clears the data cache's keys.
        prefix = "bdpack:" + hashlib.sha256(settings.database_url.encode()).hexdigest()[:10] + ":"
        if settings.redis_url:
            store: Store = RedisStore(settings.redis_url, prefix)
        else:
            store = DiskStore(Path(settings.instance_path) / "pack-jobs")
        return cls(
            store,
            build_timeout=build_timeout,
            keep_seconds=keep_seconds,
            max_builds=max_builds,
            browser_path=settings.browser_path,
        )

    # --- the web request: fast, no pack work ---------------------------------------------------------------------

    def request(self, user: str, view: ViewState, *, suppress: bool) -> str | Refused:
        """Take `user`'s one pack slot for `view` and return a ticket for the background job, or say why not."""
        ticket = secrets.token_urlsafe(18)
        if not self.store.add("user:" + user, ticket.encode(), self.build_timeout):
            return Refused(
                "You already have a board pack being made. It will download when it is ready; you can "
                "ask for another one after that."
            )
        body = {"user": user, "board": view.board, "area": view.area, "period": view.period, "suppress": suppress}
        self.store.set("ticket:" + ticket, json.dumps(body).encode(), self.build_timeout)
        return ticket

    # --- the job: runs in a job process or a Celery worker -------------------------------------------------------

    def run(self, ticket: str, progress: Progress | None = None, *, today: date | None = None) -> PackFile:
        """Make (or share) the pack a ticket asked for, and free its user's slot however it ends."""
        raw = self.store.get("ticket:" + str(ticket))
        if raw is None:
            raise PackExpired("This pack request has expired. Press the button again.")
        req = json.loads(raw)
        try:
            view = ViewState(req["board"], req["area"], req["period"])
            return self.pack(view, suppress=req["suppress"], progress=progress, today=today)
        finally:
            self.store.delete("ticket:" + str(ticket))
            self.store.delete_if("user:" + req["user"], str(ticket).encode())

    def pack(
        self, view: ViewState, *, suppress: bool, progress: Progress | None = None, today: date | None = None
    ) -> PackFile:
        """The pack for a view: the kept one if nothing it prints has changed, else one made now, by this job or,
        when another job is already making this view's pack, by that one (this one waits and shares it)."""
        from dashboard.reports import pack as board_pack
        from dashboard.services.pages import pack_content
        from data_access import queries

        today = today or date.today()
        tell = progress or (lambda _d, _t, _s: None)
        lock = f"build:{view.board}:{view.area}:{view.period}:{int(suppress)}"
        token = secrets.token_bytes(12)
        shared = False
        deadline = time.monotonic() + 2 * self.build_timeout
        while not self.store.add(lock, token, self.build_timeout):
            # Someone is making this pack: show their progress, then use what they made.
            shared = True
            seen = self.store.get("progress:" + lock)
            if seen:
                done, total, step = json.loads(seen)
                tell(done, total, f"{step} (shared with another request for this pack)")
            if time.monotonic() > deadline:
                raise TimeoutError("The board pack is taking too long to make. Try again in a few minutes.")
            time.sleep(WAIT_POLL_SECONDS)
        try:
            tell(0, 1, "reading the figures")
            with_charts = board_pack.chart_browser(self.browser_path) is not None
            summary = queries.dataset_summary()
            key = "pdf:" + fingerprint(
                {
                    "content": pack_content(view, with_charts=False),
                    "charts": with_charts,
                    "dataset": [str(summary["updated_at"]), summary["observations"]],
                },
                suppress=suppress,
                today=today,
            )
            pdf = self.store.get(key)
            if pdf is not None:
                tell(1, 1, "done")
                return PackFile(pdf, board_pack.pack_filename(view, today), reused=True)
            slot = self._build_slot(token, tell)

            def relay(done: int, total: int, step: str) -> None:
                self.store.set("progress:" + lock, json.dumps([done, total, step]).encode(), self.build_timeout)
                tell(done, total, step)

            try:
                pdf = board_pack.build_pack(
                    view,
                    suppress=suppress,
                    today=today,
                    with_charts=with_charts,
                    progress=relay,
                    images=_StoreImages(self.store),
                    browser_path=self.browser_path,
                )
            finally:
                self.store.delete_if(slot, token)
            self.store.set(key, pdf, self.keep_seconds)
            self.store.incr("builds")
            return PackFile(pdf, board_pack.pack_filename(view, today), reused=shared)
        finally:
            self.store.delete("progress:" + lock)
            self.store.delete_if(lock, token)

    def _build_slot(self, token: bytes, tell: Progress) -> str:
        """Wait for one of the service's `max_builds` build slots; return its key (freed by the caller)."""
        deadline = time.monotonic() + 2 * self.build_timeout
        while True:
            for i in range(self.max_builds):
                if self.store.add(f"slot:{i}", token, self.build_timeout):
                    return f"slot:{i}"
            if time.monotonic() > deadline:
                raise TimeoutError("The board pack is taking too long to make. Try again in a few minutes.")
            tell(0, 1, "waiting for another pack to finish first")
            time.sleep(WAIT_POLL_SECONDS)

    def builds(self) -> int:
        """How many packs this store has seen made (not reused) since it was created."""
        raw = self.store.get("builds")
        return int(raw) if raw is not None else 0


# --- the background callback manager --------------------------------------------------------------------------


def callback_manager(settings: Any) -> Any:
    """Dash's background callback manager for the settings: Celery on the configured Redis when REDIS_URL is set
    (a worker runs the jobs, see above), else diskcache in the instance folder (a process per job)."""
    if settings.redis_url:
        from dash import CeleryManager

        return CeleryManager(celery_app(settings.redis_url), expire=600)
    import diskcache
    from dash import DiskcacheManager

    folder = Path(settings.instance_path) / "background-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return DiskcacheManager(diskcache.Cache(str(folder)), expire=600)


def celery_app(redis_url: str) -> Any:
    """The Celery app the web servers queue packs on and the workers take them from."""
    from celery import Celery

    app = Celery("board_dashboard", broker=redis_url, backend=redis_url)
    app.conf.update(
        # One pack at a time per worker process and acknowledged when done: a worker killed mid-pack hands it on.
        worker_prefetch_multiplier=1,
        task_acks_late=True,
        result_expires=600,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"socket_connect_timeout": 2},
        redis_socket_connect_timeout=2,
    )
    return app
