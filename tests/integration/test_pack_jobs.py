"""The board pack's guarantees, against the real job stores (diskcache on SQLite; Redis on PostgreSQL, as deployed):
one build per board and view however many ask at once, a finished pack reused until what it prints changes, and
one pack in progress per user."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from dashboard.reference.view import view_from_query
from dashboard.services import dataset as services
from dashboard.services.pack_jobs import PackJobs, Refused
from dashboard.settings import Settings
from data_access import review_store

TODAY = date(2026, 11, 28)


@pytest.fixture(params=["disk", "redis"])
def jobs(request, tmp_path, pg_server_url):
    """A loaded board database and its pack job store: diskcache with SQLite, Redis with PostgreSQL."""
    if request.param == "disk":
        settings = Settings(
            instance_path=tmp_path / "instance", database_url=f"sqlite:///{tmp_path / 'b.db'}", redis_url=None
        )
    else:
        redis_url = request.getfixturevalue("redis_url")
        # PostgreSQL through the shared fixture's throwaway database, emptied for this test.
        from tests.conftest import _reset_pg, require_or_skip

        if not pg_server_url:
            require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
        from data_access import db

        if db._engine is not None:
            db._engine.dispose()
        _reset_pg(pg_server_url)
        settings = Settings(instance_path=tmp_path / "instance", database_url=pg_server_url, redis_url=redis_url)
    app = services.bootstrap(settings)
    with app.app_context():
        services.init_database(load_bundled=True)
    j = PackJobs.for_settings(settings)
    if request.param == "redis":
        # A clean namespace: this database's pack keys from an earlier run must not count.
        import redis

        r = redis.Redis.from_url(settings.redis_url)
        for key in r.scan_iter(j.store._p + "*"):
            r.delete(key)
    yield app, j


def test_two_requests_for_the_same_pack_make_one_build_and_both_get_it(jobs):
    app, j = jobs
    view = view_from_query({"board": "havering", "area": "havering", "period": "latest"})
    before = j.builds()
    tickets = [j.request(user, view, suppress=True) for user in ("vera", "cora")]
    assert all(isinstance(t, str) for t in tickets)
    results, seen_progress = {}, {t: [] for t in tickets}

    def run(ticket: str) -> None:
        with app.app_context():
            results[ticket] = j.run(ticket, lambda d, t, s, k=ticket: seen_progress[k].append((d, t, s)), today=TODAY)

    threads = [threading.Thread(target=run, args=(t,)) for t in tickets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert set(results) == set(tickets), "both requests are answered"
    a, b = (results[t] for t in tickets)
    assert a.pdf.startswith(b"%PDF") and a.pdf == b.pdf, "both people get the same document"
    assert j.builds() == before + 1, "the pack was made once"
    assert sorted([a.reused, b.reused]) == [False, True], "the second request shared the first one's build"
    assert all(seen_progress[t] for t in tickets), "both requests were shown progress"

    # Asked again with nothing changed: the kept pack, no new build.
    with app.app_context():
        again = j.run(j.request("vera", view, suppress=True), today=TODAY)
    assert again.reused and again.pdf == a.pdf and j.builds() == before + 1

    # What the pack prints changes (a new open challenge): the next request makes a new pack.
    with app.app_context():
        review_store.raise_challenge(
            "police_attendance_icpc_pct",
            "havering",
            None,
            "Why are fewer police attending initial conferences?",
            "DCS",
            "cora",
        )
        changed = j.run(j.request("vera", view, suppress=True), today=TODAY)
    assert not changed.reused and changed.pdf != a.pdf and j.builds() == before + 2


def test_a_user_has_one_pack_in_progress_and_a_second_request_is_refused_with_a_message(jobs):
    app, j = jobs
    view = view_from_query({"board": "havering", "area": "havering", "period": "latest"})
    first = j.request("vera", view, suppress=True)
    assert isinstance(first, str)
    second = j.request("vera", view, suppress=True)
    assert isinstance(second, Refused) and "already have a board pack being made" in second.message
    assert isinstance(j.request("cora", view, suppress=True), str), "other people are not held up by vera's pack"
    with app.app_context():
        j.run(first, today=TODAY)
    assert isinstance(j.request("vera", view, suppress=True), str), "once the pack is done, vera may ask again"


def test_packs_of_different_views_are_made_one_at_a_time_and_the_one_waiting_says_so(jobs):
    app, j = jobs
    views = [view_from_query({"board": "havering", "area": "havering", "period": p}) for p in ("latest", "2017-18")]
    tickets = [j.request(user, v, suppress=True) for user, v in zip(("vera", "cora"), views, strict=True)]
    steps: dict[str, list[str]] = {t: [] for t in tickets}
    results = {}

    def run(ticket: str) -> None:
        with app.app_context():
            results[ticket] = j.run(ticket, lambda _d, _t, s, k=ticket: steps[k].append(s), today=TODAY)

    threads = [threading.Thread(target=run, args=(t,)) for t in tickets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert all(results[t].pdf.startswith(b"%PDF") for t in tickets)
    waited = [t for t in tickets if "waiting for another pack to finish first" in steps[t]]
    assert len(waited) == 1, "one pack waited for the other's build, and its progress bar said so"
