"""The board pack as deployed: gunicorn web workers with PostgreSQL and Redis queue the pack on Celery, and a real
Celery worker process makes it. Two people asking for the same pack get it from one build."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.services.pack_jobs import PackJobs
from dashboard.settings import Settings
from tests.conftest import ROOT, _reset_pg, require_or_skip
from tests.e2e.conftest import NORMAL, SCREENSHOTS
from tests.e2e.helpers import settle, watch_network
from tests.servers import VENV_BIN, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, pg_server_url):
    """PostgreSQL with the board's dataset, gunicorn with REDIS_URL, and a Celery pack worker beside it."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        require_or_skip("TEST_REDIS_URL (Redis)")
    if not pg_server_url:
        require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
    from data_access import db

    if db._engine is not None:
        db._engine.dispose()
    _reset_pg(pg_server_url)
    instance = tmp_path_factory.mktemp("celery-pack")
    env = {"INSTANCE_PATH": str(instance), "AUTH_MODE": "none", "DATABASE_URL": pg_server_url, "REDIS_URL": redis_url}
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    full_env.update(env, PYTHONUNBUFFERED="1")
    r = subprocess.run(
        [sys.executable, "-m", "dashboard", "init-db"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    settings = Settings(instance_path=instance, database_url=pg_server_url, redis_url=redis_url)
    jobs = PackJobs.for_settings(settings)
    import redis

    for key in redis.Redis.from_url(redis_url).scan_iter(jobs.store._p + "*"):
        redis.Redis.from_url(redis_url).delete(key)
    log = SCREENSHOTS.parent / "celery-pack-worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        worker = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "dashboard.web.pack_worker",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(log, "ready", worker)
            with running_server(
                env, gunicorn_workers=2, timeout=120, log_path=SCREENSHOTS.parent / "celery-pack-server.log"
            ) as url:
                yield url, jobs, log
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def _wait_for(log: Path, word: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if word in log.read_text():
            return
        assert proc.poll() is None, f"the Celery worker stopped: {log.read_text()[-3000:]}"
        time.sleep(0.5)
    raise AssertionError(f"the Celery worker did not start: {log.read_text()[-3000:]}")


def test_two_people_download_the_same_pack_made_once_by_the_celery_worker(browser, console, deployed):
    from pypdf import PdfReader

    url, jobs, log = deployed
    before = jobs.builds()
    # Two people in their own browsers (AUTH_MODE=none names them both "local", so they ask one after the other).
    pages, contexts = [], []
    for _ in range(2):
        ctx = browser.new_context(viewport=NORMAL, locale="en-GB", accept_downloads=True)
        ctx.set_default_timeout(30_000)
        page = ctx.new_page()
        console.attach(page)
        watch_network(page)
        page.goto(url + "/")
        settle(page, timeout=60)
        pages.append(page)
        contexts.append(ctx)
    try:
        with pages[0].expect_download(timeout=240_000) as download:
            pages[0].click("#pack-button")
            expect(pages[0].locator("#pack-progress-box")).to_be_visible()
        data = open(download.value.path(), "rb").read()
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
        assert data.startswith(b"%PDF") and "Performance report: board pack" in text
        assert jobs.builds() == before + 1, "the worker made the pack"
        assert "succeeded" in log.read_text(), "the pack was made by the Celery worker, not a web worker"
        # The same pack asked for again: handed the kept one, no second build.
        with pages[1].expect_download(timeout=240_000) as again:
            pages[1].click("#pack-button")
        assert open(again.value.path(), "rb").read() == data
        assert jobs.builds() == before + 1
        expect(pages[1].locator("#pack-status")).to_contain_text("Board pack ready")
    finally:
        for ctx in contexts:
            ctx.close()
